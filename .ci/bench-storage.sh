#!/usr/bin/env bash
# The object-upload benchmark of issue 14 (not part of CI): one large file uploaded to the
# release emulator by `unicloud storage upload` and, side by side in the same run against the
# same endpoint, by the tools people use today, each at its default settings.
#
# - installs what it needs: Debian's rclone, s3cmd, time and curl (apt-get update once, only if
#   one is missing) and a venv at ./.venv-bench with the pinned awscli, boto3,
#   cos-python-sdk-v5, coscmd and oss2 of crates/unicloud-storage/bench/requirements.txt;
# - builds the release `unicloud` and `unicloud-emulator` binaries first, then measures;
# - writes a file of random bytes (BENCH_SIZE_MIB, default 1024) and starts the release emulator
#   on a free loopback port with `--data-dir` on disk, fixed keys and seeded buckets;
# - before every measured run waits (up to 5 minutes) until no rustc runs and records the
#   1-minute load average (BENCH_QUIET_WAIT=0: no wait, for a quick smoke test); runs each measurement BENCH_RUNS times (default 3) and reports the
#   median throughput and the highest peak RSS (`/usr/bin/time -f %M`) of the runs; checks after
#   every upload that the object holds the file's size (HEAD) and deletes it;
# - measures the ceiling (the same bytes over one plain loopback TCP connection to a sink) and
#   the emulator's own ingest of one large PUT (curl, SigV4 with UNSIGNED-PAYLOAD);
# - with BENCH_GRID=1 also runs `unicloud` over part sizes BENCH_GRID_PARTS (default "8 16 32"
#   MiB) × concurrencies BENCH_GRID_CONC (default "4 8 16") on every vendor;
# - prints one markdown table (and the grid's) on stdout, progress on stderr;
# - stops the emulator with SIGTERM on every exit path and fails unless it exits cleanly (0).
#
# BENCH_TOOLS limits the measurements to some of: curl unicloud aws rclone s3cmd boto3 cos-sdk
# coscmd oss2 (space-separated); BENCH_TMPDIR picks where the file and the data directory go
# (default /tmp: on disk here); BENCH_BIN_DIR=DIR with BENCH_SKIP_BUILD=1 measures prebuilt
# `unicloud` and `unicloud-emulator` binaries (e.g. copies of an older build) instead.
# Loopback only; every run is bounded (BENCH_TIMEOUT seconds, default 600).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
BENCH="$ROOT/crates/unicloud-storage/bench"
VENV="$ROOT/.venv-bench"
PY=${PYTHON:-python3}
SIZE_MIB=${BENCH_SIZE_MIB:-1024}
RUNS=${BENCH_RUNS:-3}
TIMEOUT=${BENCH_TIMEOUT:-600}
TOOLS=${BENCH_TOOLS:-}
GRID=${BENCH_GRID:-0}
QUIET_WAIT=${BENCH_QUIET_WAIT:-300}
GRID_PARTS=${BENCH_GRID_PARTS:-8 16 32}
GRID_CONC=${BENCH_GRID_CONC:-4 8 16}
REL=${BENCH_BIN_DIR:-"${CARGO_TARGET_DIR:-$ROOT/target}/release"}
export PYTHONDONTWRITEBYTECODE=1

log() { printf '[bench-storage] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[[ $SIZE_MIB =~ ^[0-9]+$ && $SIZE_MIB -ge 1 ]] || die "BENCH_SIZE_MIB must be a positive number"
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 1 ]] || die "BENCH_RUNS must be a positive number"

# --- what it needs ------------------------------------------------------------------------
missing=()
command -v rclone >/dev/null || missing+=(rclone)
command -v s3cmd >/dev/null || missing+=(s3cmd)
command -v curl >/dev/null || missing+=(curl)
[[ -x /usr/bin/time ]] || missing+=(time)
if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating the venv at $VENV"
    "$PY" -m venv "$VENV"
fi
log "installing the pinned peers"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$BENCH/requirements.txt"

if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
    log "building the release binaries"
    cargo build --release --quiet -p unicloud-cli --bin unicloud
    cargo build --release --quiet -p unicloud-emulator --bin unicloud-emulator
