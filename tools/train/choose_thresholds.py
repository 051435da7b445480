#!/usr/bin/env python3
"""Chooses the default model's per-keyword detection thresholds on held-out TRAINING-side data only.

    python choose_thresholds.py --model work/model_nothreshold.earshot --earshot EARSHOT \\
        --speech work/threshold_speech.npz --shared ../shared/data --out work/thresholds.json \\
        [--target 1.0] [--floor 0.8]

False alarms: `--speech`, synth_speech.py's connected speech made with its own seed (41) for this
step alone (no sentence, voice draw or window of it is in training), played as one stream with
0.2 s between sentences. It contains no keyword, so every event is a false alarm.
Recall: the real clips of speech_commands_train_real's validation speakers (dataset.py's split: the
speakers whose SHA-1 falls in the lowest 10%; never trained on), each padded with 0.5 s of silence
before and 1 s after like tools/bench/keyword_false_alarms.py's positives. Only yes, no, up and down
have such clips; the other six keywords have no held-out real recordings.
Never read: the test set (speech_commands_v0.02_subset) and LibriSpeech.

Scores: the int8 model itself (`earshot infer` on every 49-frame window, one every 2 frames, as
`listen` runs it), on numpy TensorFlow-MFCC features (tf_mfcc.py). Detector: Earshot's
(tools/lib/detector_sim.py; 0.2 s smoothing = 5 posteriors, 1 s refractory = 25).

Rule (fixed before any score was looked at):
  grid: 0.80, 0.81, ..., 0.99, 0.995, 0.999, 1.0 (never below the detector's default 0.8);
  budget: floor(target x held-out hours) false alarms in all;
  1. each keyword starts at the lowest grid value where it alone raises no false alarm;
  2. the budget is spent greedily: the move lowering one keyword's threshold that buys the most
     held-out recall for the false alarms it costs, while the total stays within budget;
  3. the result is checked with the whole multi-keyword detector (any-keyword refractory).
Writes JSON: thresholds (3 decimals, what convert.sh stores), the held-out false alarms and recall.
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
sys.path[:0] = [HERE, os.path.join(os.path.dirname(HERE), "lib")]
from dataset import validation_real_clips  # noqa: E402
from detector_sim import events, smoothed  # noqa: E402
from tf_mfcc import TFMfcc, fit_length  # noqa: E402
from words import KEYWORDS, LABELS  # noqa: E402

RATE = 16000
WINDOW, HOP = 49, 2          # the model's window and listen's hop (frames)
SMOOTHING, REFRACTORY = 5, 25  # DetectorSettings' 0.2 s and 1 s in 40-ms posteriors


def make_grid(low: float = 0.80) -> list[float]:
    """The threshold grid: low, low + 0.01, ..., 0.99, then 0.995, 0.999, 1.0."""
    steps = int(round((0.99 - low) / 0.01)) + 1
    return [round(low + 0.01 * i, 2) for i in range(steps)] + [0.995, 0.999, 1.0]


GRID = make_grid()
GAP = int(0.2 * RATE)


def features(audio: np.ndarray, chunk_frames: int = 6000) -> np.ndarray:
    """TF MFCC frames of a long signal, computed in pieces (frame i reads samples 320 i ... 320 i + 640)."""
    mfcc = TFMfcc()
    total = mfcc.frames(len(audio))
    parts = [mfcc(audio[320 * a:320 * min(a + chunk_frames, total) + 320]) for a in range(0, total, chunk_frames)]
    return np.concatenate(parts)


def window_scores(earshot: str, model: str, feats: list[np.ndarray], tmp: str) -> list[np.ndarray]:
    """For each feature array [T, 10]: the model's scores [W, 12] of the windows ending at frames 48, 50, ..."""
    ends = [np.arange(WINDOW - 1, len(f), HOP) for f in feats]
    windows = np.concatenate([np.stack([f[e - WINDOW + 1:e + 1] for e in ee]) for f, ee in zip(feats, ends)
                              if len(ee)]).astype(np.float32)
    scores = []
    for i in range(0, len(windows), 20000):
        x, y = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
        np.save(x, windows[i:i + 20000])
        subprocess.run([earshot, "infer", "--model", model, "--features", x, "--out", y], check=True,
                       stdout=subprocess.DEVNULL)
        scores.append(np.load(y).reshape(-1, len(LABELS)))
    flat = np.concatenate(scores)
    out, at = [], 0
    for ee in ends:
        out.append(flat[at:at + len(ee)])
        at += len(ee)
    return out


def speech_stream(path: str) -> tuple[np.ndarray, float]:
    d = np.load(path)
    audio, offsets = d["audio"], d["offsets"]
    gap = np.zeros(GAP, np.int16)
    parts = []
    for i in range(len(offsets) - 1):
        parts += [audio[offsets[i]:offsets[i + 1]], gap]
    stream = np.concatenate(parts).astype(np.float32) / 32768.0
    return stream, len(stream) / RATE / 3600


