#!/usr/bin/env python3
"""Seeded random ONNX models, with ONNX Runtime's outputs as the reference.

    python tools/onnx_models.py --out DIR [--seed N] [--steps 1000]

For every model this writes
    DIR/<name>.onnx    the model, built with onnx.helper in the shapes PyTorch's and tf2onnx's
                       exporters produce (no torch or tensorflow needed)
    DIR/<name>.x.npy   float32 [T, F]: random normal features, one row per step (T = W for a model
                       exported with a fixed window W)
    DIR/<name>.y.npy   ONNX Runtime's output for the whole stream at once: float32 [T, C], or
                       [1, C] for a last-step model
and DIR/manifest.json with the seed, step count, library versions and, per model, the expected
output mode ("every_step" or "last_step"), shapes and opset.

Weights and biases are drawn from U(-1/sqrt(H), 1/sqrt(H)) as PyTorch initialises recurrent
layers (H = hidden size; fan-in for dense layers). Each model's generator is seeded from
(seed, crc32(name)), so a model's data does not depend on which other models were built.

Imported as a module by tools/onnx_parity.py and tools/bench_step.py (`build_all`, `MODELS`,
`streaming_variant`).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import zlib
from dataclasses import dataclass
from typing import Callable

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

DEFAULT_STEPS = 1000


# MARK: - Model specification


@dataclass
class ModelSpec:
    """One generated model and how to feed it."""

    name: str
    model: onnx.ModelProto
    features: int
    classes: int
    # "TBF": input [T, 1, F] (PyTorch default); "BTF": input [1, T, F] (batch first / tf2onnx).
    input_layout: str
    # "every_step": output [T, C]; "last_step": output [1, C].
    output_mode: str
    description: str
    # The model ONNX Runtime runs for the reference, when it cannot run `model` itself.
    reference_model: onnx.ModelProto | None = None
    # Exported for a fixed window of this many steps (input [W, 1, F]): its stream is W steps long.
    window: int | None = None

    @property
    def opset(self) -> int:
        for entry in self.model.opset_import:
            if entry.domain in ("", "ai.onnx"):
                return entry.version
        return 0


class GraphBuilder:
    """Accumulates nodes and initializers; names are unique within the graph."""

    def __init__(self, rng: np.random.Generator, opset: int):
        self.rng = rng
        self.opset = opset
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0

    def uniform(self, bound: float, shape: tuple[int, ...]) -> np.ndarray:
        return self.rng.uniform(-bound, bound, size=shape).astype(np.float32)

    def const(self, name: str, value: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(value, name=name))
        return name

    def fresh(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}_{self._count}"

    def node(self, op: str, inputs: list[str], outputs: list[str] | None = None, name: str | None = None,
             **attributes) -> list[str]:
        name = name or self.fresh(op)
        outputs = outputs or [f"{name}_out"]
        self.nodes.append(helper.make_node(op, inputs, outputs, name=name, **attributes))
        return outputs

    # MARK: Layout ops

    def squeeze(self, x: str, axes: list[int]) -> str:
        if self.opset >= 13:
            axes_name = self.const(self.fresh("squeeze_axes"), np.array(axes, dtype=np.int64))
            return self.node("Squeeze", [x, axes_name])[0]
        return self.node("Squeeze", [x], axes=axes)[0]

    def reshape(self, x: str, shape: list[int]) -> str:
        shape_name = self.const(self.fresh("reshape_shape"), np.array(shape, dtype=np.int64))
        return self.node("Reshape", [x, shape_name])[0]

    # MARK: Recurrent layers (ONNX gate orders: LSTM i,o,f,c; GRU z,r,h)

    def lstm(self, x: str, input_size: int, hidden: int, *, peepholes: bool = False, clip: float | None = None,
             layout: int = 0) -> str:
        """Returns Y: [T, 1, 1, H] (layout 0) or [1, T, 1, H] (layout 1)."""
        bound = 1.0 / np.sqrt(hidden)
        name = self.fresh("lstm")
        w = self.const(f"{name}_W", self.uniform(bound, (1, 4 * hidden, input_size)))
        r = self.const(f"{name}_R", self.uniform(bound, (1, 4 * hidden, hidden)))
        b = self.const(f"{name}_B", self.uniform(bound, (1, 8 * hidden)))
        inputs = [x, w, r, b]
        if peepholes:
            p = self.const(f"{name}_P", self.uniform(bound, (1, 3 * hidden)))
            inputs += ["", "", "", p]
        attributes: dict = {"hidden_size": hidden}
        if clip is not None:
            attributes["clip"] = clip
        if layout:
            attributes["layout"] = layout
        return self.node("LSTM", inputs, [f"{name}_Y"], name=name, **attributes)[0]

    def gru(self, x: str, input_size: int, hidden: int, *, linear_before_reset: int) -> str:
        bound = 1.0 / np.sqrt(hidden)
        name = self.fresh("gru")
        w = self.const(f"{name}_W", self.uniform(bound, (1, 3 * hidden, input_size)))
        r = self.const(f"{name}_R", self.uniform(bound, (1, 3 * hidden, hidden)))
        b = self.const(f"{name}_B", self.uniform(bound, (1, 6 * hidden)))
        return self.node("GRU", [x, w, r, b], [f"{name}_Y"], name=name, hidden_size=hidden,
                         linear_before_reset=linear_before_reset)[0]

    def rnn(self, x: str, input_size: int, hidden: int, *, activation: str) -> str:
        bound = 1.0 / np.sqrt(hidden)
        name = self.fresh("rnn")
        w = self.const(f"{name}_W", self.uniform(bound, (1, hidden, input_size)))
        r = self.const(f"{name}_R", self.uniform(bound, (1, hidden, hidden)))
        b = self.const(f"{name}_B", self.uniform(bound, (1, 2 * hidden)))
        return self.node("RNN", [x, w, r, b], [f"{name}_Y"], name=name, hidden_size=hidden,
                         activations=[activation])[0]

    # MARK: Dense layers

    def matmul_add(self, x: str, inputs: int, outputs: int) -> str:
        """PyTorch nn.Linear on a 3-D tensor / Keras Dense via tf2onnx: MatMul([in, out]) + Add."""
        bound = 1.0 / np.sqrt(inputs)
        name = self.fresh("dense")
        w = self.const(f"{name}_weight", self.uniform(bound, (inputs, outputs)))
        b = self.const(f"{name}_bias", self.uniform(bound, (outputs,)))
        y = self.node("MatMul", [x, w], name=f"{name}_matmul")[0]
        return self.node("Add", [y, b], name=f"{name}_add")[0]

    def gemm(self, x: str, inputs: int, outputs: int) -> str:
        """PyTorch nn.Linear on a 2-D tensor: Gemm(x, W[out, in], b, transB=1)."""
        bound = 1.0 / np.sqrt(inputs)
        name = self.fresh("gemm")
        w = self.const(f"{name}_weight", self.uniform(bound, (outputs, inputs)))
        b = self.const(f"{name}_bias", self.uniform(bound, (outputs,)))
        return self.node("Gemm", [x, w, b], name=name, alpha=1.0, beta=1.0, transB=1)[0]

    def softmax(self, x: str, axis: int = -1) -> str:
        return self.node("Softmax", [x], axis=axis)[0]

    # MARK: Finish

    def finish(self, name: str, x_name: str, x_shape: list, y: str, y_shape: list) -> onnx.ModelProto:
        out = self.node("Identity", [y], ["y"], name="output")[0]
        graph = helper.make_graph(
            self.nodes, name,
            [helper.make_tensor_value_info(x_name, TensorProto.FLOAT, x_shape)],
            [helper.make_tensor_value_info(out, TensorProto.FLOAT, y_shape)],
            initializer=self.initializers,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                                  producer_name="earshot-tools/onnx_models.py")
        onnx.checker.check_model(model, full_check=True)
        return model


# MARK: - The models


def _pytorch_recurrent(name: str, rng: np.random.Generator, *, opset: int, features: int, classes: int,
                       layer: Callable[[GraphBuilder, str], tuple[str, int]], description: str,
                       softmax: bool = True) -> ModelSpec:
    """input [T, 1, F] -> recurrent layer -> Squeeze(axes=[1]) -> MatMul + Add [-> Softmax]."""
    g = GraphBuilder(rng, opset)
    y, hidden = layer(g, "x")
    h = g.squeeze(y, [1])                    # [T, 1, H]
    z = g.matmul_add(h, hidden, classes)     # [T, 1, C]
    if softmax:
        z = g.softmax(z)
    model = g.finish(name, "x", ["T", 1, features], z, ["T", 1, classes])
    return ModelSpec(name, model, features, classes, "TBF", "every_step", description)


def lstm_40_128_dense12(name: str, rng: np.random.Generator) -> ModelSpec:
    return _pytorch_recurrent(
        name, rng, opset=14, features=40, classes=12,
        layer=lambda g, x: (g.lstm(x, 40, 128), 128),
        description="PyTorch style: [T,1,40] -> LSTM(128) -> Squeeze -> MatMul+Add(12) -> Softmax")


def lstm_stacked(name: str, rng: np.random.Generator) -> ModelSpec:
    g = GraphBuilder(rng, 14)
    y1 = g.lstm("x", 20, 64)
    h1 = g.squeeze(y1, [1])                  # [T, 1, 64]
    y2 = g.lstm(h1, 64, 48)
    h2 = g.squeeze(y2, [1])                  # [T, 1, 48]
    flat = g.reshape(h2, [-1, 48])           # [T, 48]
    z = g.gemm(flat, 48, 10)                 # [T, 10]
    model = g.finish(name, "x", ["T", 1, 20], g.softmax(z), ["T", 10])
    return ModelSpec(name, model, 20, 10, "TBF", "every_step",
                     "two stacked LSTMs 20->64->48, Reshape [-1,48], Gemm(transB=1) 10, Softmax")


def gru_lbr0(name: str, rng: np.random.Generator) -> ModelSpec:
    return _pytorch_recurrent(
        name, rng, opset=14, features=24, classes=6,
        layer=lambda g, x: (g.gru(x, 24, 32, linear_before_reset=0), 32),
        description="GRU(24->32, linear_before_reset=0) -> Squeeze -> MatMul+Add(6) -> Softmax")


def gru_lbr1(name: str, rng: np.random.Generator) -> ModelSpec:
    g = GraphBuilder(rng, 14)
    y = g.gru("x", 40, 64, linear_before_reset=1)
    h = g.squeeze(y, [1])                    # [T, 1, 64]
    d = g.node("Relu", [g.matmul_add(h, 64, 32)])[0]
    z = g.softmax(g.matmul_add(d, 32, 8))
    model = g.finish(name, "x", ["T", 1, 40], z, ["T", 1, 8])
    return ModelSpec(name, model, 40, 8, "TBF", "every_step",
                     "PyTorch GRU(40->64, linear_before_reset=1) -> MatMul+Add(32) -> Relu -> MatMul+Add(8) -> Softmax")


def rnn_tanh(name: str, rng: np.random.Generator) -> ModelSpec:
    return _pytorch_recurrent(
        name, rng, opset=14, features=16, classes=5,
        layer=lambda g, x: (g.rnn(x, 16, 48, activation="Tanh"), 48),
        description="RNN(16->48, Tanh) -> Squeeze -> MatMul+Add(5) -> Softmax")


def rnn_relu(name: str, rng: np.random.Generator) -> ModelSpec:
    g = GraphBuilder(rng, 14)
    y = g.rnn("x", 16, 40, activation="Relu")
    h = g.squeeze(y, [1])
    z = g.node("Tanh", [g.matmul_add(h, 40, 7)])[0]
    model = g.finish(name, "x", ["T", 1, 16], z, ["T", 1, 7])
    return ModelSpec(name, model, 16, 7, "TBF", "every_step",
                     "RNN(16->40, Relu) -> Squeeze -> MatMul+Add(7) -> Tanh (no softmax)")


def lstm_peepholes(name: str, rng: np.random.Generator) -> ModelSpec:
    return _pytorch_recurrent(
        name, rng, opset=14, features=20, classes=6,
        layer=lambda g, x: (g.lstm(x, 20, 32, peepholes=True), 32),
        description="LSTM(20->32) with non-zero peepholes P -> Squeeze -> MatMul+Add(6) -> Softmax")


def lstm_odd(name: str, rng: np.random.Generator) -> ModelSpec:
    return _pytorch_recurrent(
        name, rng, opset=11, features=13, classes=5,
        layer=lambda g, x: (g.lstm(x, 13, 37), 37),
        description="opset 11 (Squeeze axes attribute): LSTM(13->37) -> Squeeze -> MatMul+Add(5) -> Softmax")


def gru_odd(name: str, rng: np.random.Generator) -> ModelSpec:
    return _pytorch_recurrent(
        name, rng, opset=11, features=13, classes=3,
        layer=lambda g, x: (g.gru(x, 13, 37, linear_before_reset=1), 37),
        description="opset 11: GRU(13->37, linear_before_reset=1) -> Squeeze -> MatMul+Add(3) -> Softmax")


def tf_style_last(name: str, rng: np.random.Generator) -> ModelSpec:
    """tf2onnx shape of a Keras LSTM(return_sequences=False) + Dense(softmax)."""
    g = GraphBuilder(rng, 13)
    xt = g.node("Transpose", ["input_1"], perm=[1, 0, 2])[0]      # [T, 1, F]
    y = g.lstm(xt, 30, 40)                                        # [T, 1, 1, H]
    h = g.squeeze(y, [1])                                         # [T, 1, H]
    last = g.const("last_index", np.array(-1, dtype=np.int64))
    h_last = g.node("Gather", [h, last], axis=0)[0]               # [1, H]
    z = g.softmax(g.matmul_add(h_last, 40, 4))                    # [1, 4]
    model = g.finish(name, "input_1", [1, "T", 30], z, [1, 4])
    return ModelSpec(name, model, 30, 4, "BTF", "last_step",
                     "tf2onnx style: [1,T,30] -> Transpose -> LSTM(40) -> Squeeze -> Gather(-1) -> MatMul+Add(4) -> Softmax")


def lstm_slice_last(name: str, rng: np.random.Generator) -> ModelSpec:
    """PyTorch `out[-1:]` style last step: Slice on the time axis."""
    g = GraphBuilder(rng, 14)
    y = g.lstm("x", 12, 24)                                       # [T, 1, 1, H]
    h = g.squeeze(y, [1, 2])                                      # [T, H]
    starts = g.const("slice_starts", np.array([-1], dtype=np.int64))
    ends = g.const("slice_ends", np.array([np.iinfo(np.int64).max], dtype=np.int64))
    axes = g.const("slice_axes", np.array([0], dtype=np.int64))
    h_last = g.node("Slice", [h, starts, ends, axes])[0]          # [1, H]
    z = g.node("Sigmoid", [g.gemm(h_last, 24, 3)])[0]             # [1, 3]
    model = g.finish(name, "x", ["T", 1, 12], z, [1, 3])
    return ModelSpec(name, model, 12, 3, "TBF", "last_step",
                     "LSTM(12->24) -> Squeeze[1,2] -> Slice(-1:) -> Gemm(3) -> Sigmoid")


def lstm_clip(name: str, rng: np.random.Generator) -> ModelSpec:
    return _pytorch_recurrent(
        name, rng, opset=14, features=20, classes=6,
        layer=lambda g, x: (g.lstm(x, 20, 32, clip=0.5), 32),
        description="LSTM(20->32, clip=0.5) -> Squeeze -> MatMul+Add(6) -> Softmax")


def lstm_layout1(name: str, rng: np.random.Generator, *, twin: bool = False) -> ModelSpec:
    """Batch-first LSTM (layout=1). ONNX Runtime's CPU LSTM refuses layout 1, so the reference
    comes from its `twin`: the same weights (same draws) with layout 0 between Transposes."""
    twin_rng = copy.deepcopy(rng)
    g = GraphBuilder(rng, 14)
    if twin:
        xt = g.node("Transpose", ["x"], perm=[1, 0, 2])[0]        # [T, 1, F]
        y = g.node("Transpose", [g.lstm(xt, 20, 32)], perm=[1, 0, 2, 3])[0]
    else:
        y = g.lstm("x", 20, 32, layout=1)                         # [1, T, 1, H]
    h = g.squeeze(y, [0, 2])                                      # [T, H]
    z = g.softmax(g.matmul_add(h, 32, 6))
    model = g.finish(name, "x", [1, "T", 20], z, ["T", 6])
    spec = ModelSpec(name, model, 20, 6, "BTF", "every_step",
                     "batch-first LSTM(20->32, layout=1) -> Squeeze[0,2] -> MatMul+Add(6) -> Softmax")
    if not twin:
        spec.reference_model = lstm_layout1(name, twin_rng, twin=True).model
    return spec


# A fixed window as torch.onnx.export writes it when the input has no dynamic axes: the declared input
# is [W, 1, F] and `y.view(W, 1, -1)` / `y.reshape(W, -1)` put the literal W in the Reshape shapes.
FIXED_WINDOW = 49


def lstm_window_reshape(name: str, rng: np.random.Generator) -> ModelSpec:
    g = GraphBuilder(rng, 14)
    y = g.lstm("x", 20, 32)                                       # [W, 1, 1, 32]
    h = g.reshape(y, [FIXED_WINDOW, 1, -1])                       # [W, 1, 32]
    z = g.softmax(g.matmul_add(h, 32, 6))                         # [W, 1, 6]
    model = g.finish(name, "x", [FIXED_WINDOW, 1, 20], z, [FIXED_WINDOW, 1, 6])
    return ModelSpec(name, model, 20, 6, "TBF", "every_step",
                     f"fixed window: [{FIXED_WINDOW},1,20] -> LSTM(32) -> Reshape[{FIXED_WINDOW},1,-1] -> MatMul+Add(6) "
                     "-> Softmax", window=FIXED_WINDOW)


def gru_window_reshape(name: str, rng: np.random.Generator) -> ModelSpec:
    g = GraphBuilder(rng, 14)
    y = g.gru("x", 24, 40, linear_before_reset=1)                 # [W, 1, 1, 40]
    h = g.reshape(y, [FIXED_WINDOW, -1])                          # [W, 40]
    z = g.softmax(g.gemm(h, 40, 5))                               # [W, 5]
    model = g.finish(name, "x", [FIXED_WINDOW, 1, 24], z, [FIXED_WINDOW, 5])
    return ModelSpec(name, model, 24, 5, "TBF", "every_step",
                     f"fixed window: [{FIXED_WINDOW},1,24] -> GRU(40) -> Reshape[{FIXED_WINDOW},-1] -> Gemm(5) -> Softmax",
                     window=FIXED_WINDOW)


MODELS: dict[str, Callable[[str, np.random.Generator], ModelSpec]] = {
    "lstm_40_128_dense12": lstm_40_128_dense12,
    "lstm_stacked": lstm_stacked,
    "gru_lbr0": gru_lbr0,
    "gru_lbr1": gru_lbr1,
    "rnn_tanh": rnn_tanh,
    "rnn_relu": rnn_relu,
    "lstm_peepholes": lstm_peepholes,
    "lstm_odd": lstm_odd,
    "gru_odd": gru_odd,
    "tf_style_last": tf_style_last,
    "lstm_slice_last": lstm_slice_last,
    "lstm_clip": lstm_clip,
    "lstm_layout1": lstm_layout1,
    "lstm_window_reshape": lstm_window_reshape,
    "gru_window_reshape": gru_window_reshape,
}


def model_rng(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def build(name: str, seed: int) -> ModelSpec:
    return MODELS[name](name, model_rng(seed, name))


# MARK: - ONNX Runtime


def session(model: onnx.ModelProto, threads: int = 1):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def model_input(spec: ModelSpec, x: np.ndarray) -> np.ndarray:
    """Features [T, F] in the model's input layout."""
    return x[:, None, :] if spec.input_layout == "TBF" else x[None, :, :]


