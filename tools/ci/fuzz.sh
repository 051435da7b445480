#!/usr/bin/env bash
# Fuzzes Earshot's parsers of outside input with libFuzzer (README, section "Hardening").
#
#     tools/ci/fuzz.sh [SECONDS] [TARGET...]
#
# Builds the Fuzz/ package (release, -sanitize=fuzzer,address) into .build-fuzz, writes fresh
# seed corpora with tools/fixtures/make_fuzz_corpus.py into fuzz-corpus/seeds (gitignored), then runs each
# target for SECONDS (default 30; environment FUZZ_SECONDS) on fuzz-corpus/work/<TARGET> (kept
# between runs, so a longer run starts where the last one stopped) plus the seeds. Prints, per
# target, the executions, the coverage (libFuzzer's cov: edges and ft: features), the corpus
# size and the crashes; a crashing input is kept as fuzz-corpus/crashes/<TARGET>-crash-<sha1>
# (reproduce with `.build-fuzz/release/<TARGET> FILE`). Exits 1 if any target crashed.
#
# Targets: FuzzModelFile FuzzONNX FuzzManifest FuzzWeightArchive FuzzWAV FuzzBoardConfig FuzzNumPy FuzzTFLite FuzzOpenWakeWord
#
# Environment:
#   FUZZ_SECONDS=N       seconds per target (overridden by the first argument)
#   FUZZ_SCRATCH=DIR     build directory (default .build-fuzz)
#   FUZZ_EARSHOT=PATH    earshot binary for the .earshot seeds (default: the debug build, if built)
#   FUZZ_SKIP_BUILD=1    use the existing build
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
exec </dev/null

all_targets=(FuzzModelFile FuzzONNX FuzzManifest FuzzWeightArchive FuzzWAV FuzzBoardConfig FuzzNumPy FuzzTFLite FuzzOpenWakeWord)
seconds="${FUZZ_SECONDS:-30}"
if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then
    seconds="$1"
    shift
fi
targets=("$@")
((${#targets[@]} > 0)) || targets=("${all_targets[@]}")
scratch="${FUZZ_SCRATCH:-$repo/.build-fuzz}"
root="$repo/fuzz-corpus"
python="$repo/.venv/bin/python"

if [[ "${FUZZ_SKIP_BUILD:-0}" != 1 ]]; then
    echo "building the fuzz targets (release, -sanitize=fuzzer,address) in $scratch"
    build_log="$(mktemp)"
    if ! nice -n 10 swift build --package-path Fuzz --scratch-path "$scratch" -c release \
        -Xswiftc -sanitize=fuzzer,address >"$build_log" 2>&1; then
        grep -v "Cannot export local symbol" "$build_log" | tail -40
        rm -f "$build_log"
        echo "FAILED: the fuzz targets did not build"
        exit 1
    fi
    rm -f "$build_log"
fi
bin="$scratch/release"

earshot="${FUZZ_EARSHOT:-}"
if [[ -z "$earshot" && -x "$repo/.build/debug/earshot" ]]; then
    earshot="$repo/.build/debug/earshot"
fi
echo "writing seed corpora into $root/seeds"
"$python" tools/fixtures/make_fuzz_corpus.py --out "$root/seeds" ${earshot:+--earshot "$earshot"} || {
    echo "FAILED: tools/fixtures/make_fuzz_corpus.py"
    exit 1
}
mkdir -p "$root/crashes"

summary=()
crashed=0
for target in "${targets[@]}"; do
    if [[ ! -x "$bin/$target" ]]; then
        echo "FAILED: no fuzz target $bin/$target"
        crashed=$((crashed + 1))
        continue
    fi
    work="$root/work/$target"
    mkdir -p "$work"
    log="$root/$target.log"
    # Crashes, leaks, timeouts and out-of-memory inputs; not libFuzzer's "slow-unit" notes (which
    # on a loaded machine only say that the machine was busy).
    before=$(ls "$root/crashes" | grep -cE "^$target-(crash|leak|timeout|oom)-" || true)
    echo "---- $target: ${seconds}s"
    # Leak checking is off: the Swift runtime's lazily built metadata caches are never freed and
    # LeakSanitizer reports them as leaks of whatever input first touched them.
    nice -n 10 "$bin/$target" "$work" "$root/seeds/$target" \
        -max_total_time="$seconds" -timeout=20 -report_slow_units=60 -rss_limit_mb=2048 -detect_leaks=0 \
        -print_final_stats=1 -artifact_prefix="$root/crashes/$target-" >"$log" 2>&1
    status=$?
    after=$(ls "$root/crashes" | grep -cE "^$target-(crash|leak|timeout|oom)-" || true)
    new=$((after - before))
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
    rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: [0-9]+' | tail -1)
    cov=$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<<"$last")
    ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
    units=$(sed -nE 's/.* corp: ([0-9]+\/[0-9]+[A-Za-z]*).*/\1/p' <<<"$last")
    if ((status != 0)) || ((new > 0)); then
        crashed=$((crashed + 1))
        grep -E "ERROR|Fatal error|SUMMARY|Test unit written|deadly signal" "$log" | head -8
        echo "see $log"
    fi
    summary+=("$(printf '%-18s %10s %8s %7s %7s %12s %8s' "$target" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${units:-?}" "$new")")
done

printf '\n%-18s %10s %8s %7s %7s %12s %8s\n' target executions exec/s cov ft corpus crashes
printf '%s\n' "${summary[@]}"
if ((crashed > 0)); then
    echo "FAILED: $crashed target(s) crashed or failed (inputs in $root/crashes)"
    exit 1
fi
echo "OK: no crashes in ${#targets[@]} target(s), ${seconds}s each"
