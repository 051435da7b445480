#!/usr/bin/env python3
"""Onset windows for the commands head: windows that end in the first 160 ms of a keyword, as _unknown_.

    python bb_onset_data.py --tts work/tts.npz --tts-pypi work/tts_pypi.npz --shared ../../../shared/data
                            --earshot-bin EARSHOT [--out work/bb_onset_features.npz] [--seed 55] [--synthetic 2000]

Why: every window bb_data.py and bb_pypi_data.py make ends at its clip's end, after the whole word; in a stream the
head also runs on windows that end just after a word starts, and there it named words it had never been taught to
hold back on (the listen demo's "down" was "up" 55-135 ms in, before "down" itself was clear). Here a keyword clip
(trimmed to its spoken part plus 30 ms before) is placed so that a 1-s window of quiet ends 30-190 ms after the
clip's start; the whole word gets augment.colour's channel, room, level, noise and floor, then the window is cut
(the first version coloured the cut piece, and the EQ's circular filter wrapped its abrupt end to the window's
start; tools/checks/onset_windows_check.py found it). The label is _unknown_. Clips: every real keyword clip of the
training speakers (speech_commands_train_real without the validation speakers, and speech_commands_train_small),
`--synthetic` random Debian-voice keyword clips of tts.npz and every keyword clip of tts_pypi.npz. Output for bb_train --extra: x [N, 16, 96] (bb_frontend.EmbeddingFrontEnd), y,
kind. Never read: the validation speakers, the test set, LibriSpeech.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import augment
import bb_frontend
from dataset import load_tts, training_noise, training_real_keyword_clips
from synth import trim
from words import KEYWORDS, LABELS

RATE = 16000
LEAD = 480            # synth.trim keeps 30 ms before the first loud block
REACH = RATE * 160 // 1000


def onset_window(word: np.ndarray, rng: np.random.Generator, noise: augment.NoiseBank, real: bool) -> np.ndarray:
    """A 1-s window ending 0-160 ms after the word's first loud block. The whole word is coloured (channel, room,
    level, noise, floor) in a stream that goes on past the window, then the window is cut: the EQ (a circular
    filter) and reverberation see the word as a stream would, not a piece with an abrupt end."""
    if rng.random() < 0.8:
        word = augment.speed(word, rng.uniform(0.85, 1.15))
    keep = min(LEAD + int(rng.integers(0, REACH + 1)), len(word))
    x = np.zeros(RATE - keep + len(word) + RATE // 4, np.float32)   # a quarter second of quiet after the word
    x[RATE - keep:RATE - keep + len(word)] = word
    return augment.colour(x, rng, noise, real=real)[:RATE]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tts", required=True, help="synth.py's Debian-voice words (train.sh: work/tts.npz)")
    p.add_argument("--tts-pypi", required=True, help="synth_pypi.py words (work/tts_pypi.npz)")
    p.add_argument("--shared", required=True, help="../shared/data")
    p.add_argument("--earshot-bin", required=True)
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "work",
                                                 "bb_onset_features.npz"))
    p.add_argument("--seed", type=int, default=55)
    p.add_argument("--synthetic", type=int, default=2000, help="Debian-voice keyword clips drawn from --tts")
    p.add_argument("--jobs", type=int, default=2, help="`earshot infer` processes per batch")
    a = p.parse_args()
    start = time.time()
    rng = np.random.default_rng(a.seed)
    noise = training_noise(a.shared)
    real = [audio for _, audio in training_real_keyword_clips(a.shared)]
    debian = [audio for word, audio, _ in load_tts(a.tts) if word in KEYWORDS]
    pypi = [audio for word, audio, _ in load_tts(a.tts_pypi) if word in KEYWORDS]
    pick = rng.choice(len(debian), size=min(a.synthetic, len(debian)), replace=False)
    sources = [(trim(w), True) for w in real] + [(debian[i], False) for i in sorted(pick)] + [(w, False) for w in pypi]
    clips = [onset_window(w, rng, noise, real) for w, real in sources if len(w) > LEAD]
    x = bb_frontend.save_windows(clips, [LABELS.index("_unknown_")] * len(clips), ["onset"] * len(clips), a.out,
                                 a.earshot_bin, a.jobs)
    print(f"[bb_onset_data] {len(x)} onset windows ({len(real)} real, {len(pick)} Debian-voice, {len(pypi)} PyPI-voice "
          f"clips) in {time.time() - start:.0f} s -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
