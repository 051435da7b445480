"""A recurrent wake-phrase head over openWakeWord's speech embeddings: GRU(hidden) -> Dense(1) -> Sigmoid, stepped
once per 80 ms chunk with its state carried (one score per chunk, as the dense head gives one per chunk).

The input normalisation learnt in training ((x - mean) / std per embedding value) is folded into the GRU's input
weights, so the head reads raw embeddings. The GRU is ONNX's (gates z, r, h; linear_before_reset = 0):
    z = sigmoid(x Wz + h Rz + bz), r = sigmoid(x Wr + h Rr + br), n = tanh(x Wh + (r * h) Rh + bh),
    h' = (1 - z) * n + z * h
Parameters (numpy, as oww_gru_train.py saves them): W [96, 3H], R [H, 3H], b [3H] (order z, r, h), out_W [H, 1],
out_b [1], mean [96], std [96].
`scores` is the numpy reference (float64); `onnx_gru_head` the ONNX graph (x [T, 1, 96] -> score [T, 1]).
`ensemble` joins N heads into one GRU(N * H) whose score is the sigmoid of the mean of the heads' logits: the
heads' gates side by side, their recurrent weights block-diagonal (no head reads another's state), so the
runtime steps an ensemble as one ordinary GRU head.
"""

from __future__ import annotations

import numpy as np

WIDTH = 96   # values per speech embedding


def folded(p: dict) -> tuple[np.ndarray, np.ndarray]:
    """(W, b) with the normalisation folded in: x W' + b' == ((x - mean) / std) W + b."""
    w = p["W"] / p["std"][:, None]
    b = p["b"] - (p["mean"] / p["std"]) @ p["W"]
    return w.astype(np.float64), b.astype(np.float64)


def scores(p: dict, x: np.ndarray, h: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """x [T, 96] raw embeddings of one stream -> (scores [T], final state [H]); h: the state to start from."""
    z, h = logits(p, x, h)
    return 1 / (1 + np.exp(-z)), h


def logits(p: dict, x: np.ndarray, h: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """As `scores`, before the final sigmoid."""
    w, b = folded(p)
    r = p["R"].astype(np.float64)
    hidden = r.shape[0]
    g = x.astype(np.float64) @ w + b
    h = np.zeros(hidden) if h is None else np.asarray(h, np.float64)
    out = np.empty((len(x), hidden))
    sig = lambda v: 1 / (1 + np.exp(-v))
    for t in range(len(x)):
        rz = h @ r[:, :2 * hidden]
        z = sig(g[t, :hidden] + rz[:hidden])
        rr = sig(g[t, hidden:2 * hidden] + rz[hidden:])
        n = np.tanh(g[t, 2 * hidden:] + (rr * h) @ r[:, 2 * hidden:])
        h = (1 - z) * n + z * h
        out[t] = h
    return out @ p["out_W"].astype(np.float64)[:, 0] + float(p["out_b"][0]), h


def ensemble(heads: list[dict]) -> dict:
    """N heads -> one GRU(N * H) head (parameters in the same format) scoring sigmoid(mean of the heads' logits).

    Each head's normalisation is folded into its input weights first (the result has mean 0, std 1). Gate g of
    head k occupies columns g*N*H + k*H ... + H; the recurrent weights are block-diagonal, so each head's block of
    the state evolves exactly as that head alone (z, r and the candidate are per unit; (r * h) @ Rh stays in the
    block). The output layer averages the heads' logits.
    """
    n, hidden = len(heads), heads[0]["R"].shape[0]
    if any(p["R"].shape[0] != hidden for p in heads):
        raise ValueError("ensemble: the heads differ in hidden size")
    big = n * hidden
    w, r, b = np.zeros((WIDTH, 3 * big)), np.zeros((big, 3 * big)), np.zeros(3 * big)
    out_w = np.zeros((big, 1))
    for k, p in enumerate(heads):
        fw, fb = folded(p)
        rows = slice(k * hidden, (k + 1) * hidden)
        for g in range(3):
            cols, src = slice(g * big + k * hidden, g * big + (k + 1) * hidden), slice(g * hidden, (g + 1) * hidden)
            w[:, cols], b[cols] = fw[:, src], fb[src]
            r[rows, cols] = p["R"][:, src]
        out_w[rows] = p["out_W"] / n
    out_b = np.array([np.mean([float(p["out_b"][0]) for p in heads])])
    return {"W": w, "R": r, "b": b, "out_W": out_w, "out_b": out_b, "mean": np.zeros(WIDTH), "std": np.ones(WIDTH)}


def onnx_gru_head(p: dict, name: str = "earshot_wakeword_gru_head"):
    """The head as an ONNX graph: x [T, 1, 96] -> GRU -> Squeeze -> MatMul + Add -> Sigmoid -> score [T, 1]."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    w, b = folded(p)
    hidden = p["R"].shape[0]
    inits = [numpy_helper.from_array(w.T[None].astype(np.float32), "gru_W"),
             numpy_helper.from_array(p["R"].T[None].astype(np.float32), "gru_R"),
             numpy_helper.from_array(np.concatenate([b, np.zeros(3 * hidden)])[None].astype(np.float32), "gru_B"),
             numpy_helper.from_array(np.array([1], np.int64), "squeeze_axes"),
             numpy_helper.from_array(p["out_W"].astype(np.float32), "out_W"),
             numpy_helper.from_array(p["out_b"].astype(np.float32), "out_b")]
    nodes = [helper.make_node("GRU", ["x", "gru_W", "gru_R", "gru_B"], ["gru"], hidden_size=hidden,
                              linear_before_reset=0),
             helper.make_node("Squeeze", ["gru", "squeeze_axes"], ["h"]),          # [T, 1, H]
             helper.make_node("MatMul", ["h", "out_W"], ["logit_w"]),
             helper.make_node("Add", ["logit_w", "out_b"], ["logit"]),
             helper.make_node("Sigmoid", ["logit"], ["sig"]),
             helper.make_node("Squeeze", ["sig", "squeeze_axes"], ["score"])]     # [T, 1]
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["T", 1, WIDTH])],
                              [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["T", 1])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], producer_name="earshot-train")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model
