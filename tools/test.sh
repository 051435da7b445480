#!/usr/bin/env bash
# Earshot's test command (README; .ci/run calls it). From the repository root or anywhere:
#
#     tools/test.sh
#
# Sections, each with a header, its time and its result:
#   1. setup   tools/setup.sh: Debian packages, the Python venv at .venv (idempotent)
#   2. build   swift build --build-tests; fails on any compiler warning in our own Sources/,
#              Tests/ or Benchmarks/
#   3. test    swift test (every test target)
#   4. parity  tools/onnx_parity.py: `earshot infer` vs ONNX Runtime on freshly seeded models
# and a closing summary; exits non-zero if any section failed. Needs no TTY and no stdin.
#
# Environment:
#   EARSHOT_PARITY_SEED=N   fixed seed for the parity check (default: fresh, printed)
#   EARSHOT_SKIP_SETUP=1    skip section 1 (use the existing .venv)
#   SWIFT_BUILD_FLAGS       extra flags for swift build and swift test (e.g. --scratch-path DIR)
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
exec </dev/null

logs="$(mktemp -d "${TMPDIR:-/tmp}/earshot-test.XXXXXX")"
trap 'rm -rf "$logs"' EXIT
read -r -a swift_flags <<<"${SWIFT_BUILD_FLAGS:-}"
python="$repo/.venv/bin/python"

sections=()   # "name|status|seconds|detail"
tests_passed=0
tests_failed=0
start_all=$SECONDS

header() {
    printf '\n==================== %s ====================\n' "$*"
}

record() {  # name status seconds detail
    sections+=("$1|$2|$3|$4")
    printf -- '--- %s: %s (%ss)%s\n' "$1" "$2" "$3" "${4:+ - $4}"
}

# MARK: - 1. setup
header "1/4 setup: tools/setup.sh"
t=$SECONDS
if [[ "${EARSHOT_SKIP_SETUP:-0}" == 1 ]]; then
    record setup skipped $((SECONDS - t)) "EARSHOT_SKIP_SETUP=1"
elif bash tools/setup.sh; then
    record setup ok $((SECONDS - t)) ""
else
    record setup FAILED $((SECONDS - t)) "tools/setup.sh exited non-zero"
fi

# MARK: - 2. build
header "2/4 build: swift build --build-tests"
t=$SECONDS
build_log="$logs/build.log"
if swift build --build-tests "${swift_flags[@]}" 2>&1 | tee "$build_log"; then
    # Warnings in our own files (not in dependencies' checkouts under .build*).
    real_repo="$(pwd -P)"
    warnings="$(grep -E "^($repo|$real_repo)/(Sources|Tests|Benchmarks)/[^:]+:[0-9]+:[0-9]+: warning:" "$build_log" \
        | sort -u || true)"
    if [[ -n "$warnings" ]]; then
        count=$(printf '%s\n' "$warnings" | wc -l)
        printf '\nwarnings in our own modules:\n%s\n' "$warnings"
        record build FAILED $((SECONDS - t)) "$count compiler warning(s) in Sources/, Tests/ or Benchmarks/"
    else
        record build ok $((SECONDS - t)) "no warnings in our modules"
    fi
    build_ok=1
else
    record build FAILED $((SECONDS - t)) "swift build exited non-zero"
    build_ok=0
fi

# MARK: - 3. test
header "3/4 test: swift test"
t=$SECONDS
test_log="$logs/test.log"
swift test "${swift_flags[@]}" 2>&1 | tee "$test_log"
test_status=${PIPESTATUS[0]}
# Counts from Swift Testing's closing line ("Test run with N tests ... passed/failed ... with K
# issues") and XCTest's ("Executed N tests, with F failures").
st_line="$(grep -E 'Test run with [0-9]+ tests?' "$test_log" | tail -1 || true)"
st_total=$(sed -nE 's/.*Test run with ([0-9]+) tests?.*/\1/p' <<<"$st_line")
st_failed=0
if grep -q 'failed' <<<"$st_line"; then
    st_failed=$(grep -oE '[0-9]+ tests? failed' "$test_log" | tail -1 | grep -oE '^[0-9]+' || true)
    [[ -n "$st_failed" ]] || st_failed=1
