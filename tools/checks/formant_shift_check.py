#!/usr/bin/env python3
"""Checks tools/train/augment.shift_formants (the wake-word trainer's formant shift; tools/test.sh section
`formants`) against an independent reference: vowels synthesized from a glottal pulse train through formant
resonators, and formants measured by linear prediction (LPC roots), not by the cepstrum the shift uses.

    .venv/bin/python tools/checks/formant_shift_check.py

Checks: alpha 1 returns the input unchanged; the length is kept; the pitch (autocorrelation peak) is kept
within 2 %; the spectral centroid moves down for alpha < 1 and up for alpha > 1; the first three formants of the
shifted vowel, by LPC, all move the way alpha says, and the frequency warp that best maps the original's LPC
envelope onto the shifted one's (300-3500 Hz) is within 0.03 of alpha (alpha 0.88 and 1.12, two vowels, two
pitches). Prints "N passed, M failed".
"""

from __future__ import annotations

import os
import sys

import numpy as np
from scipy.linalg import solve_toeplitz
from scipy.signal import lfilter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train"))
from augment import shift_formants  # noqa: E402

RATE = 16000
VOWELS = {"a": (730.0, 1090.0, 2440.0), "e": (530.0, 1840.0, 2480.0)}   # Peterson & Barney, male averages
BANDWIDTHS = (90.0, 110.0, 170.0)


def vowel(formants, f0: float, seconds: float = 1.0) -> np.ndarray:
    """A glottal pulse train at f0 (with 3 % vibrato) through one two-pole resonator per formant."""
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    phase = np.cumsum(f0 * (1 + 0.03 * np.sin(2 * np.pi * 5 * t)) / RATE)
    x = np.diff(np.floor(phase), prepend=0.0)           # one impulse per period
    x = lfilter([1.0], [1.0, -0.95], x)                   # glottal roll-off
    for f, b in zip(formants, BANDWIDTHS):
        r = np.exp(-np.pi * b / RATE)
        x = lfilter([1.0 - r], [1.0, -2 * r * np.cos(2 * np.pi * f / RATE), r * r], x)
    return (0.1 * x / np.max(np.abs(x))).astype(np.float32)


def lpc(x: np.ndarray, order: int = 12) -> np.ndarray:
    """Prediction polynomial a (a[0] = 1) of the middle 0.5 s, pre-emphasized and Hamming-windowed."""
    mid = x[len(x) // 4: 3 * len(x) // 4].astype(np.float64)
    mid = np.append(mid[0], mid[1:] - 0.63 * mid[:-1]) * np.hamming(len(mid))
    r = np.correlate(mid, mid, "full")[len(mid) - 1: len(mid) + order]
    return np.concatenate([[1.0], -solve_toeplitz(r[:order], r[1:order + 1])])


def lpc_formants(x: np.ndarray) -> list[float]:
    """Formant frequencies (Hz, ascending; roots above 200 Hz with bandwidth < 400 Hz) by LPC."""
    found = []
    for z in np.roots(lpc(x)):
        if z.imag > 0 and np.angle(z) * RATE / (2 * np.pi) > 200 and -np.log(abs(z)) * RATE / np.pi < 400:
            found.append(np.angle(z) * RATE / (2 * np.pi))
    return sorted(found)


def lpc_envelope_db(x: np.ndarray, freqs: np.ndarray) -> np.ndarray:
    a = lpc(x)
    w = np.exp(-2j * np.pi * np.outer(freqs / RATE, np.arange(len(a))))
    return -20 * np.log10(np.abs(w @ a))


def fitted_warp(x: np.ndarray, y: np.ndarray) -> float:
    """The alpha (0.75-1.25, step 0.005) for which y's LPC envelope at f best matches x's at f / alpha
    (least squares in dB over 300-3500 Hz, level difference removed)."""
    f = np.linspace(300.0, 3500.0, 200)
    target = lpc_envelope_db(y, f)
    best, best_err = 1.0, np.inf
    for alpha in np.arange(0.75, 1.2501, 0.005):
        d = target - lpc_envelope_db(x, f / alpha)
        err = float(np.mean((d - d.mean()) ** 2))
        if err < best_err:
            best, best_err = float(alpha), err
    return best


def pitch(x: np.ndarray) -> float:
    """F0 by the autocorrelation peak between 60 and 400 Hz."""
    mid = x[len(x) // 4: 3 * len(x) // 4].astype(np.float64)
    r = np.correlate(mid, mid, "full")[len(mid) - 1:]
    lo, hi = RATE // 400, RATE // 60
    return RATE / (lo + int(np.argmax(r[lo:hi])))


def centroid(x: np.ndarray) -> float:
    p = np.abs(np.fft.rfft(x.astype(np.float64))) ** 2
    f = np.fft.rfftfreq(len(x), 1 / RATE)
    return float(np.sum(f * p) / np.sum(p))


def main() -> int:
    passed = failed = 0

    def check(ok: bool, text: str) -> None:
        nonlocal passed, failed
        passed, failed = passed + ok, failed + (not ok)
        print(("PASS  " if ok else "FAIL  ") + text, flush=True)

    x = vowel(VOWELS["a"], 120.0)
    check(np.array_equal(shift_formants(x, 1.0), x), "alpha 1.0 returns the input unchanged")
    for alpha in (0.85, 1.15):
        check(len(shift_formants(x, alpha)) == len(x), f"alpha {alpha}: length {len(x)} kept")
    for f0 in (110.0, 210.0):
        y = vowel(VOWELS["e"], f0)
        p0, p1 = pitch(y), pitch(shift_formants(y, 1.12))
        check(abs(p1 / p0 - 1) < 0.02, f"f0 {f0:.0f} Hz: pitch kept ({p0:.1f} -> {p1:.1f} Hz)")
    c0 = centroid(x)
    c_down, c_up = centroid(shift_formants(x, 0.88)), centroid(shift_formants(x, 1.12))
    check(c_down < c0 < c_up, f"spectral centroid {c0:.0f} Hz -> {c_down:.0f} (0.88) / {c_up:.0f} Hz (1.12)")
    for name, formants in VOWELS.items():
        for f0 in (110.0, 210.0):
            for alpha in (0.88, 1.12):
                y = vowel(formants, f0)
                z = shift_formants(y, alpha)
                measured, shifted = lpc_formants(y)[:3], lpc_formants(z)[:3]
                ratios = [s / m for s, m in zip(shifted, measured)]
                check(len(ratios) == 3 and all((r < 1) == (alpha < 1) for r in ratios),
                      f"/{name}/ f0 {f0:.0f} Hz, alpha {alpha}: every LPC formant moves that way "
                      f"({[round(m) for m in measured]} -> {[round(s) for s in shifted]} Hz)")
                fit = fitted_warp(y, z)
                check(abs(fit - alpha) <= 0.03, f"/{name}/ f0 {f0:.0f} Hz, alpha {alpha}: LPC envelope warp fitted "
                                                f"{fit:.3f} (within 0.03)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
