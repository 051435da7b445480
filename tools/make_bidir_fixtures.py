#!/usr/bin/env python3
"""Writes Tests/ConverterTests/ManifestFixtures/Bidirectional: tiny seeded windowed ONNX models
(issue 8) and ONNX Runtime's output on one window, for BidirectionalImportTests.

    bigru_stack      [7, 1, 5] -> BiGRU(3, linear_before_reset 0) -> BiGRU(4, lbr 1) -> last step -> Gemm(3)
    bilstm_attention [7, 1, 5] -> BiLSTM(3) -> attention (4 units) -> Gemm(3) -> Softmax
    conv1d_birnn     [1, 7, 5] -> Transpose -> Conv1D(4, k 3, stride 1, pads 1,1) -> Relu -> Transpose
                     -> BiRNN(3, tanh) -> attention (2 units) -> Gemm(3)

pytorch_bigru: a PyTorch state_dict (nn.GRU(5, 3, num_layers=2, bidirectional=True) with its
`_reverse` keys, nn.Linear(6, 3)) as pytorch_bigru.npz with a manifest pytorch_bigru.json
(windowed, 7 frames, last step); the reference is ONNX Runtime running the same weights put into
an ONNX graph here (gates r,z,n -> z,r,h, linear_before_reset=1), written as pytorch_bigru.io.npz.

keras_bidirectional_<merge> (merge = concat, sum, mul, ave): Keras weights of
Bidirectional(GRU(3, reset_after=True, return_sequences=True), merge_mode=<merge>) then
Bidirectional(LSTM(2, return_sequences=True)) (concat), in one keras_bidirectional.npz, with one
manifest per merge mode; the reference (keras_bidirectional.io.npz: x, y_<merge> = the last step)
is ONNX Runtime running each layer; keras_bidirectional_final.json is the ave manifest with the
LSTM's return_sequences=False (y_final = [forward h_T-1, backward h_0]); as an ONNX bidirectional GRU/LSTM with the same weights
(converted here to ONNX's layout), the directions merged in numpy as Keras does.

Graphs the importer must refuse (bad_*.onnx): attention softmax over the units, a bidirectional
output every step, directions merged after the hidden axis, a reverse-only layer.

Each case: <case>.onnx and <case>.io.npz with x [7, 5] (float32, the window) and y [C] (ONNX
Runtime's output). The weights are scaled up (x3) so the gates are far from linear.

    .venv/bin/python tools/make_bidir_fixtures.py
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bidir_models  # noqa: E402
from bidir_models import Builder  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "ConverterTests", "ManifestFixtures",
                   "Bidirectional")
WINDOW, FEATURES = 7, 5


class Loud(Builder):
    """Weights three times PyTorch's initial range."""

    def uniform(self, bound, shape):
        return super().uniform(3 * bound, shape)


