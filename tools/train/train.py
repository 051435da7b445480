#!/usr/bin/env python3
"""Trains the keyword model (JAX + optax, CPU) on cached features; writes numpy parameters.

    python train.py --features work/features.npz --out work/params.npz [--hidden 128] [--front 0]
                    [--layers 1] [--epochs 8] [--batch 128] [--lr 3e-3] [--seed 3]

The network is model.py's (GRU, last step from zero state, 1-s windows of 49 MFCC frames).
Loss: cross-entropy with label smoothing, each class weighted so that all 12 count equally (--balance);
online feature augmentation: one time mask of up to 6 frames and Gaussian noise (0.1 std) on the
normalised MFCC. AdamW, warm-up + cosine decay, gradient clipping 1.0.
Model selection on the validation split (dataset.py: held-out real speakers + held-out synthetic
examples): the epoch with the best mean of the real and the synthetic validation accuracy is kept
(--select last keeps the last epoch).
Deterministic for a given seed and feature file (XLA on CPU; train.sh runs XLA single-threaded;
other machines or library versions may differ in the last bits).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np


def init_params(rng: np.random.Generator, features: int, hidden: int, front: int, layers: int,
                classes: int) -> dict:
    def uniform(bound, shape):
        return rng.uniform(-bound, bound, size=shape).astype(np.float32)

    p: dict = {}
    width = features
    if front:
        p["front_W"] = uniform(np.sqrt(6.0 / (features + front)), (features, front))
        p["front_b"] = np.zeros(front, np.float32)
        width = front
    for layer in range(layers):
        p[f"gru{layer}_W"] = uniform(np.sqrt(6.0 / (width + 3 * hidden)), (width, 3 * hidden))
        # Orthogonal recurrent blocks keep early gradients alive over 49 steps.
        blocks = [np.linalg.qr(rng.standard_normal((hidden, hidden)))[0] for _ in range(3)]
        p[f"gru{layer}_R"] = np.concatenate(blocks, axis=1).astype(np.float32)
        b = np.zeros(3 * hidden, np.float32)
        b[:hidden] = 1.0            # z bias: start by remembering (update gate closed)
        p[f"gru{layer}_b"] = b
        width = hidden
    p["out_W"] = uniform(np.sqrt(6.0 / (width + classes)), (width, classes))
    p["out_b"] = np.zeros(classes, np.float32)
    return p


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--features", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--front", type=int, default=0)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--label-smoothing", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--balance", type=int, default=1,
                    help="1: weight the loss so every class counts equally (the test prior is uniform)")
    ap.add_argument("--time-mask", type=int, default=6, help="zero (= mean) up to this many frames per example")
    ap.add_argument("--feature-noise", type=float, default=0.1, help="std of noise on normalised features")
    ap.add_argument("--select", choices=["best", "last"], default="best",
                    help="best: keep the epoch with the best validation score (mean of real and synthetic parts)")
    a = ap.parse_args()

    import jax
    import jax.numpy as jnp
    import optax

    d = np.load(a.features)
    x, y, x_val, y_val = d["x"], d["y"], d["x_val"], d["y_val"]
    kind_val = d["kind_val"] if "kind_val" in d.files else np.array(["tts"] * len(y_val))
    real_val = ~np.char.startswith(kind_val, "tts")
    classes = 12
    mean = x.reshape(-1, x.shape[-1]).mean(axis=0).astype(np.float32)
    std = x.reshape(-1, x.shape[-1]).std(axis=0).astype(np.float32) + 1e-3
    rng = np.random.default_rng(a.seed)
    params = init_params(rng, x.shape[-1], a.hidden, a.front, a.layers, classes)
    xn = ((x - mean) / std).astype(np.float32)
    xv = jnp.asarray((x_val - mean) / std)

    def apply(p, xb):
        h = xb
        if "front_W" in p:
            h = jax.nn.relu(h @ p["front_W"] + p["front_b"])
        for layer in range(a.layers):
            w, r, b = p[f"gru{layer}_W"], p[f"gru{layer}_R"], p[f"gru{layer}_b"]
            hidden = r.shape[0]
            xw = jnp.swapaxes(h @ w + b, 0, 1)                     # [T, B, 3H]

            def cell(hs, g, r=r, hidden=hidden):
                rz = hs @ r[:, : 2 * hidden]
                z = jax.nn.sigmoid(g[:, :hidden] + rz[:, :hidden])
                rr = jax.nn.sigmoid(g[:, hidden:2 * hidden] + rz[:, hidden:])
                n = jnp.tanh(g[:, 2 * hidden:] + (rr * hs) @ r[:, 2 * hidden:])
                hs = (1.0 - z) * n + z * hs
                return hs, hs

            h0 = jnp.zeros((xb.shape[0], hidden), xb.dtype)
            last, seq = jax.lax.scan(cell, h0, xw)
            h = jnp.swapaxes(seq, 0, 1) if layer + 1 < a.layers else last
        return h @ p["out_W"] + p["out_b"]

    counts = np.bincount(y, minlength=classes).astype(np.float32)
    class_weight = jnp.asarray(len(y) / (classes * np.maximum(counts, 1)) if a.balance else np.ones(classes),
                               dtype=jnp.float32)

    def feature_augment(key, xb):
        """Cheap online augmentation on normalised features: one time mask and Gaussian noise."""
        k1, k2, k3 = jax.random.split(key, 3)
        steps = xb.shape[1]
        width = jax.random.randint(k1, (xb.shape[0], 1), 0, a.time_mask + 1)
        start = jax.random.randint(k2, (xb.shape[0], 1), 0, steps)
        t = jnp.arange(steps)[None, :]
        keep = ~((t >= start) & (t < start + width))
        xb = xb * keep[:, :, None]
        return xb + a.feature_noise * jax.random.normal(k3, xb.shape, xb.dtype)

    def loss_fn(p, xb, yb):
        logits = apply(p, xb)
        target = optax.smooth_labels(jax.nn.one_hot(yb, classes), a.label_smoothing)
        w = class_weight[yb]
        return (optax.softmax_cross_entropy(logits, target) * w).sum() / w.sum()

    steps_per_epoch = len(y) // a.batch
    schedule = optax.warmup_cosine_decay_schedule(0.0, a.lr, steps_per_epoch // 2,
                                                  steps_per_epoch * a.epochs, a.lr * 0.02)
    opt = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(schedule, weight_decay=a.weight_decay))
    p = {k: jnp.asarray(v) for k, v in params.items()}
    state = opt.init(p)

    @jax.jit
    def train_step(p, state, xb, yb, key):
        xb = feature_augment(key, xb)
        loss, grads = jax.value_and_grad(loss_fn)(p, xb, yb)
        updates, state = opt.update(grads, state, p)
        return optax.apply_updates(p, updates), state, loss

    @jax.jit
    def predict(p, xb):
        return jnp.argmax(apply(p, xb), axis=-1)

    start = time.time()
    base_key = jax.random.PRNGKey(a.seed)
    history = []
    best = (-1.0, None, 0)
    for epoch in range(a.epochs):
        order = rng.permutation(len(y))
        losses = []
        for i in range(steps_per_epoch):
            idx = order[i * a.batch:(i + 1) * a.batch]
            p, state, loss = train_step(p, state, jnp.asarray(xn[idx]), jnp.asarray(y[idx]),
                                        jax.random.fold_in(base_key, epoch * steps_per_epoch + i))
            losses.append(loss)
        right = np.asarray(predict(p, xv)) == y_val
        val_acc = float(right.mean())
        parts = [float(right[m].mean()) for m in (real_val, ~real_val) if m.any()]
        score = float(np.mean(parts))
        if a.select == "last" or score > best[0]:
            best = (score, {k: np.asarray(v, dtype=np.float32) for k, v in p.items()}, epoch + 1)
        sub = order[:4096]
        train_acc = float((np.asarray(predict(p, jnp.asarray(xn[sub]))) == y[sub]).mean())
        history.append(dict(epoch=epoch + 1, loss=float(np.mean(losses)), train_acc=train_acc,
                            val_acc=val_acc, val_parts=parts, val_score=score,
                            seconds=round(time.time() - start, 1)))
        print(f"[train] epoch {epoch + 1}/{a.epochs} loss {np.mean(losses):.4f} train {train_acc:.3f} "
              f"val {val_acc:.3f} (real, synthetic: {', '.join(f'{v:.3f}' for v in parts)}) "
              f"({time.time() - start:.0f}s)", flush=True)
    out = best[1]
    print(f"[train] keeping epoch {best[2]} (validation score {best[0]:.3f})")
    out["mean"], out["std"] = mean, std
    np.savez(a.out, **out)
    with open(a.out.replace(".npz", "") + ".history.json", "w") as f:
        json.dump(dict(args=vars(a), history=history, selected_epoch=best[2], train_seconds=round(time.time() - start, 1)), f, indent=1)
    print(f"[train] {time.time() - start:.0f}s -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
