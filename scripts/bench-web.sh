#!/usr/bin/env bash
# Builds the web apps for release and measures, in headless Chromium, what the first page load
# transfers (gzipped, as received) and when its first contentful paint comes. Prints figures.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nrp-target}"
scripts/browser-tools.sh
scripts/build-web.sh
for f in web/dist/*.wasm web/dist/*.js web/dist/*.css web/dist/index.html web/dist/admin/*.wasm web/dist/admin/*.js; do
  printf '%8d B gzip  %8d B brotli  %s\n' "$(gzip -9c "$f" | wc -c)" "$(brotli -q 11 -c "$f" | wc -c)" "$f"
done
cargo test -q -p nrp-tests --test api browser::first_page_load -- --nocapture 2>&1 | grep -E 'KB|ms'
