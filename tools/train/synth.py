#!/usr/bin/env python3
"""Synthesises the keyword and non-keyword words with Debian's TTS engines.

    python synth.py --out work/tts.npz [--seed 1] [--scale 1.0]

Engines (Debian packages; all offline, all free software):
  espeak-ng  (package espeak-ng):  9 English accents x ~100 voice variants (!v/*), random speed
             80-185 wpm (human-like word lengths), pitch 15-85, word spoken plain or with . ! ? intonation.
  flite      (package flite):      voices kal, kal16, awb, rms, slt; duration_stretch 0.85-1.6,
             f0 target mean shifted from the voice's own.
  festival   (packages festival, festvox-kallpc16k, festvox-kdlpc16k, festvox-us-slt-hts):
             kal_diphone, ked_diphone, cmu_us_slt_arctic_hts; Duration_Stretch 0.9-1.6.

Every clip is resampled to 16 kHz, trimmed to the spoken part (+30 ms) and stored as int16 in one
npz: audio (concatenated), offsets, word, engine, voice. The combination list is drawn from a fixed
seed, so a rerun produces the same clips (the engines are deterministic).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import wave

import numpy as np
from scipy.signal import resample_poly

from words import KEYWORDS, UNKNOWN_WORDS

ESPEAK_ACCENTS = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-gb-x-gbcwmd",
                  "en-029", "en-us-nyc", "en"]
# Variants that produce noise rather than speech, or near-duplicates of the default.
ESPEAK_SKIP = {"fast_test"}
FLITE_VOICES = ["kal", "kal16", "awb", "rms", "slt"]
FLITE_F0 = {"kal": 105, "kal16": 105, "awb": 110, "rms": 100, "slt": 170}
FESTIVAL_VOICES = ["kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts"]


def espeak_variants() -> list[str]:
    out = subprocess.run(["espeak-ng", "--voices=variant"], capture_output=True, text=True, check=True).stdout
    names = []
    for line in out.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 5 and parts[4].startswith("!v/"):
            name = parts[4][3:]
            if name not in ESPEAK_SKIP:
                names.append(name)
    return sorted(set(names))


def read_any_wav(path: str) -> np.ndarray:
    with wave.open(path, "rb") as f:
        rate, width, channels = f.getframerate(), f.getsampwidth(), f.getnchannels()
        data = np.frombuffer(f.readframes(f.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    if width != 2:
        raise ValueError(f"{path}: {8 * width}-bit audio")
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1)
    if rate != 16000:
        g = np.gcd(rate, 16000)
        data = resample_poly(data, 16000 // g, rate // g).astype(np.float32)
    return data


def trim(audio: np.ndarray, margin: int = 480) -> np.ndarray:
    """Cuts leading/trailing silence: keeps from the first to the last 10 ms block above -40 dB of peak."""
    if len(audio) == 0:
        return audio
    blocks = len(audio) // 160
    if blocks == 0:
        return audio
    rms = np.sqrt(np.mean(audio[: blocks * 160].reshape(blocks, 160) ** 2, axis=1) + 1e-12)
    loud = np.nonzero(rms > rms.max() * 0.01)[0]
    if len(loud) == 0:
        return audio[:0]
    start = max(0, loud[0] * 160 - margin)
    end = min(len(audio), (loud[-1] + 1) * 160 + margin)
    return audio[start:end]


def plan(seed: int, scale: float) -> list[dict]:
    """The full list of synthesis jobs, from a fixed seed."""
    rng = np.random.default_rng(seed)
    variants = espeak_variants()
    jobs: list[dict] = []
    for word in KEYWORDS + UNKNOWN_WORDS:
        keyword = word in KEYWORDS
        n_espeak = int(round((360 if keyword else 24) * scale))
        for _ in range(n_espeak):
            accent = ESPEAK_ACCENTS[rng.integers(len(ESPEAK_ACCENTS))]
            variant = variants[rng.integers(len(variants))] if rng.random() < 0.9 else None
            speed = int(rng.integers(80, 186))
            pitch = int(rng.integers(15, 86))
            text = word + ["", "", ".", "!", "?"][rng.integers(5)]
            voice = accent + (f"+{variant}" if variant else "")
            jobs.append(dict(engine="espeak", word=word, voice=voice, speed=speed, pitch=pitch, text=text))
        n_flite = int(round((100 if keyword else 12) * scale))
        for _ in range(n_flite):
            v = FLITE_VOICES[rng.integers(len(FLITE_VOICES))]
            stretch = float(np.round(rng.uniform(0.85, 1.6), 3))
            f0 = int(FLITE_F0[v] * rng.uniform(0.75, 1.4))
            text = word + ["", ".", "!", "?"][rng.integers(4)]
            jobs.append(dict(engine="flite", word=word, voice=v, stretch=stretch, f0=f0, text=text))
        n_fest = int(round((24 if keyword else 4) * scale))
        for i in range(n_fest):
            v = FESTIVAL_VOICES[i % len(FESTIVAL_VOICES)]
            stretch = float(np.round(rng.uniform(0.9, 1.6), 3))
            text = word + ["", ".", "!", "?"][rng.integers(4)]
            jobs.append(dict(engine="festival", word=word, voice=v, stretch=stretch, text=text))
    return jobs


def run_espeak(job: dict, path: str) -> None:
    subprocess.run(["espeak-ng", "-v", job["voice"], "-s", str(job["speed"]), "-p", str(job["pitch"]),
                    "-w", path, job["text"]], check=True, capture_output=True)


def run_flite(job: dict, path: str) -> None:
    subprocess.run(["flite", "-voice", job["voice"], "--setf", f"duration_stretch={job['stretch']}",
                    "--setf", f"int_f0_target_mean={job['f0']}", "-t", job["text"], "-o", path],
                   check=True, capture_output=True)


def run_festival_batch(jobs: list[dict], paths: list[str], tmp: str) -> None:
    """One festival process per voice: start-up costs more than synthesis."""
    by_voice: dict[str, list[int]] = {}
    for i, job in enumerate(jobs):
        by_voice.setdefault(job["voice"], []).append(i)
    for voice, indices in by_voice.items():
        lines = [f"(voice_{voice})"]
        for i in indices:
            text = jobs[i]["text"].replace('"', "")
            lines.append(f"(Parameter.set 'Duration_Stretch {jobs[i]['stretch']})")
            lines.append(f'(utt.save.wave (utt.synth (Utterance Text "{text}")) "{paths[i]}" \'riff)')
        script = os.path.join(tmp, f"{voice}.scm")
        with open(script, "w") as f:
            f.write("\n".join(lines) + "\n")
        subprocess.run(["festival", "-b", script], check=True, capture_output=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scale", type=float, default=1.0, help="multiplies the number of clips per word")
    a = p.parse_args()
    jobs = plan(a.seed, a.scale)
    start = time.time()
    clips: list[np.ndarray] = []
    kept: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = [os.path.join(tmp, f"{i}.wav") for i in range(len(jobs))]
        fest = [i for i, j in enumerate(jobs) if j["engine"] == "festival"]
        run_festival_batch([jobs[i] for i in fest], [paths[i] for i in fest], tmp)
        for n, (job, path) in enumerate(zip(jobs, paths)):
            try:
                if job["engine"] == "espeak":
                    run_espeak(job, path)
                elif job["engine"] == "flite":
                    run_flite(job, path)
                audio = trim(read_any_wav(path))
            except (subprocess.CalledProcessError, OSError, ValueError, EOFError) as e:
                print(f"[synth] skipped {job}: {e}", file=sys.stderr)
                continue
            if not 0.08 * 16000 <= len(audio) <= 16000:
                continue                              # empty or longer than the 1 s window
            clips.append(np.clip(np.round(audio * 32767), -32768, 32767).astype(np.int16))
            kept.append(job)
            if n % 2000 == 0:
                print(f"[synth] {n}/{len(jobs)} {time.time() - start:.0f}s", flush=True)
    offsets = np.cumsum([0] + [len(c) for c in clips])
    np.savez(a.out, audio=np.concatenate(clips), offsets=offsets,
             word=np.array([j["word"] for j in kept]), engine=np.array([j["engine"] for j in kept]),
             voice=np.array([j["voice"] for j in kept]))
    counts = {e: sum(j["engine"] == e for j in kept) for e in ("espeak", "flite", "festival")}
    print(f"[synth] {len(kept)}/{len(jobs)} clips {counts} in {time.time() - start:.0f}s -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