fi
UNICLOUD="$REL/unicloud"
EMULATOR="$REL/unicloud-emulator"
[[ -x $UNICLOUD && -x $EMULATOR ]] || die "no release binaries in $REL"

# --- the file, the keys, the emulator -----------------------------------------------------
WORK=$(mktemp -d "${BENCH_TMPDIR:-/tmp}/unicloud-bench.XXXXXX")
FILE="$WORK/payload.bin"
SIZE=$((SIZE_MIB * 1024 * 1024))
EMU_PID=
EMU_LOG="$WORK/emulator.log"

stop_emulator() {
    # SIGTERM, then wait (bounded) and insist on a clean exit.
    [[ -n $EMU_PID ]] || return 0
    local pid=$EMU_PID code=0
    EMU_PID=
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "the emulator (pid $pid) did not stop within 10 s of SIGTERM; killing it"
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        return 1
    fi
    wait "$pid" || code=$?
    if [[ $code != 0 ]]; then
        log "the emulator exited with status $code after SIGTERM (want 0); its log:"
        tail -n 20 "$EMU_LOG" >&2 || true
        return 1
    fi
    log "the emulator stopped cleanly on SIGTERM"
}
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop_emulator || status=1
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "writing $SIZE_MIB MiB of random bytes to $FILE"
head -c "$SIZE" /dev/urandom >"$FILE"

export BENCH_AWS_ID=AKIAUNICLOUDBENCH000 BENCH_AWS_SECRET=bench-aws-secret/with+slash
export BENCH_TENCENT_ID=AKIDunicloudBench00000000000000000 BENCH_TENCENT_SECRET=bench-tencent-secret
export BENCH_ALIBABA_ID=LTAIunicloudBench00 BENCH_ALIBABA_SECRET=bench-alibaba-secret
S3_BUCKET=bench COS_BUCKET=bench-1250000000 OSS_BUCKET=bench

PORT=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export BENCH_ADDR="127.0.0.1:$PORT"
URL="http://$BENCH_ADDR"
mkdir -p "$WORK/data"
# Room for one object, its parts and one more in flight.
STORAGE=$((SIZE * 4 + (1 << 30)))
"$EMULATOR" --listen "$BENCH_ADDR" --data-dir "$WORK/data" --max-storage-bytes "$STORAGE" \
    --key "aws:$BENCH_AWS_ID:$BENCH_AWS_SECRET" \
    --key "tencent:$BENCH_TENCENT_ID:$BENCH_TENCENT_SECRET" \
    --key "alibaba:$BENCH_ALIBABA_ID:$BENCH_ALIBABA_SECRET" \
    --bucket "aws:$S3_BUCKET" --bucket "tencent:$COS_BUCKET" --bucket "alibaba:$OSS_BUCKET" \
    >"$EMU_LOG" 2>&1 &
EMU_PID=$!
log "waiting for the emulator (pid $EMU_PID) on $URL"
ready=0
for _ in $(seq 1 100); do
    if curl -sf "$URL/" 2>/dev/null | grep -q unicloud-emulator; then ready=1; break; fi
    kill -0 "$EMU_PID" 2>/dev/null || { cat "$EMU_LOG" >&2; die "the emulator exited early"; }
    sleep 0.1
done
[[ $ready == 1 ]] || { cat "$EMU_LOG" >&2; die "the emulator did not answer"; }

# --- measuring ------------------------------------------------------------------------------
wait_quiet() {
    # Up to QUIET_WAIT seconds until no rustc runs (a build elsewhere would steal a core).
    local waited=0
    while ((QUIET_WAIT > 0)) && pgrep -x rustc >/dev/null; do
        if ((waited == 0)); then log "waiting for running rustc processes to end"; fi
        if ((waited >= QUIET_WAIT)); then
            log "rustc still running after ${QUIET_WAIT}s: measuring anyway (see the load column)"
            return 0
        fi
        sleep 5
        waited=$((waited + 5))
    done
}

now_ns() { date +%s%N; }
mibps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.0f", (b / 1048576) / (ns / 1e9) }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maxof() { sort -n | tail -n 1; }

