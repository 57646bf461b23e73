#!/usr/bin/env bash
# Installs what building the web app needs, without letting Trunk download anything:
# the wasm32 target, Trunk 0.21.14, wasm-bindgen-cli at exactly the version in Cargo.lock, and
# wasm-opt (binaryen 132 from npm). Skips whatever is already installed at the right version.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
WBG_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

if ! trunk --version 2>/dev/null | grep -qx "trunk $TRUNK_VERSION"; then
  echo "web-tools: installing trunk $TRUNK_VERSION (about 13 minutes on 2 cores)"
  cargo install --locked "trunk@$TRUNK_VERSION"
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "wasm-bindgen $WBG_VERSION"; then
  echo "web-tools: installing wasm-bindgen-cli $WBG_VERSION (about 5 minutes)"
  # Without --locked: one of its pinned dependencies is no longer on the registry.
  cargo install wasm-bindgen-cli --version "$WBG_VERSION"
fi

# wasm-opt: binaryen 132 from the npm registry (Debian's binaryen 108 breaks wasm-bindgen's
# externref table: the optimised app then fails to start). scripts/build-web.sh puts it on PATH.
BINARYEN_VERSION=132.0.0
BINARYEN_DIR="${NRP_TOOLS_DIR:-$HOME/.cache/nrp-tools}/binaryen-$BINARYEN_VERSION"
if ! "$BINARYEN_DIR/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version 132"; then
  if ! command -v npm >/dev/null 2>&1; then
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nodejs npm >/dev/null
  fi
  echo "web-tools: installing binaryen $BINARYEN_VERSION (wasm-opt) from npm"
  mkdir -p "$BINARYEN_DIR"
  npm install --prefix "$BINARYEN_DIR" --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION"
fi
# brotli: the precompressed .br copies scripts/build-web.sh writes beside the .gz ones.
if ! command -v brotli >/dev/null 2>&1; then
  echo "web-tools: installing brotli"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq brotli >/dev/null
fi
echo "web-tools: trunk $TRUNK_VERSION, wasm-bindgen $WBG_VERSION, $("$BINARYEN_DIR/node_modules/.bin/wasm-opt" --version)"
