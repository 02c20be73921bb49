#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECONDS each: `fuzz/run.sh 600`,
# `fuzz/run.sh 60 signatures cli_arguments`. Not part of the workspace build.
#
# - Builds the targets on the stable toolchain with plain cargo: libfuzzer-sys links
#   libFuzzer, and RUSTFLAGS add LLVM's coverage instrumentation (sancov) and `--cfg fuzzing`.
#   No sanitizer: the crates forbid `unsafe`, so what we look for is panics, hangs, aborts and
#   runaway memory, which libFuzzer catches on its own (-rss_limit_mb, -timeout).
#   (With cargo-fuzz installed, `RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET` works too.)
# - Seeds each corpus (fuzz/corpus/TARGET, not committed) from ../shared's wire captures and
#   fuzz/seeds/; keeps what libFuzzer finds there for the next run.
# - A crash is written to fuzz/artifacts/TARGET/ and fails the script; turn it into a
#   regression test next to the code it broke, then delete the artifact.
set -euo pipefail
cd "$(dirname "$0")"
FUZZ=$(pwd)
SECONDS_EACH=${1:-60}
shift || true
ALL=(provider_replies object_replies credential_files signatures cli_arguments emulator_requests)
TARGETS=("$@")
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=("${ALL[@]}")
CAPTURES="$FUZZ/../../shared/wire-captures"
[[ -d "$CAPTURES" ]] || { echo "error: ../shared/wire-captures must sit beside the checkout" >&2; exit 1; }

HOST=$(rustc -vV | sed -n 's/^host: //p')
export CARGO_TARGET_DIR="$FUZZ/target"
# --target keeps these flags off build scripts and proc-macros, as cargo-fuzz does.
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
echo "[fuzz] building ${TARGETS[*]} (release, instrumented)" >&2
bins=()
for t in "${TARGETS[@]}"; do bins+=(--bin "$t"); done
cargo build --quiet --release --target "$HOST" "${bins[@]}"

# Seeds: the pieces of the captures each parser meets.
seed() {
    local t=$1 dir="$FUZZ/corpus/$1"
    mkdir -p "$dir"
    [[ -d "$FUZZ/seeds/$t" ]] && cp -n "$FUZZ/seeds/$t"/* "$dir"/ 2>/dev/null || true
    local f n
    for f in "$CAPTURES"/[0-9]*.txt; do
        n=$(basename "$f" .txt)
        case "$t" in
            provider_replies)
                case "$n" in
                    *-tc-*) { printf '\x00\x00\xc8'; sed -n '/^=== RESPONSE SENT ===$/,$p' "$f" | sed '1,/^$/d'; } > "$dir/$n" ;;
                    *-ali-*) { printf '\x01\x00\xc8'; sed -n '/^=== RESPONSE SENT ===$/,$p' "$f" | sed '1,/^$/d'; } > "$dir/$n" ;;
                esac ;;
            object_replies)
                case "$n" in
                    *oss*|*cos*) { printf '\x08\x00\xc8'; sed -n '/^=== RESPONSE SENT ===$/,$p' "$f" | sed '1,2d'; } > "$dir/$n" ;;
                esac ;;
            signatures)
                sed -n 's/^Authorization: //p' "$f" | head -1 > "$dir/$n" ;;
            emulator_requests)
                sed -n '2,/^=== RESPONSE SENT ===$/p' "$f" | sed '$d' | sed 's/$/\r/' > "$dir/$n" ;;
        esac
    done
    find "$dir" -type f -empty -delete
}

failed=0
for t in "${TARGETS[@]}"; do
    seed "$t"
    mkdir -p "$FUZZ/artifacts/$t"
    echo "[fuzz] $t for ${SECONDS_EACH}s" >&2
    if ! "$CARGO_TARGET_DIR/$HOST/release/$t" "$FUZZ/corpus/$t" \
        -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="$FUZZ/artifacts/$t/" -print_final_stats=1 2> "$FUZZ/artifacts/$t.log"; then
        echo "[fuzz] $t FAILED: see fuzz/artifacts/$t/ and fuzz/artifacts/$t.log" >&2
        tail -40 "$FUZZ/artifacts/$t.log" >&2
        failed=1
    else
        grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+.*DONE' "$FUZZ/artifacts/$t.log" >&2 || true
    fi
done
exit "$failed"
