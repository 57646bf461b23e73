#!/usr/bin/env bash
# Builds the web app into web/dist with the installed tools (never downloads).
# `scripts/build-web.sh` for the size-optimised release build, `scripts/build-web.sh --dev` for a quick one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/web-tools.sh
export PATH="${NRP_TOOLS_DIR:-$HOME/.cache/nrp-tools}/binaryen-132.0.0/node_modules/.bin:$PATH"
if [ "${1:-}" = "--dev" ]; then
  trunk build --offline
else
  trunk build --offline --release --cargo-profile web-release
fi
# Precompressed copies: the server sends them to browsers that accept gzip.
for f in web/dist/*.wasm web/dist/*.js web/dist/*.css; do
  gzip -9 -k -f "$f"
done
