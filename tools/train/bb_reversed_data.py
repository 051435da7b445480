#!/usr/bin/env python3
"""Real voices saying no word: time-reversed real keyword clips of the training speakers, as _unknown_.

    python bb_reversed_data.py --shared ../../../shared/data --earshot-bin EARSHOT [--out work/bb_reversed_features.npz]
                               [--seed 56]

Why: the only real voices in training say yes/no/up/down (800 clips each) or one of ~8 clips of the other words, so
a head can learn "sounds like a real person" as a cue for those four words; real speakers of other words are then
heard as them (the test clips' `_unknown_` and "off" errors). A reversed clip keeps its speaker, microphone and room
but is no English word. Left out: "no" and "on", whose reversals sound like each other. Clips:
speech_commands_train_real
without the validation speakers, and speech_commands_train_small's keywords; each once, augmented like a real training
clip (augment.augment_word). Output for bb_train --extra: x [N, 16, 96], y (_unknown_), kind "reversed".
Never read: the validation speakers, the test set, LibriSpeech.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import augment
import bb_frontend
from dataset import training_noise, training_real_keyword_clips
from words import LABELS

SKIP = ("no", "on")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shared", required=True, help="../shared/data")
    p.add_argument("--earshot-bin", required=True)
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "work",
                                                 "bb_reversed_features.npz"))
    p.add_argument("--seed", type=int, default=56)
    p.add_argument("--jobs", type=int, default=2, help="`earshot infer` processes per batch")
    a = p.parse_args()
    start = time.time()
    rng = np.random.default_rng(a.seed)
    noise = training_noise(a.shared)
    sources = [audio for label, audio in training_real_keyword_clips(a.shared) if LABELS[label] not in SKIP]
    clips = [augment.augment_word(np.ascontiguousarray(audio[::-1]), rng, noise, real=True) for audio in sources]
    x = bb_frontend.save_windows(clips, [LABELS.index("_unknown_")] * len(clips), ["reversed"] * len(clips), a.out,
                                 a.earshot_bin, a.jobs)
    print(f"[bb_reversed_data] {len(x)} reversed real clips in {time.time() - start:.0f} s -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
