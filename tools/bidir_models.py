#!/usr/bin/env python3
"""Seeded random bidirectional, Conv1D and attention ONNX models (issue 8), for
tools/bidir_parity.py, tools/bench_window.py and the Swift test fixtures.

Every model classifies one window of W frames (one vector per window), the way Earshot runs
windowed models:

    bigru_lbr0 / bigru_lbr1   [W, 1, 13] -> BiGRU(37) -> BiGRU(19) -> last step -> Gemm(11)
    bilstm                    [W, 1, 13] -> BiLSTM(37) -> BiLSTM(19) -> last step -> Gemm(11)
    birnn                     [W, 1, 13] -> BiRNN(37, tanh) -> BiRNN(19, relu) -> last step -> Gemm(11)
    lstm_bigru                [W, 1, 13] -> LSTM(21) -> BiGRU(17, lbr 1) -> last step -> Gemm(5)
    bigru_attention           [W, 1, 13] -> BiGRU(37, lbr 1) -> attention (23 units) -> Gemm(7)
    bilstm_final              [W, 1, 13] -> BiGRU(37) -> BiLSTM(19) -> Y_h (final states [fwd h_{W-1}, rev h_0])
                              -> Transpose -> Reshape [1, 38] -> Gemm(11)
    conv1d_gru                [1, W, 10] -> Conv1D(16, k 3, stride 2, pads 1,1) -> Relu -> GRU(24) -> last -> Gemm(6)
    hybrid                    [1, W, 10] -> Conv1D(32, k 5, stride 1, pads 2,2) -> Relu -> BiLSTM(48)
                              -> attention (v . tanh(W h + b), 32 units) -> Gemm(64) -> Relu -> Gemm(12) -> Softmax

A bidirectional layer's Y [W, 2, 1, H] is merged as PyTorch's export does: Transpose(0, 2, 1, 3)
then Reshape [0, 0, -1] -> [W, 1, 2H] with rows [forward, reverse]. The last step is
Gather(index -1, axis 0). Attention is MatMul/Add/Tanh/MatMul/Softmax(axis=0)/Mul/ReduceSum(axis 0).
Weights are U(-1/sqrt(H), 1/sqrt(H)) from a generator seeded with (seed, crc32(name)).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

WINDOW = 49


@dataclass
class WindowModel:
    name: str
    model: onnx.ModelProto
    features: int
    classes: int
    # "TBF": input [W, 1, F]; "BTF": input [1, W, F].
    input_layout: str
    description: str


class Builder:
    def __init__(self, rng: np.random.Generator, opset: int = 14):
        self.rng = rng
        self.opset = opset
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.count = 0

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}_{self.count}"

    def uniform(self, bound: float, shape) -> np.ndarray:
        return self.rng.uniform(-bound, bound, size=shape).astype(np.float32)

    def const(self, name: str, value: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(value, name=name))
        return name

    def node(self, op: str, inputs: list[str], name: str | None = None, outputs: int = 1, **attributes) -> list[str]:
        name = name or self.fresh(op)
        names = [f"{name}_out{i}" if i else f"{name}_out" for i in range(outputs)]
        self.nodes.append(helper.make_node(op, inputs, names, name=name, **attributes))
        return names

    def recurrent(self, op: str, x: str, inputs: int, hidden: int, *, bidirectional: bool,
                  **attributes) -> str:
        """Y [W, D, 1, H] of an ONNX LSTM/GRU/RNN (D = 2 when bidirectional)."""
        gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
        d = 2 if bidirectional else 1
        bound = 1.0 / np.sqrt(hidden)
        name = self.fresh(op.lower())
        w = self.const(f"{name}_W", self.uniform(bound, (d, gates * hidden, inputs)))
        r = self.const(f"{name}_R", self.uniform(bound, (d, gates * hidden, hidden)))
        b = self.const(f"{name}_B", self.uniform(bound, (d, 2 * gates * hidden)))
        if bidirectional:
            attributes["direction"] = "bidirectional"
        return self.node(op, [x, w, r, b], name=name, hidden_size=hidden, **attributes)[0]

    def merge_directions(self, y: str) -> str:
        """[W, 2, 1, H] -> [W, 1, 2H] (rows [forward, reverse]); [W, 1, 1, H] -> [W, 1, H]."""
        t = self.node("Transpose", [y], perm=[0, 2, 1, 3])[0]
        shape = self.const(self.fresh("shape"), np.array([0, 0, -1], dtype=np.int64))
        return self.node("Reshape", [t, shape])[0]

    def last_step(self, x: str) -> str:
        index = self.const(self.fresh("last"), np.array(-1, dtype=np.int64))
        return self.node("Gather", [x, index], axis=0)[0]

    def gemm(self, x: str, inputs: int, outputs: int) -> str:
        bound = 1.0 / np.sqrt(inputs)
        name = self.fresh("gemm")
        w = self.const(f"{name}_weight", self.uniform(bound, (outputs, inputs)))
        b = self.const(f"{name}_bias", self.uniform(bound, (outputs,)))
        return self.node("Gemm", [x, w, b], name=name, transB=1)[0]

    def conv1d(self, x: str, features: int, filters: int, kernel: int, stride: int, pads: tuple[int, int]) -> str:
        """x [1, F, W] -> [1, C, W'] (ONNX Conv with a 1-D kernel)."""
        bound = 1.0 / np.sqrt(features * kernel)
        name = self.fresh("conv1d")
        w = self.const(f"{name}_W", self.uniform(bound, (filters, features, kernel)))
        b = self.const(f"{name}_B", self.uniform(bound, (filters,)))
        return self.node("Conv", [x, w, b], name=name, kernel_shape=[kernel], strides=[stride],
                         pads=[pads[0], pads[1]])[0]

    def attention(self, h: str, size: int, units: int) -> str:
        """h [W, 1, D] -> [1, D]: e = v . tanh(h W + b), a = softmax over W, sum_t a_t h_t."""
        bound = 1.0 / np.sqrt(size)
        name = self.fresh("attention")
        w = self.const(f"{name}_W", self.uniform(bound, (size, units)))
        b = self.const(f"{name}_b", self.uniform(bound, (units,)))
        v = self.const(f"{name}_v", self.uniform(1.0 / np.sqrt(units), (units, 1)))
        s = self.node("MatMul", [h, w], name=f"{name}_project")[0]           # [W, 1, A]
        s = self.node("Add", [s, b], name=f"{name}_bias")[0]
        s = self.node("Tanh", [s], name=f"{name}_tanh")[0]
        e = self.node("MatMul", [s, v], name=f"{name}_score")[0]             # [W, 1, 1]
        a = self.node("Softmax", [e], name=f"{name}_softmax", axis=0)[0]     # over time
        m = self.node("Mul", [h, a], name=f"{name}_weight")[0]               # [W, 1, D]
        axes = self.const(f"{name}_axes", np.array([0], dtype=np.int64))
        return self.node("ReduceSum", [m, axes], name=f"{name}_sum", keepdims=0)[0]  # [1, D]

    def finish(self, name: str, x_shape: list, y: str, y_shape: list) -> onnx.ModelProto:
        out = self.node("Identity", [y], name="output")[0]
        graph = helper.make_graph(
            self.nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
            [helper.make_tensor_value_info(out, TensorProto.FLOAT, y_shape)], initializer=self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                                  producer_name="earshot-tools/bidir_models.py")
        model.ir_version = 8
        onnx.checker.check_model(model, full_check=True)
        return model


def _stacked(name: str, rng, op: str, first: dict, second: dict, *, features=13, hidden=(37, 19), classes=11,
             bidirectional=(True, True)) -> WindowModel:
    g = Builder(rng)
    y = g.recurrent(op if "op" not in first else first.pop("op"), "x", features, hidden[0],
                    bidirectional=bidirectional[0], **first)
    h = g.merge_directions(y)
    width = hidden[0] * (2 if bidirectional[0] else 1)
    y = g.recurrent(op if "op" not in second else second.pop("op"), h, width, hidden[1],
                    bidirectional=bidirectional[1], **second)
    h = g.merge_directions(y)
    width = hidden[1] * (2 if bidirectional[1] else 1)
    z = g.gemm(g.last_step(h), width, classes)
    model = g.finish(name, [WINDOW, 1, features], z, [1, classes])
    return WindowModel(name, model, features, classes, "TBF", "")


def build(name: str, seed: int) -> WindowModel:
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    if name == "bigru_lbr0":
        m = _stacked(name, rng, "GRU", {"linear_before_reset": 0}, {"linear_before_reset": 0})
        m.description = "[49,1,13] -> BiGRU(37, lbr 0) -> BiGRU(19, lbr 0) -> last -> Gemm(11)"
    elif name == "bigru_lbr1":
        m = _stacked(name, rng, "GRU", {"linear_before_reset": 1}, {"linear_before_reset": 1})
        m.description = "[49,1,13] -> BiGRU(37, lbr 1) -> BiGRU(19, lbr 1) -> last -> Gemm(11)"
    elif name == "bilstm":
        m = _stacked(name, rng, "LSTM", {}, {})
        m.description = "[49,1,13] -> BiLSTM(37) -> BiLSTM(19) -> last -> Gemm(11)"
    elif name == "birnn":
        m = _stacked(name, rng, "RNN", {"activations": ["Tanh", "Tanh"]}, {"activations": ["Relu", "Relu"]})
        m.description = "[49,1,13] -> BiRNN(37, tanh) -> BiRNN(19, relu) -> last -> Gemm(11)"
    elif name == "lstm_bigru":
        m = _stacked(name, rng, "LSTM", {}, {"op": "GRU", "linear_before_reset": 1}, hidden=(21, 17), classes=5,
                     bidirectional=(False, True))
        m.description = "[49,1,13] -> LSTM(21) -> BiGRU(17, lbr 1) -> last -> Gemm(5)"
    elif name == "bilstm_final":
        g = Builder(rng)
        y = g.recurrent("GRU", "x", 13, 37, bidirectional=True, linear_before_reset=0)
        h = g.merge_directions(y)                                           # [W, 1, 74]
        name_l = g.fresh("lstm")
        bound = 1.0 / np.sqrt(19)
        w = g.const(f"{name_l}_W", g.uniform(bound, (2, 4 * 19, 74)))
        r = g.const(f"{name_l}_R", g.uniform(bound, (2, 4 * 19, 19)))
        b = g.const(f"{name_l}_B", g.uniform(bound, (2, 8 * 19)))
        outs = g.node("LSTM", [h, w, r, b], name=name_l, outputs=2, hidden_size=19, direction="bidirectional")
        yh = outs[1]                                                        # Y_h [2, 1, 19]
        t = g.node("Transpose", [yh], perm=[1, 0, 2])[0]                    # [1, 2, 19]
        shape = g.const(g.fresh("shape"), np.array([1, -1], dtype=np.int64))
        z = g.gemm(g.node("Reshape", [t, shape])[0], 38, 11)
        m = WindowModel(name, g.finish(name, [WINDOW, 1, 13], z, [1, 11]), 13, 11, "TBF",
                        "[49,1,13] -> BiGRU(37) -> BiLSTM(19) final states Y_h -> Gemm(11)")
    elif name == "bigru_attention":
        g = Builder(rng)
        y = g.recurrent("GRU", "x", 13, 37, bidirectional=True, linear_before_reset=1)
        h = g.merge_directions(y)                                           # [W, 1, 74]
        z = g.gemm(g.attention(h, 74, 23), 74, 7)
        m = WindowModel(name, g.finish(name, [WINDOW, 1, 13], z, [1, 7]), 13, 7, "TBF",
                        "[49,1,13] -> BiGRU(37, lbr 1) -> attention(23) -> Gemm(7)")
    elif name == "conv1d_gru":
        g = Builder(rng)
        xt = g.node("Transpose", ["x"], perm=[0, 2, 1])[0]                  # [1, 10, W]
        c = g.node("Relu", [g.conv1d(xt, 10, 16, 3, 2, (1, 1))])[0]          # [1, 16, W']
        rows = g.node("Transpose", [c], perm=[2, 0, 1])[0]                  # [W', 1, 16]
        y = g.recurrent("GRU", rows, 16, 24, bidirectional=False, linear_before_reset=1)
        h = g.merge_directions(y)
        z = g.gemm(g.last_step(h), 24, 6)
        m = WindowModel(name, g.finish(name, [1, WINDOW, 10], z, [1, 6]), 10, 6, "BTF",
                        "[1,49,10] -> Conv1D(16, k3, s2, pads 1,1) -> Relu -> GRU(24) -> last -> Gemm(6)")
    elif name == "hybrid":
        g = Builder(rng)
        xt = g.node("Transpose", ["x"], perm=[0, 2, 1])[0]                  # [1, 10, W]
        c = g.node("Relu", [g.conv1d(xt, 10, 32, 5, 1, (2, 2))])[0]          # [1, 32, W]
        rows = g.node("Transpose", [c], perm=[2, 0, 1])[0]                  # [W, 1, 32]
        y = g.recurrent("LSTM", rows, 32, 48, bidirectional=True)           # [W, 2, 1, 48]
        h = g.merge_directions(y)                                           # [W, 1, 96]
        pooled = g.attention(h, 96, 32)                                     # [1, 96]
        d = g.node("Relu", [g.gemm(pooled, 96, 64)])[0]
        z = g.node("Softmax", [g.gemm(d, 64, 12)], axis=-1)[0]
        m = WindowModel(name, g.finish(name, [1, WINDOW, 10], z, [1, 12]), 10, 12, "BTF",
                        "[1,49,10] MFCC -> Conv1D(32, k5, pads 2,2) -> Relu -> BiLSTM(48) -> attention(32) "
                        "-> Gemm(64) -> Relu -> Gemm(12) -> Softmax")
    else:
        raise ValueError(f"unknown model {name}")
    return m


BIDIRECTIONAL = ["bigru_lbr0", "bigru_lbr1", "bilstm", "birnn", "lstm_bigru"]
ALL = BIDIRECTIONAL + ["bilstm_final", "bigru_attention", "conv1d_gru", "hybrid"]
# The models Earshot runs window by window, layer by layer (bidirectional or attention layers).
SEQUENCE = BIDIRECTIONAL + ["bilstm_final", "bigru_attention", "hybrid"]


def session_for(model: onnx.ModelProto):
    """A single-threaded ONNX Runtime session for `model`."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def ort_window(model: onnx.ModelProto, layout: str, window: np.ndarray) -> np.ndarray:
    """ONNX Runtime's output [C] for one window [W, F]."""
    session = session_for(model)
    x = window[:, None, :] if layout == "TBF" else window[None, :, :]
    return session.run(None, {"x": x.astype(np.float32)})[0].reshape(-1)
