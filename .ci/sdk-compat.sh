#!/usr/bin/env bash
# The vendors' official Python SDKs against the emulator binary: an independent check that the
# emulator speaks each cloud's wire protocol (and not merely what our own clients expect).
#
# - creates (or reuses) a venv at ./.venv-sdk and installs the pinned SDKs from
#   crates/unicloud-emulator/sdk-compat/requirements.txt (boto3; tencentcloud-sdk-python-*;
#   alibabacloud_ecs20140526 / _sts20150401 / _vpc20160428 / _slb20140515; aliyun-python-sdk-core / -ecs);
# - builds target/debug/unicloud-emulator and starts it on a free loopback port with fixed keys;
# - waits until it answers, runs sdk-compat/run.py (unittest: every test_*.py — compute,
#   STS, the VPC route tables and the load balancers of each cloud: ELBv2 and classic ELB,
#   CLB, SLB), and stops the emulator by its PID on every exit path.
#
# Any failure — a pip install, the build, the emulator not starting, a failed or skipped
# test — fails the script.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv-sdk"
COMPAT="$ROOT/crates/unicloud-emulator/sdk-compat"
PY=${PYTHON:-python3}
export PYTHONDONTWRITEBYTECODE=1
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/unicloud-emulator"
START=$(date +%s)

log() { printf '[sdk-compat] %s\n' "$*" >&2; }

if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating the venv at $VENV"
    "$PY" -m venv "$VENV"
fi
log "installing the pinned SDKs"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$COMPAT/requirements.txt"

log "building the emulator"
cargo build --quiet -p unicloud-emulator --bin unicloud-emulator
[[ -x "$BIN" ]] || { log "no emulator binary at $BIN"; exit 1; }

# Fixed keys: the tests read them from the environment.
export SDK_COMPAT_AWS_ID=AKIAUNICLOUDSDKCOMPAT
export SDK_COMPAT_AWS_SECRET=sdk-compat-aws-secret/with+slash
export SDK_COMPAT_TENCENT_ID=AKIDunicloudSdkCompat0000000000000
export SDK_COMPAT_TENCENT_SECRET=sdk-compat-tencent-secret
export SDK_COMPAT_ALIBABA_ID=LTAIunicloudSdkCompat
export SDK_COMPAT_ALIBABA_SECRET=sdk-compat-alibaba-secret

PORT=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export UNICLOUD_EMULATOR_ADDR="127.0.0.1:$PORT"
EMU_LOG=$(mktemp -t unicloud-emulator.XXXXXX.log)

"$BIN" --listen "$UNICLOUD_EMULATOR_ADDR" \
    --key "aws:$SDK_COMPAT_AWS_ID:$SDK_COMPAT_AWS_SECRET" \
    --key "tencent:$SDK_COMPAT_TENCENT_ID:$SDK_COMPAT_TENCENT_SECRET" \
    --key "alibaba:$SDK_COMPAT_ALIBABA_ID:$SDK_COMPAT_ALIBABA_SECRET" \
    >"$EMU_LOG" 2>&1 &
EMU_PID=$!
cleanup() {
    if kill -0 "$EMU_PID" 2>/dev/null; then
        kill -INT "$EMU_PID" 2>/dev/null || true
        wait "$EMU_PID" 2>/dev/null || true
    fi
    rm -f "$EMU_LOG"
}
trap cleanup EXIT INT TERM

answers() {
    "$VENV/bin/python" - "$UNICLOUD_EMULATOR_ADDR" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen(f"http://{sys.argv[1]}/", timeout=1) as r:
        sys.exit(0 if r.status == 200 and b"unicloud-emulator" in r.read() else 1)
except OSError:
    sys.exit(1)
PY
}

log "waiting for the emulator (pid $EMU_PID) on $UNICLOUD_EMULATOR_ADDR"
ready=0
for _ in $(seq 1 100); do
    if answers; then ready=1; break; fi
    if ! kill -0 "$EMU_PID" 2>/dev/null; then
        log "the emulator exited early:"; cat "$EMU_LOG" >&2; exit 1
    fi
    sleep 0.1
done
[[ $ready == 1 ]] || { log "the emulator did not answer"; cat "$EMU_LOG" >&2; exit 1; }

status=0
"$VENV/bin/python" "$COMPAT/run.py" || status=$?
if [[ $status != 0 ]]; then
    log "failed; emulator log:"; tail -n 50 "$EMU_LOG" >&2
fi
log "done in $(( $(date +%s) - START ))s"
exit "$status"
