#!/usr/bin/env bash
# SCIM server benchmark: seeds N users (default 100k) and a 10,000-member group into a SQLite
# directory, runs the release server and wrk (16 connections, pinned to core 1; the server is
# not pinned, so it gets core 0 and what wrk leaves of core 1) for each scenario, reports
# req/s, p50/p99 and RSS, then checks that every acknowledged write survives `kill -9`.
#   N=100000 DURATION=10 bench/scim/run.sh
set -euo pipefail
N=${N:-100000}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18089}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
export BENCH_DIR="$ROOT/bench/scim"
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk" >&2; exit 1; }

cargo build --release -q -p gatehouse --bin gatehouse --example bench_scim
WORK=$(mktemp -d)
trap 'kill -9 ${PID:-} 2>/dev/null || true; rm -rf "$WORK"' EXIT
DB="sqlite://$WORK/gatehouse.db"
"$TARGET/release/examples/bench_scim" seed --db "$DB" --users "$N" --members 10000 --out "$WORK"
set -a; source "$WORK/bench.env"; set +a
export SCIM_BASE="/scim/v2/$SCIM_DIR"

start_server() {
  # Request logging at info level costs a formatted line per request; benchmark at warn.
  RUST_LOG=${RUST_LOG:-warn} ${SERVER_TASKSET:-} "$TARGET/release/gatehouse" serve \
    --listen "127.0.0.1:$PORT" --database "$DB" --public-url "http://127.0.0.1:$PORT" \
    >>"$WORK/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return 0
    sleep 0.1
  done
  echo "server did not start" >&2; cat "$WORK/server.log" >&2; exit 1
}

rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$PID/status"; }
hwm_mb() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$PID/status"; }

start_server
echo "scenario,req_per_s,p50_ms,p99_ms,max_ms,errors,rss_mb,peak_rss_mb"
for scenario in create filter_get group_patch list; do
  export BENCH_RUN="$scenario$$"
  # list walks pages per connection, so each connection needs its own Lua state (thread).
  threads=1; [ "$scenario" = list ] && threads=$CONNECTIONS
  line=$(taskset -c 1 wrk -t"$threads" -c"$CONNECTIONS" -d"${DURATION}s" -s "$BENCH_DIR/$scenario.lua" \
    "http://127.0.0.1:$PORT" | grep '^RESULT' | sed 's/^RESULT //')
  python3 - "$scenario" "$line" "$(rss_mb)" "$(hwm_mb)" <<'PY'
import json, sys
name, line, rss, hwm = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
print(f"{name},{line['rps']:.0f},{line['p50_ms']:.2f},{line['p99_ms']:.2f},{line['max_ms']:.1f},{line['errors']},{rss},{hwm}")
PY
done

# Durability: write from 16 connections, kill -9 mid-stream, restart, check every 201.
"$TARGET/release/examples/bench_scim" crash --url "http://127.0.0.1:$PORT$SCIM_BASE" \
  --token "$SCIM_TOKEN" --acked "$WORK/acked.txt" >"$WORK/crash.json" &
CRASH=$!
sleep 2
kill -9 "$PID"
wait "$CRASH" || true
start_server
echo "kill -9: $(cat "$WORK/crash.json") -> $("$TARGET/release/examples/bench_scim" verify --db "$DB" --dir "$SCIM_DIR" --acked "$WORK/acked.txt")"
