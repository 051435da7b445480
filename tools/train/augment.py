"""Audio augmentation for the keyword training set (numpy/scipy, seeded generators only)."""

from __future__ import annotations

import numpy as np
from scipy.signal import fftconvolve, istft, resample_poly, stft

RATE = 16000


def db(x: float) -> float:
    return 10.0 ** (x / 20.0)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)) + 1e-20))


def speech_rms(x: np.ndarray) -> float:
    """RMS over the loudest half of 10 ms blocks: the level of the word, not of the pauses."""
    n = len(x) // 160
    if n < 2:
        return rms(x)
    blocks = np.sqrt(np.mean(x[: n * 160].reshape(n, 160) ** 2, axis=1) + 1e-20)
    top = np.sort(blocks)[n // 2:]
    return float(np.sqrt(np.mean(top ** 2)))


def speed(x: np.ndarray, factor: float) -> np.ndarray:
    """Kaldi-style speed perturbation: resampling changes tempo and pitch together."""
    down = int(round(100 * factor))
    if down == 100:
        return x
    return resample_poly(x, 100, down).astype(np.float32)


def random_rir(rng: np.random.Generator) -> np.ndarray:
    """Synthetic room impulse response: direct path + exponentially decaying noise tail."""
    rt60 = rng.uniform(0.15, 0.9)
    length = int(min(rt60, 0.6) * RATE)
    t = np.arange(length) / RATE
    tail = rng.standard_normal(length) * np.exp(-6.9 * t / rt60)
    # Early reflections arrive after a few ms; the tail's level sets the direct-to-reverberant ratio.
    pre = int(rng.uniform(0.002, 0.012) * RATE)
    tail[:pre] = 0.0
    tail *= db(rng.uniform(-18.0, 0.0)) / (np.sqrt(np.sum(tail ** 2)) + 1e-9)
    tail[0] = 1.0
    # Air and wall absorption: higher frequencies decay faster (smooth the tail progressively).
    return tail.astype(np.float32)


def reverb(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    y = fftconvolve(x, random_rir(rng))[: len(x)]
    return (y * (rms(x) / (rms(y) + 1e-12))).astype(np.float32)


def random_eq(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Microphone/channel colouring: a smooth random gain curve (+-6 dB) over log frequency,
    a random high-pass (40-250 Hz) and sometimes a low-pass (3-7 kHz)."""
    n = len(x)
    spectrum = np.fft.rfft(x)
    f = np.fft.rfftfreq(n, 1.0 / RATE)
    logf = np.log2(np.maximum(f, 20.0))
    knots = np.linspace(np.log2(20.0), np.log2(8000.0), 7)
    gains_db = rng.uniform(-6.0, 6.0, size=len(knots))
    curve = db(1.0) * 10.0 ** (np.interp(logf, knots, gains_db) / 20.0)
    hp = rng.uniform(40.0, 250.0)
    curve *= 1.0 / np.sqrt(1.0 + (hp / np.maximum(f, 1.0)) ** 4)
    if rng.random() < 0.4:
        lp = rng.uniform(3000.0, 7000.0)
        curve *= 1.0 / np.sqrt(1.0 + (f / lp) ** 8)
    return np.fft.irfft(spectrum * curve, n).astype(np.float32)


def shift_formants(x: np.ndarray, alpha: float, *, lifter: int = 30, n_fft: int = 512, hop: int = 128) -> np.ndarray:
    """Moves the spectral envelope (the formants) by `alpha` along frequency, keeping pitch and length: a
    speaker-space widening that acts on audio (vocal-tract length changes formants, not pitch).

    Per STFT frame (Hann, n_fft, hop) the envelope is the low-quefrency part (first `lifter` cepstral
    coefficients, below any voice's pitch period) of the log magnitude; the magnitude is multiplied by
    exp(envelope(f / alpha) - envelope(f)), the phase kept. alpha == 1 returns x unchanged."""
    if alpha == 1.0 or len(x) < n_fft:
        return x
    _, _, z = stft(x.astype(np.float64), nperseg=n_fft, noverlap=n_fft - hop, window="hann")
    log_mag = np.log(np.abs(z) + 1e-9)                                    # [bins, frames]
    cepstrum = np.fft.irfft(log_mag, n=n_fft, axis=0)
    cepstrum[lifter:n_fft - lifter + 1] = 0.0
    envelope = np.fft.rfft(cepstrum, n=n_fft, axis=0).real
    bins = np.arange(envelope.shape[0], dtype=np.float64)
    source = np.minimum(bins / alpha, bins[-1])
    lo = np.floor(source).astype(np.int64)
    hi = np.minimum(lo + 1, len(bins) - 1)
    frac = (source - lo)[:, None]
    warped = envelope[lo] * (1.0 - frac) + envelope[hi] * frac
    _, y = istft(z * np.exp(warped - envelope), nperseg=n_fft, noverlap=n_fft - hop, window="hann")
    y = y[: len(x)]
    return (y * (rms(x) / (rms(y) + 1e-12))).astype(np.float32)


class NoiseBank:
    """The background-noise recordings, cut into random segments."""

    def __init__(self, recordings: list[np.ndarray]):
        self.recordings = recordings

    def segment(self, rng: np.random.Generator, n: int = RATE) -> np.ndarray:
        rec = self.recordings[rng.integers(len(self.recordings))]
        start = rng.integers(0, len(rec) - n)
        seg = rec[start:start + n].astype(np.float32)
        if rng.random() < 0.3:
            seg = random_eq(seg, rng)
        return seg


def floor_noise(rng: np.random.Generator, n: int = RATE) -> np.ndarray:
    """Microphone self-noise: every real recording has some; synthetic speech has digital zeros."""
    level = db(rng.uniform(-85.0, -55.0))
    return (rng.standard_normal(n) * level).astype(np.float32)


def place(word: np.ndarray, rng: np.random.Generator, n: int = RATE, jitter: float = 1.0) -> np.ndarray:
    """Puts a trimmed word at a random position of an n-sample window (never cut off)."""
    out = np.zeros(n, dtype=np.float32)
    word = word[:n]
    slack = n - len(word)
    centre = slack // 2
    spread = int(slack * 0.5 * jitter)
    start = int(np.clip(centre + rng.integers(-spread, spread + 1), 0, slack)) if spread > 0 else centre
    out[start:start + len(word)] = word
    return out


def shift(x: np.ndarray, rng: np.random.Generator, max_shift: int = 1600) -> np.ndarray:
    """ML-KWS time shift: +-100 ms with zero fill."""
    s = int(rng.integers(-max_shift, max_shift + 1))
    out = np.zeros_like(x)
    if s >= 0:
        out[s:] = x[: len(x) - s]
    else:
        out[:s] = x[-s:]
    return out


def augment_word(word: np.ndarray, rng: np.random.Generator, noise: NoiseBank, *, real: bool) -> np.ndarray:
    """One 1-s training example from a word clip (trimmed TTS word, or a real 1-s clip)."""
    x = word.astype(np.float32)
    if rng.random() < 0.8:
        x = speed(x, rng.uniform(0.85, 1.15))
    if real:
        x = shift(np.concatenate([x, np.zeros(max(0, RATE - len(x)), np.float32)])[:RATE], rng)
    else:
        x = place(x, rng)
    return colour(x, rng, noise, real=real)


def colour(x: np.ndarray, rng: np.random.Generator, noise: NoiseBank, *, real: bool) -> np.ndarray:
    """augment_word's channel and room on a positioned window (1 s there; any length): EQ, reverberation, speech
    level -38..-10 dB, background noise, microphone floor."""
    if rng.random() < (0.25 if real else 0.7):
        x = random_eq(x, rng)
    if rng.random() < (0.2 if real else 0.5):
        x = reverb(x, rng)
    level = speech_rms(x)
    x = x * (db(rng.uniform(-38.0, -10.0)) / (level + 1e-9))
    if rng.random() < 0.75:
        seg = noise.segment(rng, len(x))
        snr = rng.uniform(0.0, 30.0)
        x = x + seg * (speech_rms(x) / db(snr) / (rms(seg) + 1e-9))
    x = x + floor_noise(rng, len(x))
    return np.clip(x, -1.0, 32767 / 32768).astype(np.float32)


def make_silence(rng: np.random.Generator, noise: NoiseBank) -> np.ndarray:
    """_silence_: background noise at any volume, sometimes two mixed, or near-quiet rooms."""
    r = rng.random()
    if r < 0.15:
        x = floor_noise(rng)
        if rng.random() < 0.5:
            x = random_eq(x * db(rng.uniform(0.0, 30.0)), rng)
    else:
        x = noise.segment(rng)
        if r > 0.85:
            x = x + noise.segment(rng) * db(rng.uniform(-15.0, 0.0))
        x = x * (db(rng.uniform(-70.0, -15.0)) / (rms(x) + 1e-9))
        x = x + floor_noise(rng)
    return np.clip(x, -1.0, 32767 / 32768).astype(np.float32)
