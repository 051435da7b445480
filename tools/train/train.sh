#!/usr/bin/env bash
# Trains Earshot's default keyword model from scratch, reproducibly (fixed seeds), on data the project
# makes itself (Debian TTS engines + the small real training set and noise in ../shared/data).
#
#   tools/train/train.sh [--install | --data]
#
#   1. Debian packages: espeak-ng, flite, festival + voices, installed if missing (as root).
#   2. venv tools/train/.venv from tools/train/requirements.txt (JAX CPU; separate from the tests').
#   3. tf_mfcc.py --check: the numpy front end equals TensorFlow's features (<= 1e-3).
#   4. synth.py    -> work/tts.npz       synthetic words (cached: redone when synth.py/words.py change)
#   4b. synth_speech.py -> work/speech.npz  synthetic connected speech without keywords (cached likewise)
#   5. dataset.py  -> work/features.npz  augmented clips -> MFCC (cached likewise); real clips of
#      speech_commands_train_small and speech_commands_train_real, speaker-disjoint validation split
#   6. train.py    -> work/params.npz    JAX training, fixed seed
#   7. export_onnx.py -> work/model.onnx (checked against numpy with ONNX Runtime)
#   8. convert.sh (earshot convert) -> work/model_nothreshold.earshot (int8 weights, int8 input matrix)
#   8b. synth_speech.py --seed 41 -> work/threshold_speech.npz: 1,300 new keyword-free sentences
#      (~74 min; cached like step 4b), made for the threshold choice alone
#   8c. choose_thresholds.py -> work/thresholds.json: per-keyword thresholds for <= 1 false alarm/hour
#      on that speech with the most recall on the held-out real validation speakers (never the test
#      set or LibriSpeech); convert.sh again with them stored -> work/model.earshot; the held-out
#      figures rerun with `earshot detect --stream` on that file
#   9. evaluate.py (test set, numpy + Earshot) and tools/checks/stream_eval.py (simulation): work/*.json;
#      tools/bench/keyword_false_alarms.py: false alarms per hour on LibriSpeech (work/librispeech_fa.json)
#   --data makes only the synthetic speech (steps 1, 2, 4, 4b and 8b: work/tts.npz, speech.npz,
#   threshold_speech.npz), the inputs bb_ship.sh builds the commands model from, and stops.
#   --install copies work/model.earshot to models/default.earshot and work/thresholds.json to
#   models/default.thresholds.json (the record of the choice; check_default_model.py stores it again).
#
# Environment: EARSHOT_BIN=path to an earshot binary (default: built here with
# `swift build -c release --product earshot --scratch-path .build-train`); NICE=niceness (15);
# HOP_FRAMES=K stored as the window hop (2); TRAIN_ARGS / DATASET_ARGS / SYNTH_ARGS: extra arguments
# for those steps (SPEECH_ARGS: synth_speech.py; THRESHOLD_ARGS: choose_thresholds.py, e.g. --target 0.5).
# REBUILD=1 ignores the cached synthetic words, sentences and features.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
shared="$repo/../shared/data"
work="$here/work"
venv="$here/.venv"
nice=(nice -n "${NICE:-15}")
install=0
data_only=0
case "${1:-}" in
    --install) install=1 ;;
    --data) data_only=1 ;;
    "") ;;
    *) echo "train.sh: unknown option ${1} (expected --install or --data)" >&2; exit 2 ;;
esac
log() { printf '[train.sh] %s\n' "$*"; }
mkdir -p "$work"
[[ -d "$shared/speech_commands_train_small" ]] || { echo "train.sh: $shared/speech_commands_train_small not found" >&2; exit 1; }

