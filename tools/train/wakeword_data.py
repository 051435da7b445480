#!/usr/bin/env python3
"""Training sequences for a wake phrase: 2-s scenes of noise and speech, MFCC per frame, a target per frame.

    python wakeword_data.py --tts work/tts.npz --out work/data.npz --negatives DIR [--negatives DIR ...]
                            --noise DIR [--examples 14000] [--seed 2]

A scene is 2 s of a noise bed (a noise recording at random level, or microphone floor only) with speech in it:
  positive  the phrase (a synthetic clip, augmented) ending 0.8-1.55 s in, after 0-2 other clips of context
  adversary a near-phrase (wakeword_synth.py) in the same place: must not fire
  negative  1-3 clips of other speech: real (the --negatives folders) or synthetic filler sentences
Augmentation (augment.py): speed 0.85-1.15 (tempo and pitch), channel EQ, room reverb, level -38..-10 dB,
noise 0-30 dB SNR; and speaker-space widening on the spectrum: vocal-tract-length perturbation (the frequency
axis of the power spectrum scaled by 0.85-1.15 per scene before the mel filterbank).
Features: tf_mfcc.TFMfcc (Earshot's tf-mfcc preset: 40 ms window, 20 ms hop; --coefficients).
Targets per frame (frame end time f, phrase from s to e): 1 for e - 0.04 <= f <= e + 0.40; ignored while the
phrase is under way (s + 0.25 <= f < e - 0.04: partial phrase); 0 elsewhere.
Held out (for choosing the threshold and reporting, never trained on): every 5th synthetic positive clip, real
negative clips of speakers whose id hashes to 0 mod 5 (Speech Commands names: word__SPEAKER_nohash_N), and the
held-out stream (--heldout-minutes of held-out real negatives, adversaries and noise).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import zlib

import numpy as np

from augment import (NoiseBank, db, floor_noise, random_eq, reverb, rms, shift_formants, speech_rms, speed)
from tf_mfcc import TFMfcc

RATE = 16000
SCENE = 2 * RATE


def audio_files(root: str) -> list[str]:
    found = []
    for folder, _, names in os.walk(root):
        if os.path.basename(folder) == "_background_noise_":
            continue
        found += [os.path.join(folder, n) for n in names if n.lower().endswith((".wav", ".flac"))]
    return sorted(found)


def load(path: str) -> np.ndarray:
    import soundfile
    from scipy.signal import resample_poly
    data, rate = soundfile.read(path, dtype="float32", always_2d=True)
    data = data.mean(axis=1)
    if rate != RATE:
        g = np.gcd(rate, RATE)
        data = resample_poly(data, RATE // g, rate // g).astype(np.float32)
    return data


def speaker_of(path: str) -> str:
    """The speaker id in a Speech Commands name (word__SPEAKER_nohash_N or SPEAKER_nohash_N), else the folder."""
    m = re.search(r"([0-9a-f]{8})_nohash", os.path.basename(path))
    return m.group(1) if m else os.path.dirname(path)


def held_out(path: str) -> bool:
    return zlib.crc32(speaker_of(path).encode()) % 5 == 0


def clips_of(tts, kind: str) -> list[np.ndarray]:
    out = []
    for i in np.nonzero(tts["kind"] == kind)[0]:
        out.append(tts["audio"][tts["offsets"][i]:tts["offsets"][i + 1]].astype(np.float32) / 32768.0)
    return out


def augment_speech(x: np.ndarray, rng: np.random.Generator, synthetic: bool) -> np.ndarray:
    if rng.random() < 0.8:
        x = speed(x, rng.uniform(0.85, 1.15))
    if rng.random() < (0.7 if synthetic else 0.3):
        x = random_eq(x, rng)
    if rng.random() < (0.5 if synthetic else 0.2):
        x = reverb(x, rng)
    return x * (db(rng.uniform(-38.0, -10.0)) / (speech_rms(x) + 1e-9))


class SceneMaker:
    def __init__(self, positives, adversaries, fillers, real, noise: NoiseBank, formants: bool = False):
        """formants: move the formants of a scene's speech (augment.shift_formants, 0.85-1.15) in 80 % of scenes
        (the MFCC path warps its features instead, features_vtlp, and leaves this off)."""
        self.positives, self.adversaries, self.fillers, self.real, self.noise = positives, adversaries, fillers, real, noise
        self.formants = formants

    def context(self, rng) -> np.ndarray:
        if self.real and rng.random() < 0.7:
            x = self.real[rng.integers(len(self.real))]
            return augment_speech(x, rng, synthetic=False)
        x = self.fillers[rng.integers(len(self.fillers))] if self.fillers else np.zeros(1600, np.float32)
        return augment_speech(x, rng, synthetic=True)

    def scene(self, rng, kind: str):
        """(audio [SCENE], phrase end sample or -1, phrase start sample)."""
        speech = np.zeros(SCENE, np.float32)
        end, start = -1, 0
        busy_until = 0
        if kind in ("positive", "adversary"):
            pool = self.positives if kind == "positive" else self.adversaries
            x = augment_speech(pool[rng.integers(len(pool))], rng, synthetic=True)[: int(1.5 * RATE)]
            end = int(rng.uniform(0.8, 1.55) * RATE)
            end = max(end, len(x))
            start = end - len(x)
            speech[start:end] += x
            # Context only before the phrase (with a gap) or after its target window.
            slots = [(0, start - int(0.1 * RATE)), (end + int(0.45 * RATE), SCENE)]
        else:
            slots = [(0, SCENE)]
        for _ in range(int(rng.integers(0 if kind != "negative" else 1, 3 if kind != "negative" else 4))):
            lo, hi = slots[int(rng.integers(len(slots)))]
            c = self.context(rng)
            if hi - lo < 0.2 * RATE:
                continue
            c = c[: hi - lo]
            at = lo + int(rng.integers(0, hi - lo - len(c) + 1))
            speech[at:at + len(c)] += c
            busy_until = max(busy_until, at + len(c))
        if self.formants and rng.random() < 0.8:
            speech = shift_formants(speech, float(rng.uniform(0.85, 1.15)))
        level = speech_rms(speech) if np.any(speech) else db(-30.0)
        r = rng.random()
        if r < 0.15:
            bed = floor_noise(rng, SCENE)
        else:
            bed = self.noise.segment(rng, SCENE)
            bed = bed * (level / db(rng.uniform(0.0, 30.0)) / (rms(bed) + 1e-9)) + floor_noise(rng, SCENE)
        return np.clip(speech + bed, -1.0, 32767 / 32768).astype(np.float32), end, start


def features_vtlp(mfcc: TFMfcc, audio: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """TFMfcc with the power spectrum's frequency axis scaled by alpha per row (VTLP)."""
    audio = np.asarray(audio, np.float64)
    t = mfcc.frames(audio.shape[-1])
    idx = np.arange(t)[:, None] * mfcc.stride + np.arange(mfcc.window_length)[None, :]
    power = np.abs(np.fft.rfft(audio[:, idx] * mfcc.window, n=mfcc.fft, axis=-1)) ** 2   # [B, T, K]
    bins = power.shape[-1]
    source = np.minimum(np.arange(bins)[None, :] / alphas[:, None], bins - 1)            # [B, K]
    lo = np.floor(source).astype(np.int64)
    hi = np.minimum(lo + 1, bins - 1)
    frac = (source - lo)[:, None, :]
    take = lambda i: np.take_along_axis(power, np.broadcast_to(i[:, None, :], power.shape), axis=-1)
    power = take(lo) * (1 - frac) + take(hi) * frac
    power = power.astype(np.float32).astype(np.float64)
    mel = np.sqrt(power) @ mfcc.mel
    return (np.log(np.maximum(mel, 1e-12)) @ mfcc.dct).astype(np.float32)


