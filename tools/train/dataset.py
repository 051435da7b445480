#!/usr/bin/env python3
"""Builds the cached training features: augmented 1-s clips -> TensorFlow MFCC [49, 10].

    python dataset.py --tts work/tts.npz --shared ../../../shared/data --out work/features.npz
                      [--seed 2] [--copies 6] [--real-copies 40] [--holdout-speakers a,b]

Sources (nothing from the test set ../shared/data/speech_commands_v0.02_subset is ever read here):
  keywords   synthetic words from synth.py, each placed in the window `--copies` times with
             independent augmentation; real clips of speech_commands_train_small/<word>/
             `--real-copies` times each.
  _unknown_  synthetic non-keywords (words.UNKNOWN_WORDS) and the real clips in
             speech_commands_train_small/_unknown_.
  _silence_  segments of the six background-noise recordings at random volume, mixed or coloured.
Augmentation (augment.py): speed perturbation 0.85-1.15, random placement / +-100 ms shift,
random EQ and band limits, synthetic room reverberation, level -38..-10 dBFS, background noise
at 0-30 dB SNR (75%), microphone noise floor.

--holdout-speakers keeps those speakers' real clips out of training and makes them the validation
set (unaugmented); without it the validation set is a seeded 5% of the synthetic examples.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import augment
from tf_mfcc import TFMfcc, read_wav
from words import KEYWORDS, LABELS


def load_tts(path: str) -> list[tuple[str, np.ndarray, str]]:
    d = np.load(path)
    audio, offsets = d["audio"], d["offsets"]
    return [(str(d["word"][i]), audio[offsets[i]:offsets[i + 1]].astype(np.float32) / 32768.0,
             str(d["engine"][i]) + ":" + str(d["voice"][i])) for i in range(len(offsets) - 1)]


def load_real(root: str) -> list[tuple[int, np.ndarray, str]]:
    """(label, audio, speaker) of the real training clips."""
    out = []
    for label in LABELS[1:]:
        folder = os.path.join(root, label)
        for name in sorted(os.listdir(folder)):
            if name.endswith(".wav"):
                speaker = name.split("__")[-1].split("_")[0]
                out.append((LABELS.index(label), read_wav(os.path.join(folder, name)), speaker))
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tts", required=True)
    p.add_argument("--shared", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=2)
    p.add_argument("--copies", type=int, default=6, help="augmented copies of each synthetic keyword")
    p.add_argument("--unknown-copies", type=int, default=1)
    p.add_argument("--real-copies", type=int, default=40, help="augmented copies of each real keyword clip")
    p.add_argument("--real-unknown-copies", type=int, default=6)
    p.add_argument("--silence", type=int, default=3000)
    p.add_argument("--holdout-speakers", default="")
    a = p.parse_args()
    if "speech_commands_v0.02_subset" in a.tts:
        sys.exit("dataset.py: refusing to read the test set")
    rng = np.random.default_rng(a.seed)
    start = time.time()
    train_root = os.path.join(a.shared, "speech_commands_train_small")
    noise_dir = os.path.join(train_root, "_background_noise_")
    noise = augment.NoiseBank([read_wav(os.path.join(noise_dir, f)) for f in sorted(os.listdir(noise_dir))
                               if f.endswith(".wav")])
    tts = load_tts(a.tts)
    real = load_real(train_root)
    holdout = set(s for s in a.holdout_speakers.split(",") if s)

    clips: list[np.ndarray] = []
    labels: list[int] = []
    kinds: list[str] = []          # tts-keyword, tts-unknown, real-keyword, real-unknown, silence
    val_clips: list[np.ndarray] = []
    val_labels: list[int] = []

    for word, audio, _voice in tts:
        keyword = word in KEYWORDS
        label = LABELS.index(word) if keyword else 1
        for _ in range(a.copies if keyword else a.unknown_copies):
            clips.append(augment.augment_word(audio, rng, noise, real=False))
            labels.append(label)
            kinds.append("tts-keyword" if keyword else "tts-unknown")
    for label, audio, speaker in real:
        if speaker in holdout:
            val_clips.append(audio)
            val_labels.append(label)
            continue
        copies = a.real_copies if label >= 2 else a.real_unknown_copies
        for _ in range(copies):
            clips.append(augment.augment_word(audio, rng, noise, real=True))
            labels.append(label)
            kinds.append("real-keyword" if label >= 2 else "real-unknown")
    for _ in range(a.silence):
        clips.append(augment.make_silence(rng, noise))
        labels.append(0)
        kinds.append("silence")
    print(f"[dataset] {len(clips)} clips augmented in {time.time() - start:.0f}s", flush=True)

    mfcc = TFMfcc()
    x = np.concatenate([mfcc(np.stack(clips[i:i + 512])) for i in range(0, len(clips), 512)])
    y = np.array(labels, dtype=np.int32)
    kind = np.array(kinds)
    if val_clips:
        for _ in range(len(val_clips) // 10 + 4):                   # a few silence examples too
            val_clips.append(augment.make_silence(rng, noise))
            val_labels.append(0)
        x_val = mfcc(np.stack([np.concatenate([c, np.zeros(max(0, 16000 - len(c)), np.float32)])[:16000]
                               for c in val_clips]))
        y_val = np.array(val_labels, dtype=np.int32)
    else:
        pick = rng.random(len(y)) < 0.05
        x_val, y_val = x[pick], y[pick]
        x, y, kind = x[~pick], y[~pick], kind[~pick]
    np.savez(a.out, x=x, y=y, kind=kind, x_val=x_val, y_val=y_val)
    counts = np.bincount(y, minlength=len(LABELS))
    print(f"[dataset] train {len(y)} per class {dict(zip(LABELS, counts.tolist()))}; val {len(y_val)}; "
          f"{time.time() - start:.0f}s -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
