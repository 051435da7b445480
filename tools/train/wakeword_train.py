#!/usr/bin/env python3
"""Trains a streaming wake-phrase detector (JAX, CPU) and exports it to ONNX, one output per frame.

    python wakeword_train.py --data work/data.npz --out work/params.npz --onnx work/model.onnx
                             [--hidden 64] [--layers 1] [--epochs 14] [--minutes 12] [--label view_glass]

Network (model.py's GRU, per frame): MFCC -> (x - mean) / std -> GRU(hidden) [-> GRU] -> Dense(2) -> softmax
over (_unknown_, LABEL), an output every frame; stepped one frame at a time with its state carried, as
`earshot listen` runs it. Trained to stream: a batch slot's final state is carried into its next scene
(half the time; else zero), so the state it learns to handle is that of a stream that never resets.
Loss: per-frame cross-entropy, weighted by wakeword_data.py's weights (the partial phrase is ignored),
positive frames x --positive-weight. Online augmentation: a time mask and Gaussian noise on normalised MFCC.
AdamW, warm-up + cosine decay, gradient clipping. Stops after --epochs or --minutes, whichever first.
The ONNX graph: x [T, 1, F] -> GRU (normalisation folded in) -> Squeeze -> MatMul + Add -> Softmax -> y [T, 2].
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

import model as numpy_model
from export_onnx import fold_normalisation
from train import init_params


def build_streaming_onnx(p: dict, labels: list[str]):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    nodes, inits = [], []

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value), name=name))
        return name

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    features = p["mean"].shape[0]
    h, layer = "x", 0
    while f"gru{layer}_W" in p:
        w, r, b = p[f"gru{layer}_W"], p[f"gru{layer}_R"], p[f"gru{layer}_b"]
        hidden = r.shape[0]
        y = node("GRU", [h, const(f"gru{layer}_W", w.T[None].astype(np.float32)),
                         const(f"gru{layer}_R", r.T[None].astype(np.float32)),
                         const(f"gru{layer}_B", np.concatenate([b, np.zeros_like(b)])[None].astype(np.float32))],
                 f"gru{layer}", hidden_size=hidden, linear_before_reset=0)
        h = node("Squeeze", [y, const(f"gru{layer}_squeeze_axes", np.array([1], np.int64))], f"gru{layer}_squeeze")
        layer += 1
    h = node("MatMul", [h, const("out_weight", p["out_W"])], "out_matmul")       # [T, 1, 2]
    h = node("Add", [h, const("out_bias", p["out_b"])], "out_add")
    h = node("Softmax", [h], "probs", axis=-1)
    nodes.append(helper.make_node("Identity", [h], ["y"], name="output"))
    graph = helper.make_graph(nodes, "earshot_wakeword",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["T", 1, features])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["T", 1, len(labels)])],
                              initializer=inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)],
                          producer_name="earshot-tools/train/wakeword_train.py")
    m.ir_version = 8
    helper.set_model_props(m, {"labels": ",".join(labels)})
    onnx.checker.check_model(m, full_check=True)
    return m


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--onnx", required=True)
    ap.add_argument("--label", required=True, help="the keyword's output label")
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=14)
    ap.add_argument("--minutes", type=float, default=12.0, help="stop training after this long")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--positive-weight", type=float, default=2.0)
    ap.add_argument("--carry", type=float, default=0.5, help="probability a slot keeps its state into the next scene")
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()

    import jax
    import jax.numpy as jnp
    import optax

    d = np.load(a.data)
    x, y, w = d["x"], d["y"], d["w"]
    features = x.shape[-1]
    mean = x.reshape(-1, features).mean(axis=0).astype(np.float32)
    std = x.reshape(-1, features).std(axis=0).astype(np.float32) + 1e-3
    xn = ((x - mean) / std).astype(np.float32)
    rng = np.random.default_rng(a.seed)
    params = init_params(rng, features, a.hidden, 0, a.layers, 2)
    frame_weight = (w * np.where(y == 1, a.positive_weight, 1.0)).astype(np.float32)

    def apply(p, xb, h0s):
        h, finals = xb, []
        for layer in range(a.layers):
            wt, r, b = p[f"gru{layer}_W"], p[f"gru{layer}_R"], p[f"gru{layer}_b"]
            hidden = r.shape[0]

            def cell(hs, g, r=r, hidden=hidden):
                rz = hs @ r[:, : 2 * hidden]
                z = jax.nn.sigmoid(g[:, :hidden] + rz[:, :hidden])
                rr = jax.nn.sigmoid(g[:, hidden:2 * hidden] + rz[:, hidden:])
                n = jnp.tanh(g[:, 2 * hidden:] + (rr * hs) @ r[:, 2 * hidden:])
                hs = (1.0 - z) * n + z * hs
                return hs, hs

            last, seq = jax.lax.scan(cell, h0s[layer], jnp.swapaxes(h @ wt + b, 0, 1))
            h = jnp.swapaxes(seq, 0, 1)
            finals.append(last)
        return h @ p["out_W"] + p["out_b"], jnp.stack(finals)

    def augment(key, xb):
        k1, k2, k3 = jax.random.split(key, 3)
        steps = xb.shape[1]
        width = jax.random.randint(k1, (xb.shape[0], 1), 0, 5)
        start = jax.random.randint(k2, (xb.shape[0], 1), 0, steps)
        t = jnp.arange(steps)[None, :]
        xb = xb * (~((t >= start) & (t < start + width)))[:, :, None]
        return xb + 0.1 * jax.random.normal(k3, xb.shape, xb.dtype)

    def loss_fn(p, xb, yb, wb, h0s):
        logits, finals = apply(p, xb, h0s)
        ce = optax.softmax_cross_entropy_with_integer_labels(logits, yb)
        return (ce * wb).sum() / wb.sum(), finals

    steps_per_epoch = len(y) // a.batch
    schedule = optax.warmup_cosine_decay_schedule(0.0, a.lr, steps_per_epoch // 2, steps_per_epoch * a.epochs,
                                                  a.lr * 0.02)
    opt = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(schedule, weight_decay=1e-4))
    p = {k: jnp.asarray(v) for k, v in params.items()}
    state = opt.init(p)

    @jax.jit
    def train_step(p, state, xb, yb, wb, h0s, key):
        xb = augment(key, xb)
        (loss, finals), grads = jax.value_and_grad(loss_fn, has_aux=True)(p, xb, yb, wb, h0s)
        updates, state = opt.update(grads, state, p)
        return optax.apply_updates(p, updates), state, loss, jax.lax.stop_gradient(finals)

    start = time.time()
    key = jax.random.PRNGKey(a.seed)
    carry = jnp.zeros((a.layers, a.batch, a.hidden), jnp.float32)
    history, stopped = [], False
    for epoch in range(a.epochs):
        order = rng.permutation(len(y))
        losses = []
        for i in range(steps_per_epoch):
            idx = order[i * a.batch:(i + 1) * a.batch]
            keep = jnp.asarray(rng.random(a.batch) < a.carry, jnp.float32)[None, :, None]
            p, state, loss, carry = train_step(p, state, jnp.asarray(xn[idx]), jnp.asarray(y[idx]),
                                               jnp.asarray(frame_weight[idx]), carry * keep,
                                               jax.random.fold_in(key, epoch * steps_per_epoch + i))
            losses.append(float(loss))
            if time.time() - start > a.minutes * 60:
                stopped = True
                break
        history.append(dict(epoch=epoch + 1, loss=float(np.mean(losses)), seconds=round(time.time() - start, 1)))
        print(f"[train] epoch {epoch + 1}/{a.epochs} loss {np.mean(losses):.4f} ({time.time() - start:.0f} s)",
              flush=True)
        if stopped:
            print(f"[train] stopped at the {a.minutes:g}-minute budget", flush=True)
            break
    out = {k: np.asarray(v, dtype=np.float32) for k, v in p.items()}
    out["mean"], out["std"] = mean, std
    np.savez(a.out, **out)
    with open(a.out.replace(".npz", "") + ".history.json", "w") as f:
        json.dump(dict(args=vars(a), history=history, train_seconds=round(time.time() - start, 1)), f, indent=1)

    # Export and check the ONNX graph against the numpy reference on a few scenes (ONNX Runtime).
    import onnx
    import onnxruntime as ort
    labels = ["_unknown_", a.label]
    onnx.save(build_streaming_onnx(fold_normalisation(out), labels), a.onnx)
    sess = ort.InferenceSession(a.onnx, providers=["CPUExecutionProvider"])
    worst = 0.0
    for xs in x[:8]:
        ours = numpy_model.forward(out, xs[None], every_step=True)[0]
        theirs = sess.run(None, {"x": xs[:, None, :]})[0][:, 0]
        worst = max(worst, float(np.max(np.abs(ours - theirs))))
    np.save(a.onnx.replace(".onnx", "") + ".calibration.npy", x[:40].reshape(-1, features))
    print(f"[train] {time.time() - start:.0f} s -> {a.out}; {a.onnx}: max |numpy - onnxruntime| = {worst:.2e}")
    return 0 if worst < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
