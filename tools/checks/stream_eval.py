#!/usr/bin/env python3
"""Streaming keyword evaluation: long streams with known keyword positions -> recall, false alarms/hour.

    python tools/checks/stream_eval.py --model M.earshot            # through `earshot detect --stream`
    python tools/checks/stream_eval.py --simulate P.npz|M.onnx      # python simulation (see below)
        [--clips ../shared/data/speech_commands_v0.02_subset] [--minutes 30] [--seed 5]
        [--hop-frames 2] [--smoothing-seconds 0.2] [--threshold 0.8] [--refractory 1.0] [--json OUT]
        [--save-stream DIR]

The stream: a bed of background audio (the clip set's _silence_ clips, concatenated in random order at
random gain), with every keyword clip (the 10 keyword folders) and every _unknown_ clip placed on it at
a known time, 1.5-4 s apart, until the keyword clips run out; then a keyword-free tail (bed +
_unknown_ clips) until the stream is `--minutes` long, so false alarms are measured on a useful amount
of non-keyword audio. Defaults read the TEST set: evaluation only, never tuning.

Scoring: a detection of keyword k at time t (end of the newest audio the detector saw) is a hit when a
clip of k starts at s with s + 0.25 <= t <= s + 1.75 (the clip is 1 s; the detector fires once the word
has ended) and that clip is not already matched. Every other detection is a false alarm (including a
wrong keyword on a keyword clip). Recall = hits / keyword clips; false alarms per hour of stream.

Backends:
  --model M.earshot  runs `earshot detect --stream STREAM.wav --model M --json` (one JSON event per
                     line: {"keyword", "time", "score"}) with `--earshot-args` appended; the detector
                     settings are then Earshot's, and the threshold sweep is not available.
  --simulate         PYTHON SIMULATION of the windowed model (not Earshot): TensorFlow MFCC of the whole
                     stream (tools/train/tf_mfcc.py), the 49-frame window ending at every K-th frame run
                     from zero state (numpy model of tools/train/model.py, or ONNX Runtime), then the
                     same detector as Sources/Spotter / `listen` (moving average, threshold, re-arming,
                     a refractory period over every keyword), with listen's defaults. Prints a
                     threshold sweep.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "train"))

from tf_mfcc import TFMfcc, fit_length, read_wav, write_wav  # noqa: E402
from words import KEYWORDS, LABELS  # noqa: E402

RATE = 16000


def load_folder(root: str, label: str) -> list[np.ndarray]:
    folder = os.path.join(root, label)
    return [fit_length(read_wav(os.path.join(folder, f))) for f in sorted(os.listdir(folder)) if f.endswith(".wav")]


def build_stream(root: str, minutes: float, seed: int) -> tuple[np.ndarray, list[dict]]:
    rng = np.random.default_rng(seed)
    silence = load_folder(root, "_silence_")
    unknown = load_folder(root, "_unknown_")
    keywords = [(k, clip) for k in KEYWORDS for clip in load_folder(root, k)]
    order = rng.permutation(len(keywords))
    events: list[tuple[str, np.ndarray]] = [keywords[i] for i in order]
    # Unknown clips spread among the keywords (they are distractors, not scored as targets).
    for clip in unknown:
        events.insert(int(rng.integers(0, len(events) + 1)), ("_unknown_", clip))
    placed: list[dict] = []
    t = 1.0
    for label, clip in events:
        placed.append(dict(label=label, start=t, clip=clip))
        t += 1.0 + rng.uniform(1.5, 4.0)
    total = max(t + 2.0, minutes * 60.0)
    while t + 1.0 < total - 2.0:                       # keyword-free tail
        placed.append(dict(label="_unknown_", start=t, clip=unknown[rng.integers(len(unknown))]))
        t += 1.0 + rng.uniform(1.5, 6.0)
    n = int(total * RATE)
    bed = np.zeros(n, np.float32)
    pos = 0
    while pos < n:                                     # concatenated silence clips, random gain
        seg = silence[rng.integers(len(silence))] * 10 ** (rng.uniform(-12, 0) / 20)
        m = min(len(seg), n - pos)
        bed[pos:pos + m] = seg[:m]
        pos += m
    stream = bed.copy()
    for p in placed:
        s = int(p["start"] * RATE)
        stream[s:s + RATE] += p.pop("clip")
    return np.clip(stream, -1.0, 32767 / 32768), placed


def simulate_scores(stream: np.ndarray, model_path: str, hop_frames: int,
                    stateful: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Windowed execution in python: returns (times [W], probabilities [W, 12]).
    stateful: one pass over the whole stream, state carried, scores every frame (numpy model only)."""
    feats = TFMfcc()(stream)
    if stateful:
        import model as numpy_model
        probs = numpy_model.forward(numpy_model.load(model_path), feats[None], every_step=True)[0]
        return (np.arange(len(feats)) * 320 + 640) / RATE, probs
    ends = np.arange(48, len(feats), hop_frames)
    windows = np.stack([feats[e - 48:e + 1] for e in ends])
    if model_path.endswith(".onnx"):
        import onnxruntime as ort
        sess = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
        probs = np.array([sess.run(None, {"x": w[:, None, :]})[0][0] for w in windows])
    else:
        import model as numpy_model
        params = numpy_model.load(model_path)
        probs = np.concatenate([numpy_model.forward(params, windows[i:i + 2048])
                                for i in range(0, len(windows), 2048)])
    times = (ends * 320 + 640) / RATE
    return times, probs


