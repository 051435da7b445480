#!/usr/bin/env python3
"""The commands head (bb_train.py's .npz) as the ONNX graph Earshot's openWakeWord head importer reads.

    python bb_export.py --head work/bb_head.npz --features work/bb_features.npz \\
        --onnx ../../models/commands.head.onnx [--json ../../models/commands.head.json]

Graph: input "x" float [1, 16, 96] -> Flatten -> Gemm -> LayerNormalization -> Relu -> Gemm -> LayerNormalization
-> Relu -> Gemm -> Softmax(axis=-1) -> output "probabilities" [1, 12], classes in words.LABELS order. The bytes
depend only on the weights (fixed producer name, no version or time stamp). Checked against ONNX Runtime on every
validation window of --features (max abs difference of the probabilities, and the validation accuracy again).
--json: the head's card (hidden width, seed, epoch kept, validation figures from bb_train.py's history, sha256).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

import numpy as np

from bb_train import forward
from oww_head import onnx_head
from words import LABELS

TOLERANCE = 1e-4   # fp32 ONNX Runtime vs the float64 numpy head


def layers(p: dict) -> list[tuple]:
    """bb_train.py's parameters as oww_head layers."""
    out = []
    for k in (0, 1):
        out += [("dense", p[f"w{k}"], p[f"b{k}"]), ("layernorm", p[f"g{k}"], p[f"c{k}"]), ("relu",)]
    return out + [("dense", p["w2"], p["b2"]), ("softmax",)]


def runtime_check(path: str, p: dict, x: np.ndarray, y: np.ndarray, real: np.ndarray) -> dict:
    """ONNX Runtime on every window, one at a time (the graph's batch is 1) vs the numpy head."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    got = np.concatenate([session.run(None, {"x": w[None].astype(np.float32)})[0] for w in x])
    want = forward(p, x)
    right = got.argmax(-1) == y
    return dict(windows=len(x), max_abs_diff=float(np.abs(got - want).max()),
                argmax_agree=float((got.argmax(-1) == want.argmax(-1)).mean()),
                val_real=float(right[real].mean()), val_synthetic=float(right[~real].mean()))


def no_folders(paths):
    """A path or a list of paths without their folders (the card names files, not one machine's layout)."""
    if not paths:
        return paths
    return os.path.basename(paths) if isinstance(paths, str) else [os.path.basename(p) for p in paths]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--head", required=True, help="bb_train.py's output (.npz; its .history.json beside it)")
    ap.add_argument("--features", required=True, help="bb_data.py's features (the validation windows are read)")
    ap.add_argument("--onnx", required=True, help="the ONNX file to write")
    ap.add_argument("--json", help="the head's card to write (JSON)")
    a = ap.parse_args()
    import onnx

    for path, what in ((a.head, "--head"), (a.features, "--features")):
        if not os.path.exists(path):
            sys.exit(f"bb_export.py: {what} {path} not found")
    p = dict(np.load(a.head))
    if p["w2"].shape[1] != len(LABELS):
        sys.exit(f"bb_export.py: {a.head}: want {len(LABELS)} outputs, got {p['w2'].shape[1]}")
    model = onnx_head(layers(p), "commands_head", output="probabilities")
    data = model.SerializeToString(deterministic=True)
    with open(a.onnx, "wb") as f:
        f.write(data)
    sha = hashlib.sha256(data).hexdigest()

    d = np.load(a.features)
    real = ~np.char.startswith(d["kind_val"], "tts")
    check = runtime_check(a.onnx, p, d["x_val"], d["y_val"], real)
    print(f"[bb_export] {a.onnx}: {len(data)} bytes, sha256 {sha}")
    print(f"[bb_export] ONNX Runtime vs numpy on {check['windows']} validation windows: max abs diff "
          f"{check['max_abs_diff']:.2e}, argmax agrees on {100 * check['argmax_agree']:.2f}%; validation real "
          f"{100 * check['val_real']:.1f}%, synthetic {100 * check['val_synthetic']:.1f}%")
    if check["max_abs_diff"] > TOLERANCE:
        sys.exit(f"bb_export.py: ONNX Runtime differs from the numpy head by {check['max_abs_diff']:g} (> {TOLERANCE})")
    if a.json:
        with open(a.head.replace(".npz", "") + ".history.json") as f:
            history = json.load(f)
        kept = history["history"][history["selected_epoch"] - 1]
        card = dict(labels=LABELS, hidden=history["args"]["hidden"], seed=history["args"]["seed"],
                    epochs=history["args"]["epochs"], epoch_kept=history["selected_epoch"],
                    training_args={k: no_folders(v) if k in ("negatives", "extra") else v
                                   for k, v in history["args"].items()
                                   if k not in ("features", "out", "log") and not (k == "extra" and v is None)},
                    validation=dict(real=kept["val_real"], synthetic=kept["val_synthetic"], score=kept["val_score"]),
                    onnx_sha256=sha, onnx_runtime_check=check,
                    history=[{k: (round(v, 4) if isinstance(v, float) else v) for k, v in h.items() if k != "seconds"}
                             for h in history["history"]])
        with open(a.json, "w") as f:
            json.dump(card, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