def reference(spec: ModelSpec, x: np.ndarray) -> np.ndarray:
    """ONNX Runtime's output for the whole stream: [T, C], or [1, C] for last-step models."""
    sess = session(spec.reference_model or spec.model)
    (y,) = sess.run(None, {sess.get_inputs()[0].name: model_input(spec, x)})
    rows = 1 if spec.output_mode == "last_step" else x.shape[0]
    return np.ascontiguousarray(y.reshape(rows, spec.classes), dtype=np.float32)


def streaming_variant(model: onnx.ModelProto) -> tuple[onnx.ModelProto, list[tuple[str, str, list[int]]]]:
    """The same graph with each LSTM/GRU/RNN's state exposed, for stepping T=1 per call.

    Every recurrent node gets graph inputs `<node>_h_in` (and `<node>_c_in` for LSTM) as
    initial_h/initial_c and graph outputs `<node>_h_out` (and `<node>_c_out`) from Y_h/Y_c, all
    [1, 1, H]. Returns the model and the (input, output, shape) state pairs to feed back.
    """
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    pairs: list[tuple[str, str, list[int]]] = []
    for node in graph.node:
        if node.op_type not in ("LSTM", "GRU", "RNN"):
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if attrs.get("layout", 0) != 0:
            raise ValueError(f"{node.name}: streaming variant supports layout 0 only")
        hidden = int(attrs["hidden_size"])
        shape = [1, 1, hidden]
        inputs = list(node.input) + [""] * (8 - len(node.input))
        outputs = list(node.output) + [""] * (3 - len(node.output))
        inputs[5] = f"{node.name}_h_in"
        outputs[1] = f"{node.name}_h_out"
        pairs.append((inputs[5], outputs[1], shape))
        if node.op_type == "LSTM":
            inputs[6] = f"{node.name}_c_in"
            outputs[2] = f"{node.name}_c_out"
            pairs.append((inputs[6], outputs[2], shape))
        while inputs and inputs[-1] == "":
            inputs.pop()
        while outputs and outputs[-1] == "":
            outputs.pop()
        del node.input[:]
        node.input.extend(inputs)
        del node.output[:]
        node.output.extend(outputs)
    for state_in, state_out, shape in pairs:
        graph.input.append(helper.make_tensor_value_info(state_in, TensorProto.FLOAT, shape))
        graph.output.append(helper.make_tensor_value_info(state_out, TensorProto.FLOAT, shape))
    onnx.checker.check_model(model, full_check=True)
    return model, pairs