def targets(frames: int, end: int, start: int, positive: bool, mfcc: TFMfcc):
    """(target [T] in {0, 1}, weight [T] in {0, 1})."""
    f = (np.arange(frames) * mfcc.stride + mfcc.window_length) / RATE
    y = np.zeros(frames, np.int32)
    w = np.ones(frames, np.float32)
    if positive:
        e, s = end / RATE, start / RATE
        y[(f >= e - 0.04) & (f <= e + 0.40)] = 1
        w[(f >= s + 0.25) & (f < e - 0.04)] = 0.0
    return y, w


_MAKER: SceneMaker | None = None
_MFCC: TFMfcc | None = None


def _chunk(job):
    """Scenes lo..hi-1 (in a worker): features, targets, kinds."""
    lo, hi, seed = job
    rng = np.random.default_rng([seed, lo])
    kinds = rng.choice(["positive", "adversary", "negative"], size=hi - lo, p=[0.4, 0.25, 0.35])
    frames = _MFCC.frames(SCENE)
    audio = np.zeros((hi - lo, SCENE), np.float32)
    y = np.zeros((hi - lo, frames), np.int32)
    w = np.zeros((hi - lo, frames), np.float32)
    for i, kind in enumerate(kinds):
        audio[i], end, start = _MAKER.scene(rng, kind)
        y[i], w[i] = targets(frames, end, start, kind == "positive", _MFCC)
    alphas = np.where(rng.random(hi - lo) < 0.8, rng.uniform(0.85, 1.15, hi - lo), 1.0)
    return lo, hi, features_vtlp(_MFCC, audio, alphas), y, w, kinds


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tts", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--negatives", action="append", default=[], help="folder of real speech without the phrase")
    p.add_argument("--noise", action="append", default=[], help="folder of noise recordings")
    p.add_argument("--examples", type=int, default=14000)
    p.add_argument("--coefficients", type=int, default=20)
    p.add_argument("--heldout-minutes", type=float, default=20.0)
    p.add_argument("--seed", type=int, default=2)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = p.parse_args()
    start_time = time.time()
    tts = dict(np.load(a.tts))
    positives = clips_of(tts, "positive")
    adversaries, fillers = clips_of(tts, "adversary"), clips_of(tts, "filler")
    train_pos = [c for i, c in enumerate(positives) if i % 5 != 4]
    val_pos = [c for i, c in enumerate(positives) if i % 5 == 4]
    train_adv = [c for i, c in enumerate(adversaries) if i % 5 != 4]
    val_adv = [c for i, c in enumerate(adversaries) if i % 5 == 4]
    real_files = [f for d in a.negatives for f in audio_files(d)]
    real_train = [load(f) for f in real_files if not held_out(f)]
    real_val = [load(f) for f in real_files if held_out(f)]
    noise_files = [f for d in a.noise for f in sorted(os.listdir(d)) if f.lower().endswith((".wav", ".flac"))]
    noise = NoiseBank([load(os.path.join(d, f)) for d in a.noise for f in sorted(os.listdir(d))
                       if f.lower().endswith((".wav", ".flac"))])
    print(f"[data] synthetic: {len(train_pos)}+{len(val_pos)} positives, {len(train_adv)}+{len(val_adv)} "
          f"near-phrases, {len(fillers)} fillers; real negatives {len(real_train)}+{len(real_val)} (held out); "
          f"{len(noise_files)} noise recordings", flush=True)
    mfcc = TFMfcc(coefficients=a.coefficients)
    frames = mfcc.frames(SCENE)
    global _MAKER, _MFCC
    _MAKER, _MFCC = SceneMaker(train_pos, train_adv, fillers, real_train, noise), mfcc
    x = np.zeros((a.examples, frames, a.coefficients), np.float32)
    y = np.zeros((a.examples, frames), np.int32)
    w = np.zeros((a.examples, frames), np.float32)
    kinds = np.empty(a.examples, dtype="<U9")
    # Chunks of 200 scenes, each from its own seed: the same data whatever --jobs is.
    chunks = [(lo, min(a.examples, lo + 200), a.seed) for lo in range(0, a.examples, 200)]
    import multiprocessing
    with multiprocessing.get_context("fork").Pool(a.jobs) as pool:
        for lo, hi, xs, ys, ws, ks in pool.imap(_chunk, chunks):
            x[lo:hi], y[lo:hi], w[lo:hi], kinds[lo:hi] = xs, ys, ws, ks
            if (hi // 200) % 5 == 0 or hi == a.examples:
                print(f"[data] {hi}/{a.examples} scenes ({time.time() - start_time:.0f} s)", flush=True)
    # Held-out stream: real held-out negatives, held-out near-phrases and fillers, in noise, back to back, with
    # held-out synthetic positives at known places (for recall at the chosen threshold).
    vrng = np.random.default_rng(a.seed + 1)
    vmaker = SceneMaker(val_pos, val_adv, fillers, real_val, noise)
    stream, spans, n = [], [], int(a.heldout_minutes * 60 / 2)
    for i in range(n):
        kind = ["negative", "negative", "adversary", "positive"][i % 4]
        scene, end, start = vmaker.scene(vrng, kind)
        if kind == "positive":
            spans.append((i * SCENE + start, i * SCENE + end))
        stream.append(scene)
    np.savez(a.out, x=x, y=y, w=w, kind=kinds, heldout_stream=np.concatenate(stream),
             heldout_spans=np.array(spans, np.int64), coefficients=a.coefficients)
    print(f"[data] {a.examples} scenes x {frames} frames, held-out stream {n * 2 / 60:.1f} min "
          f"({len(spans)} positives) in {time.time() - start_time:.0f} s -> {a.out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
