#!/usr/bin/env python3
"""Earshot's audio front end and resampler against the libraries models are trained with.

On the 480 real clips of ../shared/data/speech_commands_v0.02_subset:
  tf-mfcc      `earshot features --frontend tf-mfcc` vs the mfcc arrays TensorFlow's own graph
               (AudioSpectrogram + Mfcc) produced, in ../shared/data/ml-kws/reference
               (stride 640: LSTM_S, GRU_S; stride 320: the other models)
  kaldi-fbank  vs kaldi-native-fbank's OnlineFbank (dither 0), 80 and 23 bins
  kaldi-mfcc   vs kaldi-native-fbank's OnlineMfcc (dither 0, energy, lifter 22)
  librosa-mel  vs librosa.power_to_db(librosa.feature.melspectrogram(center=False), top_db=None)
  librosa-mfcc vs librosa.feature.mfcc(S=that)
Every value must be within 1e-3 (librosa: Earshot's float64 spectrum path, as numpy's FFT; Kaldi:
Earshot's float32 path with the FFT in kaldi-native-fbank's rounding order), for the presets in
STRICT (all of them); the figure within 70 dB of each frame's strongest band is printed too
(DYNAMIC_RANGE_DB). Also the WAV
reader's resampler (`earshot features --samples --rate R`) vs scipy.signal.resample_poly on clips
converted to 8, 22.05, 44.1 and 48 kHz and back.

Prints one line per check with the max abs error and the tolerance, then "N passed, M failed".
Exits 1 if any check fails, 0 otherwise; prints a skip line and exits 0 when ../shared is absent.

    .venv/bin/python tools/checks/frontend_parity.py [--earshot .build/debug/earshot] [--clips N]
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(REPO), "shared")
CLIPS = os.path.join(SHARED, "data", "speech_commands_v0.02_subset")
REFERENCE = os.path.join(SHARED, "data", "ml-kws", "reference")


def read_wav_int16(path):
    """The samples of a 16-bit mono PCM WAV (the Speech Commands clips), without a WAV library."""
    import wave
    with wave.open(path, "rb") as handle:
        assert handle.getsampwidth() == 2 and handle.getnchannels() == 1, path
        rate = handle.getframerate()
        data = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2")
    return rate, data


def write_wav_float32(path, rate, samples):
    """A mono IEEE-float WAV (format 3), written by hand."""
    data = np.asarray(samples, dtype="<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    with open(path, "wb") as handle:
        handle.write(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data)) + b"WAVE")
        handle.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt)
        handle.write(b"data" + struct.pack("<I", len(data)) + data)


def run_earshot(earshot, files, args, out):
    command = [earshot, "features", *files, *args, "-o", out]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"earshot features failed ({result.returncode}): {result.stderr.strip()}")
    return np.load(out)


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def report(self, name, error, tolerance, detail="", ok=None):
        ok = bool(error <= tolerance) if ok is None else bool(ok)
        self.passed += ok
        self.failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name:<44} max abs error {error:.3g} (tolerance {tolerance:g}){detail}",
              flush=True)


def compare(ours, theirs, files):
    """Max abs error and where it is."""
    diff = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
    index = np.unravel_index(np.argmax(diff), diff.shape)
    where = f"; worst {files[index[0]]} frame {index[1]} feature {index[2]}: {ours[index]:.6g} vs {theirs[index]:.6g}"
    return float(diff.max()), where


def check_tensorflow(checks, earshot, files, paths, work):
    for stride, frames, models in [(640, 25, ["LSTM_S", "GRU_S"]),
                                   (320, 49, ["Basic_LSTM_S", "CRNN_S", "LSTM_M", "GRU_M", "LSTM_L", "GRU_L"])]:
        ours = run_earshot(earshot, paths, ["--frontend", "tf-mfcc", "--frontend-window", "640",
                                            "--frontend-stride", str(stride), "--frontend-coefficients", "10",
                                            "--clip-samples", "16000"], os.path.join(work, f"tf{stride}.npy"))
        for model in models:
            reference = np.load(os.path.join(REFERENCE, f"{model}_reference.npz"))
            order = {name: i for i, name in enumerate(reference["files"])}
            rows = [order[name] for name in files]
            theirs = reference["mfcc"][rows]
            assert theirs.shape == ours.shape == (len(files), frames, 10), (theirs.shape, ours.shape)
            error, where = compare(ours, theirs, files)
            checks.report(f"tf-mfcc stride {stride} vs TensorFlow ({model})", error, 1e-3, where)


# A float32 FFT's rounding error is relative to the frame's strongest bin, so bands far below it sit
# at float32's resolution: there a float32 result is off the float64 one by up to ~0.02 (the report
# shows the library's and Earshot's distance to float64 at the worst value). librosa's FFT is numpy's
# (float64) and Earshot's librosa presets compute their spectrum in Double. kaldi-native-fbank
# computes in float32 with kissfft (built with -ffast-math, which regrouped some sums); Earshot's
# Kaldi presets do the same operations in the same order (SpectrumPrecision.float32KissFFT,
# tools/bench/kaldi_fbank_study.py). Presets in STRICT: every value within 1e-3. A preset taken out of
# STRICT would be held to 1e-3 only within 70 dB of each frame's strongest band (per value for
# filterbank outputs, per frame for cepstra, whose every coefficient mixes all bands), and to
# FLOOR_TOLERANCE on all values.
STRICT = {"librosa-mel", "librosa-mfcc", "kaldi-fbank", "kaldi-mfcc"}
DYNAMIC_RANGE_DB = 70.0
FLOOR_TOLERANCE = 0.05
NATURAL_LOG_RANGE = DYNAMIC_RANGE_DB / (10.0 / np.log(10.0))


def kaldi_reference(kind, signal, bins, ceps=13):
    import kaldi_native_fbank as knf
    options = knf.FbankOptions() if kind == "fbank" else knf.MfccOptions()
    options.frame_opts.dither = 0
    options.frame_opts.samp_freq = 16000
    options.mel_opts.num_bins = bins
    if kind == "mfcc":
        options.num_ceps = ceps
    computer = knf.OnlineFbank(options) if kind == "fbank" else knf.OnlineMfcc(options)
    computer.accept_waveform(16000, (signal * 32768.0).astype(np.float32).tolist())
    computer.input_finished()
    return np.array([computer.get_frame(i) for i in range(computer.num_frames_ready)], dtype=np.float32)


def kaldi_fbank_float64(signal, bins, frame):
    """One frame of Kaldi's fbank (the formulas of feature-window.cc, mel-computations.cc) in float64."""
    n = 400
    x = signal[frame * 160:frame * 160 + n].astype(np.float64) * 32768.0
    x = x - x.mean()
    x[1:] = x[1:] - 0.97 * x[:-1]
    x[0] -= 0.97 * x[0]
    x *= (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / (n - 1))) ** 0.85
    power = np.abs(np.fft.rfft(x, 512)) ** 2
    mel = lambda f: 1127.0 * np.log(1.0 + f / 700.0)
    low, high = mel(20.0), mel(8000.0)
    delta = (high - low) / (bins + 1)
    bin_mel = mel(np.arange(256) * 16000.0 / 512)
    out = np.zeros(bins)
    for b in range(bins):
        left, center, right = low + b * delta, low + (b + 1) * delta, low + (b + 2) * delta
        rising = (bin_mel - left) / (center - left)
        falling = (right - bin_mel) / (right - center)
        weight = np.where((bin_mel > left) & (bin_mel < right), np.where(bin_mel <= center, rising, falling), 0.0)
        out[b] = np.log(max(float(weight @ power[:256]), np.finfo(np.float32).eps))
    return out


