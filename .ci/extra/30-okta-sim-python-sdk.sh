#!/usr/bin/env bash
# Conformance: drive okta-sim with Okta's official Python SDK (PyPI `okta`), unmodified
# except for its documented https-check switch. Fails unless every SDK call succeeds.
set -euo pipefail

ROOT="${GATEHOUSE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
WORK="$(mktemp -d)"
SIM_PID=""
cleanup() {
  if [ -n "$SIM_PID" ]; then kill "$SIM_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "okta-sim conformance: building okta-sim"
(cd "$ROOT" && CARGO_TARGET_DIR="$TARGET" cargo build --quiet -p okta-sim --bin okta-sim)

echo "okta-sim conformance: installing the okta SDK into a throwaway venv"
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check okta

"$TARGET/debug/okta-sim" serve --users 1000 --groups 25 --seed 7 >"$WORK/sim.json" 2>"$WORK/sim.log" &
SIM_PID=$!
for _ in $(seq 1 100); do
  if [ -s "$WORK/sim.json" ]; then break; fi
  sleep 0.1
done
if [ ! -s "$WORK/sim.json" ]; then
  echo "okta-sim did not print its credentials"; cat "$WORK/sim.log"; exit 1
fi

"$WORK/venv/bin/python" "$ROOT/crates/okta-sim/conformance/python_sdk.py" "$WORK/sim.json"
