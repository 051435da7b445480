#!/usr/bin/env python3
"""12-class accuracy on the 480 real clips of ../shared/data/speech_commands_v0.02_subset (test set).

    python evaluate.py --shared ../../../shared/data (--params P.npz | --onnx M.onnx |
                       --earshot M.earshot [--earshot-bin PATH]) [--json OUT.json] [--markdown]

Features: tf_mfcc.TFMfcc on each clip (padded/truncated to 16000 samples like DecodeWav) — the same
features TensorFlow computes (checked by tf_mfcc.py --check) and Earshot's front end computes.
Backends: numpy (model.py), ONNX Runtime, or Earshot itself (`earshot infer`, one window per clip,
last step from zero state). Final evaluation only: nothing here feeds back into training.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from tf_mfcc import TFMfcc, fit_length, read_wav
from words import LABELS


def load_test(shared: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    root = os.path.join(shared, "speech_commands_v0.02_subset")
    files, labels = [], []
    for i, label in enumerate(LABELS):
        for name in sorted(os.listdir(os.path.join(root, label))):
            if name.endswith(".wav"):
                files.append(f"{label}/{name}")
                labels.append(i)
    audio = np.stack([fit_length(read_wav(os.path.join(root, f))) for f in files])
    return TFMfcc()(audio), np.array(labels), files


def predict_earshot(model: str, binary: str, x: np.ndarray) -> np.ndarray:
    probs = []
    with tempfile.TemporaryDirectory() as tmp:
        xin, yout = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
        for window in x:
            np.save(xin, window.astype(np.float32))
            subprocess.run([binary, "infer", "--model", model, "--features", xin, "--out", yout],
                           check=True, capture_output=True)
            probs.append(np.load(yout).reshape(-1, len(LABELS))[-1])
    return np.array(probs)


def report(probs: np.ndarray, y: np.ndarray) -> dict:
    pred = probs.argmax(axis=1)
    confusion = np.zeros((len(LABELS), len(LABELS)), dtype=int)
    for t, p in zip(y, pred):
        confusion[t, p] += 1
    per_class = {LABELS[i]: float(confusion[i, i] / max(1, confusion[i].sum())) for i in range(len(LABELS))}
    return dict(accuracy=float((pred == y).mean()), per_class=per_class, confusion=confusion.tolist(),
                clips=int(len(y)))


def markdown(r: dict) -> str:
    lines = [f"Accuracy: **{100 * r['accuracy']:.1f}%** ({round(r['accuracy'] * r['clips'])}/{r['clips']})", "",
             "| true \\ predicted | " + " | ".join(LABELS) + " | recall |",
             "|---|" + "---|" * (len(LABELS) + 1)]
    for i, row in enumerate(r["confusion"]):
        lines.append(f"| {LABELS[i]} | " + " | ".join(str(v) for v in row) +
                     f" | {100 * r['per_class'][LABELS[i]]:.0f}% |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/data"))
    ap.add_argument("--params")
    ap.add_argument("--onnx")
    ap.add_argument("--earshot")
    ap.add_argument("--earshot-bin", default="earshot")
    ap.add_argument("--json")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    x, y, _files = load_test(a.shared)
    if a.params:
        import model
        probs = model.forward(model.load(a.params), x)
        backend = f"numpy {a.params}"
    elif a.onnx:
        import onnxruntime as ort
        sess = ort.InferenceSession(a.onnx, providers=["CPUExecutionProvider"])
        probs = np.array([sess.run(None, {"x": w[:, None, :]})[0][0] for w in x])
        backend = f"onnxruntime {a.onnx}"
    elif a.earshot:
        probs = predict_earshot(a.earshot, a.earshot_bin, x)
        backend = f"earshot {a.earshot}"
    else:
        ap.error("give --params, --onnx or --earshot")
    r = report(probs, y)
    r["backend"] = backend
    print(f"[evaluate] {backend}: {100 * r['accuracy']:.1f}% on {r['clips']} test clips; per class " +
          " ".join(f"{k}={100 * v:.0f}" for k, v in r["per_class"].items()))
    if a.markdown:
        print(markdown(r))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(r, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
