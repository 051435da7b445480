#!/usr/bin/env python3
"""Training data for a wake-phrase head on openWakeWord's speech embeddings: streams of augmented scenes, one
96-value embedding per 80 ms chunk (computed by Earshot, oww_features.py), a target per chunk.

    python wakeword_oww_data.py --tts work/tts.npz --out work/oww_data.npz --earshot-bin PATH --negatives DIR
                                --noise DIR [--examples 6000] [--seed 2] [--jobs 2] [--formant-shift]

Scenes are wakeword_data.py's (2 s: the phrase, a near-phrase or other speech in a noise bed; the same speed,
EQ, reverb, level and SNR augmentation; its vocal-tract-length warp acts on MFCC features, so it does not apply
here; with --formant-shift the formants of a training scene's speech are moved by 0.85-1.15 in 80 % of scenes,
pitch kept, augment.shift_formants; the held-out stream is never shifted). Blocks of 200 scenes are played back to back as one stream through Earshot's openWakeWord feature networks.
Target of the chunk ending at time t, for the phrase of a positive scene (start s, end e):
  1 for -0.04 <= t - e <= 0.45 s; ignored while the phrase is under way (s + 0.2 < t < e - 0.04) and while it is
  still in the head's view afterwards (0.45 < t - e < 1.6); 0 elsewhere. The first 25 chunks of a block
  (no full history yet) are ignored.
Held out (for the threshold, never trained on): as wakeword_data.py (every 5th synthetic positive and
near-phrase clip, real speakers whose id hashes to 0 mod 5); the held-out stream is written as a WAV with its
positives' spans.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time

import numpy as np

import wakeword_data as wd
from augment import NoiseBank
from oww_features import CHUNK, WARMUP, embeddings, feature_directory, selector_models, write_wav

RATE = 16000
# Scene kinds of the held-out stream, in turn (scene i is HELDOUT_KINDS[i % 4]; oww_threshold.py reads it).
HELDOUT_KINDS = ("negative", "negative", "adversary", "positive")
BLOCK = 200   # scenes per stream block (each from its own seed: the same data whatever --jobs is)
_STATE: dict = {}


def chunk_targets(chunks: int, spans: list[tuple[int, int]]):
    """(y [chunks] int32, w [chunks] float32) for a block whose positives span `spans` (samples)."""
    t = (np.arange(chunks) + 1) * CHUNK / RATE
    y = np.zeros(chunks, np.int32)
    w = np.ones(chunks, np.float32)
    w[:WARMUP + 10] = 0.0
    for s, e in spans:
        s, e = s / RATE, e / RATE
        d = t - e
        y[(d >= -0.04) & (d <= 0.45)] = 1
        w[((t > s + 0.2) & (d < -0.04)) | ((d > 0.45) & (d < 1.6))] = 0.0
    return y, w


def _block(job):
    lo, hi, seed = job
    rng = np.random.default_rng([seed, lo])
    kinds = rng.choice(["positive", "adversary", "negative"], size=hi - lo, p=[0.4, 0.25, 0.35])
    audio, spans = [], []
    for i, kind in enumerate(kinds):
        scene, end, start = _STATE["maker"].scene(rng, kind)
        if kind == "positive":
            spans.append((i * wd.SCENE + start, i * wd.SCENE + end))
        audio.append(scene)
    audio = np.concatenate(audio)
    with tempfile.TemporaryDirectory() as tmp:
        e = embeddings(_STATE["earshot"], _STATE["models"], audio, tmp)
    y, w = chunk_targets(len(e), spans)
    return lo, hi, e, y, w


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tts", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--earshot-bin", required=True)
    p.add_argument("--negatives", action="append", default=[])
    p.add_argument("--noise", action="append", default=[])
    p.add_argument("--examples", type=int, default=6000)
    p.add_argument("--heldout-minutes", type=float, default=20.0)
    p.add_argument("--seed", type=int, default=2)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--formant-shift", action="store_true", help="move the formants of 80 %% of training scenes")
    a = p.parse_args()
    t0 = time.time()
    features = feature_directory()
    models = selector_models(a.earshot_bin, features, os.path.join(os.path.dirname(os.path.abspath(a.out)), "selectors"))
    tts = dict(np.load(a.tts))
    positives = wd.clips_of(tts, "positive")
    adversaries, fillers = wd.clips_of(tts, "adversary"), wd.clips_of(tts, "filler")
    train_pos = [c for i, c in enumerate(positives) if i % 5 != 4]
    val_pos = [c for i, c in enumerate(positives) if i % 5 == 4]
    train_adv = [c for i, c in enumerate(adversaries) if i % 5 != 4]
    val_adv = [c for i, c in enumerate(adversaries) if i % 5 == 4]
    real_files = [f for d in a.negatives for f in wd.audio_files(d)]
    real_train = [wd.load(f) for f in real_files if not wd.held_out(f)]
    real_val = [wd.load(f) for f in real_files if wd.held_out(f)]
    noise = NoiseBank([wd.load(os.path.join(d, f)) for d in a.noise for f in sorted(os.listdir(d))
                       if f.lower().endswith((".wav", ".flac"))])
    print(f"[data] feature networks from {features}; synthetic: {len(train_pos)}+{len(val_pos)} positives, "
          f"{len(train_adv)}+{len(val_adv)} near-phrases, {len(fillers)} fillers; real negatives "
          f"{len(real_train)}+{len(real_val)} (held out)", flush=True)
    _STATE.update(maker=wd.SceneMaker(train_pos, train_adv, fillers, real_train, noise, formants=a.formant_shift), earshot=a.earshot_bin,
                  models=models)
    per_block = BLOCK * wd.SCENE // CHUNK
    blocks = [(lo, min(a.examples, lo + BLOCK), a.seed) for lo in range(0, a.examples, BLOCK)]
    x = np.zeros((len(blocks), per_block, 96), np.float32)
    y = np.zeros((len(blocks), per_block), np.int32)
    w = np.zeros((len(blocks), per_block), np.float32)
    with multiprocessing.get_context("fork").Pool(a.jobs) as pool:
        for lo, hi, e, ys, ws in pool.imap(_block, blocks):
            b = lo // BLOCK
            x[b, :len(e)], y[b, :len(e)], w[b, :len(e)] = e, ys, ws
            print(f"[data] {hi}/{a.examples} scenes -> embeddings ({time.time() - t0:.0f} s)", flush=True)
    # Held-out stream: held-out real negatives, near-phrases and fillers in noise, back to back, with held-out
    # synthetic positives at known places (for the threshold and the recall it gives).
    vrng = np.random.default_rng(a.seed + 1)
    vmaker = wd.SceneMaker(val_pos, val_adv, fillers, real_val, noise)
    stream, spans, n = [], [], int(a.heldout_minutes * 60 / 2)
    for i in range(n):
        kind = HELDOUT_KINDS[i % len(HELDOUT_KINDS)]
        scene, end, start = vmaker.scene(vrng, kind)
        if kind == "positive":
            spans.append((i * wd.SCENE + start, i * wd.SCENE + end))
        stream.append(scene)
    heldout = os.path.join(os.path.dirname(os.path.abspath(a.out)), "heldout.wav")
    write_wav(heldout, np.concatenate(stream))
    np.savez(a.out, x=x, y=y, w=w, heldout_spans=np.array(spans, np.int64), heldout_wav=heldout)
    print(f"[data] {a.examples} scenes = {x.shape[0] * x.shape[1]} chunks ({int((y * (w > 0)).sum())} positive), "
          f"held-out stream {n * 2 / 60:.1f} min ({len(spans)} positives) in {time.time() - t0:.0f} s -> {a.out}",
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