def multi_detector(s: np.ndarray, thresholds: np.ndarray) -> list[tuple[int, int]]:
    """Earshot's Detector over smoothed keyword scores s [T, K] with per-keyword thresholds [K]:
    (frame, keyword) of every event (armed keywords, the highest smoothed score fires, any-keyword refractory)."""
    armed = np.ones(s.shape[1], bool)
    last_any, previous, out = -10 ** 9, -2, []
    for t in np.nonzero((s >= thresholds).any(1))[0]:
        if t > previous + 1:   # a frame in between had every keyword below its threshold: all re-armed
            armed[:] = True
        previous = t
        row = s[t]
        armed |= row < thresholds
        ok = armed & (row >= thresholds) & (t - last_any >= REFRACTORY)
        if ok.any():
            k = int(np.argmax(np.where(ok, row, -1.0)))
            out.append((int(t), k))
            armed[k] = False
            last_any = t
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="the converted model (int8), thresholds not yet stored")
    p.add_argument("--earshot", required=True, help="the earshot binary (release build) that scores and verifies")
    p.add_argument("--speech", required=True, help="synth_speech.py output made for this step (its own seed)")
    p.add_argument("--shared", required=True, help="../shared/data (speech_commands_train_real is read)")
    p.add_argument("--out", required=True, help="the choice as JSON (train.sh: work/thresholds.json)")
    p.add_argument("--target", type=float, default=1.0, help="false alarms per hour on the held-out speech")
    p.add_argument("--floor", type=float, default=0.8, help="no threshold below this")
    p.add_argument("--verify", metavar="MODEL",
                   help="a model with the chosen thresholds stored: measure the same held-out figures with "
                        "`earshot detect --stream` (Earshot's own front end, windowing and detector) and add "
                        "them to --out as heldout_earshot")
    a = p.parse_args()
    if "speech_commands_v0.02_subset" in a.speech or "librispeech" in a.speech.lower():
        sys.exit("choose_thresholds.py: refusing to choose thresholds on the test set or LibriSpeech")
    for path, what in ((a.model, "--model"), (a.earshot, "--earshot"), (a.speech, "--speech"), (a.verify, "--verify"),
                       (os.path.join(a.shared, "speech_commands_train_real"), "--shared")):
        if path and not os.path.exists(path):
            sys.exit(f"choose_thresholds.py: {what} {path} not found")
    if not (a.target > 0 and 0 <= a.floor <= 1):
        sys.exit(f"choose_thresholds.py: --target must be > 0 and --floor 0 to 1 (got {a.target}, {a.floor})")
    grid = [g for g in GRID if g >= a.floor]
    cols = [LABELS.index(k) for k in KEYWORDS]

    stream, hours = speech_stream(a.speech)
    clips = [(label, audio) for label, audio, _ in validation_real_clips(a.shared)]
    padded = [np.concatenate([np.zeros(8000, np.float32), fit_length(audio), np.zeros(16000, np.float32)])
              for _, audio in clips]
    if a.verify:
        return verify(a, stream, hours, [LABELS[label] for label, _ in clips], padded)
    print(f"[thresholds] held-out speech {hours * 60:.1f} min; {len(clips)} held-out real clips", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        scores = window_scores(a.earshot, a.model, [features(stream)] + [TFMfcc()(c) for c in padded], tmp)
    s_speech = smoothed_all(scores[0])[:, cols]
    s_clips = [smoothed_all(x)[:, cols] for x in scores[1:]]

    # Per keyword, alone: false alarms on the speech and held-out recall at every grid value.
    fa = np.array([[len(events(s_speech[:, k], g, REFRACTORY)) for g in grid] for k in range(len(KEYWORDS))])
    clip_labels = np.array([KEYWORDS.index(LABELS[label]) for label, _ in clips])
    peak = np.array([c[:, k].max() for c, k in zip(s_clips, clip_labels)])
    hits = np.array([[int(((clip_labels == k) & (peak >= g)).sum()) for g in grid] for k in range(len(KEYWORDS))])

    budget = int(np.floor(a.target * hours + 1e-9))
    at = spend_budget(fa, hits, budget)
    thresholds = {kw: grid[at[k]] for k, kw in enumerate(KEYWORDS)}

    # The whole detector with these thresholds.
    t = np.array([thresholds[k] for k in KEYWORDS])
    fired = multi_detector(s_speech, t)
    per_fa = {kw: sum(1 for _, k in fired if KEYWORDS[k] == kw) for kw in KEYWORDS}
    recall = {}
    for kw in sorted({KEYWORDS[k] for k in clip_labels}):
        k = KEYWORDS.index(kw)
        mine = [c for c, lab in zip(s_clips, clip_labels) if lab == k]
        recall[kw] = sum(any(e == k for _, e in multi_detector(c, t)) for c in mine) / len(mine)
    n_clips = len(clip_labels)
    hit_all = sum(recall[kw] * int((clip_labels == KEYWORDS.index(kw)).sum()) for kw in recall)
    result = dict(
        thresholds=thresholds, target_fa_per_hour=a.target, floor=a.floor, grid=grid,
        heldout=dict(speech_minutes=round(hours * 60, 2), false_alarms=len(fired),
                     fa_per_hour=round(len(fired) / hours, 3), false_alarms_per_keyword=per_fa,
                     clips=n_clips, recall=round(hit_all / n_clips, 4),
                     recall_per_keyword={k: round(v, 4) for k, v in recall.items()}),
        per_keyword_alone={kw: dict(false_alarms=fa[k].tolist(), hits=hits[k].tolist(),
                                    clips=int((clip_labels == k).sum())) for k, kw in enumerate(KEYWORDS)},
        data=dict(speech=os.path.basename(a.speech), clips="speech_commands_train_real validation speakers"),
    )
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    print("[thresholds] " + ", ".join(f"{k} {v:g}" for k, v in thresholds.items()))
    print(f"[thresholds] held-out: {len(fired)} false alarms in {hours * 60:.1f} min = {len(fired) / hours:.2f}/hour "
          f"(target {a.target:g}); recall {100 * hit_all / n_clips:.1f}% of {n_clips} real clips "
          f"({', '.join(f'{k} {100 * v:.0f}%' for k, v in recall.items())}) -> {a.out}")
    if len(fired) / hours > a.target:
        print("[thresholds] WARNING: the whole detector exceeds the target on the held-out speech", file=sys.stderr)
    return 0


def verify(a, stream: np.ndarray, hours: float, labels: list[str], padded: list[np.ndarray]) -> int:
    """The held-out figures again, end to end with `earshot detect --stream` on the stored thresholds."""
    from tf_mfcc import write_wav
    with open(a.out) as f:
        result = json.load(f)
    with tempfile.TemporaryDirectory() as tmp:
        speech = os.path.join(tmp, "speech.wav")
        write_wav(speech, stream)
        paths = []
        for i, clip in enumerate(padded):
            paths.append(os.path.join(tmp, f"clip{i}.wav"))
            write_wav(paths[-1], clip)
        fired = []
        for i in range(0, len(paths) + 1, 200):
            batch = ([speech] if i == 0 else []) + paths[i:i + 200]
            out = subprocess.run([a.earshot, "detect", "--stream", "--json", "--model", a.verify] + batch,
                                 capture_output=True, text=True, check=True).stdout
            fired += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    false_alarms = [e["keyword"] for e in fired if e["path"] == speech]
    hit = {(e["path"], e["keyword"]) for e in fired}
    per_keyword = {}
    for path, label in zip(paths, labels):
        per_keyword.setdefault(label, []).append((path, label) in hit)
    hits = sum(sum(v) for v in per_keyword.values())
    result["heldout_earshot"] = dict(
        model=os.path.basename(a.verify), false_alarms=len(false_alarms), fa_per_hour=round(len(false_alarms) / hours, 3),
        false_alarms_per_keyword={k: false_alarms.count(k) for k in sorted(set(false_alarms))},
        clips=len(paths), recall=round(hits / len(paths), 4),
        recall_per_keyword={k: round(sum(v) / len(v), 4) for k, v in sorted(per_keyword.items())})
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"[thresholds] earshot detect --stream, stored thresholds: {len(false_alarms)} false alarms in "
          f"{hours * 60:.1f} min of held-out speech = {len(false_alarms) / hours:.2f}/hour; recall "
          f"{100 * hits / len(paths):.1f}% of {len(paths)} held-out real clips")
    return 0


