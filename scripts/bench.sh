#!/usr/bin/env bash
# Builds the server and the benchmark in release mode and runs it against the local PostgreSQL
# and Redis (started by scripts/services.sh). Arguments go to nrp-bench (`--help` lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nrp-target}"
scripts/services.sh
# 10,000 sockets need 10,000 descriptors on each side: raise the soft limit to the hard one.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
cargo build --release -p nrp-server -p nrp-bench
"$CARGO_TARGET_DIR/release/nrp-bench" "$@"