# MARK: 1. Debian packages
APT=(espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts)
missing=()
for p in "${APT[@]}"; do
    [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    sudo=()
    [[ "$(id -u)" == 0 ]] || sudo=(sudo -n)
    "${sudo[@]}" apt-get update -qq </dev/null
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
fi

# MARK: 2. venv
want="$( { cat "$here/requirements.txt"; python3 -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" ]] || [[ "$(cat "$venv/.stamp" 2>/dev/null)" != "$want" ]]; then
    log "creating $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "${nice[@]}" "$venv/bin/pip" install -q --disable-pip-version-check --no-input -r "$here/requirements.txt" </dev/null
    echo "$want" >"$venv/.stamp"
fi
py=("${nice[@]}" env XLA_FLAGS="--xla_cpu_multi_thread_eigen=false" \
    PYTHONHASHSEED=0 "$venv/bin/python")
cd "$here"

# 8b: held-out speech for the thresholds (also an input of bb_ship.sh, hence made by --data too)
make_threshold_speech() {
    threshold_speech_key="$(stamp_of synth_speech.py synth.py words.py <(echo "seed 41 heldout 1300"))"
    if [[ "$(cat "$work/threshold_speech.stamp" 2>/dev/null)" != "$threshold_speech_key" ]]; then
        start=$(date +%s)
        # Its own seed and sentences: none of them is in training (all 1,300 are "held out").
        "${py[@]}" synth_speech.py --out "$work/threshold_speech.npz" --seed 41 --sentences 0 --heldout 1300
        echo "$threshold_speech_key" >"$work/threshold_speech.stamp"
        log "held-out speech for the thresholds: $(( $(date +%s) - start )) s wall"
    fi
}

# MARK: 3. front end check
((data_only)) || "${py[@]}" tf_mfcc.py --check --shared "$shared"

# MARK: 4-5. data (cached by the hash of the code and arguments that make it)
if [[ "${REBUILD:-0}" == 1 ]]; then
    rm -f "$work/tts.stamp" "$work/speech.stamp" "$work/features.stamp" "$work/threshold_speech.stamp"
fi
stamp_of() { cat "$@" | sha256sum | cut -d' ' -f1; }
tts_key="$(stamp_of synth.py words.py <(echo "${SYNTH_ARGS:-}"))"
if [[ "$(cat "$work/tts.stamp" 2>/dev/null)" != "$tts_key" ]]; then
    start=$(date +%s)
    "${py[@]}" synth.py --out "$work/tts.npz" ${SYNTH_ARGS:-}
    echo "$tts_key" >"$work/tts.stamp"
    log "synthesis: $(( $(date +%s) - start )) s wall"
fi
speech_key="$(stamp_of synth_speech.py synth.py words.py <(echo "${SPEECH_ARGS:-}"))"
if [[ "$(cat "$work/speech.stamp" 2>/dev/null)" != "$speech_key" ]]; then
    start=$(date +%s)
    "${py[@]}" synth_speech.py --out "$work/speech.npz" ${SPEECH_ARGS:-}
    echo "$speech_key" >"$work/speech.stamp"
    log "connected speech: $(( $(date +%s) - start )) s wall"
fi
if ((data_only)); then
    make_threshold_speech
    log "data made: work/tts.npz, work/speech.npz, work/threshold_speech.npz"
    exit 0
fi
feat_key="$(stamp_of dataset.py augment.py tf_mfcc.py "$work/tts.stamp" "$work/speech.stamp" <(echo "${DATASET_ARGS:-}"))"
if [[ "$(cat "$work/features.stamp" 2>/dev/null)" != "$feat_key" ]]; then
    start=$(date +%s)
    "${py[@]}" dataset.py --tts "$work/tts.npz" --speech "$work/speech.npz" --shared "$shared" \
        --out "$work/features.npz" ${DATASET_ARGS:-}
    echo "$feat_key" >"$work/features.stamp"
    log "features: $(( $(date +%s) - start )) s wall"
fi

