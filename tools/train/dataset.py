#!/usr/bin/env python3
"""Builds the cached training features: augmented 1-s clips -> TensorFlow MFCC [49, 10].

    python dataset.py --tts work/tts.npz --shared ../../../shared/data --out work/features.npz
                      [--seed 2] [--copies 3] [--real-copies 40] [--many-real-copies 3]
                      [--val-fraction 0.1] [--holdout-speakers a,b]

Sources (nothing from the test set ../shared/data/speech_commands_v0.02_subset is ever read here):
  keywords   synthetic words from synth.py, each placed in the window `--copies` times with
             independent augmentation; real clips of speech_commands_train_small/<word>/
             `--real-copies` times each; the 3200 real clips of speech_commands_train_real (yes, no,
             up, down; 800 each) `--many-real-copies` times each.
  _unknown_  synthetic non-keywords (words.UNKNOWN_WORDS) and the real clips in
             speech_commands_train_small/_unknown_.
  _unknown_  also `--speech-windows` random 1-s windows of synth_speech.py's connected speech (no
             keyword in it): what a model that slides over running speech sees most.
  _silence_  segments of the six background-noise recordings at random volume, mixed or coloured.
Augmentation (augment.py): speed perturbation 0.85-1.15, random placement / +-100 ms shift,
random EQ and band limits, synthetic room reverberation, level -38..-10 dBFS, background noise
at 0-30 dB SNR (75%), microphone noise floor.

Validation (model selection and the threshold; speaker-disjoint from training): the speakers of
speech_commands_train_real whose hashed id falls in `--val-fraction` (their clips unaugmented), plus a
seeded 5% of the synthetic examples (so that all 12 classes are represented), plus noise-only windows.
--holdout-speakers also moves those speakers' clips of speech_commands_train_small to validation.
The arrays kind / kind_val say where each example came from.
"""

from __future__ import annotations

import argparse
import hashlib
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


def load_many_real(root: str) -> list[tuple[int, np.ndarray, str]]:
    """(label, audio, speaker) of speech_commands_train_real (FLAC, <word>/<speaker>_nohash_<n>.flac)."""
    import soundfile
    out = []
    for label in KEYWORDS:
        folder = os.path.join(root, label)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith((".flac", ".wav")):
                audio, rate = soundfile.read(os.path.join(folder, name), dtype="float32")
                if rate != 16000 or audio.ndim != 1:
                    sys.exit(f"dataset.py: {folder}/{name}: want 16 kHz mono, got {rate} Hz, shape {audio.shape}")
                out.append((LABELS.index(label), audio, name.split("_")[0]))
    return out


def speech_windows(path: str, n: int, rng: np.random.Generator, heldout: bool) -> list[np.ndarray]:
    """n random 1-s windows of the (held-out or training) sentences; a window may overhang an end."""
    d = np.load(path)
    audio, offsets = d["audio"], d["offsets"]
    pick = np.nonzero(d["heldout"] == heldout)[0]
    out = []
    for _ in range(n):
        i = pick[rng.integers(len(pick))]
        sentence = audio[offsets[i]:offsets[i + 1]].astype(np.float32) / 32768.0
        start = int(rng.integers(-8000, max(-7999, len(sentence) - 8000)))
        padded = np.concatenate([np.zeros(16000, np.float32), sentence, np.zeros(16000, np.float32)])
        out.append(padded[start + 16000:start + 32000])
    return out


def training_noise(shared: str) -> augment.NoiseBank:
    """The six background-noise recordings of speech_commands_train_small, for augment.augment_word and colour."""
    folder = os.path.join(shared, "speech_commands_train_small", "_background_noise_")
    return augment.NoiseBank([read_wav(os.path.join(folder, f)) for f in sorted(os.listdir(folder)) if f.endswith(".wav")])


VALIDATION_FRACTION = 0.1   # --val-fraction's default: the share of speech_commands_train_real's speakers held out


def is_validation_speaker(speaker: str, fraction: float) -> bool:
    """A fixed, seed-free speaker split: the speaker's hash decides, so adding clips never moves one."""
    return int(hashlib.sha1(speaker.encode()).hexdigest()[:8], 16) / 2 ** 32 < fraction


def validation_real_clips(shared: str) -> list[tuple[int, np.ndarray, str]]:
    """(label, audio, speaker) of speech_commands_train_real's validation speakers (yes, no, up, down)."""
    return [clip for clip in load_many_real(os.path.join(shared, "speech_commands_train_real"))
            if is_validation_speaker(clip[2], VALIDATION_FRACTION)]


