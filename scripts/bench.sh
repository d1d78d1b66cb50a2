#!/usr/bin/env bash
# Builds the release server and the benchmark, then runs it. Extra arguments go to catalog-bench,
# e.g. `./scripts/bench.sh --entities 10000 --plugins mcp --seconds 5`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/catalog-target}"
cargo build --release --locked -p catalog-server -p catalog-bench
exec "$CARGO_TARGET_DIR/release/catalog-bench" --out bench-results.json "$@"
