#!/usr/bin/env python3
"""Trains a wake-phrase head over openWakeWord's speech embeddings (JAX, CPU) and exports it to ONNX.

    python oww_train.py --data work/oww_data.npz --onnx work/head.onnx [--hidden 128] [--epochs 30]
                        [--minutes 8] [--seed 0]

Input: wakeword_oww_data.py's streams (one 96-value embedding per 80 ms chunk, a target and a weight per chunk).
An example is the window of the last 16 embeddings ending at a chunk of weight > 0, labelled with that chunk's
target: exactly what the head sees in `earshot listen`.
Network (openWakeWord's head kind, so Earshot's importer runs it): Flatten(16 x 96) -> Dense(hidden) ->
LayerNorm -> ReLU -> Dense(hidden) -> LayerNorm -> ReLU -> Dense(1) -> Sigmoid.
Loss: weighted binary cross-entropy (negatives x --negative-weight: false alarms cost more than misses) with
label smoothing; dropout on the hidden layers; online augmentation: Gaussian noise on the embeddings.
AdamW, warm-up + cosine decay, gradient clipping.
Stops after --epochs or --minutes. The ONNX graph is checked against ONNX Runtime before it is written.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from oww_head import EMBEDDINGS, WIDTH, forward, onnx_head


def windows(x: np.ndarray, index: np.ndarray) -> np.ndarray:
    """[len(index), 16, 96]: the 16 embeddings ending at each (block, chunk) of `index`."""
    offsets = np.arange(-EMBEDDINGS + 1, 1)
    return x[index[:, :1], index[:, 1:2] + offsets[None, :]]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument("--onnx", required=True)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--minutes", type=float, default=8.0)
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--negative-weight", type=float, default=3.0)
    p.add_argument("--noise", type=float, default=1.0, help="std of the Gaussian noise added to the embeddings")
    p.add_argument("--dropout", type=float, default=0.3, help="dropout on the hidden layers (training only)")
    p.add_argument("--smoothing", type=float, default=0.02,
                   help="label smoothing: targets eps and 1 - eps keep the sigmoid off 0 and 1, so thresholds "
                        "near the top stay distinct")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    import jax
    import jax.numpy as jnp
    import optax

    d = np.load(a.data)
    x, y, w = d["x"], d["y"], d["w"]
    index = np.argwhere(w > 0)
    index = index[index[:, 1] >= EMBEDDINGS - 1]
    labels = y[index[:, 0], index[:, 1]].astype(np.float32)
    print(f"[train] {len(index)} windows ({int(labels.sum())} positive); head {EMBEDDINGS}x{WIDTH} -> {a.hidden} -> "
          f"{a.hidden} -> 1", flush=True)
    rng = np.random.default_rng(a.seed)
    key = jax.random.PRNGKey(a.seed)
    k1, k2, k3, key = jax.random.split(key, 4)
    n_in = EMBEDDINGS * WIDTH

    def dense(k, i, o):
        return jax.random.normal(k, (i, o)) * np.sqrt(2.0 / i), jnp.zeros(o)
    params = {}
    params["w0"], params["b0"] = dense(k1, n_in, a.hidden)
    params["w1"], params["b1"] = dense(k2, a.hidden, a.hidden)
    params["w2"], params["b2"] = dense(k3, a.hidden, 1)
    for i in (0, 1):
        params[f"g{i}"], params[f"n{i}"] = jnp.ones(a.hidden), jnp.zeros(a.hidden)

    def layernorm(h, g, b):
        mu = h.mean(-1, keepdims=True)
        var = ((h - mu) ** 2).mean(-1, keepdims=True)
        return (h - mu) / jnp.sqrt(var + 1e-5) * g + b

    def drop(h, k):
        if k is None or a.dropout <= 0:
            return h
        return h * jax.random.bernoulli(k, 1 - a.dropout, h.shape) / (1 - a.dropout)

    def logits(p, xb, keys=(None, None)):
        h = xb.reshape(len(xb), -1)
        h = drop(jax.nn.relu(layernorm(h @ p["w0"] + p["b0"], p["g0"], p["n0"])), keys[0])
        h = drop(jax.nn.relu(layernorm(h @ p["w1"] + p["b1"], p["g1"], p["n1"])), keys[1])
        return (h @ p["w2"] + p["b2"])[:, 0]

    def loss_fn(p, xb, yb, k):
        kn, k0, k1 = jax.random.split(k, 3)
        xb = xb + a.noise * jax.random.normal(kn, xb.shape)
        z = logits(p, xb, (k0, k1))
        ce = optax.sigmoid_binary_cross_entropy(z, yb * (1 - 2 * a.smoothing) + a.smoothing)
        weight = jnp.where(yb > 0.5, 1.0, a.negative_weight)
        return (ce * weight).sum() / weight.sum()

    steps_per_epoch = max(1, len(index) // a.batch)
    schedule = optax.warmup_cosine_decay_schedule(0.0, a.lr, steps_per_epoch, steps_per_epoch * a.epochs, a.lr / 50)
    opt = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(schedule, weight_decay=1e-3))
    state = opt.init(params)

    @jax.jit
    def step(p, s, xb, yb, k):
        loss, g = jax.value_and_grad(loss_fn)(p, xb, yb, k)
        updates, s = opt.update(g, s, p)
        return optax.apply_updates(p, updates), s, loss

    t0 = time.time()
    for epoch in range(a.epochs):
        order = rng.permutation(len(index))
        total = 0.0
        for s in range(steps_per_epoch):
            batch = order[s * a.batch:(s + 1) * a.batch]
            key, k = jax.random.split(key)
            params, state, loss = step(params, state, jnp.asarray(windows(x, index[batch])),
                                       jnp.asarray(labels[batch]), k)
            total += float(loss)
        print(f"[train] epoch {epoch + 1}/{a.epochs}: loss {total / steps_per_epoch:.4f} ({time.time() - t0:.0f} s)",
              flush=True)
        if time.time() - t0 > a.minutes * 60:
            print(f"[train] time budget of {a.minutes:g} min reached", flush=True)
            break
    p = {k: np.asarray(v, np.float32) for k, v in params.items()}
    layers = [("dense", p["w0"], p["b0"]), ("layernorm", p["g0"], p["n0"]), ("relu",),
              ("dense", p["w1"], p["b1"]), ("layernorm", p["g1"], p["n1"]), ("relu",),
              ("dense", p["w2"], p["b2"]), ("sigmoid",)]
    model = onnx_head(layers, "earshot_wakeword_head")
    # The graph must compute what was trained: ONNX Runtime against the numpy forward pass.
    import onnxruntime as ort
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    probe = windows(x, index[rng.choice(len(index), 64, replace=False)])
    want = forward(layers, probe)
    got = np.array([session.run(None, {"x": probe[i:i + 1]})[0][0, 0] for i in range(len(probe))])
    err = float(np.abs(got - want).max())
    if err > 1e-4:
        raise SystemExit(f"[train] the ONNX head differs from the trained network by {err:g}")
    import onnx
    onnx.save(model, a.onnx)
    print(f"[train] {a.onnx}: ONNX Runtime matches the trained head (max |diff| {err:.1e}); "
          f"{time.time() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
