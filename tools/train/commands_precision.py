#!/usr/bin/env python3
"""Validation accuracy of the commands model at each weight precision of its embedding CNN and its head.

    python commands_precision.py --shared ../../../shared/data [--earshot ../../.build/release/earshot] [--json OUT]

Assembles models/commands.earshot four times (tools/commands_model.py's conversion with `--embedding-weights`
and `--head-weights`: fp32/fp32, fp16/fp32, int8/fp32 and int8/int8, the shipped one) and runs `earshot eval` on the real clips of the validation speakers of
speech_commands_train_real (dataset.py's split, the 10 % of speakers train.py holds out: yes, no, up, down; the
only real clips the choice may look at). Prints accuracy and the clips whose prediction changes against fp32.
Never reads the test set or LibriSpeech.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [HERE, os.path.join(REPO, "tools")]
from dataset import validation_real_clips  # noqa: E402
from words import LABELS  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", required=True, help="../shared/data")
    ap.add_argument("--earshot", default=os.path.join(REPO, ".build", "release", "earshot"))
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    import soundfile
    import commands_model
    clips = [(LABELS[label], audio, speaker) for label, audio, speaker in validation_real_clips(a.shared)]
    result = {}
    with tempfile.TemporaryDirectory(prefix="earshot-precision-") as tmp:
        for i, (word, audio, speaker) in enumerate(clips):
            os.makedirs(os.path.join(tmp, "clips", word), exist_ok=True)
            soundfile.write(os.path.join(tmp, "clips", word, f"{speaker}_{i}.wav"), audio, 16000, subtype="PCM_16")
        predictions = {}
        for embedding, head in (("fp32", "fp32"), ("fp16", "fp32"), ("int8", "fp32"), ("int8", "int8")):
            weights = "fp32" if (embedding, head) == ("fp32", "fp32") else f"embedding {embedding}, head {head}"
            model = os.path.join(tmp, f"commands_{embedding}_{head}.earshot")
            cmd = commands_model.convert_command(a.earshot, model)
            cmd[cmd.index("--embedding-weights") + 1] = embedding
            cmd[cmd.index("--head-weights") + 1] = head
            subprocess.run(cmd, check=True, capture_output=True)
            out = subprocess.run([a.earshot, "eval", os.path.join(tmp, "clips"), "--model", model, "--json"],
                                 check=True, capture_output=True, text=True).stdout
            report = json.loads(out)
            predictions[weights] = {f["path"]: f["predicted"] for f in report["files"]}
            accuracy = report["accuracy"] / 100 if report["accuracy"] > 1 else report["accuracy"]
            changed = sum(predictions[weights][p] != predictions["fp32"][p] for p in predictions["fp32"])
            result[weights] = dict(accuracy=accuracy, clips=len(report["files"]), changed_vs_fp32=changed)
            print(f"{weights}: validation accuracy {accuracy:.2%} on {len(report['files'])} real clips, "
                  f"{changed} predictions differ from fp32")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
