#!/usr/bin/env bash
# Installs what the browser tests drive: Debian's Chromium and its ChromeDriver (never a
# downloaded browser). Skips the install when both are present.
set -euo pipefail
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "browser-tools: installing chromium and chromium-driver"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium chromium-driver >/dev/null
fi
echo "browser-tools: $(chromium --version 2>/dev/null | head -n 1), $(chromedriver --version | head -n 1)"