def report_conditioned(checks, name, ours, theirs, mask, files, unit, floor_note="", preset=""):
    """Presets in STRICT: all values <= 1e-3. Others: the well-conditioned ones (mask) <= 1e-3 and
    all values <= FLOOR_TOLERANCE. Both figures are printed either way."""
    every, where = compare(ours, theirs, files)
    diff = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
    conditioned = float(diff[mask].max()) if mask.any() else 0.0
    within = f"within {DYNAMIC_RANGE_DB:g} dB of each frame's peak band ({100 * mask.mean():.1f}% of values)"
    if preset in STRICT:
        checks.report(f"{name} ({unit})", every, 1e-3,
                      f" on all values; {within} {conditioned:.3g}{floor_note}{where}")
    else:
        checks.report(f"{name} ({unit})", conditioned, 1e-3,
                      f" {within}; all values {every:.3g} (tolerance {FLOOR_TOLERANCE:g}){floor_note}{where}",
                      ok=conditioned <= 1e-3 and every <= FLOOR_TOLERANCE)


def check_kaldi(checks, earshot, files, paths, signals, work):
    for bins in [80, 23]:
        ours = run_earshot(earshot, paths, ["--frontend", "kaldi-fbank", "--frontend-mel-bands", str(bins),
                                            "--clip-samples", "16000"], os.path.join(work, "kaldi.npy"))
        theirs = np.stack([kaldi_reference("fbank", x, bins) for x in signals])
        assert theirs.shape == ours.shape, (theirs.shape, ours.shape)
        mask = theirs >= theirs.max(axis=2, keepdims=True) - NATURAL_LOG_RANGE
        diff = np.abs(ours - theirs)
        clip, frame, band = np.unravel_index(np.argmax(diff), diff.shape)
        exact = kaldi_fbank_float64(signals[clip], bins, frame)[band]
        note = (f" (at the worst value: kaldi-native-fbank vs float64 {abs(theirs[clip, frame, band] - exact):.3g},"
                f" earshot vs float64 {abs(ours[clip, frame, band] - exact):.3g})")
        report_conditioned(checks, f"kaldi-fbank {bins} bins vs kaldi-native-fbank", ours, theirs, mask, files,
                           "ln", note, "kaldi-fbank")

    ours = run_earshot(earshot, paths, ["--frontend", "kaldi-mfcc", "--clip-samples", "16000"],
                       os.path.join(work, "kaldi.npy"))
    theirs = np.stack([kaldi_reference("mfcc", x, 23) for x in signals])
    bands = np.stack([kaldi_reference("fbank", x, 23) for x in signals])
    assert theirs.shape == ours.shape, (theirs.shape, ours.shape)
    frames = (bands.max(axis=2) - bands.min(axis=2)) <= NATURAL_LOG_RANGE
    mask = np.broadcast_to(frames[:, :, None], theirs.shape)
    report_conditioned(checks, "kaldi-mfcc 23 bins 13 ceps vs kaldi-native-fbank", ours, theirs, mask, files,
                       "cepstra, frames", preset="kaldi-mfcc")