wanted() { [[ -z $TOOLS ]] || [[ " $TOOLS " == *" $1 "* ]]; }

ROWS=()
GRID_ROWS=()
TABLE_NOTE=()

# measure TABLE TOOL VENDOR BUCKET KEY SETTINGS -- COMMAND...: runs COMMAND $RUNS times, checks the
# object after each run, appends a row to ROWS (TABLE=main) or GRID_ROWS (TABLE=grid).
measure() {
    local table=$1 tool=$2 vendor=$3 bucket=$4 key=$5 settings=$6
    shift 7
    local speeds=() rsses=() loads=() run out rss start end size failed=""
    for run in $(seq 1 "$RUNS"); do
        wait_quiet
        loads+=("$(cut -d' ' -f1 /proc/loadavg)")
        out="$WORK/run.log"
        start=$(now_ns)
        if ! timeout "$TIMEOUT" /usr/bin/time -f '%M' -o "$WORK/rss" "$@" >"$out" 2>&1; then
            failed="failed: $(grep -v '^\s*$' "$out" | grep -v 'Command exited' | tail -n 1 | tr '|' '/' | cut -c1-120)"
            log "$tool → $vendor run $run $failed"
            "$VENV/bin/python" "$BENCH/peers.py" delete "$vendor" "$bucket" "$key" >/dev/null 2>&1 || true
            break
        fi
        end=$(now_ns)
        rss=$(tail -n 1 "$WORK/rss")
        size=$("$VENV/bin/python" "$BENCH/peers.py" head "$vendor" "$bucket" "$key" 2>>"$out" || echo "?")
        if [[ $size != "$SIZE" ]]; then
            failed="failed: HEAD says $size bytes, the file has $SIZE"
            log "$tool → $vendor run $run $failed"
            break
        fi
        "$VENV/bin/python" "$BENCH/peers.py" delete "$vendor" "$bucket" "$key" >/dev/null
        speeds+=("$(mibps "$SIZE" $((end - start)))")
        rsses+=($((rss / 1024)))
        log "$tool → $vendor run $run: $(mibps "$SIZE" $((end - start))) MiB/s, peak RSS $((rss / 1024)) MiB, load ${loads[-1]}"
    done
    local speed="-" peak="-" loadcol
    if ((${#speeds[@]})); then
        speed=$(printf '%s\n' "${speeds[@]}" | median)
        peak=$(printf '%s\n' "${rsses[@]}" | maxof)
    fi
    loadcol=$(IFS=' '; echo "${loads[*]}")
    if [[ -n $failed ]]; then
        speed="${failed}"
    fi
    local row="| $tool | $vendor | $settings | $speed | $peak | ${#speeds[@]} | $loadcol |"
    if [[ $table == grid ]]; then GRID_ROWS+=("$row"); else ROWS+=("$row"); fi
}

unicloud_env=(env AWS_ACCESS_KEY_ID="$BENCH_AWS_ID" AWS_SECRET_ACCESS_KEY="$BENCH_AWS_SECRET"
    AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
    TENCENTCLOUD_SECRET_ID="$BENCH_TENCENT_ID" TENCENTCLOUD_SECRET_KEY="$BENCH_TENCENT_SECRET"
    ALIBABA_CLOUD_ACCESS_KEY_ID="$BENCH_ALIBABA_ID" ALIBABA_CLOUD_ACCESS_KEY_SECRET="$BENCH_ALIBABA_SECRET"
    ALIBABA_CLOUD_ECS_METADATA_DISABLED=true)
region_of() { case $1 in aws) echo us-east-1 ;; tencent) echo ap-guangzhou ;; *) echo cn-hangzhou ;; esac; }
url_of() { case $1 in aws) echo "s3://$S3_BUCKET/$2" ;; tencent) echo "cos://$COS_BUCKET/$2" ;; *) echo "oss://$OSS_BUCKET/$2" ;; esac; }
bucket_of() { case $1 in aws) echo "$S3_BUCKET" ;; tencent) echo "$COS_BUCKET" ;; *) echo "$OSS_BUCKET" ;; esac; }

