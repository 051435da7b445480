#!/usr/bin/env python3
"""Streaming thresholds of the 12-class commands head, chosen on held-out TRAINING-side data only.

    python bb_thresholds.py --head work/bb_head.npz --earshot-bin EARSHOT --speech work/threshold_speech.npz \\
        --shared ../../../shared/data --out work/bb_thresholds.json [--models-out ../../models/commands.thresholds.json]
        [--target 1.0] [--jobs 2]

False alarms: `--speech` (synth_speech.py's keyword-free connected speech, its own seed 41, never trained on)
played as one stream with 0.2 s between sentences (choose_thresholds.speech_stream). Recall: the real clips of
speech_commands_train_real's validation speakers (dataset.is_validation_speaker; only yes, no, up and down have
them), each padded to 1 s, then 0.5 s of silence before and 1 s after, each its own stream.
Never read: the test set (speech_commands_v0.02_subset) and LibriSpeech.

Scores, as the runtime streams them: Earshot's own embeddings of each stream (`earshot infer --wav` with
oww_features.py's selector heads, one 96-wide embedding per 80-ms chunk; selectors of the window's oldest position
recover the stream's first 15 embeddings), then the head (bb_train.forward) on every window of the last 16
embeddings: one row of 12 probabilities per chunk, rows before 16 embeddings exist score 0.
Event rule (the runtime's, Sources/Pipeline/OpenWakeWordRunner.swift): an episode opens at a chunk where some keyword
label (not starting with "_") has its probability >= its threshold, if at least 13 chunks (1 s rounded up) passed since
the last event's chunk; it lasts while some keyword stays over its threshold and ends after 4 chunks with none or once
it is 13 chunks long; its event is the label with the highest over-threshold probability in it, at that chunk.

Threshold rule (fixed before any score was looked at): choose_thresholds.py's, by import (make_grid,
spend_budget): grid 0.50, 0.51, ..., 0.99, 0.995, 0.999, 1.0 (0.5: the keyword outweighs all other classes);
budget floor(target x held-out hours) false alarms; each keyword starts at the lowest grid value where it alone
raises no false alarm, the budget is spent greedily on the most held-out recall per false alarm; the result is
checked with the whole detector. The embeddings are cached (--cache; they do not depend on the head).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from bb_train import forward
from choose_thresholds import make_grid, speech_stream, spend_budget
from dataset import validation_real_clips
from oww_features import CHUNK, WARMUP, embeddings, feature_directory, selector_models
from oww_head import EMBEDDINGS, WIDTH
from tf_mfcc import fit_length
from words import KEYWORDS, LABELS

RATE = 16000
REFRACTORY = math.ceil(1.0 / (CHUNK / RATE))   # 1 s in 80-ms chunks, rounded up: 13
FLOOR = 0.5
PAD_BEFORE, PAD_AFTER = RATE // 2, RATE
HERE = os.path.dirname(os.path.abspath(__file__))


def full_embeddings(earshot: str, models: list[str], audio: np.ndarray, tmp: str) -> np.ndarray:
    """[chunks, 96]: every embedding of the stream as the runtime holds it. `models` = 96 newest-position selectors
    then 96 oldest-position ones: rows 0..14 come from the oldest position of rows 15..29 (the runtime's head
    first runs at row 15), and rows >= 30 are checked against it."""
    rows = embeddings(earshot, models, audio, tmp)
    if len(rows) < 2 * WARMUP:
        raise SystemExit(f"bb_thresholds.py: a stream of {len(rows)} chunks is too short (want >= {2 * WARMUP})")
    newest, oldest = rows[:, :WIDTH].copy(), rows[:, WIDTH:]
    gap = np.abs(oldest[2 * WARMUP:] - newest[WARMUP:-WARMUP]).max() if len(rows) > 2 * WARMUP else 0.0
    if gap > 1e-4:
        raise SystemExit(f"bb_thresholds.py: oldest-position selectors disagree with the newest ({gap:g})")
    newest[:WARMUP] = oldest[WARMUP:2 * WARMUP]
    return newest


def stream_selectors(earshot: str, work: str) -> list[str]:
    """The 96 newest-position and 96 oldest-position selector models full_embeddings wants (made once in `work`)."""
    features = feature_directory()
    return (selector_models(earshot, features, os.path.join(work, "selectors"))
            + selector_models(earshot, features, os.path.join(work, "selectors_oldest"), position=0))


def stream_scores(params: dict, emb: np.ndarray) -> np.ndarray:
    """[chunks, 12]: the head on the window of the last 16 embeddings at every chunk; 0 before 16 exist."""
    out = np.zeros((len(emb), len(LABELS)))
    if len(emb) >= EMBEDDINGS:
        windows = np.lib.stride_tricks.sliding_window_view(emb, (EMBEDDINGS, WIDTH))[:, 0]
        out[EMBEDDINGS - 1:] = forward(params, windows)
    return out


QUIET = 4   # chunks with no keyword over its threshold that end an episode (OpenWakeWordRunner.quietChunks)


def detector(probabilities: np.ndarray, thresholds: np.ndarray) -> list[tuple[int, int]]:
    """(chunk, keyword) of every event of the runtime's episode rule over keyword probabilities [T, K].

    Only the chunks with some keyword over its threshold can open, extend or move an episode; its end is the
    earlier of 4 chunks after its last such chunk and its 13th chunk."""
    fired, last, episode = [], -(10 ** 12), None   # episode: [best chunk, label, score, start, last over]

    def close():
        nonlocal last, episode
        fired.append((episode[0], episode[1]))
        last, episode = episode[0], None

    for t in np.nonzero((probabilities >= thresholds).any(1))[0]:
        t = int(t)
        over = np.where(probabilities[t] >= thresholds, probabilities[t], -1.0)
        k = int(np.argmax(over))
        if episode is not None and t > min(episode[4] + QUIET, episode[3] + REFRACTORY - 1):
            close()
        if episode is None:
            if t - last >= REFRACTORY:
                episode = [t, k, over[k], t, t]
                if REFRACTORY <= 1:
                    close()
            continue
        episode[4] = t
        if over[k] > episode[2]:
            episode[:3] = [t, k, over[k]]
        if t == episode[3] + REFRACTORY - 1:
            close()
    if episode is not None:
        close()
    return fired


def cached_embeddings(a, tmp_root: str) -> dict:
    """The speech stream's and each held-out clip's embeddings (computed once, then read from the cache)."""
    cache = a.cache
    if os.path.exists(cache):
        print(f"[bb_thresholds] embeddings from {cache}", flush=True)
        return dict(np.load(cache))
    work = os.path.dirname(os.path.abspath(cache))
    models = stream_selectors(a.earshot_bin, work)
    stream, hours = speech_stream(a.speech)
    clips = [(label, audio) for label, audio, _ in validation_real_clips(a.shared)]
    print(f"[bb_thresholds] held-out speech {hours * 60:.1f} min; {len(clips)} held-out real clips", flush=True)

    def one(job):
        i, audio = job
        with tempfile.TemporaryDirectory(dir=tmp_root) as tmp:
            return full_embeddings(a.earshot_bin, models, audio, tmp)

    padded = [np.concatenate([np.zeros(PAD_BEFORE, np.float32), fit_length(audio), np.zeros(PAD_AFTER, np.float32)])
              for _, audio in clips]
    with ThreadPoolExecutor(a.jobs) as pool:
        clip_rows = list(pool.map(one, enumerate(padded)))
    speech_rows = one((-1, stream))
    d = dict(speech=speech_rows, hours=np.float64(hours), clips=np.stack(clip_rows),
             labels=np.array([LABELS[label] for label, _ in clips]))
    np.savez(cache + ".part.npz", **d)
    os.replace(cache + ".part.npz", cache)
    return d


def more_speech_embeddings(a, path: str, tmp_root: str) -> dict:
    """One more held-out speech file's stream embeddings, cached beside --cache under the file's name, kept while
    the file's sha256 is the one they were made from."""
    cache = f"{os.path.splitext(a.cache)[0]}.{os.path.splitext(os.path.basename(path))[0]}.npz"
    with open(path, "rb") as f:
        source = hashlib.sha256(f.read()).hexdigest()
    if os.path.exists(cache):
        d = dict(np.load(cache))
        if str(d.get("source_sha256", "")) == source:
            print(f"[bb_thresholds] embeddings of {os.path.basename(path)} from {cache}", flush=True)
            return d
    work = os.path.dirname(os.path.abspath(cache))
    models = stream_selectors(a.earshot_bin, work)
    stream, hours = speech_stream(path)
    print(f"[bb_thresholds] held-out speech {os.path.basename(path)}: {hours * 60:.1f} min", flush=True)
    with tempfile.TemporaryDirectory(dir=tmp_root) as tmp:
        d = dict(speech=full_embeddings(a.earshot_bin, models, stream, tmp), hours=np.float64(hours),
                 source_sha256=np.array(source))
    np.savez(cache + ".part.npz", **d)
    os.replace(cache + ".part.npz", cache)
    return d


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--head", required=True, help="bb_train.py's head (.npz)")
    p.add_argument("--earshot-bin", required=True, help="the earshot binary (release build) computing the embeddings")
    p.add_argument("--speech", required=True, help="synth_speech.py output made for this step (its own seed)")
    p.add_argument("--shared", required=True, help="../shared/data (speech_commands_train_real is read)")
    p.add_argument("--out", required=True, help="the choice and every figure as JSON (work/bb_thresholds.json)")
    p.add_argument("--models-out", help="also write the thresholds and held-out figures here (3 decimals)")
    p.add_argument("--target", type=float, default=1.0, help="false alarms per hour on the held-out speech")
    p.add_argument("--more-speech", nargs="+", default=[],
                   help="more held-out keyword-free speech (synth_pypi.py speech --heldout N), each its own stream "
                        "whose embeddings are cached beside --cache; its false alarms count with --speech's")
    p.add_argument("--cache", default=os.path.join(HERE, "work", "bb_threshold_embeddings.npz"),
                   help="the embeddings of the speech and the clips (made once; the selector models beside it)")
    p.add_argument("--jobs", type=int, default=2, help="`earshot infer` processes at a time")
    a = p.parse_args()
    for speech in [a.speech] + a.more_speech:
        if "speech_commands_v0.02_subset" in speech or "librispeech" in speech.lower():
            sys.exit("bb_thresholds.py: refusing to choose thresholds on the test set or LibriSpeech")
    for path, what in ((a.head, "--head"), (a.earshot_bin, "--earshot-bin"), (a.speech, "--speech"),
                       *((m, "--more-speech") for m in a.more_speech),
                       (os.path.join(a.shared, "speech_commands_train_real"), "--shared")):
        if not os.path.exists(path):
            sys.exit(f"bb_thresholds.py: {what} {path} not found")
    if not a.target > 0:
        sys.exit(f"bb_thresholds.py: --target must be > 0 (got {a.target})")

    with tempfile.TemporaryDirectory() as tmp:
        d = cached_embeddings(a, tmp)
        more = [more_speech_embeddings(a, path, tmp) for path in a.more_speech]
    params = dict(np.load(a.head))
    cols = [LABELS.index(k) for k in KEYWORDS]
    hours = float(d["hours"]) + sum(float(m["hours"]) for m in more)
    # The streams' scores end to end: the detector's refractory may carry across a boundary (at most one event).
    s_speech = np.concatenate([stream_scores(params, rows)[:, cols] for rows in [d["speech"]] + [m["speech"] for m in more]])
    s_clips = [stream_scores(params, c)[:, cols] for c in d["clips"]]
    clip_labels = np.array([KEYWORDS.index(str(lab)) for lab in d["labels"]])
    grid = make_grid(FLOOR)

    # Per keyword, alone: false alarms on the speech and held-out recall at every grid value.
    fa = np.array([[len(detector(s_speech[:, [k]], np.array([g]))) for g in grid] for k in range(len(KEYWORDS))])
    peak = np.array([c[:, k].max() for c, k in zip(s_clips, clip_labels)])
    hits = np.array([[int(((clip_labels == k) & (peak >= g)).sum()) for g in grid] for k in range(len(KEYWORDS))])
    budget = int(np.floor(a.target * hours + 1e-9))
    at = spend_budget(fa, hits, budget)
    thresholds = {kw: grid[at[k]] for k, kw in enumerate(KEYWORDS)}

    # The whole detector with these thresholds.
    t = np.array([thresholds[k] for k in KEYWORDS])
    fired = detector(s_speech, t)
    recall, wrong = {}, 0
    for kw in sorted({KEYWORDS[k] for k in clip_labels}, key=KEYWORDS.index):
        k = KEYWORDS.index(kw)
        events = [detector(c, t) for c, lab in zip(s_clips, clip_labels) if lab == k]
        recall[kw] = sum(any(e == k for _, e in ev) for ev in events) / len(events)
        wrong += sum(1 for ev in events for _, e in ev if e != k)
    n_clips = len(clip_labels)
    hit_all = sum(recall[kw] * int((clip_labels == KEYWORDS.index(kw)).sum()) for kw in recall)
    with open(a.head, "rb") as f:
        head_sha = hashlib.sha256(f.read()).hexdigest()
    heldout = dict(speech_minutes=round(hours * 60, 2), false_alarms=len(fired),
                   fa_per_hour=round(len(fired) / hours, 3),
                   false_alarms_per_keyword={kw: sum(1 for _, k in fired if KEYWORDS[k] == kw) for kw in KEYWORDS},
                   clips=n_clips, recall=round(hit_all / n_clips, 4),
                   recall_per_keyword={k: round(v, 4) for k, v in recall.items()}, wrong_keyword_events_on_clips=wrong)
    rule = dict(target_fa_per_hour=a.target, floor=FLOOR, refractory_chunks=REFRACTORY, budget_false_alarms=budget,
                scores="numpy fp32 head (bb_train.forward) on Earshot's embeddings, one row per 80-ms chunk")
    speech = os.path.basename(a.speech) if not a.more_speech else [os.path.basename(m) for m in [a.speech] + a.more_speech]
    data = dict(speech=speech, clips="speech_commands_train_real validation speakers "
                "(0.5 s silence before, 1 s after)", head=os.path.basename(a.head), head_sha256=head_sha)
    result = dict(thresholds=thresholds, **rule, grid=grid, heldout=heldout, data=data,
                  per_keyword_alone={kw: dict(false_alarms=fa[k].tolist(), hits=hits[k].tolist(),
                                              clips=int((clip_labels == k).sum())) for k, kw in enumerate(KEYWORDS)})
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    if a.models_out:
        with open(a.models_out, "w") as f:
            json.dump(dict(thresholds={k: round(v, 3) for k, v in thresholds.items()}, rule=rule, heldout=heldout,
                           data=data), f, indent=1)
            f.write("\n")
    print("[bb_thresholds] " + ", ".join(f"{k} {v:g}" for k, v in thresholds.items()))
    print(f"[bb_thresholds] held-out: {len(fired)} false alarms in {hours * 60:.1f} min = "
          f"{len(fired) / hours:.2f}/hour "
          f"(target {a.target:g}); recall {100 * hit_all / n_clips:.1f}% of {n_clips} real clips "
          f"({', '.join(f'{k} {100 * v:.0f}%' for k, v in recall.items())}); {wrong} wrong-keyword events on clips "
          f"-> {a.out}")
    if len(fired) / hours > a.target:
        print("[bb_thresholds] WARNING: the whole detector exceeds the target on the held-out speech", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