def check_librosa(checks, earshot, files, paths, signals, work):
    import librosa
    for n_fft, hop, mels, mfcc in [(512, 160, 40, 13), (1024, 256, 64, 20)]:
        def mel_db(x):
            spectrum = librosa.feature.melspectrogram(
                y=x, sr=16000, n_fft=n_fft, hop_length=hop, center=False, power=2.0, n_mels=mels,
                window="hann", htk=False, norm="slaney")
            return librosa.power_to_db(spectrum, ref=1.0, amin=1e-10, top_db=None)
        common = ["--frontend-window", str(n_fft), "--frontend-stride", str(hop), "--frontend-mel-bands", str(mels),
                  "--clip-samples", "16000"]
        ours = run_earshot(earshot, paths, ["--frontend", "librosa-mel"] + common, os.path.join(work, "lm.npy"))
        decibels = [mel_db(x) for x in signals]
        theirs = np.stack([d.T for d in decibels])
        assert theirs.shape == ours.shape, (theirs.shape, ours.shape)
        mask = theirs >= theirs.max(axis=2, keepdims=True) - DYNAMIC_RANGE_DB
        diff = np.abs(ours - theirs)
        clip, frame, band = np.unravel_index(np.argmax(diff), diff.shape)
        exact = mel_db(signals[clip].astype(np.float64)).T[frame, band]  # librosa itself, in float64
        note = (f" (at the worst value: librosa float32 vs float64 {abs(theirs[clip, frame, band] - exact):.3g},"
                f" earshot vs float64 {abs(ours[clip, frame, band] - exact):.3g})")
        report_conditioned(checks, f"librosa-mel n_fft {n_fft} hop {hop} {mels} mels", ours, theirs, mask, files,
                           "dB", note, "librosa-mel")

        ours = run_earshot(earshot, paths, ["--frontend", "librosa-mfcc", "--frontend-coefficients", str(mfcc)] + common,
                           os.path.join(work, "lc.npy"))
        theirs = np.stack([librosa.feature.mfcc(S=d, n_mfcc=mfcc, dct_type=2, norm="ortho").T for d in decibels])
        assert theirs.shape == ours.shape, (theirs.shape, ours.shape)
        levels = np.stack([d.T for d in decibels])
        frames = (levels.max(axis=2) - levels.min(axis=2)) <= DYNAMIC_RANGE_DB
        mask = np.broadcast_to(frames[:, :, None], theirs.shape)
        report_conditioned(checks, f"librosa-mfcc n_fft {n_fft} hop {hop} {mfcc} coefficients", ours, theirs, mask,
                           files, "frames", preset="librosa-mfcc")


