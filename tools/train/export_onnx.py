#!/usr/bin/env python3
"""Exports trained parameters (train.py's npz) to ONNX and checks it against numpy with ONNX Runtime.

    python export_onnx.py --params work/params.npz --out work/model.onnx

Graph (PyTorch-export shape, input [T, 1, 10] raw TensorFlow MFCC, output [1, 12] of the last step):
    x -> [MatMul + Add + Relu] -> GRU (linear_before_reset 0) -> Squeeze(1) [-> GRU -> Squeeze(1)]
      -> Gather(-1, axis 0) -> MatMul + Add -> Softmax
The feature normalisation ((x - mean) / std) is folded into the first layer's weights and input bias.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import model as numpy_model


def fold_normalisation(p: dict) -> dict:
    """W' = W / std (rows), b' = b - (mean / std) @ W for the layer that first sees x."""
    p = dict(p)
    first = "front_" if "front_W" in p else "gru0_"
    w = p[first + "W"]
    p[first + "W"] = (w / p["std"][:, None]).astype(np.float32)
    p[first + "b"] = (p[first + "b"] - (p["mean"] / p["std"]) @ w).astype(np.float32)
    p["mean"] = np.zeros_like(p["mean"])
    p["std"] = np.ones_like(p["std"])
    return p


def build(p: dict, labels: list[str]) -> onnx.ModelProto:
    nodes, inits = [], []

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value), name=name))
        return name

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    features = p["mean"].shape[0]
    h = "x"
    if "front_W" in p:
        h = node("MatMul", [h, const("front_weight", p["front_W"])], "front_matmul")
        h = node("Add", [h, const("front_bias", p["front_b"])], "front_add")
        h = node("Relu", [h], "front_relu")
    layer = 0
    while f"gru{layer}_W" in p:
        w, r, b = p[f"gru{layer}_W"], p[f"gru{layer}_R"], p[f"gru{layer}_b"]
        hidden = r.shape[0]
        wn = const(f"gru{layer}_W", w.T[None].astype(np.float32))          # [1, 3H, F], gates z r h
        rn = const(f"gru{layer}_R", r.T[None].astype(np.float32))          # [1, 3H, H]
        bn = const(f"gru{layer}_B", np.concatenate([b, np.zeros_like(b)])[None].astype(np.float32))
        y = node("GRU", [h, wn, rn, bn], f"gru{layer}", hidden_size=hidden, linear_before_reset=0)
        h = node("Squeeze", [y, const(f"gru{layer}_squeeze_axes", np.array([1], np.int64))],
                 f"gru{layer}_squeeze")                                      # [T, 1, H]
        layer += 1
    h = node("Gather", [h, const("last_index", np.array(-1, np.int64))], "last_step", axis=0)  # [1, H]
    h = node("MatMul", [h, const("out_weight", p["out_W"])], "out_matmul")
    h = node("Add", [h, const("out_bias", p["out_b"])], "out_add")
    h = node("Softmax", [h], "probs", axis=-1)
    nodes.append(helper.make_node("Identity", [h], ["y"], name="output"))
    graph = helper.make_graph(nodes, "earshot_kws",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["T", 1, features])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, len(labels)])],
                              initializer=inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)],
                          producer_name="earshot-tools/train/export_onnx.py")
    m.ir_version = 8
    helper.set_model_props(m, {"labels": ",".join(labels)})
    onnx.checker.check_model(m, full_check=True)
    return m


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--params", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--check-features", help="npz with x_val to compare ONNX Runtime with numpy on")
    ap.add_argument("--calibration-out", help="also write 40 of those windows as float32 [T, 10] .npy "
                                              "(calibration frames for earshot convert's int8 report)")
    a = ap.parse_args()
    from words import LABELS
    p = numpy_model.load(a.params)
    folded = fold_normalisation(p)
    m = build(folded, LABELS)
    onnx.save(m, a.out)
    import onnxruntime as ort
    sess = ort.InferenceSession(a.out, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    if a.check_features:
        xs = np.load(a.check_features)["x_val"][:32]
    else:
        xs = rng.standard_normal((8, 49, p["mean"].shape[0])).astype(np.float32) * p["std"] + p["mean"]
    if a.calibration_out:
        np.save(a.calibration_out, np.load(a.check_features)["x_val"][:40].reshape(-1, xs.shape[-1]).astype(np.float32))
    worst = 0.0
    for x in xs:
        ours = numpy_model.forward(p, x[None])[0]
        theirs = sess.run(None, {"x": x[:, None, :].astype(np.float32)})[0][0]
        worst = max(worst, float(np.max(np.abs(ours - theirs))))
    print(f"[export] {a.out}: max |numpy - onnxruntime| = {worst:.2e} over {len(xs)} windows")
    return 0 if worst < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