# MARK: 6-7. train, export
start=$(date +%s)
timer=()
[[ -x /usr/bin/time ]] && timer=(/usr/bin/time -f '[train.sh] training: %e s wall, %U s user CPU, %M KB max RSS')
"${timer[@]}" "${py[@]}" train.py --features "$work/features.npz" --out "$work/params.npz" ${TRAIN_ARGS:-}
"${py[@]}" export_onnx.py --params "$work/params.npz" --out "$work/model.onnx" --check-features "$work/features.npz" \
    --calibration-out "$work/calibration.npy"

# MARK: 8. convert
earshot="${EARSHOT_BIN:-}"
if [[ -z "$earshot" ]]; then
    (cd "$repo" && "${nice[@]}" swift build -c release --product earshot --scratch-path .build-train >/dev/null)
    earshot="$repo/.build-train/release/earshot"
fi
labels="$(paste -sd, "$shared/ml-kws/labels.txt")"
hop="${HOP_FRAMES:-2}"   # listen's default window hop
# convert.sh holds the conversion options (shared with check_default_model.py, which rebuilds the
# shipped file's bytes with them).
HOP_FRAMES="$hop" bash "$here/convert.sh" "$earshot" "$work/model.onnx" "$work/model_nothreshold.earshot" "$labels" \
    "$work/calibration.npy"
HOP_FRAMES="$hop" WEIGHTS=fp32 bash "$here/convert.sh" "$earshot" "$work/model.onnx" "$work/model_fp32.earshot" "$labels" >/dev/null

# MARK: 8b-8c. thresholds, chosen on held-out training-side speech and clips, stored in the model
make_threshold_speech
choose=("${py[@]}" choose_thresholds.py --model "$work/model_nothreshold.earshot" --earshot "$earshot"
    --speech "$work/threshold_speech.npz" --shared "$shared" --out "$work/thresholds.json" ${THRESHOLD_ARGS:-})
"${choose[@]}"
HOP_FRAMES="$hop" THRESHOLDS="$work/thresholds.json" bash "$here/convert.sh" "$earshot" "$work/model.onnx" \
    "$work/model.earshot" "$labels" >/dev/null
"${choose[@]}" --verify "$work/model.earshot"
"$earshot" inspect "$work/model.earshot"

# MARK: 9. evaluate (test set: final numbers only)
"${py[@]}" evaluate.py --shared "$shared" --params "$work/params.npz" --json "$work/eval_numpy.json" --markdown
for m in model model_fp32; do   # end to end from the WAV files: Earshot's front end, windowed, its weights
    "${nice[@]}" "$earshot" eval "$shared/speech_commands_v0.02_subset" --model "$work/$m.earshot" --json >"$work/eval_$m.json"
    "${py[@]}" -c "import json,sys; r=json.load(open(sys.argv[1])); print(f'[train.sh] earshot eval {sys.argv[2]}: {100*r[\"accuracy\"]:.1f}%')" \
        "$work/eval_$m.json" "$m"
done
"${py[@]}" "$repo/tools/checks/stream_eval.py" --simulate "$work/params.npz" --minutes 60 --hop-frames "$hop" \
    --json "$work/stream_sim.json"
if "$earshot" detect --help 2>&1 | grep -q -- "--stream"; then
    "${py[@]}" "$repo/tools/checks/stream_eval.py" --model "$work/model.earshot" --earshot-bin "$earshot" --minutes 60 \
        --json "$work/stream_earshot.json"
    "${py[@]}" "$repo/tools/bench/keyword_false_alarms.py" --model "$work/model.earshot" --earshot "$earshot" \
        --background "$shared/librispeech_test_clean_dev" --json "$work/librispeech_fa.json"
fi

if ((install)); then
    mkdir -p "$repo/models"
    cp "$work/model.earshot" "$repo/models/default.earshot"
    cp "$work/thresholds.json" "$repo/models/default.thresholds.json"
    log "installed models/default.earshot ($(stat -c %s "$repo/models/default.earshot") bytes)"
fi
