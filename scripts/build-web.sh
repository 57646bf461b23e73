#!/usr/bin/env bash
# Builds the web app into web/dist with the installed tools (never downloads).
# `scripts/build-web.sh` for the size-optimised release build, `scripts/build-web.sh --dev` for a quick one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/web-tools.sh
export PATH="${NRP_TOOLS_DIR:-$HOME/.cache/nrp-tools}/binaryen-132.0.0/node_modules/.bin:$PATH"
# Two apps, two bundles: the contractor app at / (web/dist) and the admin app at /admin
# (web/dist/admin), so phones never download the admin screens. Contractor first: Trunk replaces
# its whole dist directory.
if [ "${1:-}" = "--dev" ]; then
  profile=()
else
  profile=(--release --cargo-profile web-release)
fi
trunk build web/index.html --offline=true "${profile[@]}"
trunk build web/admin.html --offline=true "${profile[@]}" --public-url /admin/ --dist web/dist/admin
# Precompressed copies: the server sends them to browsers that accept gzip.
for f in web/dist/*.wasm web/dist/*.js web/dist/*.css web/dist/admin/*.wasm web/dist/admin/*.js web/dist/admin/*.css; do
  gzip -9 -k -f "$f"
done
