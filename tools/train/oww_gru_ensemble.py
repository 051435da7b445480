#!/usr/bin/env python3
"""Joins GRU wake-phrase heads trained with different seeds into one head (an ensemble); exports ONNX.

    python oww_gru_ensemble.py --head gru.seed0.npz --head gru.seed1.npz [--head ...] --data work/oww_data.npz
                               --out work/gru.npz --onnx work/gru_head.onnx

The joined head (oww_gru.ensemble) is one GRU(N * H) that scores sigmoid(mean of the heads' logits); the runtime
steps it like any GRU head. Before the ONNX graph is written it is checked on two of the data's streams twice:
the joined numpy head against each head run alone (the mean of their logits), and ONNX Runtime against the
joined numpy head.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from oww_features import WARMUP
from oww_gru import ensemble, logits, onnx_gru_head


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--head", action="append", required=True, help="a head's parameters (oww_gru_train.py --out)")
    p.add_argument("--data", required=True, help="the training data (two streams are used for the checks)")
    p.add_argument("--out", required=True, help="the joined parameters (.npz)")
    p.add_argument("--onnx", required=True)
    a = p.parse_args()
    heads = [dict(np.load(f)) for f in a.head]
    joined = ensemble(heads)
    x = np.load(a.data)["x"]
    worst_mean, worst_onnx = 0.0, 0.0
    import onnx
    import onnxruntime as ort
    model = onnx_gru_head(joined, name="earshot_wakeword_gru_ensemble")
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    for stream in x[:2, WARMUP:WARMUP + 1000]:
        want = np.mean([logits(h, stream)[0] for h in heads], axis=0)
        got, _ = logits(joined, stream)
        worst_mean = max(worst_mean, float(np.abs(got - want).max()))
        ref = 1 / (1 + np.exp(-got))   # the joined head's scores, from the logits just computed
        out = session.run(None, {"x": stream[:, None, :]})[0][:, 0]
        worst_onnx = max(worst_onnx, float(np.abs(out - ref).max()))
    if worst_mean > 1e-5 or worst_onnx > 1e-4:   # float32 parameters
        raise SystemExit(f"[train] the joined head differs: from the heads' mean logit by {worst_mean:g}, "
                         f"ONNX Runtime from numpy by {worst_onnx:g}")
    np.savez(a.out, **{k: np.asarray(v, np.float32) for k, v in joined.items()})
    onnx.save(model, a.onnx)
    print(f"[train] {len(heads)} heads joined into GRU({joined['R'].shape[0]}): mean logit matches (max |diff| "
          f"{worst_mean:.1e}), ONNX Runtime matches numpy ({worst_onnx:.1e}) -> {a.onnx}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