# The ceiling: the same bytes over one plain loopback TCP connection.
ceilings=()
for run in $(seq 1 "$RUNS"); do
    wait_quiet
    secs=$("$VENV/bin/python" "$BENCH/peers.py" loopback "$FILE")
    ceilings+=("$(awk -v b="$SIZE" -v s="$secs" 'BEGIN { printf "%.0f", (b / 1048576) / s }')")
    log "loopback TCP copy run $run: ${ceilings[-1]} MiB/s"
done
CEILING=$(printf '%s\n' "${ceilings[@]}" | median)

# The emulator's own ingest: one PUT of the whole file (curl streams it; SigV4, UNSIGNED-PAYLOAD).
if wanted curl; then
    measure main "curl (one PUT: the emulator's ingest)" aws "$S3_BUCKET" curl.bin "single PUT, UNSIGNED-PAYLOAD" -- \
        curl -sS --fail --aws-sigv4 "aws:amz:us-east-1:s3" --user "$BENCH_AWS_ID:$BENCH_AWS_SECRET" \
        -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "$FILE" "$URL/$S3_BUCKET/curl.bin"
fi

# --- AWS S3 ---------------------------------------------------------------------------------
if wanted unicloud; then
    for vendor in aws tencent alibaba; do
        measure main unicloud "$vendor" "$(bucket_of "$vendor")" unicloud.bin "defaults" -- \
            "${unicloud_env[@]}" "$UNICLOUD" --endpoint "$URL" -r "$(region_of "$vendor")" -o json \
            storage upload "$FILE" "$(url_of "$vendor" unicloud.bin)"
    done
fi
if wanted aws; then
    measure main "aws s3 cp (awscli $("$VENV/bin/python" -c 'import awscli; print(awscli.__version__)'))" aws "$S3_BUCKET" awscli.bin "defaults (8 MiB × 10)" -- \
        env AWS_ACCESS_KEY_ID="$BENCH_AWS_ID" AWS_SECRET_ACCESS_KEY="$BENCH_AWS_SECRET" AWS_DEFAULT_REGION=us-east-1 \
        AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
        "$VENV/bin/aws" --endpoint-url "$URL" s3 cp --only-show-errors "$FILE" "s3://$S3_BUCKET/awscli.bin"
fi
if wanted rclone; then
    # Plain HTTP on loopback: a CA bundle from the environment is not needed, and rclone's AWS
    # SDK refuses to start with AWS_CA_BUNDLE set and its own HTTP transport.
    : >"$WORK/rclone.conf"
    measure main "rclone ($(rclone version 2>/dev/null | head -n 1 | awk '{ print $2 }'))" aws "$S3_BUCKET" rclone.bin "defaults (5 MiB × 4)" -- \
        env -u AWS_CA_BUNDLE RCLONE_CONFIG="$WORK/rclone.conf" RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other \
        RCLONE_CONFIG_BENCH_ACCESS_KEY_ID="$BENCH_AWS_ID" RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY="$BENCH_AWS_SECRET" \
        RCLONE_CONFIG_BENCH_ENDPOINT="$URL" RCLONE_CONFIG_BENCH_REGION=us-east-1 RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true \
        rclone copyto "$FILE" "bench:$S3_BUCKET/rclone.bin"
fi
if wanted s3cmd; then
    cat >"$WORK/s3cmd.cfg" <<EOF
[default]
access_key = $BENCH_AWS_ID
secret_key = $BENCH_AWS_SECRET
host_base = $BENCH_ADDR
host_bucket = $BENCH_ADDR
use_https = False
signature_v2 = False
bucket_location = us-east-1
progress_meter = False
EOF
    measure main "s3cmd ($(s3cmd --version | awk '{ print $3 }'))" aws "$S3_BUCKET" s3cmd.bin "defaults (15 MiB × 1)" -- \
        s3cmd -c "$WORK/s3cmd.cfg" put "$FILE" "s3://$S3_BUCKET/s3cmd.bin"
fi
if wanted boto3; then
    measure main "boto3 upload_file ($("$VENV/bin/python" -c 'import boto3; print(boto3.__version__)'))" aws "$S3_BUCKET" boto3.bin "defaults (8 MiB × 10)" -- \
        "$VENV/bin/python" "$BENCH/peers.py" boto3-upload "$FILE" "$S3_BUCKET" boto3.bin
