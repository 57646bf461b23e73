#!/usr/bin/env bash
# Installs the outside clients some black-box tests drive: graphql-http's GraphQL-over-HTTP audit
# and Node's fetch (tests/http-contract, from the npm registry, exact versions), Python's httpx and
# the aiosmtpd SMTP server the notification tests send mail to (PyPI), and Debian's oathtool, the
# independent TOTP generator the second-factor tests sign in with. Skips whatever is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -f tests/http-contract/node_modules/graphql-http/package.json ]; then
  echo "test-tools: installing graphql-http (npm)"
  npm install --prefix tests/http-contract --no-package-lock --no-audit --no-fund --silent
fi
HTTPX_VERSION=0.28.1
if ! python3 -c "import httpx, sys; sys.exit(httpx.__version__ != '$HTTPX_VERSION')" 2>/dev/null; then
  echo "test-tools: installing httpx $HTTPX_VERSION (PyPI)"
  python3 -m pip install --quiet --root-user-action=ignore "httpx==$HTTPX_VERSION"
fi
AIOSMTPD_VERSION=1.4.6
if ! python3 -c "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '$AIOSMTPD_VERSION')" 2>/dev/null; then
  echo "test-tools: installing aiosmtpd $AIOSMTPD_VERSION (PyPI)"
  python3 -m pip install --quiet --root-user-action=ignore "aiosmtpd==$AIOSMTPD_VERSION"
fi
if ! command -v oathtool >/dev/null 2>&1; then
  echo "test-tools: installing oathtool (Debian)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq oathtool >/dev/null
fi
echo "test-tools: oathtool $(oathtool --version | head -n 1 | awk '{print $NF}'), graphql-http $(node -p "require('./tests/http-contract/node_modules/graphql-http/package.json').version"), node $(node --version), httpx $(python3 -c 'import httpx; print(httpx.__version__)'), aiosmtpd $(python3 -c 'import aiosmtpd; print(aiosmtpd.__version__)')"
