#!/usr/bin/env bash
# Four microWakeWord models at once through real ALSA, on any Linux machine, microphone or not:
#
#     tools/wakeword_demo.sh [more listen options, e.g. --exec 'echo "$EARSHOT_KEYWORD"' or --stats 1]
#
#   1. tools/setup.sh: Debian packages (ALSA, espeak-ng), the Python venv with pymicro-wakeword
#      (skip: EARSHOT_SKIP_SETUP=1)
#   2. swift build -c release --product earshot (or EARSHOT_BINARY=PATH to use a built one)
#   3. earshot convert: the four models of the pymicro-wakeword wheel (okay_nabu, hey_jarvis, alexa,
#      hey_mycroft, Apache-2.0) with their manifests -> .build-demo/wakewords/*.earshot
#   4. tools/fixtures/make_demo.py: "okay nabu", "hey jarvis", "alexa", "hey mycroft" spoken by espeak-ng into
#      one recording, one phrase per 2 s (voices that each model hears: en-gb+f3, and en-us+f3 for
#      "hey jarvis", which no en-us/en voice at 130-170 wpm triggers)
#   5. earshot listen with the four --model at once (one capture, one front end): the recording is
#      captured through a real ALSA PCM (alsa-lib's file plugin over the null plugin,
#      firmware-configs/wakeword-demo.asoundrc)
#   6. the check: exactly four events, the i-th phrase detected by its own model only, each between
#      the phrase's start and 1.5 s after its end; exit 1 otherwise.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
read -r -a swift_flags <<<"${SWIFT_BUILD_FLAGS:-}"
demo="$repo/.build-demo/wakewords"
log() { printf '[wakeword-demo] %s\n' "$*" >&2; }

if [[ "${EARSHOT_SKIP_SETUP:-0}" != 1 ]]; then
    bash tools/setup.sh >&2
fi

if [[ -n "${EARSHOT_BINARY:-}" ]]; then
    earshot="$EARSHOT_BINARY"
else
    log "building earshot (release)"
    swift build -c release --product earshot "${swift_flags[@]}" >&2
    earshot="$(swift build -c release "${swift_flags[@]}" --show-bin-path)/earshot"
fi

wheel="$(.venv/bin/python -c 'import os, pymicro_wakeword; print(os.path.dirname(pymicro_wakeword.__file__))' 2>/dev/null || true)"
if [[ -z "$wheel" || ! -d "$wheel/models" ]]; then
    log "skipped: pymicro-wakeword is not installed in .venv (tools/setup.sh installs it)"
    exit 2
fi
mkdir -p "$demo"
names=(okay_nabu hey_jarvis alexa hey_mycroft)
model_args=()
for name in "${names[@]}"; do
    "$earshot" convert "$wheel/models/$name.tflite" -o "$demo/$name.earshot" >/dev/null
    model_args+=(--model "$demo/$name.earshot")
done
log "models: ${names[*]} converted from $wheel/models"

.venv/bin/python tools/fixtures/make_demo.py --out "$demo" \
    --words "okay nabu=en-gb+f3:170,hey jarvis=en-us+f3:160,alexa=en-gb+f3:170,hey mycroft=en-gb+f3:170" >&2
seconds="$(awk 'END { print int($NF) + 2 }' "$demo/keywords.tsv")"

log "listening: $earshot listen --config firmware-configs/demo.json --alsa-config firmware-configs/wakeword-demo.asoundrc --device earshot_wakeword_demo ${model_args[*]} --json --duration $seconds $*"
"$earshot" listen --config firmware-configs/demo.json --alsa-config firmware-configs/wakeword-demo.asoundrc \
    --device earshot_wakeword_demo "${model_args[@]}" --json --duration "$seconds" "$@" | tee "$demo/events.jsonl"

# Each phrase must be found once, by its own model, in its own time slot; nothing else.
.venv/bin/python - "$demo/keywords.tsv" "$demo/events.jsonl" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
events = [json.loads(line) for line in open(sys.argv[2]) if line.startswith("{")]
problems = []
for row in rows:
    start, end = float(row["start"]), float(row["end"])
    hits = [e for e in events if start <= e["time"] <= end + 1.5]
    own = [e for e in hits if e["keyword"].lower() == row["word"]]
    others = [e["keyword"] for e in hits if e not in own]
    if len(own) != 1 or others:
        problems.append(f"'{row['word']}' ({start:.2f}-{end:.2f} s): {len(own)} event(s) of its model, others {others}")
    else:
        print(f"[wakeword-demo] '{row['word']}' ({start:.2f}-{end:.2f} s): {own[0]['keyword']} at {own[0]['time']:.2f} s, score {own[0]['score']:.3f}", file=sys.stderr)
stray = [e for e in events if not any(float(r["start"]) <= e["time"] <= float(r["end"]) + 1.5 for r in rows)]
if stray:
    problems.append(f"events outside every phrase: {stray}")
for problem in problems:
    print(f"[wakeword-demo] FAILED: {problem}", file=sys.stderr)
print(f"[wakeword-demo] {len(rows) - len([p for p in problems if not p.startswith('events outside')])} of {len(rows)} phrases detected by their own model only; {len(events)} events", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
