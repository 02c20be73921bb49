#!/usr/bin/env bash
# Benchmarks the emulator's AWS front-end side by side with moto (not part of CI).
#
# - creates (or reuses) a Python venv at ./.venv and installs 'moto[server]' into it;
# - starts moto_server on a free loopback port (default settings: signature checks off) and
#   waits until it answers;
# - runs `cargo bench -p unicloud-emulator --bench throughput -- --moto URL`, which prints
#   requests/s and p50/p95/p99 latency per scenario for the emulator (all three clouds) and
#   for moto (AWS); extra arguments are passed on to the bench (e.g. --requests 5000);
# - stops moto by its PID on every exit path.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
PY=${PYTHON:-python3}

log() { printf '[bench-vs-moto] %s\n' "$*" >&2; }

if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating the venv at $VENV"
    "$PY" -m venv "$VENV"
fi
if [[ ! -x "$VENV/bin/moto_server" ]]; then
    log "installing moto[server]"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check 'moto[server]'
fi
[[ -x "$VENV/bin/moto_server" ]] || { log "moto_server missing after install"; exit 1; }

# Build first, so moto does not sit idle (and the build does not compete with it).
cargo bench -p unicloud-emulator --bench throughput --no-run

PORT=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
MOTO_LOG=$(mktemp -t moto-bench.XXXXXX.log)

"$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$MOTO_LOG" 2>&1 &
MOTO_PID=$!
cleanup() {
    if kill -0 "$MOTO_PID" 2>/dev/null; then
        kill "$MOTO_PID" 2>/dev/null || true
        wait "$MOTO_PID" 2>/dev/null || true
    fi
    rm -f "$MOTO_LOG"
}
trap cleanup EXIT INT TERM

log "waiting for moto_server (pid $MOTO_PID) on $URL"
for _ in $(seq 1 150); do
    if curl -sf "$URL/moto-api/" >/dev/null 2>&1; then
        break
    fi
    if ! kill -0 "$MOTO_PID" 2>/dev/null; then
        log "moto_server exited early:"; cat "$MOTO_LOG" >&2; exit 1
    fi
    sleep 0.2
done
curl -sf "$URL/moto-api/" >/dev/null || { log "moto_server did not become ready"; cat "$MOTO_LOG" >&2; exit 1; }

log "running the throughput bench against the emulator and moto"
cargo bench -p unicloud-emulator --bench throughput -- --moto "$URL" "$@"