def check_resampling(checks, earshot, paths, signals, work, count):
    from fractions import Fraction
    from scipy.signal import resample_poly
    full = [i for i in range(len(paths)) if len(signals[i]) == 16000]  # one shape for the [N, S] array
    chosen = full[::max(1, len(full) // count)][:count]
    # 16 kHz clips to other rates.
    for rate in [8000, 22050, 44100, 48000]:
        ratio = Fraction(rate, 16000)
        ours = run_earshot(earshot, [paths[i] for i in chosen], ["--samples", "--rate", str(rate)],
                           os.path.join(work, "r.npy"))
        error = 0.0
        for row, i in enumerate(chosen):
            theirs = resample_poly(signals[i].astype(np.float64), ratio.numerator, ratio.denominator)
            assert theirs.shape == ours[row].shape, (theirs.shape, ours[row].shape)
            error = max(error, float(np.abs(ours[row] - theirs).max()))
        checks.report(f"resample 16000 -> {rate} Hz vs scipy resample_poly", error, 1e-5)
    # Float WAVs at other rates back to 16 kHz (what detect/eval do with such files).
    for rate in [8000, 44100, 48000]:
        ratio = Fraction(16000, rate)
        inputs, expected = [], []
        for i in chosen:
            converted = resample_poly(signals[i].astype(np.float64), rate // np.gcd(rate, 16000),
                                      16000 // np.gcd(rate, 16000)).astype(np.float32)
            path = os.path.join(work, f"clip{i}_{rate}.wav")
            write_wav_float32(path, rate, converted)
            inputs.append(path)
            expected.append(resample_poly(converted.astype(np.float64), ratio.numerator, ratio.denominator))
        ours = run_earshot(earshot, inputs, ["--samples", "--rate", "16000"], os.path.join(work, "r.npy"))
        error = max(float(np.abs(ours[row] - expected[row]).max()) for row in range(len(inputs)))
        checks.report(f"resample {rate} -> 16000 Hz vs scipy resample_poly", error, 1e-5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--earshot", default=os.path.join(REPO, ".build", "debug", "earshot"))
    parser.add_argument("--clips", type=int, default=0, help="use only the first N clips (0: all 480)")
    parser.add_argument("--resample-clips", type=int, default=24, help="clips for the resampling checks")
    args = parser.parse_args()

    if not os.path.isdir(CLIPS) or not os.path.isdir(REFERENCE):
        print(f"skipped: {CLIPS} or {REFERENCE} is absent (the front-end parity needs ../shared)")
        print("0 passed, 0 failed")
        return 0
    import kaldi_native_fbank  # noqa: F401  (fail early with a clear import error)
    import librosa
    import scipy
    print(f"numpy {np.__version__}, librosa {librosa.__version__}, scipy {scipy.__version__}, "
          f"kaldi-native-fbank {getattr(kaldi_native_fbank, '__version__', '?')}; earshot {args.earshot}", flush=True)

    reference = np.load(os.path.join(REFERENCE, "LSTM_S_reference.npz"))
    files = [str(name) for name in reference["files"]]
    if args.clips:
        files = files[:args.clips]
    paths = [os.path.join(CLIPS, name) for name in files]
    signals = []
    for path in paths:
        rate, data = read_wav_int16(path)
        assert rate == 16000, path
        # DecodeWav(desired_samples=16000): scale by 1/32768, cut or zero-pad to one second.
        x = np.zeros(16000, dtype=np.float32)
        x[:min(16000, len(data))] = data[:16000].astype(np.float32) / 32768.0
        signals.append(x)

    checks = Checks()
    start = time.time()
    with tempfile.TemporaryDirectory(prefix="earshot-frontend-") as work:
        check_tensorflow(checks, args.earshot, files, paths, work)
        check_kaldi(checks, args.earshot, files, paths, signals, work)
        check_librosa(checks, args.earshot, files, paths, signals, work)
        check_resampling(checks, args.earshot, paths, [read_wav_int16(p)[1].astype(np.float32) / 32768.0
                                                       for p in paths], work, args.resample_clips)
    print(f"{len(files)} clips, {time.time() - start:.1f} s")
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
