#!/usr/bin/env bash
# The run command: builds the web app and the server (release), loads the demo data into the
# embedded SQLite database under ./data, and serves everything on http://127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-web.sh
export LOG_FORMAT="${LOG_FORMAT:-pretty}"
exec cargo run --release -p nrp-server -- serve --seed-demo