def training_real_keyword_clips(shared: str) -> list[tuple[int, np.ndarray]]:
    """(label, audio) of every real keyword clip of the training speakers: speech_commands_train_small's keywords,
    then speech_commands_train_real without the validation speakers."""
    small = load_real(os.path.join(shared, "speech_commands_train_small"))
    many = load_many_real(os.path.join(shared, "speech_commands_train_real"))
    return ([(label, audio) for label, audio, _ in small if LABELS[label] in KEYWORDS]
            + [(label, audio) for label, audio, speaker in many
               if not is_validation_speaker(speaker, VALIDATION_FRACTION)])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tts", required=True)
    p.add_argument("--shared", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=2)
    p.add_argument("--copies", type=int, default=3, help="augmented copies of each synthetic keyword")
    p.add_argument("--unknown-copies", type=int, default=1)
    p.add_argument("--real-copies", type=int, default=40, help="augmented copies of each real keyword clip")
    p.add_argument("--real-unknown-copies", type=int, default=6)
    p.add_argument("--many-real-copies", type=int, default=3,
                   help="augmented copies of each clip of speech_commands_train_real")
    p.add_argument("--val-fraction", type=float, default=VALIDATION_FRACTION,
                   help="share of speech_commands_train_real's speakers held out for validation")
    p.add_argument("--silence", type=int, default=2000)
    p.add_argument("--speech", default="", help="synth_speech.py's npz (connected speech for _unknown_)")
    p.add_argument("--speech-windows", type=int, default=4000)
    p.add_argument("--holdout-speakers", default="")
    a = p.parse_args()
    if "speech_commands_v0.02_subset" in a.tts:
        sys.exit("dataset.py: refusing to read the test set")
    rng = np.random.default_rng(a.seed)
    start = time.time()
    train_root = os.path.join(a.shared, "speech_commands_train_small")
    noise = training_noise(a.shared)
    tts = load_tts(a.tts)
    real = load_real(train_root)
    many_real = load_many_real(os.path.join(a.shared, "speech_commands_train_real"))
    holdout = set(s for s in a.holdout_speakers.split(",") if s)

    clips: list[np.ndarray] = []
    labels: list[int] = []
    kinds: list[str] = []          # tts-keyword, tts-unknown, real-keyword, real-unknown, silence
    val_clips: list[np.ndarray] = []
    val_labels: list[int] = []
    val_kinds: list[str] = []

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
            val_kinds.append("real-keyword" if label >= 2 else "real-unknown")
            continue
        copies = a.real_copies if label >= 2 else a.real_unknown_copies
        for _ in range(copies):
            clips.append(augment.augment_word(audio, rng, noise, real=True))
            labels.append(label)
            kinds.append("real-keyword" if label >= 2 else "real-unknown")
    val_speakers = set()
    for label, audio, speaker in many_real:
        if is_validation_speaker(speaker, a.val_fraction):
            val_speakers.add(speaker)
            val_clips.append(audio)
            val_labels.append(label)
            val_kinds.append("real-keyword")
            continue
        for _ in range(a.many_real_copies):
            clips.append(augment.augment_word(audio, rng, noise, real=True))
            labels.append(label)
            kinds.append("real-keyword")
    print(f"[dataset] speech_commands_train_real: {len(many_real)} clips; {len(val_speakers)} speakers "
          f"({sum(1 for *_, s in many_real if s in val_speakers)} clips) held out for validation", flush=True)
    if a.speech:
        for window in speech_windows(a.speech, a.speech_windows, rng, heldout=False):
            clips.append(augment.augment_word(window, rng, noise, real=True))
            labels.append(1)
            kinds.append("tts-speech")
    for _ in range(a.silence):
        clips.append(augment.make_silence(rng, noise))
        labels.append(0)
        kinds.append("silence")
    print(f"[dataset] {len(clips)} clips augmented in {time.time() - start:.0f}s", flush=True)

    mfcc = TFMfcc()
    x = np.concatenate([mfcc(np.stack(clips[i:i + 512])) for i in range(0, len(clips), 512)])
    y = np.array(labels, dtype=np.int32)
    kind = np.array(kinds)
    # Validation: a seeded 5% of the synthetic examples (all classes), the held-out real speakers'
    # clips as recorded, and some noise-only windows.
    pick = (rng.random(len(y)) < 0.05) & np.char.startswith(kind, "tts")
    x_val, y_val, kind_val = x[pick], y[pick], kind[pick]
    x, y, kind = x[~pick], y[~pick], kind[~pick]
    if a.speech:
        held = [augment.augment_word(w, rng, noise, real=True)
                for w in speech_windows(a.speech, a.speech_windows // 20, rng, heldout=True)]
        x_val = np.concatenate([x_val, mfcc(np.stack(held))])
        y_val = np.concatenate([y_val, np.ones(len(held), np.int32)])
        kind_val = np.concatenate([kind_val, np.array(["tts-speech-heldout"] * len(held))])
    if val_clips:
        for _ in range(len(val_clips) // 10 + 4):
            val_clips.append(augment.make_silence(rng, noise))
            val_labels.append(0)
            val_kinds.append("silence")
        x_real = mfcc(np.stack([np.concatenate([c, np.zeros(max(0, 16000 - len(c)), np.float32)])[:16000]
                                for c in val_clips]))
        x_val = np.concatenate([x_val, x_real])
        y_val = np.concatenate([y_val, np.array(val_labels, dtype=np.int32)])
        kind_val = np.concatenate([kind_val, np.array(val_kinds)])
    np.savez(a.out, x=x, y=y, kind=kind, x_val=x_val, y_val=y_val, kind_val=kind_val)
    counts = np.bincount(y, minlength=len(LABELS))
    print(f"[dataset] train {len(y)} per class {dict(zip(LABELS, counts.tolist()))}; val {len(y_val)}; "
          f"{time.time() - start:.0f}s -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
