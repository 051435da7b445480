#!/usr/bin/env python3
"""Trains a streaming GRU wake-phrase head over openWakeWord's speech embeddings (JAX, CPU); exports ONNX.

    python oww_gru_train.py --data work/oww_data.npz --out work/gru.npz --onnx work/gru_head.onnx
                            [--hidden 64] [--steps 1500] [--minutes 8] [--seed 0]

Input: wakeword_oww_data.py's streams (blocks of 200 scenes played back to back: one 96-value embedding per
80 ms chunk, a target and a weight per chunk; the dense head's data, unchanged).
Network (oww_gru.py): (x - mean) / std -> GRU(hidden) -> Dense(1) -> Sigmoid, one score per chunk, stepped
one chunk at a time with its state carried, as a stream runs it.
Trained to stream: each batch slot is a crop of --length consecutive chunks from a random place in a block;
its start state is the slot's final state from the previous step (another crop: the state of a stream that
never resets) with probability --carry, else zero. Loss: per-chunk weighted binary cross-entropy (the chunk
weights of the data; negatives x --negative-weight: false alarms cost more than misses), label smoothing;
online augmentation: Gaussian noise on the normalised embeddings. AdamW, warm-up + cosine decay, gradient
clipping. Stops after --steps or --minutes. The ONNX graph is checked against the numpy reference (oww_gru.py)
with ONNX Runtime before it is written.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from oww_features import WARMUP
from oww_gru import onnx_gru_head, scores


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True, help="the trained parameters (.npz)")
    p.add_argument("--onnx", required=True)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--minutes", type=float, default=8.0)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--length", type=int, default=64, help="chunks per crop (64 = 5.1 s)")
    p.add_argument("--carry", type=float, default=0.5)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--negative-weight", type=float, default=3.0)
    p.add_argument("--noise", type=float, default=0.1, help="std of Gaussian noise on the normalised embeddings")
    p.add_argument("--smoothing", type=float, default=0.02)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    import jax
    import jax.numpy as jnp
    import optax

    d = np.load(a.data)
    x, y, w = d["x"], d["y"].astype(np.float32), d["w"]
    flat = x.reshape(-1, x.shape[-1])
    mean, std = flat.mean(0).astype(np.float32), (flat.std(0) + 1e-3).astype(np.float32)
    xn = ((x - mean) / std).astype(np.float32)
    weight = (w * np.where(y > 0.5, 1.0, a.negative_weight)).astype(np.float32)
    blocks, chunks, width = x.shape
    print(f"[train] GRU({a.hidden}) head over {blocks} streams x {chunks} chunks ({int((y * (w > 0)).sum())} "
          f"positive chunks); crops of {a.length} chunks, batch {a.batch}", flush=True)
    rng = np.random.default_rng(a.seed)
    key = jax.random.PRNGKey(a.seed)
    k1, k2, k3 = jax.random.split(key, 3)
    h = a.hidden
    params = {"W": jax.random.normal(k1, (width, 3 * h)) / np.sqrt(width),
              "R": jax.random.normal(k2, (h, 3 * h)) / np.sqrt(h),
              "b": jnp.zeros(3 * h),
              "out_W": jax.random.normal(k3, (h, 1)) / np.sqrt(h), "out_b": jnp.full((1,), -2.0)}

    def apply(p, xb, h0):
        def cell(hs, g):
            rz = hs @ p["R"][:, :2 * h]
            z = jax.nn.sigmoid(g[:, :h] + rz[:, :h])
            rr = jax.nn.sigmoid(g[:, h:2 * h] + rz[:, h:])
            n = jnp.tanh(g[:, 2 * h:] + (rr * hs) @ p["R"][:, 2 * h:])
            hs = (1.0 - z) * n + z * hs
            return hs, hs
        last, seq = jax.lax.scan(cell, h0, jnp.swapaxes(xb @ p["W"] + p["b"], 0, 1))
        return (jnp.swapaxes(seq, 0, 1) @ p["out_W"] + p["out_b"])[..., 0], last

    def loss_fn(p, xb, yb, wb, h0, k):
        xb = xb + a.noise * jax.random.normal(k, xb.shape)
        z, last = apply(p, xb, h0)
        ce = optax.sigmoid_binary_cross_entropy(z, yb * (1 - 2 * a.smoothing) + a.smoothing)
        return (ce * wb).sum() / jnp.maximum(wb.sum(), 1e-6), last

    schedule = optax.warmup_cosine_decay_schedule(0.0, a.lr, max(1, a.steps // 20), a.steps, a.lr / 50)
    opt = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(schedule, weight_decay=1e-4))
    state = opt.init(params)

    @jax.jit
    def step(p, s, xb, yb, wb, h0, k):
        (loss, last), g = jax.value_and_grad(loss_fn, has_aux=True)(p, xb, yb, wb, h0, k)
        updates, s = opt.update(g, s, p)
        return optax.apply_updates(p, updates), s, loss, jax.lax.stop_gradient(last)

    t0 = time.time()
    carry = jnp.zeros((a.batch, h), jnp.float32)
    history, total, done = [], 0.0, 0
    for i in range(a.steps):
        b = rng.integers(0, blocks, a.batch)
        s = rng.integers(WARMUP, chunks - a.length + 1, a.batch)   # rows before WARMUP hold no embedding
        idx = s[:, None] + np.arange(a.length)[None, :]
        keep = jnp.asarray(rng.random(a.batch) < a.carry, jnp.float32)[:, None]
        key, k = jax.random.split(key)
        params, state, loss, carry = step(params, state, jnp.asarray(xn[b[:, None], idx]),
                                          jnp.asarray(y[b[:, None], idx]), jnp.asarray(weight[b[:, None], idx]),
                                          carry * keep, k)
        total += float(loss)
        done += 1
        if (i + 1) % 100 == 0 or i + 1 == a.steps:
            history.append(dict(step=i + 1, loss=total / done, seconds=round(time.time() - t0, 1)))
            print(f"[train] step {i + 1}/{a.steps}: loss {total / done:.4f} ({time.time() - t0:.0f} s)", flush=True)
            total, done = 0.0, 0
        if time.time() - t0 > a.minutes * 60:
            print(f"[train] time budget of {a.minutes:g} min reached at step {i + 1}", flush=True)
            break
    out = {k: np.asarray(v, np.float32) for k, v in params.items()}
    out["mean"], out["std"] = mean, std
    np.savez(a.out, **out)
    with open(a.out.replace(".npz", "") + ".history.json", "w") as f:
        json.dump(dict(args=vars(a), history=history, train_seconds=round(time.time() - t0, 1)), f, indent=1)
    # The graph must compute what was trained: ONNX Runtime against the numpy reference on two whole streams.
    import onnx
    import onnxruntime as ort
    model = onnx_gru_head(out)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    err = 0.0
    for stream in x[:2, WARMUP:WARMUP + 1000]:
        want, _ = scores(out, stream)
        got = session.run(None, {"x": stream[:, None, :]})[0][:, 0]
        err = max(err, float(np.abs(got - want).max()))
    if err > 1e-4:
        raise SystemExit(f"[train] the ONNX head differs from the trained network by {err:g}")
    onnx.save(model, a.onnx)
    print(f"[train] {a.onnx}: ONNX Runtime matches the numpy head (max |diff| {err:.1e}); {time.time() - t0:.0f} s",
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
