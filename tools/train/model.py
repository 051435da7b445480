"""The keyword model in numpy: parameters, forward pass (reference for JAX training and ONNX export).

Architecture (streaming-friendly, one timestep at a time):
    x_t [10] MFCC -> (x_t - mean) / std -> [optional Dense(front) + ReLU] -> GRU(hidden)
    -> last step h_T -> Dense(12) -> softmax
The GRU is ONNX's GRU with linear_before_reset = 0 (gate order z, r, h):
    z = sig(Wz x + Rz h + bz);  r = sig(Wr x + Rr h + br)
    n = tanh(Wh x + Rh (r * h) + bh);  h' = (1 - z) * n + z * h
"""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def gru_layer(params: dict, prefix: str, x: np.ndarray) -> np.ndarray:
    """x [B, T, F] -> all hidden states [B, T, H] (numpy float32, from zero state)."""
    w, r, b = params[prefix + "W"], params[prefix + "R"], params[prefix + "b"]   # [F,3H] [H,3H] [3H]
    hidden = r.shape[0]
    h = np.zeros((x.shape[0], hidden), np.float32)
    xw = x @ w + b
    out = np.empty((x.shape[0], x.shape[1], hidden), np.float32)
    for t in range(x.shape[1]):
        g = xw[:, t]
        rz = h @ r[:, : 2 * hidden]
        z = sigmoid(g[:, :hidden] + rz[:, :hidden])
        rr = sigmoid(g[:, hidden:2 * hidden] + rz[:, hidden:])
        n = np.tanh(g[:, 2 * hidden:] + (rr * h) @ r[:, 2 * hidden:])
        h = (1.0 - z) * n + z * h
        out[:, t] = h
    return out


def forward(params: dict, x: np.ndarray, every_step: bool = False) -> np.ndarray:
    """x [B, T, 10] raw MFCC -> probabilities [B, 12] of the last step (or [B, T, 12])."""
    h = (x - params["mean"]) / params["std"]
    if "front_W" in params:
        h = np.maximum(h @ params["front_W"] + params["front_b"], 0.0)
    layer = 0
    while f"gru{layer}_W" in params:
        h = gru_layer(params, f"gru{layer}_", h)
        layer += 1
    if not every_step:
        h = h[:, -1]
    logits = h @ params["out_W"] + params["out_b"]
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def load(path: str) -> dict:
    with np.load(path) as d:
        return {k: d[k] for k in d.files}
