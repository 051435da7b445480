"""Earshot's keyword detector (Spotter.Detector) for one keyword, in numpy: for sweeping thresholds offline.

Shared by tools/bench/wakeword_bench.py and tools/train/wakeword.py (threshold choice). Per frame t with score p[t]:
s[t] = mean of p over the last n frames (frames before the stream count as 0); an event fires on the first
frame of a run of s >= threshold that is at least `refractory` frames after the previous event, and once per
run (the detector re-arms only when s drops below the threshold again).
"""

from __future__ import annotations

import numpy as np


def smoothed(scores: np.ndarray, n: int) -> np.ndarray:
    """Zero-padded moving average over the last n frames."""
    c = np.concatenate([[0.0], np.cumsum(np.nan_to_num(np.asarray(scores, np.float64)))])
    t = np.arange(len(scores))
    return (c[t + 1] - c[np.maximum(t + 1 - n, 0)]) / n


def events(s: np.ndarray, threshold: float, refractory: int) -> list[int]:
    """Decision frames of the detector on smoothed scores s."""
    above = s >= threshold
    if not above.any():
        return []
    edges = np.diff(np.concatenate([[0], above.astype(np.int8), [0]]))
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    fired, last = [], -(10 ** 12)
    for a, b in zip(starts, ends):
        t = max(int(a), last + refractory)
        if t < b:
            fired.append(t)
            last = t
    return fired


def oww_events(scores: np.ndarray, threshold: float, refractory: int = 25) -> list[int]:
    """Decision chunks of Earshot's openWakeWord rule (docs/openwakeword.md): the first chunk whose score is
    >= threshold, then none for `refractory` chunks (no smoothing, no re-arming)."""
    fired, last = [], -(10 ** 12)
    for t in np.nonzero(np.asarray(scores) >= threshold)[0]:
        if t - last >= refractory:
            fired.append(int(t))
            last = int(t)
    return fired
