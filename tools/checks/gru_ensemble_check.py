#!/usr/bin/env python3
"""The wake-word trainer's head ensemble (tools/train/oww_gru.py `ensemble`) against its members, run by ONNX Runtime.

    .venv/bin/python tools/checks/gru_ensemble_check.py

Random GRU heads (each with its own input normalisation) are joined into one GRU(N * H); ONNX Runtime runs the
joined head's graph and each member's graph alone over the same random stream. The joined score must be the
sigmoid of the mean of the members' logits (taken from ONNX Runtime's member scores) within 1e-5 on every step,
while the members disagree with each other (so a mean is something to get right). Also: one head joined alone
scores as itself, and heads of different sizes are refused. Prints `N passed, M failed` (tools/test.sh section
`gru-ensemble`).
"""

from __future__ import annotations

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "train"))
from oww_gru import WIDTH, ensemble, onnx_gru_head  # noqa: E402


def random_head(rng: np.random.Generator, hidden: int) -> dict:
    return {"W": rng.normal(size=(WIDTH, 3 * hidden)) / np.sqrt(WIDTH), "R": rng.normal(size=(hidden, 3 * hidden)) / np.sqrt(hidden),
            "b": rng.normal(size=3 * hidden) * 0.3, "out_W": rng.normal(size=(hidden, 1)) * 2 / np.sqrt(hidden),
            "out_b": rng.normal(size=1), "mean": rng.normal(size=WIDTH), "std": rng.uniform(0.5, 2.0, WIDTH)}


def run(head: dict, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort
    session = ort.InferenceSession(onnx_gru_head(head).SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x[:, None, :].astype(np.float32)})[0][:, 0].astype(np.float64)


def main() -> int:
    rng = np.random.default_rng(7)
    passed = failed = 0

    def check(ok: bool, what: str) -> None:
        nonlocal passed, failed
        passed, failed = passed + ok, failed + (not ok)
        print(f"{'ok  ' if ok else 'FAIL'} {what}", flush=True)

    for n, hidden in ((2, 8), (3, 16), (3, 64)):
        heads = [random_head(rng, hidden) for _ in range(n)]
        x = rng.normal(size=(300, WIDTH)) * 1.5 + heads[0]["mean"]
        member = np.array([run(h, x) for h in heads])
        member = np.clip(member, 1e-6, 1 - 1e-6)
        want = 1 / (1 + np.exp(-np.mean(np.log(member / (1 - member)), axis=0)))
        got = run(ensemble(heads), x)
        spread = float(np.abs(member - member.mean(0)).max())
        err = float(np.abs(got - want).max())
        check(err <= 1e-5 and spread > 0.05,
              f"{n} x GRU({hidden}) -> GRU({n * hidden}): |joined - sigmoid(mean logit)| {err:.1e} (members differ by up to {spread:.2f})")
    one = random_head(rng, 16)
    x = rng.normal(size=(200, WIDTH)) + one["mean"]
    err = float(np.abs(run(ensemble([one]), x) - run(one, x)).max())
    check(err <= 1e-5, f"one head joined alone scores as itself: max |diff| {err:.1e}")
    try:
        ensemble([random_head(rng, 8), random_head(rng, 16)])
        check(False, "heads of different hidden sizes are refused")
    except ValueError as e:
        check("hidden size" in str(e), f"heads of different hidden sizes are refused ({e})")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
