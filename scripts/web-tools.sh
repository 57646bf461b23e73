#!/usr/bin/env bash
# Installs what building the web app needs, without letting Trunk download anything:
# the wasm32 target, Trunk 0.21.14, wasm-bindgen-cli at exactly the version in Cargo.lock, and
# wasm-opt (Debian's binaryen). Skips whatever is already installed at the right version.
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

if ! command -v wasm-opt >/dev/null 2>&1; then
  echo "web-tools: installing binaryen (wasm-opt)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq binaryen >/dev/null
fi
echo "web-tools: trunk $TRUNK_VERSION, wasm-bindgen $WBG_VERSION, $(wasm-opt --version | head -n 1)"
