#!/usr/bin/env bash
# Measures what building unicloud costs from clean (not run in CI: it takes a while and wants
# a quiet machine). For each configuration:
#
#   a  cargo build --workspace
#   b  cargo build -p unicloud-compute --no-default-features --features tencent
#   c  cargo build -p unicloud --no-default-features --features storage,aws
#
# it builds in a fresh temporary CARGO_TARGET_DIR (deleted afterwards) with the dev profile as
# configured in Cargo.toml, after a `cargo fetch` so that downloads are not timed, and reports:
#
# - wall time of the build;
# - peak summed RSS: the resident memory of the whole process tree under the build (cargo,
#   rustc, build scripts, linkers), summed from /proc every 0.5 s, maximum over the samples;
# - largest process: the largest single process's maximum RSS, from `/usr/bin/time -v` when
#   it is installed (exact), else the largest seen in the 0.5 s samples (a lower bound);
# - the size of the target directory at the end.
#
# Usage: .ci/build-cost.sh [--only a|b|c[,...]] [--keep-logs DIR]
#   --only       the configurations to measure (default: a,b,c, in that order)
#   --keep-logs  copy each build's output to DIR/build-cost-<config>.log
# Prints a markdown table on stdout; progress goes to stderr.
set -euo pipefail

cd "$(dirname "$0")/.."

log() { printf '[build-cost] %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }

ONLY="a,b,c"
KEEP_LOGS=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --only) [[ $# -ge 2 ]] || die "--only needs a value"; ONLY="$2"; shift 2 ;;
        --only=*) ONLY="${1#--only=}"; shift ;;
        --keep-logs) [[ $# -ge 2 ]] || die "--keep-logs needs a value"; KEEP_LOGS="$2"; shift 2 ;;
        --keep-logs=*) KEEP_LOGS="${1#--keep-logs=}"; shift ;;
        -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
done

declare -A COMMAND=(
    [a]="cargo build --workspace"
    [b]="cargo build -p unicloud-compute --no-default-features --features tencent"
    [c]="cargo build -p unicloud --no-default-features --features storage,aws"
)
SELECTED=()
IFS=',' read -r -a wanted <<<"$ONLY"
for w in "${wanted[@]}"; do
    w="${w// /}"
    [[ -n "${COMMAND[$w]:-}" ]] || die "--only: unknown configuration '$w' (a, b or c)"
    SELECTED+=("$w")
done

PAGE_KIB=$(( $(getconf PAGESIZE) / 1024 ))
TIME_BIN=""
if [[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1; then
    TIME_BIN=/usr/bin/time
else
    log "/usr/bin/time -v is not available: the largest process is taken from the samples"
fi

# Prints "<summed RSS KiB> <largest RSS KiB>" for the process tree rooted at $1, from
# /proc/<pid>/stat (field 4 is the parent, field 24 the RSS in pages; the command name in
# field 2 may hold spaces, so fields are counted after its closing parenthesis).
tree_rss() {
    cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" -v page="$PAGE_KIB" '
        {
            if (!match($0, /.*\) /)) next
            n = split(substr($0, RSTART + RLENGTH), f, " ")
            if (n < 22) next
            pid = $1 + 0; ppid = f[2] + 0; rss[pid] = f[22] * page
            kids[ppid] = kids[ppid] " " pid
        }
        END {
            sum = 0; big = 0; todo[1] = root + 0; head = 1; tail = 1
            while (head <= tail) {
                p = todo[head++]
                if (p in rss) { sum += rss[p]; if (rss[p] > big) big = rss[p] }
                m = split(kids[p], c, " ")
                for (i = 1; i <= m; i++) todo[++tail] = c[i]
            }
            print sum, big
        }'
}

# Whether process $1 still runs (exists and is not a zombie waiting to be reaped).
alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat="${stat##*) }"
    [[ "${stat:0:1}" != "Z" ]]
}

mib() { awk -v k="$1" 'BEGIN { printf "%.0f MiB", k / 1024 }'; }

log "cargo fetch (downloads are not timed)"
cargo fetch --quiet

TMP_DIRS=()
cleanup() {
    local d
    for d in "${TMP_DIRS[@]}"; do
        if [[ -n "$d" && -d "$d" ]]; then rm -rf -- "$d"; fi
    done
    return 0
}
trap cleanup EXIT

ROWS=()
for cfg in "${SELECTED[@]}"; do
    cmd="${COMMAND[$cfg]}"
    work=$(mktemp -d "${TMPDIR:-/tmp}/unicloud-build-cost.XXXXXX")
    TMP_DIRS+=("$work")
    log "($cfg) $cmd  [CARGO_TARGET_DIR=$work/target]"

    start=$(date +%s.%N)
    # shellcheck disable=SC2086 # the command is split into words on purpose
    if [[ -n "$TIME_BIN" ]]; then
        CARGO_TARGET_DIR="$work/target" "$TIME_BIN" -v -o "$work/time.txt" $cmd >"$work/build.log" 2>&1 &
    else
        CARGO_TARGET_DIR="$work/target" $cmd >"$work/build.log" 2>&1 &
    fi
    pid=$!
    peak_sum=0
    peak_one=0
    while alive "$pid"; do
        read -r sum big < <(tree_rss "$pid")
        if (( sum > peak_sum )); then peak_sum=$sum; fi
        if (( big > peak_one )); then peak_one=$big; fi
        sleep 0.5
    done
    rc=0
    wait "$pid" || rc=$?
    end=$(date +%s.%N)
    wall=$(awk -v a="$start" -v b="$end" 'BEGIN { s = b - a; printf "%dm %04.1fs", int(s / 60), s - 60 * int(s / 60) }')

    if [[ -n "$KEEP_LOGS" ]]; then
        mkdir -p "$KEEP_LOGS"
        cp "$work/build.log" "$KEEP_LOGS/build-cost-$cfg.log"
    fi
    if [[ $rc -ne 0 ]]; then
        tail -n 30 "$work/build.log" >&2
        die "($cfg) the build failed (exit $rc)"
    fi

    largest="$(mib "$peak_one") (sampled)"
    if [[ -n "$TIME_BIN" && -f "$work/time.txt" ]]; then
        kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")
        if [[ -n "$kib" ]]; then largest=$(mib "$kib"); fi
    fi
    size_kib=$(du -sk "$work/target" | awk '{ print $1 }')
    ROWS+=("| $cfg | \`$cmd\` | $wall | $(mib "$peak_sum") | $largest | $(mib "$size_kib") |")
    log "($cfg) done in $wall"

    rm -rf -- "$work"
done

echo
echo "Clean debug builds on $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(rustc --version); $(date -u +%Y-%m-%d)"
echo
echo "| config | command | wall time | peak summed RSS | largest process | target dir |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