def spend_budget(fa: np.ndarray, hits: np.ndarray, budget: int) -> list[int]:
    """Steps 1 and 2 of the rule. fa, hits [K, G]: each keyword's false alarms and held-out hits alone at every
    grid value. Returns each keyword's grid index: the lowest with no false alarm (else the last), then lowered
    greedily by the move buying the most hits per false alarm while the total stays within `budget`."""
    count, last = fa.shape
    at = [int(np.nonzero(fa[k] == 0)[0][0]) if (fa[k] == 0).any() else last - 1 for k in range(count)]
    while True:
        spent = sum(int(fa[k][at[k]]) for k in range(count))
        best = None
        for k in range(count):
            for j in range(at[k]):
                cost = int(fa[k][j] - fa[k][at[k]])
                gain = int(hits[k][j] - hits[k][at[k]])
                if gain > 0 and spent + cost <= budget and (best is None or gain / max(cost, 1e-9) > best[0]):
                    best = (gain / max(cost, 1e-9), k, j)
        if best is None:
            return at
        at[best[1]] = best[2]


def smoothed_all(scores: np.ndarray) -> np.ndarray:
    """detector_sim.smoothed per column (5 posteriors)."""
    return np.stack([smoothed(scores[:, c], SMOOTHING) for c in range(scores.shape[1])], axis=1)


if __name__ == "__main__":
    sys.exit(main())
