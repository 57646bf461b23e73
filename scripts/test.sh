#!/usr/bin/env bash
# The test command: starts PostgreSQL and Redis when they are not up, builds the web app, and runs
# every test (unit tests, and the black-box suite on SQLite and PostgreSQL with the real Redis).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nrp-target}"

scripts/services.sh

# Each test makes its own database nrp_test_<uuid>; clear those of earlier runs.
export PGPASSWORD="${NRP_PG_PASSWORD:-postgres}"
psql -h 127.0.0.1 -U postgres -Atqc "select datname from pg_database where datname like 'nrp_test_%'" |
  while read -r db; do psql -h 127.0.0.1 -U postgres -qc "drop database if exists \"$db\"" >/dev/null; done

scripts/browser-tools.sh
scripts/test-tools.sh
scripts/build-web.sh --dev

# No doctests: every test lives beside its code or in tests/. The closing line sums all binaries.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --exclude nrp-web --lib --bins --tests "$@" 2>&1 | tee "$log"
# The web app's own unit tests (its routes, money parsing) run natively.
cargo test -p nrp-web --lib "$@" 2>&1 | tee -a "$log"
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
