#!/usr/bin/env bash
# Runs the whole test suite: unit tests, black-box HTTP tests (SQLite always; PostgreSQL too when
# CATALOG_TEST_DATABASE_URL is set), the real binary, and a build with only the MCP plugin.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/catalog-target}"

if [ -z "${CATALOG_TEST_DATABASE_URL:-}" ]; then
  echo "note: CATALOG_TEST_DATABASE_URL is not set; PostgreSQL variants of the tests are skipped" >&2
fi

cargo test --workspace --locked

echo "== single-plugin build: catalog-server with only the mcp feature"
cargo build -p catalog-server --no-default-features --features mcp --locked
bin="$(mktemp -d)/catalog-server-mcp-only"
cp "$CARGO_TARGET_DIR/debug/catalog-server" "$bin"
work="$(mktemp -d)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" --listen "127.0.0.1:$port" --data-dir "$work/data" > "$work/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if curl -sf "http://127.0.0.1:$port/readyz" > /dev/null; then break; fi
  sleep 0.2
done
plugins=$(curl -sf "http://127.0.0.1:$port/api/plugins" | python3 -c 'import json,sys; print(",".join(p["name"] for p in json.load(sys.stdin)["plugins"]))')
kill $pid; wait $pid 2>/dev/null || true
if [ "$plugins" != "mcp" ]; then
  echo "FAILED: a build with only the mcp feature lists plugins: '$plugins'" >&2
  cat "$work/log" >&2
  exit 1
fi
echo "single-plugin build serves exactly: $plugins"
# Leave the default-feature binary in place for whoever runs next.
cargo build -p catalog-server --locked
