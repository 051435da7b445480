"""openWakeWord-style heads (dense and layer-norm layers over the last 16 speech embeddings) as ONNX graphs.

Writes only ops Earshot's openWakeWord head importer accepts (Sources/Converter/ONNXOpenWakeWord*.swift):
Flatten, Gemm, LayerNormalization, Relu, Sigmoid (one score) or Softmax (N class probabilities). `forward` is
the same network in numpy, for checking the graph against ONNX Runtime.
"""

from __future__ import annotations

import numpy as np

EMBEDDINGS, WIDTH = 16, 96   # the head reads 16 embeddings of 96 values (one per 80 ms chunk)
EPSILON = 1e-5


def onnx_head(layers: list[tuple], name: str, output: str = "score"):
    """layers: ("dense", W [in, out], b [out]) | ("layernorm", gamma, beta) | ("relu",) | ("sigmoid",) |
    ("softmax",). Input "x" [1, 16, 96] float32, output `output` [1, N] (N: the last dense layer's width)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [helper.make_node("Flatten", ["x"], ["h0"], axis=1)], []
    width = [layer for layer in layers if layer[0] == "dense"][-1][1].shape[1]
    current = "h0"
    for k, layer in enumerate(layers):
        out = output if k == len(layers) - 1 else f"h{k + 1}"
        kind = layer[0]
        if kind == "dense":
            w, b = (np.asarray(a, np.float32) for a in layer[1:3])
            inits += [numpy_helper.from_array(w, f"w{k}"), numpy_helper.from_array(b, f"b{k}")]
            nodes.append(helper.make_node("Gemm", [current, f"w{k}", f"b{k}"], [out]))
        elif kind == "layernorm":
            g, b = (np.asarray(a, np.float32) for a in layer[1:3])
            inits += [numpy_helper.from_array(g, f"g{k}"), numpy_helper.from_array(b, f"b{k}")]
            nodes.append(helper.make_node("LayerNormalization", [current, f"g{k}", f"b{k}"], [out], axis=-1,
                                          epsilon=EPSILON))
        elif kind in ("relu", "sigmoid"):
            nodes.append(helper.make_node(kind.capitalize(), [current], [out]))
        elif kind == "softmax":
            nodes.append(helper.make_node("Softmax", [current], [out], axis=-1))
        else:
            raise ValueError(f"unknown head layer {kind}")
        current = out
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, EMBEDDINGS, WIDTH])],
                              [helper.make_tensor_value_info(output, TensorProto.FLOAT, [1, width])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="earshot-train")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def forward(layers: list[tuple], x: np.ndarray) -> np.ndarray:
    """The head in numpy: x [N, 16, 96] -> scores [N] (one output) or [N, C] (C outputs, e.g. after a softmax)."""
    h = x.reshape(len(x), -1).astype(np.float64)
    for layer in layers:
        if layer[0] == "dense":
            h = h @ layer[1] + layer[2]
        elif layer[0] == "layernorm":
            mu = h.mean(-1, keepdims=True)
            var = ((h - mu) ** 2).mean(-1, keepdims=True)
            h = (h - mu) / np.sqrt(var + EPSILON) * layer[1] + layer[2]
        elif layer[0] == "relu":
            h = np.maximum(h, 0)
        elif layer[0] == "softmax":
            h = np.exp(h - h.max(-1, keepdims=True))
            h = h / h.sum(-1, keepdims=True)
        else:
            h = 1 / (1 + np.exp(-h))
    return h[:, 0] if h.shape[1] == 1 else h


def selector(index: int, position: int = EMBEDDINGS - 1) -> list[tuple]:
    """A head whose score is value `index` of the embedding at `position` of its window (a one-hot dense layer;
    default the newest): 96 of them on one stream make `earshot infer` write the embeddings themselves, computed
    exactly as the runtime streams them. Position 0 (the oldest) recovers the first 15 embeddings of a stream,
    which the runtime holds before its head first runs."""
    w = np.zeros((EMBEDDINGS * WIDTH, 1), np.float32)
    w[position * WIDTH + index, 0] = 1.0
    return [("dense", w, np.zeros(1, np.float32))]
