#!/usr/bin/env python3
"""Checks the commands head's onset windows (tools/train/bb_onset_data.onset_window; tools/test.sh section `onsets`).

    .venv/bin/python tools/checks/onset_windows_check.py

An onset window must end 0-160 ms after a word's first loud block and hold nothing of the word before that (the
first version's circular EQ wrapped the cut piece's end to the window's start), and its level must be the whole
word's (a loud ending, cut away, still sets the gain). Measured on a synthetic word
(30 ms of quiet as synth.trim leaves, then a 500 ms harmonic tone whose onset sample is known) with a silent noise
bank; the word's part of a window is the window minus the same seed's window of a silent word (no random draw
depends on the audio). For 40 seeds: the window is 1 s, the word's part starts 0-170 ms before the window's end
(the cut varies by > 80 ms over seeds) and is more than 40 dB below its peak everywhere earlier; the same seed on a
word whose part after 200 ms is 10x louder gives a word part 10-30 dB quieter (a gain from the cut piece alone
would give the same level). Prints "N passed, M failed".
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train"))
import augment  # noqa: E402
from bb_onset_data import LEAD, REACH, onset_window  # noqa: E402

RATE = 16000
SEEDS = 40


def word(loud_tail: float = 1.0) -> np.ndarray:
    """LEAD samples of quiet, then a 500 ms tone (150 Hz and harmonics); after 200 ms of tone x `loud_tail`."""
    t = np.arange(RATE // 2) / RATE
    tone = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 6)).astype(np.float32) * 0.1
    tone[RATE // 5:] *= loud_tail
    return np.concatenate([np.zeros(LEAD, np.float32), tone])


def coloured_word(w: np.ndarray, seed: int, silent: augment.NoiseBank) -> tuple[np.ndarray, np.ndarray]:
    """The onset window of `w` and the word's part of it alone: the same seed on a silent word draws the same speed,
    cut, channel, room and floor (no draw depends on the audio), so the difference is the coloured piece."""
    x = onset_window(w, np.random.default_rng(seed), silent, real=False)
    floor = onset_window(np.zeros_like(w), np.random.default_rng(seed), silent, real=False)
    return x, x - floor


def main() -> int:
    silent = augment.NoiseBank([np.zeros(4 * RATE, np.float32)])
    results = []

    def report(ok: bool, what: str) -> None:
        results.append(ok)
        print(f"{'ok     ' if ok else 'FAILED '} {what}")

    lengths, reach, before, ratios = [], [], [], []
    for seed in range(SEEDS):
        x, piece = coloured_word(word(), seed, silent)
        lengths.append(len(x))
        loud = np.flatnonzero(np.abs(piece) > 1e-2 * np.abs(piece).max())   # -40 dB: above the EQ's pre-ringing
        reach.append((len(x) - loud[0]) / RATE * 1000)
        edge = len(x) - REACH - RATE // 100 * 3      # 30 ms before the earliest allowed onset
        before.append(20 * np.log10(np.abs(piece[:edge]).max() / np.abs(piece).max() + 1e-12))
        _, louder = coloured_word(word(10.0), seed, silent)
        ratios.append(20 * np.log10(np.sqrt(np.mean(piece ** 2)) / np.sqrt(np.mean(louder ** 2))))
    report(set(lengths) == {RATE}, f"every window is 1 s ({sorted(set(lengths))} samples)")
    top = REACH / RATE * 1000 + 10
    report(min(reach) >= 0 and max(reach) <= top,
           f"the word starts {min(reach):.0f}-{max(reach):.0f} ms before the window's end (want 0-{top:.0f})")
    report(max(reach) - min(reach) > 80, f"the cut point varies over seeds ({max(reach) - min(reach):.0f} ms spread)")
    report(max(before) < -40, f"nothing of the word earlier (at most {max(before):.0f} dB of its peak)")
    report(10 <= min(ratios) and max(ratios) <= 30,
           f"a 10x louder word after the cut makes the window {min(ratios):.1f}-{max(ratios):.1f} dB quieter (want 10-30)")
    print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
