#!/usr/bin/env python3
"""`earshot detect --stream` with imported microWakeWord models vs pymicro-wakeword's own detector.

Converts every .tflite in a folder (default: the pymicro-wakeword wheel's four models) with
`earshot convert`, builds a stream of real speech (../shared/data) with each wake phrase spoken by
espeak-ng between the clips (tools/tflite_parity.speech_stream), and runs
  - the peer: pymicro-wakeword's MicroWakeWordFeatures + MicroWakeWord.process_streaming (the
    wheel's TensorFlow Lite C library), fed 10 ms chunks; after each detection MicroWakeWord.reset()
    is called, as its command-line tool does after a detection,
  - Earshot: `earshot detect --stream STREAM.wav --model M.earshot --json`,
and compares the detections: the same number, each at the same feature frame within one network
step. Then all models run together in one `earshot detect --stream` (repeated --model: one front
end for all), and each wake word's events must again match the peer's for its model. Exit 1 when they differ; "skipped: reason" (exit 0) without the wheel or the data.

  .venv/bin/python tools/checks/microwakeword_stream_check.py --minutes 3
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path[:0] = [os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), d) for d in ("lib", "checks", "fixtures", "bench", "export")]
from tflite_parity import ROOT, speech_stream, wheel  # noqa: E402

RATE, WINDOW, HOP = 16000, 480, 160


def frame_of(seconds):
    """Feature frame index (0-based) whose window ends at `seconds` (Earshot's event time)."""
    return int(round((seconds * RATE - WINDOW) / HOP))


def peer_detections(config_path, pcm):
    """Feature frames (0-based, the last one read before each detection) where pymicro-wakeword detects."""
    from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures

    detector = MicroWakeWord.from_config(config_path)
    features = MicroWakeWordFeatures()
    data = pcm.tobytes()
    frames, found = 0, []
    for start in range(0, len(data), 320):
        for f in features.process_streaming(data[start:start + 320]):
            frames += 1
            if detector.process_streaming(f):
                found.append(frames - 1)
                detector.reset()
    return found, detector.stride


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", help="folder of .tflite models with their .json manifests (default: the wheel's)")
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--earshot", default=os.path.join(ROOT, ".build", "debug", "earshot"))
    args = parser.parse_args()
    found, reason = wheel()
    if found is None:
        print(f"microwakeword_stream: skipped: {reason}")
        return 0
    models_dir = args.models or found[0]
    models = sorted(glob.glob(os.path.join(models_dir, "*.tflite")))
    if not models:
        print(f"microwakeword_stream: FAILED: no .tflite in {models_dir}")
        return 1
    pcm = speech_stream(int(args.minutes * 60), seed=1)
    print(f"audio: {len(pcm) / RATE / 60:.1f} min of real speech + espeak-ng wake phrases")
    passed = failed = 0
    peers, converted_paths = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        import soundfile as sf
        wav = os.path.join(tmp, "stream.wav")
        sf.write(wav, pcm, RATE, subtype="PCM_16")
        for model in models:
            name = os.path.splitext(os.path.basename(model))[0]
            converted = os.path.join(tmp, name + ".earshot")
            subprocess.run([args.earshot, "convert", model, "-o", converted], check=True, stdout=subprocess.DEVNULL)
            run = subprocess.run([args.earshot, "detect", "--stream", wav, "--model", converted, "--json"],
                                 check=True, capture_output=True, text=True)
            ours = [frame_of(json.loads(line)["time"]) for line in run.stdout.splitlines() if line.strip()]
            theirs, stride = peer_detections(os.path.splitext(model)[0] + ".json", pcm)
            with open(os.path.splitext(model)[0] + ".json", encoding="utf-8") as manifest:
                peers[json.load(manifest)["wake_word"]] = (theirs, stride)
            converted_paths.append(converted)
            same = len(ours) == len(theirs) and all(abs(a - b) <= stride for a, b in zip(ours, theirs))
            status = "ok" if same else "FAILED"
            print(f"{name}: earshot {len(ours)} detections, pymicro-wakeword {len(theirs)}; "
                  f"frames earshot {ours[:8]}{'...' if len(ours) > 8 else ''} peer {theirs[:8]}{'...' if len(theirs) > 8 else ''}: {status}")
            if same:
                passed += 1
            else:
                failed += 1
        together = [args.earshot, "detect", "--stream", wav, "--json"]
        for path in converted_paths:
            together += ["--model", path]
        run = subprocess.run(together, check=True, capture_output=True, text=True)
        events = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
        same = all(e["keyword"] in peers for e in events)
        for keyword, (theirs, stride) in peers.items():
            ours = [frame_of(e["time"]) for e in events if e["keyword"] == keyword]
            same = same and len(ours) == len(theirs) and all(abs(a - b) <= stride for a, b in zip(ours, theirs))
        print(f"all {len(converted_paths)} models in one stream: {len(events)} events, "
              f"each keyword's as its model's peer run: {'ok' if same else 'FAILED'}")
        if same:
            passed += 1
        else:
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