fi

# --- Tencent COS ----------------------------------------------------------------------------
if wanted cos-sdk; then
    measure main "cos-python-sdk-v5 upload_file ($("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("cos-python-sdk-v5"))'))" tencent "$COS_BUCKET" cossdk.bin "defaults (1 MiB × 5)" -- \
        "$VENV/bin/python" "$BENCH/peers.py" cos-upload "$FILE" "$COS_BUCKET" cossdk.bin
fi
if wanted coscmd; then
    # coscmd has no IP/port setting: it always addresses BUCKET.cos.REGION.myqcloud.com, so it
    # reaches the emulator through its HTTP proxy setting (requests then sends the absolute-form
    # request line to 127.0.0.1; nothing is resolved or sent elsewhere).
    cat >"$WORK/cos.conf" <<EOF
[common]
secret_id = $BENCH_TENCENT_ID
secret_key = $BENCH_TENCENT_SECRET
bucket = $COS_BUCKET
region = ap-guangzhou
schema = http
EOF
    measure main "coscmd ($("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("coscmd"))'))" tencent "$COS_BUCKET" coscmd.bin "defaults (1 MiB × 5), via HTTP proxy" -- \
        env HTTP_PROXY="$URL" http_proxy="$URL" NO_PROXY= no_proxy= \
        "$VENV/bin/coscmd" -c "$WORK/cos.conf" -s upload "$FILE" coscmd.bin
fi

# --- Alibaba OSS ----------------------------------------------------------------------------
if wanted oss2; then
    oss2v=$("$VENV/bin/python" -c 'import oss2; print(oss2.__version__)')
    measure main "oss2.resumable_upload ($oss2v)" alibaba "$OSS_BUCKET" oss2.bin "defaults (10 MiB × 1)" -- \
        "$VENV/bin/python" "$BENCH/peers.py" oss-upload "$FILE" "$OSS_BUCKET" oss2.bin
    measure main "oss2.resumable_upload ($oss2v)" alibaba "$OSS_BUCKET" oss2t.bin "10 MiB × 4 (num_threads=4)" -- \
        "$VENV/bin/python" "$BENCH/peers.py" oss-upload "$FILE" "$OSS_BUCKET" oss2t.bin 4
fi

# --- the grid -------------------------------------------------------------------------------
if [[ $GRID == 1 ]]; then
    for vendor in aws tencent alibaba; do
        for part in $GRID_PARTS; do
            for conc in $GRID_CONC; do
                measure grid unicloud "$vendor" "$(bucket_of "$vendor")" grid.bin "${part} MiB × $conc" -- \
                    "${unicloud_env[@]}" "$UNICLOUD" --endpoint "$URL" -r "$(region_of "$vendor")" -o json \
                    storage upload --part-size "${part}MiB" --concurrency "$conc" "$FILE" "$(url_of "$vendor" grid.bin)"
            done
        done
    done
fi

EMU_HWM=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$EMU_PID/status" 2>/dev/null || echo "?")

# --- the report -----------------------------------------------------------------------------
echo
echo "Upload of $SIZE_MIB MiB to unicloud-emulator (release, --data-dir on disk) on 127.0.0.1;"
echo "$(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p')), $(date -u +%Y-%m-%d); median of $RUNS runs."
echo
echo "| tool | vendor | settings | MiB/s (median) | peak RSS MiB | runs | load (1 min) before each run |"
echo "|---|---|---|---:|---:|---:|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "Ceiling: $CEILING MiB/s, the same bytes over one plain loopback TCP connection (sendfile to a sink process; median of $RUNS)."
echo "The emulator's peak RSS over the whole run: $EMU_HWM MiB."
if ((${#GRID_ROWS[@]})); then
    echo
    echo "unicloud storage upload over part size × concurrency:"
    echo
    echo "| tool | vendor | settings | MiB/s (median) | peak RSS MiB | runs | load (1 min) before each run |"
    echo "|---|---|---|---:|---:|---:|---|"
    printf '%s\n' "${GRID_ROWS[@]}"
fi