def detect(times: np.ndarray, probs: np.ndarray, threshold: float, smoothing: int,
           refractory: float) -> list[dict]:
    """Earshot's detector (Sources/Spotter, `listen`): zero-padded moving average over N scores; the
    best armed keyword at or over the threshold fires unless in the refractory period (any keyword);
    a keyword that fired re-arms once its smoothed score falls below the threshold."""
    c = np.cumsum(np.vstack([np.zeros((1, probs.shape[1])), probs]), axis=0)
    idx = np.arange(1, len(probs) + 1)
    smoothed = (c[idx] - c[np.maximum(idx - smoothing, 0)]) / smoothing
    keyword_cols = [LABELS.index(k) for k in KEYWORDS]
    events, last = [], -1e9
    armed = np.ones(len(KEYWORDS), bool)
    for i, t in enumerate(times):
        s = smoothed[i, keyword_cols]
        armed |= s < threshold
        candidates = np.where(armed & (s >= threshold), s, -1.0)
        best = int(np.argmax(candidates))
        if candidates[best] >= 0 and t - last >= refractory:
            events.append(dict(keyword=KEYWORDS[best], time=float(t), score=float(s[best])))
            last = t
            armed[best] = False
    return events


def score(events: list[dict], placed: list[dict], hours: float) -> dict:
    targets = [p for p in placed if p["label"] in KEYWORDS]
    matched = [False] * len(targets)
    hits = false_alarms = on_keywords = 0
    for e in events:
        hit = near = False
        for j, p in enumerate(targets):
            inside = p["start"] + 0.25 <= e["time"] <= p["start"] + 1.75
            near |= inside
            if not matched[j] and p["label"] == e["keyword"] and inside:
                matched[j] = hit = True
                break
        hits += hit
        false_alarms += not hit
        on_keywords += (not hit) and near
    per_keyword = {k: float(np.mean([m for m, p in zip(matched, targets) if p["label"] == k]))
                   for k in KEYWORDS}
    # false_alarms counts every detection that is not a hit; on_keyword_clips of them fell on a keyword
    # clip (a wrong keyword, or a second event); the rest fired on background or _unknown_ words.
    return dict(recall=hits / max(1, len(targets)), hits=hits, keywords=len(targets),
                false_alarms=false_alarms, false_alarms_per_hour=false_alarms / hours,
                false_alarms_on_keyword_clips=on_keywords, per_keyword=per_keyword)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", default=os.path.join(HERE, "../../../shared/data/speech_commands_v0.02_subset"))
    ap.add_argument("--model", help="Earshot model: run `earshot detect --stream`")
    ap.add_argument("--earshot-bin", default="earshot")
    ap.add_argument("--earshot-args", default="", help="extra arguments for earshot detect")
    ap.add_argument("--simulate", help="params .npz or .onnx: python simulation of the windowed model")
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--hop-frames", type=int, default=2,
                    help="K: a window every K frames of 20 ms (listen's default: 2)")
    ap.add_argument("--smoothing-seconds", type=float, default=0.2,
                    help="scores averaged over this long (listen's default: 0.2 s)")
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--stateful", action="store_true",
                    help="simulation: run the network once over the stream, state carried, a score every frame")
    ap.add_argument("--refractory", type=float, default=1.0)
    ap.add_argument("--json")
    ap.add_argument("--save-stream", help="write stream.wav and truth.json here")
    a = ap.parse_args()
    if not (a.model or a.simulate):
        ap.error("give --model (Earshot) or --simulate (python simulation)")
    if not os.path.isdir(a.clips):
        print(f"stream_eval: skipped: {a.clips} not found")
        return 0
    stream, placed = build_stream(a.clips, a.minutes, a.seed)
    hours = len(stream) / RATE / 3600
    n_kw = sum(p["label"] in KEYWORDS for p in placed)
    print(f"[stream] {len(stream) / RATE / 60:.1f} min stream, {n_kw} keywords, "
          f"{len(placed) - n_kw} unknown-word distractors, seed {a.seed}")
    if a.save_stream:
        os.makedirs(a.save_stream, exist_ok=True)
        write_wav(os.path.join(a.save_stream, "stream.wav"), stream)
        with open(os.path.join(a.save_stream, "truth.json"), "w") as f:
            json.dump(placed, f)
    result: dict = dict(minutes=len(stream) / RATE / 60, keywords=n_kw, seed=a.seed)
    if a.model:
        with tempfile.TemporaryDirectory() as tmp:
            wav = os.path.join(tmp, "stream.wav")
            write_wav(wav, stream)
            cmd = [a.earshot_bin, "detect", "--stream", wav, "--model", a.model, "--json"] + a.earshot_args.split()
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode != 0:
                print(f"stream_eval: {' '.join(cmd)} failed: {out.stderr.strip()}", file=sys.stderr)
                return 1
        events = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
        r = score(events, placed, hours)
        result.update(backend="earshot detect --stream", **r)
        print(f"[stream] earshot: recall {100 * r['recall']:.1f}% ({r['hits']}/{r['keywords']}), "
              f"{r['false_alarms']} false alarms = {r['false_alarms_per_hour']:.1f}/hour")
    else:
        times, probs = simulate_scores(stream, a.simulate, a.hop_frames, a.stateful)
        a.smoothing = max(1, round(a.smoothing_seconds / (0.02 * (1 if a.stateful else a.hop_frames))))
        if a.stateful:
            result.update(backend=f"python simulation, STATEFUL ({a.simulate}): state carried, a score every frame, "
                                  f"smoothing {a.smoothing} frames, refractory {a.refractory} s")
        else:
            result.update(backend=f"python simulation of the windowed model ({a.simulate}), hop {a.hop_frames} "
                                  f"frames, smoothing {a.smoothing} windows, refractory {a.refractory} s")
        sweep = []
        for th in [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95]:
            r = score(detect(times, probs, th, a.smoothing, a.refractory), placed, hours)
            sweep.append(dict(threshold=th, recall=r["recall"], false_alarms_per_hour=r["false_alarms_per_hour"]))
        r = score(detect(times, probs, a.threshold, a.smoothing, a.refractory), placed, hours)
        result.update(threshold=a.threshold, sweep=sweep, **r)
        print(f"[stream] PYTHON SIMULATION (not Earshot): threshold {a.threshold}: recall "
              f"{100 * r['recall']:.1f}% ({r['hits']}/{r['keywords']}), {r['false_alarms']} false alarms = "
              f"{r['false_alarms_per_hour']:.1f}/hour ({r['false_alarms_on_keyword_clips']} of them on keyword clips)")
        print("[stream] threshold sweep: " + "  ".join(
            f"{s['threshold']}: {100 * s['recall']:.0f}%/{s['false_alarms_per_hour']:.0f}fa/h" for s in sweep))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
