#!/usr/bin/env python3
"""Rebuilds models/default.earshot with the committed pipeline's export and conversion and compares bytes.

    .venv/bin/python tools/train/check_default_model.py --earshot .build/release/earshot

What is reproduced: steps 7-8 of tools/train/train.sh, byte for byte. The trained parameters are not
committed (training from scratch takes ~20 min of a quiet machine: `REBUILD=1 tools/train/train.sh`),
so they are recovered from the shipped file itself: every int8 matrix dequantized (Q * row scale),
the biases as stored, the (already folded) normalisation as mean 0 / std 1. From those,
  1. export_onnx.build() writes the ONNX graph (train.sh step 7; the numpy check against ONNX Runtime
     is not repeated here);
  2. tools/train/convert.sh converts it with train.sh's options (step 8; calibration only changes
     the printed report, so none is given) and stores the per-keyword thresholds recorded in
     models/default.thresholds.json (train.sh step 8c's choice, installed with the model);
  3. the result must equal models/default.earshot byte for byte (weights, metadata and thresholds).
Symmetric per-row int8 is idempotent on its own output (max |Q| = 127 per row gives back the same
scale and Q), so any byte that differs comes from the export or the converter: a changed default
(e.g. the input matrix stored fp16), key, layout or metadata. Training itself (synthesis, features,
JAX) is not reproduced by this check. Prints "N passed, M failed"; exits 1 on a mismatch.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)


def matrices(path):
    """name -> float32 array in Earshot's row-major [rows, columns] order (int8 dequantized)."""
    import gguf
    reader = gguf.GGUFReader(path)
    raw = {}
    for tensor in reader.tensors:
        columns, rows = (int(d) for d in tensor.shape) if len(tensor.shape) == 2 else (int(tensor.shape[0]), 1)
        data = np.array(tensor.data)
        raw[tensor.name] = data.reshape(rows, columns) if len(tensor.shape) == 2 else data.reshape(-1)
    out = {}
    for name, value in raw.items():
        if name.endswith(".scale"):
            continue
        if value.dtype == np.int8:
            out[name] = (value.astype(np.float32) * raw[name + ".scale"].astype(np.float32)[:, None]).astype(np.float32)
        else:
            out[name] = value.astype(np.float32)
    labels = reader.fields["earshot.labels"].contents()
    return out, labels


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--earshot", default=os.path.join(REPO, ".build", "release", "earshot"))
    parser.add_argument("--model", default=os.path.join(REPO, "models", "default.earshot"))
    parser.add_argument("--thresholds", default=os.path.join(REPO, "models", "default.thresholds.json"),
                        help="the recorded threshold choice to store (choose_thresholds.py's JSON)")
    args = parser.parse_args()
    import export_onnx
    import onnx

    m, labels = matrices(args.model)
    recurrent_bias = m["layer.0.recurrent_bias"]
    if np.any(recurrent_bias != 0):  # export_onnx writes the GRU's recurrent bias as zeros
        print(f"FAIL {args.model}: recurrent bias is not zero; export_onnx.py cannot have written it")
        print("0 passed, 1 failed")
        return 1
    params = {
        "mean": np.zeros(m["layer.0.input_weights"].shape[1], np.float32),
        "std": np.ones(m["layer.0.input_weights"].shape[1], np.float32),
        "gru0_W": m["layer.0.input_weights"].T.copy(),      # [F, 3H], gates z r h
        "gru0_R": m["layer.0.recurrent_weights"].T.copy(),  # [H, 3H]
        "gru0_b": m["layer.0.input_bias"],
        "out_W": m["layer.1.input_weights"].T.copy(),       # [H, 12]
        "out_b": m["layer.1.bias"],
    }
    with tempfile.TemporaryDirectory(prefix="earshot-default-") as work:
        onnx_path = os.path.join(work, "model.onnx")
        onnx.save(export_onnx.build(params, list(labels)), onnx_path)
        rebuilt = os.path.join(work, "model.earshot")
        if not os.path.exists(args.thresholds):
            print(f"FAIL {args.thresholds} not found: the threshold choice the shipped model stores")
            print("0 passed, 1 failed")
            return 1
        result = subprocess.run(["bash", os.path.join(HERE, "convert.sh"), args.earshot, onnx_path, rebuilt,
                                 ",".join(labels)], capture_output=True, text=True,
                                env=dict(os.environ, THRESHOLDS=args.thresholds))
        if result.returncode != 0:
            print(result.stdout, result.stderr)
            print("FAIL convert.sh exited", result.returncode)
            print("0 passed, 1 failed")
            return 1
        if os.environ.get("KEEP_REBUILT"): import shutil; shutil.copy(rebuilt, os.environ["KEEP_REBUILT"])
        shipped = open(args.model, "rb").read()
        made = open(rebuilt, "rb").read()
        if made == shipped:
            print(f"ok   {os.path.relpath(args.model, REPO)}: the pipeline's export + convert.sh rebuild it byte for "
                  f"byte ({len(made):,} bytes; training itself not rerun)")
            print("1 passed, 0 failed")
            return 0
        first = next((i for i, (a, b) in enumerate(zip(made, shipped)) if a != b), min(len(made), len(shipped)))
        print(f"FAIL {os.path.relpath(args.model, REPO)}: the rebuilt file differs ({len(made):,} vs "
              f"{len(shipped):,} bytes, first difference at byte {first})")
        import gguf
        for label, path in (("rebuilt", rebuilt), ("shipped", args.model)):
            types = ", ".join(f"{t.name} {t.tensor_type.name}" for t in gguf.GGUFReader(path).tensors if "scale" not in t.name)
            print(f"     {label}: {types}")
    print("0 passed, 1 failed")
    return 1


if __name__ == "__main__":
    sys.exit(main())
