#!/usr/bin/env python3
"""Backbone experiment, test: a bb_train.py head on Earshot's embeddings of the 480 real test clips.

    python bb_eval.py --shared ../../../shared/data --head work/bb_head.npz --earshot-bin PATH
                      [--json work/bb_eval.json] [--markdown]

Each test clip (speech_commands_v0.02_subset, padded/truncated to 1 s like evaluate.py) goes through the same
front end as training (bb_frontend.py: 1 s of the clip's own background before it, Earshot's embeddings of the
last 16 chunks). Reports accuracy, per-class recall and the confusion matrix (evaluate.py's report). Every
scoring is appended to work/bb_test_scorings.json (time, head file hash, accuracy): how often the test set was
looked at is part of the result. Final evaluation only: nothing here feeds back into training.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np

from bb_frontend import EmbeddingFrontEnd
from bb_train import forward
from evaluate import report
from tf_mfcc import fit_length, read_wav
from words import LABELS


def test_clips(shared: str) -> tuple[np.ndarray, np.ndarray]:
    root = os.path.join(shared, "speech_commands_v0.02_subset")
    audio, labels = [], []
    for i, label in enumerate(LABELS):
        for name in sorted(os.listdir(os.path.join(root, label))):
            if name.endswith(".wav"):
                audio.append(fit_length(read_wav(os.path.join(root, label, name))))
                labels.append(i)
    return np.stack(audio), np.array(labels)


def markdown(r: dict) -> str:
    rows = [f"Accuracy: **{100 * r['accuracy']:.1f}%** ({round(r['accuracy'] * r['clips'])}/{r['clips']})", "",
            "| true \\ predicted | " + " | ".join(LABELS) + " | recall |", "|---" * (len(LABELS) + 2) + "|"]
    for i, label in enumerate(LABELS):
        rows.append(f"| {label} | " + " | ".join(str(v) for v in r["confusion"][i]) +
                    f" | {100 * r['per_class'][label]:.0f}% |")
    return "\n".join(rows)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", required=True)
    p.add_argument("--head", required=True)
    p.add_argument("--earshot-bin", required=True)
    p.add_argument("--json", default="")
    p.add_argument("--markdown", action="store_true")
    a = p.parse_args()
    work = os.path.dirname(os.path.abspath(a.head))
    start = time.time()
    audio, y = test_clips(a.shared)
    x = EmbeddingFrontEnd(a.earshot_bin, work)(audio)
    head = dict(np.load(a.head))
    r = report(forward(head, x), y)
    r["head_sha256"] = hashlib.sha256(open(a.head, "rb").read()).hexdigest()
    log_path = os.path.join(work, "bb_test_scorings.json")
    log = json.load(open(log_path)) if os.path.exists(log_path) else []
    log.append(dict(time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), head=a.head,
                    head_sha256=r["head_sha256"], accuracy=r["accuracy"]))
    with open(log_path, "w") as f:
        json.dump(log, f, indent=1)
    r["test_set_scorings_so_far"] = len(log)
    print(f"[bb_eval] {100 * r['accuracy']:.1f}% on {r['clips']} test clips; per class "
          + " ".join(f"{k}={100 * v:.0f}" for k, v in r["per_class"].items())
          + f"; test set scored {len(log)} time(s) so far ({time.time() - start:.0f} s)")
    if a.markdown:
        print(markdown(r))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(r, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
