#!/usr/bin/env bash
# Builds the web app into web/dist with the installed tools (never downloads).
# `scripts/build-web.sh` for the size-optimised release build, `scripts/build-web.sh --dev` for a quick one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/web-tools.sh
export PATH="${NRP_TOOLS_DIR:-$HOME/.cache/nrp-tools}/binaryen-132.0.0/node_modules/.bin:$PATH"
# Three bundles: the contractor app at / (web/dist), the admin app at /admin (web/dist/admin)
# and the account app at /account (web/dist/account), so phones never download the admin screens
# and the first load holds only what a contractor uses every day. Contractor first: Trunk replaces
# its whole dist directory.
if [ "${1:-}" = "--dev" ]; then
  profile=()
else
  profile=(--release --cargo-profile web-release)
fi
trunk build web/index.html --offline=true "${profile[@]}"
trunk build web/admin.html --offline=true "${profile[@]}" --public-url /admin/ --dist web/dist/admin
# The account screens (security, team, the pages emailed links open) at /account: not in the
# phone's first load.
trunk build web/account.html --offline=true "${profile[@]}" --public-url /account/ --dist web/dist/account
# Precompressed copies: the server sends brotli to browsers that accept it (every current one over
# HTTPS and on localhost; about a fifth smaller than gzip for the wasm), gzip to the rest.
for f in web/dist/*.wasm web/dist/*.js web/dist/*.css web/dist/{admin,account}/*.wasm web/dist/{admin,account}/*.js \
  web/dist/{admin,account}/*.css; do
  gzip -9 -k -f "$f"
  brotli -q 11 -k -f "$f"
done
