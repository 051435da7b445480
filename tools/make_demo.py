#!/usr/bin/env python3
"""Makes the demo recording for `earshot listen --config firmware-configs/demo.json`.

Speaks keywords with espeak-ng (Debian package espeak-ng), one per 2-second slot, over a
quiet noise floor, and writes into OUT_DIR (default .build-demo/):

    keywords.wav   16 kHz mono S16_LE WAV (for `earshot detect --stream`, listening to it)
    keywords.raw   the same samples without the header: what ALSA's file plugin reads
    keywords.tsv   word, start and end of the speech (seconds), found from the signal

Deterministic: the same espeak-ng version gives the same bytes (the noise has a fixed seed).
A word may carry its own voice and speed: `hey jarvis=en-us+f3:160` (tools/wakeword_demo.sh).

    .venv/bin/python tools/make_demo.py [--out .build-demo] [--words yes,no,...]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import wave

import numpy as np
from scipy.signal import resample_poly

RATE = 16000
SLOT_SECONDS = 2.0
WORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]


def speak(word, voice, speed):
    """espeak-ng's rendering of `word` as float samples at its own rate (22050 Hz)."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "word.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", path, word], check=True)
        with wave.open(path, "rb") as f:
            assert f.getsampwidth() == 2 and f.getnchannels() == 1, "espeak-ng wrote an unexpected format"
            rate = f.getframerate()
            data = np.frombuffer(f.readframes(f.getnframes()), dtype="<i2").astype(np.float64) / 32768
    return data, rate


def trim(x, rate, floor_db=-40):
    """The part of x between the first and last 10 ms frame within floor_db of the loudest."""
    hop = rate // 100
    frames = len(x) // hop
    energy = np.array([np.sqrt(np.mean(x[i * hop:(i + 1) * hop] ** 2)) + 1e-12 for i in range(frames)])
    loud = np.nonzero(20 * np.log10(energy / energy.max()) > floor_db)[0]
    return x[loud[0] * hop:(loud[-1] + 1) * hop]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=".build-demo")
    parser.add_argument("--words", default=",".join(WORDS))
    parser.add_argument("--voice", default="en-us")
    parser.add_argument("--speed", type=int, default=130, help="espeak-ng words per minute")
    args = parser.parse_args()
    words = [w for w in args.words.split(",") if w]
    os.makedirs(args.out, exist_ok=True)

    total = int(RATE * SLOT_SECONDS * len(words) + RATE)   # one quiet second at the end
    rng = np.random.default_rng(20261130)
    signal = rng.normal(0, 10 ** (-60 / 20), total)        # noise floor at -60 dBFS RMS
    rows = []
    for i, spec in enumerate(words):
        word, _, voice_speed = spec.partition("=")
        voice, _, speed = voice_speed.partition(":")
        x, rate = speak(word, voice or args.voice, int(speed or args.speed))
        if rate != RATE:
            g = np.gcd(rate, RATE)
            x = resample_poly(x, RATE // g, rate // g)
        x = trim(x, RATE)
        x = 0.5 * x / np.max(np.abs(x))                    # peak at -6 dBFS
        # Centre each word in its slot.
        start = int((i * SLOT_SECONDS + SLOT_SECONDS / 2) * RATE) - len(x) // 2
        signal[start:start + len(x)] += x
        rows.append((word, start / RATE, (start + len(x)) / RATE))

    pcm = np.clip(np.round(signal * 32768), -32768, 32767).astype("<i2")
    wav_path = os.path.join(args.out, "keywords.wav")
    with wave.open(wav_path, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(RATE)
        f.writeframes(pcm.tobytes())
    with open(os.path.join(args.out, "keywords.raw"), "wb") as f:
        f.write(pcm.tobytes())
    with open(os.path.join(args.out, "keywords.tsv"), "w") as f:
        f.write("word\tstart\tend\n")
        for word, start, end in rows:
            f.write(f"{word}\t{start:.3f}\t{end:.3f}\n")
    version = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"[demo] {wav_path}: {len(words)} words, {len(pcm) / RATE:.1f} s, 16 kHz mono S16_LE ({version})")
    for word, start, end in rows:
        print(f"[demo]   {word:6s} {start:6.3f} - {end:6.3f} s")


if __name__ == "__main__":
    sys.exit(main())
