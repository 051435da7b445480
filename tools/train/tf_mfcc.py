"""TensorFlow's AudioSpectrogram + Mfcc front end (as ARM's ML-KWS models use it), in numpy.

Written from the behaviour of TensorFlow's kernels (spectrogram.cc, mfcc.cc, mfcc_mel_filterbank.cc,
mfcc_dct.cc), so that the features the model is trained on are the ones Earshot's Frontend computes
at run time (FrontendConfig+TensorFlow.swift). Checked against TensorFlow's own features in
../shared/data/ml-kws/reference/LSTM_M_reference.npz by `python tf_mfcc.py --check`.

    spectrogram: periodic Hann window of `window` samples, zero-padded to the next power of two,
                 |rfft|^2, one frame every `stride` samples (frames = 1 + (N - window) // stride)
    mel:         TensorFlow's HTK-like filterbank on sqrt(power) (magnitudes): each FFT bin between
                 the lower and upper limits feeds the two mel channels around it, weights linear in
                 mel (mel = 1127 ln(1 + f/700)); channel centres equally spaced in mel
    mfcc:        ln(max(mel, 1e-12)), then a DCT-II with scale sqrt(2/channels), first `coefficients`
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16000
WINDOW = 640
STRIDE = 320
CHANNELS = 40
COEFFICIENTS = 10
LOWER_HZ = 20.0
UPPER_HZ = 4000.0


def _mel(f: np.ndarray | float) -> np.ndarray:
    return 1127.0 * np.log1p(np.asarray(f, dtype=np.float64) / 700.0)


def mel_matrix(bins: int, sample_rate: float = SAMPLE_RATE, channels: int = CHANNELS,
               lower: float = LOWER_HZ, upper: float = UPPER_HZ) -> np.ndarray:
    """[bins, channels] float64: TensorFlow's filterbank as a dense matrix over FFT magnitudes."""
    mel_low, mel_high = _mel(lower), _mel(upper)
    spacing = (mel_high - mel_low) / (channels + 1)
    centres = mel_low + spacing * np.arange(1, channels + 2)       # channels + 1 (top edge too)
    hz_per_bin = 0.5 * sample_rate / (bins - 1)
    start = int(1.5 + lower / hz_per_bin)                           # DC always excluded
    end = int(upper / hz_per_bin)
    matrix = np.zeros((bins, channels))
    channel = 0
    for i in range(start, end + 1):
        m = float(_mel(i * hz_per_bin))
        while channel < channels and centres[channel] < m:
            channel += 1
        lower_channel = channel - 1                                 # right slope of this channel
        if lower_channel >= 0:
            w = (centres[lower_channel + 1] - m) / (centres[lower_channel + 1] - centres[lower_channel])
            matrix[i, lower_channel] += w
        else:
            w = (centres[0] - m) / (centres[0] - mel_low)
        if lower_channel + 1 < channels:                            # left slope of the next one
            matrix[i, lower_channel + 1] += 1.0 - w
    return matrix


def dct_matrix(channels: int = CHANNELS, coefficients: int = COEFFICIENTS) -> np.ndarray:
    """[channels, coefficients] float64: unnormalised-DC DCT-II scaled by sqrt(2/channels)."""
    j = np.arange(channels)[:, None] + 0.5
    i = np.arange(coefficients)[None, :]
    return np.sqrt(2.0 / channels) * np.cos(np.pi / channels * i * j)


class TFMfcc:
    """Batched TF-compatible MFCC. Call with float audio in [-1, 1], shape [N] or [B, N]."""

    def __init__(self, window: int = WINDOW, stride: int = STRIDE, channels: int = CHANNELS,
                 coefficients: int = COEFFICIENTS, lower: float = LOWER_HZ, upper: float = UPPER_HZ,
                 sample_rate: int = SAMPLE_RATE):
        self.window_length, self.stride = window, stride
        self.fft = 1 << (window - 1).bit_length()
        n = np.arange(window)
        self.window = 0.5 - 0.5 * np.cos(2.0 * np.pi * n / window)  # periodic Hann
        self.mel = mel_matrix(self.fft // 2 + 1, sample_rate, channels, lower, upper)
        self.dct = dct_matrix(channels, coefficients)

    def frames(self, samples: int) -> int:
        return 0 if samples < self.window_length else 1 + (samples - self.window_length) // self.stride

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        audio = np.asarray(audio, dtype=np.float64)
        single = audio.ndim == 1
        if single:
            audio = audio[None]
        t = self.frames(audio.shape[-1])
        idx = np.arange(t)[:, None] * self.stride + np.arange(self.window_length)[None, :]
        framed = audio[:, idx] * self.window                        # [B, T, W]
        power = np.abs(np.fft.rfft(framed, n=self.fft, axis=-1)) ** 2
        # TF hands the spectrogram to Mfcc as float32.
        power = power.astype(np.float32).astype(np.float64)
        mel = np.sqrt(power) @ self.mel
        out = (np.log(np.maximum(mel, 1e-12)) @ self.dct).astype(np.float32)
        return out[0] if single else out


def read_wav(path: str) -> np.ndarray:
    """16-bit PCM mono WAV -> float32 in [-1, 1) (DecodeWav's scaling: s / 32768)."""
    import wave
    with wave.open(path, "rb") as f:
        if f.getsampwidth() != 2 or f.getnchannels() != 1:
            raise ValueError(f"{path}: expected 16-bit mono PCM")
        data = np.frombuffer(f.readframes(f.getnframes()), dtype="<i2")
    return data.astype(np.float32) / 32768.0


def write_wav(path: str, audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    import wave
    pcm = np.clip(np.round(np.asarray(audio) * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(sample_rate)
        f.writeframes(pcm.tobytes())


def fit_length(audio: np.ndarray, n: int = SAMPLE_RATE) -> np.ndarray:
    """DecodeWav(desired_samples=n): truncate or zero-pad at the end."""
    if len(audio) >= n:
        return audio[:n]
    return np.concatenate([audio, np.zeros(n - len(audio), dtype=audio.dtype)])


def check(shared: str) -> float:
    """Max |ours - TF| over the 480 reference clips (stride 320)."""
    import os
    ref = np.load(os.path.join(shared, "ml-kws/reference/LSTM_M_reference.npz"))
    root = os.path.join(shared, "speech_commands_v0.02_subset")
    mfcc = TFMfcc()
    audio = np.stack([fit_length(read_wav(os.path.join(root, str(f)))) for f in ref["files"]])
    ours = mfcc(audio)
    theirs = ref["mfcc"].reshape(ours.shape)
    return float(np.max(np.abs(ours - theirs)))


if __name__ == "__main__":
    import argparse
    import os
    import sys
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="compare with TensorFlow's reference features")
    p.add_argument("--shared", default=os.path.join(os.path.dirname(__file__), "../../../shared/data"))
    a = p.parse_args()
    if a.check:
        err = check(a.shared)
        print(f"max |numpy - TensorFlow| mfcc over 480 clips: {err:.3g}")
        sys.exit(0 if err <= 1e-3 else 1)
