#!/usr/bin/env python3
"""Compares wake-phrase heads over openWakeWord's speech embeddings on the same embeddings of the same audio.

    .venv/bin/python tools/bench/oww_head_compare.py --keyword "view glass" \\
        --positives ../shared/data/wakeword_recordings_dev/view_glass \\
        --background ../shared/data/librispeech_test_clean_dev \\
        --data tools/train/work/wakeword-view_glass/oww_data.npz \\
        --head dense=tools/train/work/wakeword-view_glass/head.onnx --head gru=gru_head.onnx \\
        --earshot-bin .build/release/earshot --cache /tmp/emb --json compare.json

Every stream (the benchmark's positives and background, built as tools/bench/wakeword_bench.py builds them, and
the held-out stream of --data, wakeword_oww_data.py's) becomes per-chunk speech embeddings computed by Earshot
itself (tools/train/oww_features.py: 96 selector heads on one `earshot infer --wav` stream), cached in --cache.
Each head (an ONNX file) is run by ONNX Runtime over those embeddings:
  * a dense head (input [1, 16, 96], oww_head.py): on each chunk's window of the last 16 embeddings;
  * a recurrent head (input [T, 1, 96], oww_gru.py): over the whole stream at once, its state carried.
Row k of a stream is the chunk ending at sample 1280 (k + 1); rows before the 16th have no score (0), as in
`earshot infer`. The detection rule is openWakeWord's (detector_sim.oww_events). Per head: the threshold chosen
on the held-out stream (oww_threshold.sweep: the lowest with <= --target false alarms per hour on its
ordinary-speech scenes), then on the benchmark the miss rate at <= 0.5 and <= 1 false alarm per hour (best
point of the threshold sweep) and at the held-out threshold. The benchmark never chooses anything.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "lib"), os.path.join(HERE, "..", "train")]
from detector_sim import oww_events  # noqa: E402
from oww_features import CHUNK, WARMUP, embeddings, feature_directory, selector_models  # noqa: E402
from oww_threshold import sweep  # noqa: E402
from wakeword_bench import at_target, audio_files, background_stream, load_mono, point, positive_stream  # noqa: E402

RATE = 16000
TARGETS = (0.5, 1.0)


def cached_embeddings(a, models: list[str], name: str, audio: np.ndarray) -> np.ndarray:
    """Earshot's embeddings of `audio`, cached by the audio's and the binary's digest."""
    h = hashlib.sha256(audio.tobytes())
    with open(a.earshot_bin, "rb") as f:
        h.update(f.read())
    path = os.path.join(a.cache, f"{name}.{h.hexdigest()[:16]}.npy")
    if not os.path.exists(path):
        t0 = time.time()
        with tempfile.TemporaryDirectory() as tmp:
            np.save(path, embeddings(a.earshot_bin, models, audio, tmp))
        print(f"[compare] {name}: {len(audio) / RATE / 60:.1f} min -> embeddings in {time.time() - t0:.0f} s",
              flush=True)
    return np.load(path)


def head_scores(path: str, e: np.ndarray) -> np.ndarray:
    """Per-chunk scores of the ONNX head at `path` over the embeddings e [T, 96] of one stream."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    shape = session.get_inputs()[0].shape
    out = np.zeros(len(e), np.float64)
    if shape[1:] == [16, 96]:   # dense: one window per chunk
        for t in range(WARMUP, len(e)):
            out[t] = session.run(None, {"x": e[t - WARMUP:t + 1][None]})[0].ravel()[0]
    else:                        # recurrent: the stream from its first embedding, state carried
        out[WARMUP:] = session.run(None, {"x": e[WARMUP:, None, :]})[0].reshape(len(e) - WARMUP, -1)[:, 0]
    return out


def evaluate(scores_pos, scores_bg, spans, hours, threshold, tolerance):
    grid = np.unique(np.concatenate([np.linspace(0, 1, 201)[1:], np.linspace(0.99, 1, 101),
                                     np.linspace(0.999, 1, 101), [threshold]]))
    to_samples = lambda chunks: [(t + 1) * CHUNK for t in chunks]
    points = [point(th, to_samples(oww_events(scores_pos, th)), oww_events(scores_bg, th), spans, hours, tolerance)
              for th in grid]
    shipped = next(p for p in points if abs(p["param"] - threshold) < 1e-12)
    return dict(points=points, heldout_threshold_point=shipped,
                **{f"miss_at_{t:g}_fa_per_hour": at_target(points, t) for t in TARGETS})


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 2)[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--keyword", required=True)
    p.add_argument("--positives", required=True, help="folder of real recordings of the phrase")
    p.add_argument("--background", required=True, help="folder of long real speech without the phrase")
    p.add_argument("--data", required=True, help="wakeword_oww_data.py's npz (its held-out stream and spans)")
    p.add_argument("--head", action="append", required=True, metavar="NAME=HEAD.onnx")
    p.add_argument("--earshot-bin", required=True)
    p.add_argument("--cache", required=True, help="folder for the streams' embeddings")
    p.add_argument("--target", type=float, default=0.5, help="held-out false alarms per hour for the threshold")
    p.add_argument("--tolerance", type=float, default=1.0)
    p.add_argument("--json")
    a = p.parse_args()
    os.makedirs(a.cache, exist_ok=True)
    heads = dict(h.split("=", 1) for h in a.head)
    for name, path in heads.items():
        if not os.path.isfile(path):
            p.error(f"--head {name}: no file {path}")
    models = selector_models(a.earshot_bin, feature_directory(), os.path.join(a.cache, "selectors"))
    d = np.load(a.data)
    heldout = load_mono(str(d["heldout_wav"]))
    pos, spans = positive_stream(audio_files(a.positives), 2.0, None, 0.0)
    bg = background_stream(audio_files(a.background), None, 0.0)
    hours = len(bg) / RATE / 3600
    streams = {n: cached_embeddings(a, models, n, x) for n, x in (("heldout", heldout), ("positives", pos),
                                                                   ("background", bg))}
    report = dict(keyword=a.keyword, positives=len(spans), background_hours=hours, heads={})
    for name, path in heads.items():
        t0 = time.time()
        s = {k: head_scores(path, e) for k, e in streams.items()}
        choice = sweep(s["heldout"], d["heldout_spans"], a.target)
        r = evaluate(s["positives"], s["background"], spans, hours, choice["threshold"], int(a.tolerance * RATE))
        r["heldout"] = {k: v for k, v in choice.items() if k != "sweep"}
        report["heads"][name] = dict(path=path, **r)
        print(f"[compare] {name} ({time.time() - t0:.0f} s): held-out threshold {choice['threshold']:.4g} "
              f"(recall {100 * choice['chosen']['recall']:.1f} %)", flush=True)
    print(f"\n'{a.keyword}': {len(spans)} real recordings, background {hours * 60:.1f} min "
          f"(one false alarm = {1 / hours:.2f}/h)")
    for name, r in report["heads"].items():
        cells = []
        for t in TARGETS:
            q = r[f"miss_at_{t:g}_fa_per_hour"]
            cells.append(f"<= {t:g}/h: " + ("none" if q is None else f"{100 * q['miss_rate']:.1f} % (th {q['param']:.4g})"))
        q = r["heldout_threshold_point"]
        cells.append(f"held-out th {q['param']:.4g}: {q['fa_per_hour']:.2f}/h, {100 * q['miss_rate']:.1f} %")
        print(f"  {name:10s} miss " + "; ".join(cells))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
