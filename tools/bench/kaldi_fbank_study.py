#!/usr/bin/env python3
"""Where the Kaldi fbank/MFCC differences come from: kaldi-native-fbank, float64 truth, Earshot.

For the 480 clips of ../shared/data/speech_commands_v0.02_subset (Kaldi fbank 80 and 23 bins, MFCC
23 bins 13 cepstra, dither 0, 25 ms / 10 ms at 16 kHz) this computes

  truth   Kaldi's formulas (feature-window.cc, mel-computations.cc, feature-mfcc.cc) in float64 with
          numpy's FFT
  knf     kaldi-native-fbank's OnlineFbank / OnlineMfcc (float32, kissfft)
  emul    the same formulas in float32 in kaldi-native-fbank's operation order, with this script's
          own model of kissfft's float32 arithmetic (radix-4/radix-2 decimation in time, then the
          real-FFT split; the operation order of the -ffast-math build, read from its machine code
          and confirmed bit for bit against knf.Rfft, see `--rfft`)
  earshot `earshot features --frontend kaldi-fbank|kaldi-mfcc` (the preset as it is), and with
          --frontend-set spectrum_precision=float32 and =float64 when --earshot is given

and prints the max abs error of each pair, with where the largest one is and how far below its
frame's strongest band that value lies.

    .venv/bin/python tools/bench/kaldi_fbank_study.py [--earshot .build/debug/earshot] [--clips N] [--rfft]

--rfft only checks the kissfft model against knf.Rfft on random frames of sizes 4..4096 (bit for bit).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(REPO), "shared")
CLIPS = os.path.join(SHARED, "data", "speech_commands_v0.02_subset")
REFERENCE = os.path.join(SHARED, "data", "ml-kws", "reference")
F32 = np.float32


# MARK: - kissfft's float32 arithmetic (batched over rows with numpy float32: every operation rounds
# to float32 as the compiled SSE code does; no FMA in that build).

def kiss_factors(n):
    """kissfft's factorization: 4s first, then 2s, then odd primes: [p1, m1, p2, m2, ...]."""
    out, p, limit = [], 4, np.floor(np.sqrt(n))
    while True:
        while n % p:
            p = 2 if p == 4 else 3 if p == 2 else p + 2
            if p > limit:
                p = n
        n //= p
        out += [p, n]
        if n <= 1:
            return out