def build(name: str) -> tuple[onnx.ModelProto, str]:
    g = Loud(np.random.default_rng(sum(name.encode()) * 7919), opset=14)
    if name == "bigru_stack":
        y = g.recurrent("GRU", "x", FEATURES, 3, bidirectional=True, linear_before_reset=0)
        y = g.recurrent("GRU", g.merge_directions(y), 6, 4, bidirectional=True, linear_before_reset=1)
        z = g.gemm(g.last_step(g.merge_directions(y)), 8, 3)
        return g.finish(name, [WINDOW, 1, FEATURES], z, [1, 3]), "TBF"
    if name == "bilstm_attention":
        y = g.recurrent("LSTM", "x", FEATURES, 3, bidirectional=True)
        z = g.gemm(g.attention(g.merge_directions(y), 6, 4), 6, 3)
        z = g.node("Softmax", [z], axis=-1)[0]
        return g.finish(name, [WINDOW, 1, FEATURES], z, [1, 3]), "TBF"
    if name == "conv1d_birnn":
        xt = g.node("Transpose", ["x"], perm=[0, 2, 1])[0]
        c = g.node("Relu", [g.conv1d(xt, FEATURES, 4, 3, 1, (1, 1))])[0]
        rows = g.node("Transpose", [c], perm=[2, 0, 1])[0]
        y = g.recurrent("RNN", rows, 4, 3, bidirectional=True, activations=["Tanh", "Tanh"])
        z = g.gemm(g.attention(g.merge_directions(y), 6, 2), 6, 3)
        return g.finish(name, [1, WINDOW, FEATURES], z, [1, 3]), "BTF"
    # Graphs the importer must refuse, naming the node.
    if name == "bad_softmax_axis":  # attention softmax over the score axis instead of time
        y = g.recurrent("GRU", "x", FEATURES, 3, bidirectional=True)
        h = g.merge_directions(y)
        w = g.const("att_W", g.uniform(1, (6, 2)))
        v = g.const("att_v", g.uniform(1, (2, 1)))
        e = g.node("MatMul", [g.node("Tanh", [g.node("MatMul", [h, w])[0]])[0], v])[0]
        a = g.node("Softmax", [e], name="softmax_over_units", axis=-1)[0]
        axes = g.const("axes", np.array([0], dtype=np.int64))
        z = g.node("ReduceSum", [g.node("Mul", [h, a])[0], axes], keepdims=0)[0]
        return g.finish(name, [WINDOW, 1, FEATURES], z, [1, 6]), "TBF"
    if name == "bad_every_step":  # a bidirectional model whose output is every step
        y = g.recurrent("GRU", "x", FEATURES, 3, bidirectional=True)
        return g.finish(name, [WINDOW, 1, FEATURES], g.merge_directions(y), [WINDOW, 1, 6]), "TBF"
    if name == "bad_direction_order":  # directions merged after the hidden axis: rows interleaved
        y = g.recurrent("GRU", "x", FEATURES, 3, bidirectional=True)
        t = g.node("Transpose", [y], name="hidden_before_directions", perm=[0, 2, 3, 1])[0]
        shape = g.const("shape", np.array([0, 0, -1], dtype=np.int64))
        h = g.node("Reshape", [t, shape], name="merge_interleaved")[0]
        return g.finish(name, [WINDOW, 1, FEATURES], g.last_step(h), [1, 6]), "TBF"
    if name == "bad_reverse":  # a reverse-only layer
        y = g.recurrent("GRU", "x", FEATURES, 3, bidirectional=False, direction="reverse")
        return g.finish(name, [WINDOW, 1, FEATURES], g.last_step(g.merge_directions(y)), [1, 3]), "TBF"
    raise ValueError(name)


