#!/usr/bin/env bash
# Earshot's main command, end to end on any Linux machine, microphone or not:
#
#     tools/listen_demo.sh [listen options, e.g. --json or --exec 'echo "$EARSHOT_KEYWORD"']
#
#   1. tools/setup.sh: Debian packages (ALSA, espeak-ng), the Python venv (skip: EARSHOT_SKIP_SETUP=1)
#   2. swift build -c release --product earshot
#   3. tools/fixtures/make_demo.py: ten keywords spoken by espeak-ng -> .build-demo/keywords.{wav,raw,tsv}
#   4. the model: models/commands.earshot, assembled by tools/commands_model.py from the project's
#      12-class head and the openWakeWord feature networks of the wheel tools/setup.sh installed; when that
#      cannot be assembled, models/default.earshot (the self-contained MFCC model the repository carries)
#   5. earshot listen --config firmware-configs/demo.json: the recording is captured through a
#      real ALSA PCM (alsa-lib's file plugin over the null plugin, firmware-configs/demo.asoundrc)
#
# Environment: SWIFT_BUILD_FLAGS (extra flags for swift build, e.g. --scratch-path DIR),
# EARSHOT_SHARED (default: ../shared next to the repository).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
read -r -a swift_flags <<<"${SWIFT_BUILD_FLAGS:-}"
shared="${EARSHOT_SHARED:-$repo/../shared}"
demo="$repo/.build-demo"
log() { printf '[demo] %s\n' "$*" >&2; }

if [[ "${EARSHOT_SKIP_SETUP:-0}" != 1 ]]; then
    bash tools/setup.sh >&2
fi

log "building earshot (release)"
swift build -c release --product earshot "${swift_flags[@]}" >&2
earshot="$(swift build -c release "${swift_flags[@]}" --show-bin-path)/earshot"

log "speaking the demo keywords with espeak-ng"
.venv/bin/python tools/fixtures/make_demo.py --out "$demo" >&2

model_args=()
if .venv/bin/python tools/commands_model.py --earshot "$earshot" >&2; then
    log "model: models/commands.earshot (the default model: a 12-class head over openWakeWord's speech embeddings)"
    model_args=(--model models/commands.earshot)
elif [[ -f models/default.earshot ]]; then
    log "model: models/default.earshot (the self-contained MFCC model; the commands model could not be assembled)"
    model_args=(--model models/default.earshot)
else
    weights="$shared/data/ml-kws/reference/LSTM_S_weights.npz"
    if [[ ! -f "$weights" ]]; then
        log "error: no default model (models/default.earshot) and no $weights to convert an interim one from;"
        log "       set EARSHOT_SHARED to the directory holding data/ml-kws, or pass a model: $0 --model M.earshot"
        exit 1
    fi
    log "model: ARM ML-KWS LSTM_S, converted from $weights (interim, until the default model ships)"
    # The manifest carries LSTM_S's front end (TensorFlow MFCC, 40 ms windows every 40 ms, 10
    # coefficients from 40 mel bands over 20-4000 Hz) and its 25-frame (1 s) window.
    "$earshot" convert "$weights" --manifest tools/manifests/ml-kws/LSTM_S.json -o "$demo/lstm_s.earshot" >/dev/null
fi

log "spoken (start-end): $(tail -n +2 "$demo/keywords.tsv" | awk '{printf "%s %.2f-%.2f s, ", $1, $2, $3}' | sed 's/, $//')"
log "events are stamped where each keyword ends, and printed after 0.3 s of quiet"
log "listening: $earshot listen --config firmware-configs/demo.json ${model_args[*]} $*"
exec "$earshot" listen --config firmware-configs/demo.json "${model_args[@]}" "$@"