# MARK: - Writing


def versions() -> dict[str, str]:
    import onnxruntime
    return {"onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__, "numpy": np.__version__,
            "python": sys.version.split()[0]}


def build_all(out: str, seed: int, steps: int = DEFAULT_STEPS, names: list[str] | None = None) -> dict:
    """Writes every model (or `names`) with features and reference outputs; returns the manifest."""
    os.makedirs(out, exist_ok=True)
    names = names or list(MODELS)
    manifest: dict = {"seed": seed, "steps": steps, "names": names, "versions": versions(), "models": {}}
    for name in names:
        spec = build(name, seed)
        rng = model_rng(seed, name + ".features")
        x = rng.standard_normal((spec.window or steps, spec.features)).astype(np.float32)
        y = reference(spec, x)
        onnx.save(spec.model, os.path.join(out, f"{name}.onnx"))
        np.save(os.path.join(out, f"{name}.x.npy"), x)
        np.save(os.path.join(out, f"{name}.y.npy"), y)
        manifest["models"][name] = {
            "output_mode": spec.output_mode,
            "input_layout": spec.input_layout,
            "features": spec.features,
            "classes": spec.classes,
            "x_shape": list(x.shape),
            "y_shape": list(y.shape),
            "opset": spec.opset,
            "description": spec.description,
        }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    parser.add_argument("--only", nargs="*", choices=list(MODELS), help="build only these models")
    args = parser.parse_args(argv)
    manifest = build_all(args.out, args.seed, args.steps, args.only)
    for name, entry in manifest["models"].items():
        print(f"{name:22} opset {entry['opset']:2}  x {entry['x_shape']}  y {entry['y_shape']}  {entry['output_mode']}")
    print(f"seed {args.seed}, {args.steps} steps, {len(manifest['models'])} models in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