class KissModel:
    """Complex FFT of n points (power of two) as kissfft computes it, and the real-FFT split."""

    def __init__(self, real_size):
        self.n = real_size // 2
        phase = -2.0 * np.pi * np.arange(self.n, dtype=np.float64) / self.n
        self.tw_r = np.cos(phase).astype(F32)
        self.tw_i = np.sin(phase).astype(F32)
        self.factors = kiss_factors(self.n)
        k = np.arange(1, self.n // 2 + 1, dtype=np.float64)
        super_phase = -np.pi * (k / self.n + 0.5)
        self.super_r = np.cos(super_phase).astype(F32)
        self.super_i = np.sin(super_phase).astype(F32)

    def _stage(self, out_r, out_i, in_r, in_i, out_base, in_base, stride, factors):
        p, m = factors[0], factors[1]
        if m == 1:
            for q in range(p):
                out_r[:, out_base + q] = in_r[:, in_base + q * stride]
                out_i[:, out_base + q] = in_i[:, in_base + q * stride]
        else:
            for q in range(p):
                self._stage(out_r, out_i, in_r, in_i, out_base + q * m, in_base + q * stride, stride * p, factors[2:])
        k = np.arange(m)
        if p == 2:
            self._radix2(out_r, out_i, out_base + k, m, k * stride)
        elif p == 4:
            self._radix4(out_r, out_i, out_base + k, m, k * stride)
        else:
            raise ValueError(f"radix {p}: not modelled (power-of-two sizes only)")

    def _radix2(self, R, I, i0, m, t):
        i1 = i0 + m
        wr, wi = self.tw_r[t], self.tw_i[t]
        tr = R[:, i1] * wr - I[:, i1] * wi
        ti = R[:, i1] * wi + I[:, i1] * wr
        ar, ai = R[:, i0], I[:, i0]
        R[:, i1], I[:, i1] = ar - tr, ai - ti
        R[:, i0], I[:, i0] = ar + tr, ai + ti

    def _radix4(self, R, I, i0, m, t):
        i1, i2, i3 = i0 + m, i0 + 2 * m, i0 + 3 * m
        w1r, w1i = self.tw_r[t], self.tw_i[t]
        w2r, w2i = self.tw_r[2 * t], self.tw_i[2 * t]
        w3r, w3i = self.tw_r[3 * t], self.tw_i[3 * t]
        x0r, x0i, x1r, x1i = R[:, i0], I[:, i0], R[:, i1], I[:, i1]
        x2r, x2i, x3r, x3i = R[:, i2], I[:, i2], R[:, i3], I[:, i3]
        # s0 = x1 w1, s1 = x2 w2, s2 = x3 w3: real parts kept as their two products, because the
        # build folds them into the following sums (a reassociation -ffast-math allows).
        s0r = x1r * w1r - x1i * w1i
        s0i = x1i * w1r + x1r * w1i
        p2r, q2r = x2r * w2r, x2i * w2i
        s1i = x2i * w2r + x2r * w2i
        p3r, q3r = x3r * w3r, x3i * w3i
        s2i = x3i * w3r + x3r * w3i
        a_r = (x0r + p2r) - q2r        # x0 + s1
        a_i = x0i + s1i
        d_r = (x0r + q2r) - p2r        # x0 - s1
        d_i = x0i - s1i
        e_r = (s0r - q3r) + p3r        # s0 + s2
        e_i = s2i + s0i
        f_r = (s0r - p3r) + q3r        # s0 - s2 (real part)
        R[:, i2], I[:, i2] = a_r - e_r, a_i - e_i
        R[:, i0], I[:, i0] = a_r + e_r, a_i + e_i
        R[:, i1], I[:, i1] = (d_r + s0i) - s2i, d_i - f_r   # d - i (s0 - s2)
        R[:, i3], I[:, i3] = (d_r + s2i) - s0i, f_r + d_i   # d + i (s0 - s2)

    def rfft(self, frames):
        """Rows of 2n float32 samples -> (real, imag) of bins 0...n, as kiss_fftr."""
        frames = np.ascontiguousarray(frames, dtype=F32)
        rows, n = frames.shape[0], self.n
        z_r = np.zeros((rows, n), F32)
        z_i = np.zeros((rows, n), F32)
        self._stage(z_r, z_i, frames[:, 0::2], frames[:, 1::2], 0, 0, 1, self.factors)
        out_r = np.zeros((rows, n + 1), F32)
        out_i = np.zeros((rows, n + 1), F32)
        out_r[:, 0] = z_r[:, 0] + z_i[:, 0]
        out_r[:, n] = z_r[:, 0] - z_i[:, 0]
        k = np.arange(1, n // 2 + 1)
        a_r, a_i = z_r[:, k], z_i[:, k]
        b_r, b_i = z_r[:, n - k], -z_i[:, n - k]
        sum_r, sum_i = a_r + b_r, a_i + b_i
        dif_r, dif_i = a_r - b_r, a_i - b_i
        p, q = dif_r * self.super_r, dif_i * self.super_i
        t_i = dif_i * self.super_r + dif_r * self.super_i
        half = F32(0.5)
        out_r[:, k] = ((sum_r + p) - q) * half
        out_i[:, k] = (sum_i + t_i) * half
        out_r[:, n - k] = ((sum_r + q) - p) * half
        out_i[:, n - k] = (t_i - sum_i) * half
        return out_r, out_i


def check_rfft():
    import kaldi_native_fbank as knf
    rng = np.random.default_rng(7)
    worst = 0
    for size in [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]:
        x = (rng.standard_normal((64, size)) * 10.0 ** rng.uniform(-3, 5, (64, 1))).astype(F32)
        transform = knf.Rfft(size)
        theirs = np.array([transform.compute(row.tolist()) for row in x], dtype=F32)
        re, im = KissModel(size).rfft(x)
        ours = np.empty_like(theirs)
        ours[:, 0], ours[:, 1] = re[:, 0], re[:, size // 2]
        ours[:, 2::2], ours[:, 3::2] = re[:, 1:size // 2], im[:, 1:size // 2]
        differ = int((ours != theirs).sum())
        worst = max(worst, differ)
        print(f"rfft {size:5d}: {differ} of {theirs.size} values differ from knf.Rfft")
    return worst == 0


# MARK: - Kaldi's pipeline, float32 (knf's order) and float64

def povey_window(n, dtype):
    a = 2.0 * np.pi / (n - 1)
    return ((0.5 - 0.5 * np.cos(a * np.arange(n, dtype=np.float64))) ** 0.85).astype(dtype)


def libm_logf():
    """The C library's logf (knf's MelScale calls it; numpy's float32 log rounds differently)."""
    import ctypes
    import ctypes.util
    libm = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
    libm.logf.restype = ctypes.c_float
    libm.logf.argtypes = [ctypes.c_float]
    return np.vectorize(lambda x: F32(libm.logf(float(x))), otypes=[F32])


def mel_banks_float32(bins, fft_size, rate=16000.0, low=20.0, high=0.0):
    """mel-computations.cc InitKaldiMelBanks, in float32 as knf computes it: list of (first, weights)."""
    logf = libm_logf()
    mel = lambda f: F32(1127.0) * logf(F32(1.0) + np.asarray(f, F32) / F32(700.0))
    nyquist = F32(0.5) * F32(rate)
    high = F32(high) if high > 0 else nyquist + F32(high)
    width = F32(rate) / F32(fft_size)
    lo, hi = mel(F32(low)), mel(high)
    delta = (hi - lo) / F32(bins + 1)
    centers = mel(width * np.arange(fft_size // 2, dtype=F32))
    out = []
    for b in range(bins):
        left, center, right = lo + F32(b) * delta, lo + F32(b + 1) * delta, lo + F32(b + 2) * delta
        inside = np.nonzero((centers > left) & (centers < right))[0]
        m = centers[inside]
        w = np.where(m <= center, (m - left) / (center - left), (right - m) / (right - center)).astype(F32)
        out.append((int(inside[0]), w))
    return out


def mel_banks_float64(bins, fft_size, rate=16000.0, low=20.0, high=0.0):
    mel = lambda f: 1127.0 * np.log(1.0 + np.asarray(f, np.float64) / 700.0)
    high = high if high > 0 else rate / 2 + high
    lo, hi = mel(low), mel(high)
    delta = (hi - lo) / (bins + 1)
    centers = mel(rate / fft_size * np.arange(fft_size // 2))
    matrix = np.zeros((bins, fft_size // 2 + 1))
    for b in range(bins):
        left, center, right = lo + b * delta, lo + (b + 1) * delta, lo + (b + 2) * delta
        inside = (centers > left) & (centers < right)
        rising, falling = (centers - left) / (center - left), (right - centers) / (right - center)
        matrix[b, :fft_size // 2] = np.where(inside, np.where(centers <= center, rising, falling), 0.0)
    return matrix


def frames_of(signal, length=400, shift=160):
    count = 1 + (len(signal) - length) // shift
    index = np.arange(length)[None, :] + shift * np.arange(count)[:, None]
    return signal[index]


def time_domain(frames, dtype, raw_energy=False):
    """DC removal, (raw energy), pre-emphasis 0.97, Povey window; float32 in knf's sequential order."""
    x = frames.astype(dtype).copy()
    n = x.shape[1]
    if dtype == F32:
        total = np.zeros(x.shape[0], F32)
        for i in range(n):                      # sequential float sum, as RemoveDcOffset
            total += x[:, i]
        x -= (total / F32(n))[:, None]
        energy = np.zeros(x.shape[0], F32)
        for i in range(n):
            energy += x[:, i] * x[:, i]
        coefficient = F32(0.97)
    else:
        x -= x.mean(axis=1, keepdims=True)
        energy = (x * x).sum(axis=1)
        coefficient = float(F32(0.97))          # Kaldi's option is a float
    for i in range(n - 1, 0, -1):
        x[:, i] -= coefficient * x[:, i - 1]
    x[:, 0] -= coefficient * x[:, 0]
    x *= povey_window(n, dtype)
    return x, energy


def fbank_float32(frames, bins, fft_size=512):
    x, energy = time_domain(frames, F32)
    padded = np.zeros((x.shape[0], fft_size), F32)
    padded[:, :x.shape[1]] = x
    re, im = KissModel(fft_size).rfft(padded)
    power = re * re + im * im
    power[:, fft_size // 2] = re[:, fft_size // 2] * re[:, fft_size // 2]
    out = np.zeros((x.shape[0], bins), F32)
    for b, (first, weights) in enumerate(mel_banks_float32(bins, fft_size)):
        total = np.zeros(x.shape[0], F32)
        for j, w in enumerate(weights):
            total += w * power[:, first + j]
        out[:, b] = total
    return np.log(np.maximum(out, np.finfo(F32).eps)), energy


def fbank_float64(frames, bins, fft_size=512):
    x, energy = time_domain(frames, np.float64)
    power = np.abs(np.fft.rfft(x, fft_size, axis=1)) ** 2
    mel = power @ mel_banks_float64(bins, fft_size).T
    return np.log(np.maximum(mel, np.finfo(F32).eps)), energy


def dct_lifter(ceps, bins, lifter=22.0):
    """Kaldi's ComputeDctMatrix (orthonormal DCT-II rows) and ComputeLifterCoeffs."""
    k = np.arange(ceps)[:, None]
    n = np.arange(bins)[None, :]
    matrix = np.sqrt(2.0 / bins) * np.cos(np.pi / bins * (n + 0.5) * k)
    matrix[0, :] = np.sqrt(1.0 / bins)
    lift = 1.0 + 0.5 * lifter * np.sin(np.pi * np.arange(ceps) / lifter)
    return matrix, lift


def mfcc(log_mel, energy, dtype, ceps=13):
    matrix, lift = dct_lifter(ceps, log_mel.shape[1])
    matrix, lift = matrix.astype(dtype), lift.astype(dtype)
    if dtype == F32:
        out = np.zeros((log_mel.shape[0], ceps), F32)
        for j in range(log_mel.shape[1]):       # InnerProduct's sequential sum
            out += log_mel[:, j:j + 1] * matrix[:, j][None, :]
    else:
        out = log_mel @ matrix.T
    out = out * lift
    out[:, 0] = np.log(np.maximum(energy, np.finfo(F32).eps))
    return out.astype(dtype)


def knf_features(kind, signal, bins, ceps=13):
    import kaldi_native_fbank as knf
    options = knf.FbankOptions() if kind == "fbank" else knf.MfccOptions()
    options.frame_opts.dither = 0
    options.frame_opts.samp_freq = 16000
    options.mel_opts.num_bins = bins
    if kind == "mfcc":
        options.num_ceps = ceps
    computer = knf.OnlineFbank(options) if kind == "fbank" else knf.OnlineMfcc(options)
    computer.accept_waveform(16000, (signal * 32768.0).astype(F32).tolist())
    computer.input_finished()
    return np.array([computer.get_frame(i) for i in range(computer.num_frames_ready)], dtype=F32)


def earshot_features(earshot, paths, preset, extra, out):
    command = [earshot, "features", *paths, "--frontend", preset, *extra, "--clip-samples", "16000", "-o", out]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} ... failed: {result.stderr.strip()}")
    return np.load(out)


def describe(name, a, b, files, reference):
    """Max abs error of a vs b; where; the value's level below its frame's peak band (reference)."""
    diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
    clip, frame, band = np.unravel_index(np.argmax(diff), diff.shape)
    below = reference[clip, frame].max() - reference[clip, frame, band] if reference is not None else None
    level = f", {below * 10 / np.log(10):.0f} dB below the frame's peak band" if below is not None else ""
    print(f"  {name:<34} max {diff.max():.3g}  mean {diff.mean():.2g}  values > 1e-3: {int((diff > 1e-3).sum())}"
          f"  (worst {files[clip]} frame {frame} value {band}{level})")
    return float(diff.max())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--earshot", help="an earshot binary: also compare its features")
    parser.add_argument("--clips", type=int, default=0, help="only the first N clips (0: all 480)")
    parser.add_argument("--rfft", action="store_true", help="only check the kissfft model against knf.Rfft")
    args = parser.parse_args()
    if args.rfft:
        return 0 if check_rfft() else 1
    if not os.path.isdir(CLIPS):
        print(f"skipped: {CLIPS} is absent")
        return 0
    import wave
    files = [str(f) for f in np.load(os.path.join(REFERENCE, "LSTM_S_reference.npz"))["files"]]
    files = files[:args.clips] if args.clips else files
    paths = [os.path.join(CLIPS, f) for f in files]
    signals = []
    for path in paths:
        with wave.open(path, "rb") as handle:
            data = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2")
        x = np.zeros(16000, F32)
        x[:min(16000, len(data))] = data[:16000].astype(F32) / F32(32768)
        signals.append(x)
    frames = np.stack([frames_of(x * F32(32768)) for x in signals])   # [clips, 98, 400]
    shape = frames.shape[:2]
    flat = frames.reshape(-1, frames.shape[2])

    work = tempfile.mkdtemp(prefix="earshot-kaldi-study-")
    for kind, bins in [("fbank", 80), ("fbank", 23), ("mfcc", 23)]:
        print(f"kaldi {kind} {bins} bins, {len(files)} clips:")
        log32, energy32 = fbank_float32(flat, bins)
        log64, energy64 = fbank_float64(flat, bins)
        if kind == "fbank":
            emul, truth = log32, log64
        else:
            emul, truth = mfcc(log32, energy32, F32), mfcc(log64, energy64, np.float64)
        emul = emul.reshape(*shape, -1)
        truth = truth.reshape(*shape, -1)
        levels = log64.reshape(*shape, -1)
        theirs = np.stack([knf_features(kind, x, bins) for x in signals])
        where = levels if kind == "fbank" else None
        describe("knf vs float64 truth", theirs, truth, files, where)
        describe("float32 knf-order model vs knf", emul, theirs, files, where)
        describe("float32 knf-order model vs truth", emul, truth, files, where)
        if args.earshot:
            preset = f"kaldi-{kind}"
            extra = ["--frontend-mel-bands", str(bins)]
            for label, setting in [("earshot preset", []),
                                   ("earshot float32", ["--frontend-set", "spectrum_precision=float32"]),
                                   ("earshot float64", ["--frontend-set", "spectrum_precision=float64"])]:
                ours = earshot_features(args.earshot, paths, preset, extra + setting, os.path.join(work, "e.npy"))
                describe(f"{label} vs knf", ours, theirs, files, where)
                describe(f"{label} vs truth", ours, truth, files, where)
    return 0


if __name__ == "__main__":
    sys.exit(main())
