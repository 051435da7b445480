#!/usr/bin/env python3
"""Writes Tests/ConverterTests/ManifestFixtures/Convolution: small seeded convolution -> GRU -> dense -> softmax
models built as ONNX graphs and run by ONNX Runtime (the peer), with their weights as an .npz, a
manifest that imports them (conv2d layer with the ONNX/PyTorch weight layouts, channels-first rows),
the input window x [T, F] and ONNX Runtime's last-step output y [1, C]; the Conv2D graphs are also
saved as <case>.onnx for the ONNX graph importer.

  onnx_conv2d_gru     X [1, 1, T, F] -> Conv 4 filters 3x2, strides 2x2, pads (time 1+2, features
                      0+1) -> Relu -> Transpose (T', N, C, F') -> Reshape (T', N, C*F') -> GRU 5
                      (linear_before_reset=1) -> Y_h -> Gemm -> Softmax
  onnx_conv2d_rows_last_gru  the same with Transpose (T', N, F', C): rows f*C + c
  pytorch_conv1d_gru  X [1, F, T] (features as channels) -> Conv 5 filters width 3, stride 2, pads
                      1+1 -> Relu -> Transpose (T', N, C) -> GRU 5 -> Y_h -> Gemm -> Softmax

    .venv/bin/python tools/make_conv_fixtures.py
"""
import json
import os

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "ConverterTests", "ManifestFixtures", "Convolution")
FRAMES, FEATURES, HIDDEN, CLASSES = 12, 6, 5, 3


def tensor(name, value, dtype=TensorProto.FLOAT):
    return helper.make_tensor(name, dtype, value.shape, value.flatten().tolist())


def build(name, seed, one_dimensional, rows_last=False):
    rng = np.random.default_rng(seed)
    def w(*shape, scale=0.5):
        return rng.uniform(-scale, scale, shape).astype(np.float32)
    x = rng.normal(0, 1, (FRAMES, FEATURES)).astype(np.float32)
    if one_dimensional:
        filters, kernel, stride, pads = 5, [3], [2], [1, 1]
        conv_w = w(filters, FEATURES, 3)
        out_rows = (FRAMES + 2 - 3) // 2 + 1
        row = filters
        feed = x.T.reshape(1, FEATURES, FRAMES)
        input_shape = [1, FEATURES, FRAMES]
        reshape = [helper.make_node("Transpose", ["A"], ["S"], perm=[2, 0, 1])]
        manifest_padding = [1, 1]
        conv_key = {"kernel": "conv.weight", "bias": "conv.bias"}
        convention = "pytorch"
    else:
        filters, kernel, stride, pads = 4, [3, 2], [2, 2], [1, 0, 2, 1]  # ONNX: t_b, f_b, t_e, f_e
        conv_w = w(filters, 1, 3, 2)
        out_rows = (FRAMES + 3 - 3) // 2 + 1
        out_features = (FEATURES + 1 - 2) // 2 + 1
        row = filters * out_features
        feed = x.reshape(1, 1, FRAMES, FEATURES)
        input_shape = [1, 1, FRAMES, FEATURES]
        reshape = [helper.make_node("Transpose", ["A"], ["T"], perm=[2, 0, 3, 1] if rows_last else [2, 0, 1, 3]),
                   helper.make_node("Reshape", ["T", "rows_shape"], ["S"])]
        manifest_padding = [1, 2, 0, 1]  # Earshot: time_begin, time_end, features_begin, features_end
        conv_key = {"kernel": "conv.W", "bias": "conv.B"}
        convention = "onnx"
    conv_b = w(filters)
    shapes = [] if one_dimensional else [
        tensor("rows_shape", np.array([out_rows, 1, row], dtype=np.int64), TensorProto.INT64)]
    gru_w, gru_r, gru_b = w(1, 3 * HIDDEN, row), w(1, 3 * HIDDEN, HIDDEN), w(1, 6 * HIDDEN)
    fc_b, fc_c = w(CLASSES, HIDDEN), w(CLASSES)
    linear_before_reset = 0 if one_dimensional else 1
    initializers = [tensor("cw", conv_w), tensor("cb", conv_b), tensor("W", gru_w), tensor("R", gru_r),
                    tensor("B", gru_b), tensor("fcB", fc_b), tensor("fcC", fc_c),
                    tensor("h_shape", np.array([1, HIDDEN], dtype=np.int64), TensorProto.INT64)]
    initializers += shapes
    nodes = [helper.make_node("Conv", ["X", "cw", "cb"], ["C"], kernel_shape=kernel, strides=stride, pads=pads),
             helper.make_node("Relu", ["C"], ["A"])] + reshape + [
             helper.make_node("GRU", ["S", "W", "R", "B"], ["Y", "Yh"], hidden_size=HIDDEN,
                              linear_before_reset=linear_before_reset),
             helper.make_node("Reshape", ["Yh", "h_shape"], ["H"]),
             helper.make_node("Gemm", ["H", "fcB", "fcC"], ["Z"], transB=1),
             helper.make_node("Softmax", ["Z"], ["P"], axis=1)]
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("X", TensorProto.FLOAT, input_shape)],
                              [helper.make_tensor_value_info("P", TensorProto.FLOAT, [1, CLASSES])], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    y = session.run(None, {"X": feed})[0]
    weights = {conv_key["kernel"]: conv_w, conv_key["bias"]: conv_b, "GRU.W": gru_w, "GRU.R": gru_r, "GRU.B": gru_b,
               "fc.B": fc_b, "fc.C": fc_c}
    manifest = {
        "earshot_manifest": 1, "input_size": FEATURES, "output_mode": "last_step",
        "execution": {"mode": "windowed", "window_frames": FRAMES},
        "layers": [
            {"kind": "conv2d", "convention": convention, "weights": conv_key,
             "attributes": {"filters": filters, "kernel_size": kernel, "strides": stride,
                            "padding": manifest_padding, "activation": "relu",
                            "flatten": "channels_last" if rows_last else "channels_first"}},
            {"kind": "gru", "convention": "onnx", "prefix": "GRU.",
             "attributes": {"linear_before_reset": linear_before_reset}},
            {"kind": "dense", "convention": "onnx", "weights": {"B": "fc.B", "C": "fc.C"},
             "attributes": {"transB": 1, "activation": "softmax"}},
        ]}
    with open(os.path.join(OUT, f"{name}.json"), "w") as handle:
        json.dump(manifest, handle, indent=1)
        handle.write("\n")
    np.savez(os.path.join(OUT, f"{name}.npz"), **weights)
    if not one_dimensional:
        onnx.save(model, os.path.join(OUT, f"{name}.onnx"))  # for the ONNX graph importer
    np.savez(os.path.join(OUT, f"{name}.io.npz"), x=x, y=y.astype(np.float32))
    return {"name": name, "rows": out_rows, "row_size": row}


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = [build("onnx_conv2d_gru", 501, False), build("onnx_conv2d_rows_last_gru", 503, False, rows_last=True),
             build("pytorch_conv1d_gru", 502, True)]
    index = {"made_with": {"numpy": np.__version__, "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__},
             "cases": cases}
    with open(os.path.join(OUT, "index.json"), "w") as handle:
        json.dump(index, handle, indent=1)
        handle.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