fi
xc_line="$(grep -E 'Executed [0-9]+ tests?, with [0-9]+ failures?' "$test_log" | tail -1 || true)"
xc_total=$(sed -nE 's/.*Executed ([0-9]+) tests?, with.*/\1/p' <<<"$xc_line")
xc_failed=$(sed -nE 's/.*with ([0-9]+) failures?.*/\1/p' <<<"$xc_line")
swift_total=$(( ${st_total:-0} + ${xc_total:-0} ))
swift_failed=$(( ${st_failed:-0} + ${xc_failed:-0} ))
if ((test_status == 0)); then
    tests_passed=$((tests_passed + swift_total - swift_failed))
    record test ok $((SECONDS - t)) "$swift_total tests"
else
    ((swift_failed > 0)) || swift_failed=1
    tests_passed=$((tests_passed + (swift_total > swift_failed ? swift_total - swift_failed : 0)))
    tests_failed=$((tests_failed + swift_failed))
    record test FAILED $((SECONDS - t)) "swift test exited $test_status; $swift_failed of $swift_total failed"
fi

# MARK: - 4. parity
header "4/4 parity: tools/onnx_parity.py (earshot infer vs ONNX Runtime)"
t=$SECONDS
parity_log="$logs/parity.log"
bin_path="$(swift build "${swift_flags[@]}" --show-bin-path 2>/dev/null)"
if ((build_ok == 0)); then
    tests_failed=$((tests_failed + 1))
    record parity FAILED $((SECONDS - t)) "not run: the build failed"
elif [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record parity FAILED $((SECONDS - t)) "not run: no venv at $repo/.venv (setup failed?)"
else
    parity_args=(--earshot "$bin_path/earshot")
    [[ -n "${EARSHOT_PARITY_SEED:-}" ]] && parity_args+=(--seed "$EARSHOT_PARITY_SEED")
    "$python" tools/onnx_parity.py "${parity_args[@]}" 2>&1 | tee "$parity_log"
    parity_status=${PIPESTATUS[0]}
    counts="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$parity_log" | tail -1 || true)"
    p_passed=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$counts")
    p_failed=$(sed -nE 's/.* ([0-9]+) failed$/\1/p' <<<"$counts")
    tests_passed=$((tests_passed + ${p_passed:-0}))
    if ((parity_status == 0)); then
        record parity ok $((SECONDS - t)) "${counts:-no count printed}"
    else
        ((${p_failed:-0} > 0)) || p_failed=1
        tests_failed=$((tests_failed + p_failed))
        record parity FAILED $((SECONDS - t)) "exit $parity_status; ${counts:-no count printed}"
    fi
fi

# MARK: - Later stages hook in here
# header "5/N frontend: tools/frontend_parity.py (features vs TensorFlow/librosa references in ../shared)"
# header "6/N hostile files: earshot fuzz on truncated/flipped model files"
# header "7/N quantized parity: int8/fp16 weights vs fp32, per-layer error report"
# Benchmarks (tools/bench_step.py) are not tests and do not run here.

# MARK: - Summary
header "summary"
failed_sections=0
for entry in "${sections[@]}"; do
    IFS='|' read -r name status seconds detail <<<"$entry"
    printf '  %-8s %-8s %5ss  %s\n' "$name" "$status" "$seconds" "$detail"
    [[ "$status" == FAILED ]] && failed_sections=$((failed_sections + 1))
done
printf '  total time %ss\n\n' $((SECONDS - start_all))
if ((failed_sections > 0)); then
    printf 'FAILED: %d section(s) failed\n' "$failed_sections"
    ((tests_failed > 0)) || tests_failed=$failed_sections
else
    printf 'OK: all sections passed\n'
fi
printf 'overall: %d passed, %d failed\n' "$tests_passed" "$tests_failed"
((failed_sections == 0))