def pytorch_bigru(out: str = OUT, seed: int = 4242) -> None:
    """Writes pytorch_bigru.{npz,io.npz,json} into `out` (also used by tools/bidir_parity.py)."""
    rng = np.random.default_rng(seed)
    hidden, classes = 3, 3
    state: dict[str, np.ndarray] = {}
    g = Builder(rng, opset=14)
    x, size = "x", FEATURES
    for layer in range(2):
        ws, rs, bs = [], [], []
        for suffix in ("", "_reverse"):
            w_ih = rng.uniform(-0.9, 0.9, (3 * hidden, size)).astype(np.float32)
            w_hh = rng.uniform(-0.9, 0.9, (3 * hidden, hidden)).astype(np.float32)
            b_ih = rng.uniform(-0.5, 0.5, 3 * hidden).astype(np.float32)
            b_hh = rng.uniform(-0.5, 0.5, 3 * hidden).astype(np.float32)
            for name, value in (("weight_ih", w_ih), ("weight_hh", w_hh), ("bias_ih", b_ih), ("bias_hh", b_hh)):
                state[f"gru.{name}_l{layer}{suffix}"] = value

            def onnx_order(v):  # PyTorch r, z, n -> ONNX z, r, h (blocks along dim 0)
                r, z, n = np.split(v, 3, axis=0)
                return np.concatenate([z, r, n], axis=0)
            ws.append(onnx_order(w_ih))
            rs.append(onnx_order(w_hh))
            bs.append(np.concatenate([onnx_order(b_ih), onnx_order(b_hh)]))
        name = f"gru_l{layer}"
        w = g.const(f"{name}_W", np.stack(ws))
        r = g.const(f"{name}_R", np.stack(rs))
        b = g.const(f"{name}_B", np.stack(bs))
        y = g.node("GRU", [x, w, r, b], name=name, hidden_size=hidden, direction="bidirectional",
                   linear_before_reset=1)[0]
        x, size = g.merge_directions(y), 2 * hidden
    fc_w = rng.uniform(-0.9, 0.9, (classes, size)).astype(np.float32)
    fc_b = rng.uniform(-0.5, 0.5, classes).astype(np.float32)
    state["fc.weight"], state["fc.bias"] = fc_w, fc_b
    wn, bn = g.const("fc_W", fc_w), g.const("fc_B", fc_b)
    z = g.node("Gemm", [g.last_step(x), wn, bn], transB=1)[0]
    model = g.finish("pytorch_bigru", [WINDOW, 1, FEATURES], z, [1, classes])
    inputs = np.random.default_rng(seed + 7).standard_normal((WINDOW, FEATURES)).astype(np.float32)
    y = bidir_models.ort_window(model, "TBF", inputs).astype(np.float32)
    np.savez(os.path.join(out, "pytorch_bigru.npz"), **state)
    np.savez(os.path.join(out, "pytorch_bigru.io.npz"), x=inputs, y=y)
    manifest = {
        "earshot_manifest": 1, "input_size": FEATURES, "output_mode": "last_step",
        "execution": {"mode": "windowed", "window_frames": WINDOW},
        "layers": [
            {"kind": "gru", "convention": "pytorch", "prefix": "gru.",
             "attributes": {"input_size": FEATURES, "hidden_size": hidden, "num_layers": 2, "bidirectional": True}},
            {"kind": "dense", "convention": "pytorch", "prefix": "fc."},
        ],
    }
    with open(os.path.join(out, "pytorch_bigru.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(f"pytorch_bigru: y = {np.array2string(y, precision=6)}")


def keras_bidirectional() -> None:
    rng = np.random.default_rng(515)
    gru_units, lstm_units = 3, 2
    weights: dict[str, np.ndarray] = {}

    def u(*shape):
        return rng.uniform(-0.9, 0.9, shape).astype(np.float32)
    for side in ("forward", "backward"):
        weights[f"gru/{side}/kernel"] = u(FEATURES, 3 * gru_units)
        weights[f"gru/{side}/recurrent_kernel"] = u(gru_units, 3 * gru_units)
        weights[f"gru/{side}/bias"] = u(2, 3 * gru_units)
    x = np.random.default_rng(9).standard_normal((WINDOW, FEATURES)).astype(np.float32)

    def run_layer(op, inputs, w_dirs, r_dirs, b_dirs, hidden, **attributes):
        g = Builder(rng, opset=14)
        w = g.const("W", np.stack(w_dirs))
        r = g.const("R", np.stack(r_dirs))
        b = g.const("B", np.stack(b_dirs))
        y = g.node(op, ["x", w, r, b], hidden_size=hidden, direction="bidirectional", **attributes)[0]
        model = g.finish("layer", [WINDOW, 1, inputs.shape[1]], y, [WINDOW, 2, 1, hidden])
        from bidir_models import session_for
        return session_for(model).run(None, {"x": inputs[:, None, :]})[0][:, :, 0, :]   # [T, 2, H]

    def merge(y, mode):
        f, b = y[:, 0], y[:, 1]
        return {"concat": np.concatenate([f, b], axis=1), "sum": f + b, "mul": f * b, "ave": (f + b) / 2}[mode]

    gru_y = run_layer(
        "GRU", x,
        [weights[f"gru/{s}/kernel"].T for s in ("forward", "backward")],
        [weights[f"gru/{s}/recurrent_kernel"].T for s in ("forward", "backward")],
        [weights[f"gru/{s}/bias"].reshape(-1) for s in ("forward", "backward")],
        gru_units, linear_before_reset=1)
    outputs = {"x": x}
    for mode in ("concat", "sum", "mul", "ave"):
        h = merge(gru_y, mode).astype(np.float32)
        size = h.shape[1]
        for side in ("forward", "backward"):
            weights[f"lstm_{mode}/{side}/kernel"] = u(size, 4 * lstm_units)
            weights[f"lstm_{mode}/{side}/recurrent_kernel"] = u(lstm_units, 4 * lstm_units)
            weights[f"lstm_{mode}/{side}/bias"] = u(4 * lstm_units)

        def onnx_lstm(v):  # Keras i, f, c, o -> ONNX i, o, f, c (blocks along dim 0)
            i, f, c, o = np.split(v, 4, axis=0)
            return np.concatenate([i, o, f, c], axis=0)
        lstm_y = run_layer(
            "LSTM", h,
            [onnx_lstm(weights[f"lstm_{mode}/{s}/kernel"].T) for s in ("forward", "backward")],
            [onnx_lstm(weights[f"lstm_{mode}/{s}/recurrent_kernel"].T) for s in ("forward", "backward")],
            [np.concatenate([onnx_lstm(weights[f"lstm_{mode}/{s}/bias"]), np.zeros(4 * lstm_units, np.float32)])
             for s in ("forward", "backward")],
            lstm_units)
        outputs[f"y_{mode}"] = merge(lstm_y, "concat")[-1].astype(np.float32)
        if mode == "ave":
            # return_sequences=False on the LSTM: [forward h_{T-1}, backward h_0].
            outputs["y_final"] = np.concatenate([lstm_y[-1, 0], lstm_y[0, 1]]).astype(np.float32)

        def slots(prefix):
            return {"kernel": f"{prefix}/forward/kernel", "recurrent_kernel": f"{prefix}/forward/recurrent_kernel",
                    "bias": f"{prefix}/forward/bias", "backward_kernel": f"{prefix}/backward/kernel",
                    "backward_recurrent_kernel": f"{prefix}/backward/recurrent_kernel",
                    "backward_bias": f"{prefix}/backward/bias"}
        manifest = {
            "earshot_manifest": 1, "input_size": FEATURES, "output_mode": "last_step",
            "execution": {"mode": "windowed", "window_frames": WINDOW},
            "layers": [
                {"kind": "gru", "convention": "keras", "weights": slots("gru"),
                 "attributes": {"units": gru_units, "return_sequences": True, "bidirectional": True, "merge_mode": mode}},
                {"kind": "lstm", "convention": "keras", "weights": slots(f"lstm_{mode}"),
                 "attributes": {"units": lstm_units, "return_sequences": True, "bidirectional": True}},
            ],
        }
        with open(os.path.join(OUT, f"keras_bidirectional_{mode}.json"), "w") as f:
            json.dump(manifest, f, indent=1)
            f.write("\n")
        if mode == "ave":
            manifest["layers"][1]["attributes"]["return_sequences"] = False
            with open(os.path.join(OUT, "keras_bidirectional_final.json"), "w") as f:
                json.dump(manifest, f, indent=1)
                f.write("\n")
    np.savez(os.path.join(OUT, "keras_bidirectional.npz"), **weights)
    np.savez(os.path.join(OUT, "keras_bidirectional.io.npz"), **outputs)
    print("keras_bidirectional: " + ", ".join(f"{k} {np.array2string(v, precision=5)}" for k, v in outputs.items() if k != "x"))


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    for index, name in enumerate(["bigru_stack", "bilstm_attention", "conv1d_birnn"]):
        model, layout = build(name)
        x = np.random.default_rng(100 + index).standard_normal((WINDOW, FEATURES)).astype(np.float32)
        y = bidir_models.ort_window(model, layout, x).astype(np.float32)
        onnx.save(model, os.path.join(OUT, f"{name}.onnx"))
        np.savez(os.path.join(OUT, f"{name}.io.npz"), x=x, y=y)
        print(f"{name}: y = {np.array2string(y, precision=6)}")
    pytorch_bigru()
    keras_bidirectional()
    for name in ["bad_softmax_axis", "bad_every_step", "bad_direction_order", "bad_reverse"]:
        model, _ = build(name)
        onnx.save(model, os.path.join(OUT, f"{name}.onnx"))


if __name__ == "__main__":
    main()
