#!/usr/bin/env python3
"""Synthesises a wake phrase, its near-misses and filler speech with every TTS voice (Debian's and PyPI's).

    python wakeword_synth.py --phrase "view glass" --out work/tts.npz [--scale 1.0] [--seed 1] [--jobs 2]
                             [--voices all|debian|FAMILY,FAMILY,...]

Three kinds of clip, each a text spoken by espeak-ng (every English accent x every voice variant, random
speed and pitch), flite (kal, kal16, awb, rms, slt; duration stretch, f0 shift) and festival (kal, ked,
slt HTS; duration stretch) and, with --voices all, the voices that ship inside PyPI wheels (pypi_voices.py:
a neural voice and SVOX Pico's two; their jobs come from a second seeded generator, so the Debian jobs are the
same either way). --voices may also list voice families (debian, hibari, pico, kokoro; pypi_voices.py):
  positive   the phrase, plain or with . ! ? intonation
  adversary  near-phrases: each word of the phrase alone, the words swapped, and one word replaced by a
             word that sounds alike (espeak-ng phonemes of /usr/share/dict/words candidates within a small
             phoneme edit distance) -- what the model must learn the phrase is not
  filler     random 2-6-word sentences from /usr/share/dict/words: generic speech context
The job list comes from a fixed seed; the engines are deterministic, so a rerun gives the same clips.
Output: one npz with int16 audio (concatenated), offsets, kind, text, engine, voice.
"""

from __future__ import annotations

import argparse
import difflib
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

import pypi_voices
from synth import (ESPEAK_ACCENTS, FESTIVAL_VOICES, FLITE_F0, FLITE_VOICES, espeak_variants, read_any_wav,
                   run_espeak, run_festival_batch, run_flite, trim)

DICTIONARY = "/usr/share/dict/words"


def vocabulary() -> list[str]:
    if not os.path.exists(DICTIONARY):
        raise SystemExit(f"wakeword_synth: {DICTIONARY} is missing (apt-get install wamerican)")
    with open(DICTIONARY, encoding="utf-8", errors="ignore") as f:
        return sorted({w.strip() for w in f if re.fullmatch(r"[a-z]{2,10}", w.strip())})


def phonemes(words: list[str]) -> list[str]:
    """espeak-ng's phoneme strings (one per word; a period makes each word its own output line)."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("".join(w + ".\n" for w in words))
        path = f.name
    try:
        out = subprocess.run(["espeak-ng", "-q", "-x", "--sep=_", "-v", "en-us", "-f", path],
                             capture_output=True, text=True, check=True).stdout.splitlines()
    finally:
        os.unlink(path)
    out = [line.strip().replace("'", "").replace(",", "").split("_") for line in out]
    if len(out) != len(words):
        return [w for w in words]   # fall back to spelling if espeak split a line
    return out


def edit_distance(a, b) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def near_phrases(phrase: str, per_word: int = 6) -> list[str]:
    """Texts that sound like the phrase but are not it."""
    words = phrase.lower().split()
    vocab = vocabulary()
    texts = set()
    if len(words) > 1:
        texts.update(words)                                   # each word alone
        texts.add(" ".join(reversed(words)))
    for i, word in enumerate(words):
        # Spelling prefilter (cheap), then ranking by phoneme distance (what the model hears).
        candidates = [w for w in difflib.get_close_matches(word, vocab, n=60, cutoff=0.5) if w != word]
        rhymes = [w for w in vocab if w != word and len(word) >= 3 and w.endswith(word[-3:])][:200]
        # A word plus an inflection ("mirrors", "glassed") is too close to call a different phrase.
        inflected = {word + s for s in ("s", "es", "d", "ed", "y")}
        candidates = sorted(set(candidates + rhymes) - inflected - {w[:-1] for w in (word,) if w.endswith("s")})
        if not candidates:
            continue
        target = phonemes([word])[0]
        ranked = sorted(zip(candidates, phonemes(candidates)), key=lambda c: (edit_distance(c[1], target), c[0]))
        for alike, _ in ranked[:per_word]:
            texts.add(" ".join(words[:i] + [alike] + words[i + 1:]))
            if len(words) == 1:
                texts.add(alike)
    texts.discard(phrase.lower())
    return sorted(texts)


FAMILIES = ("debian",) + pypi_voices.ENGINES
ALL = ("debian", "hibari", "pico")   # --voices all: the families adopted as the default (docs/wakeword-training.md)


def families(voices: str) -> tuple[str, ...]:
    """--voices as voice families: all, debian, or a comma list of FAMILIES."""
    chosen = ALL if voices == "all" else tuple(v.strip() for v in voices.split(",") if v.strip())
    unknown = [v for v in chosen if v not in FAMILIES]
    if not chosen or unknown:
        raise SystemExit(f"wakeword_synth: --voices {voices!r}: use all, or a comma list of {', '.join(FAMILIES)}")
    return chosen


def plan(phrase: str, seed: int, scale: float, voices: str = "debian") -> list[dict]:
    chosen = families(voices)
    rng = np.random.default_rng(seed)
    extra = np.random.default_rng([seed, 1])
    variants = espeak_variants()
    vocab = vocabulary()
    texts = [("positive", phrase)] * int(round(40 * scale))
    adversaries = near_phrases(phrase)
    for t in adversaries:
        texts += [("adversary", t)] * max(1, int(round(40 * scale / max(1, len(adversaries) / 12))))
    for _ in range(int(round(60 * scale))):
        n = int(rng.integers(2, 7))
        texts.append(("filler", " ".join(vocab[i] for i in rng.integers(0, len(vocab), n))))
    jobs = []
    for kind, text in texts:
        # Per text: ~15 espeak-ng voices, ~4 flite, ~1 festival (positives), fewer for the rest.
        reps = {"positive": (15, 5, 1.5), "adversary": (1.2, 0.5, 0.1), "filler": (1, 0.4, 0.1)}[kind]
        for engine, count in zip(("espeak", "flite", "festival"), reps):
            n = int(count) + (rng.random() < count - int(count))
            for _ in range(n):
                punct = ["", "", ".", "!", "?"][rng.integers(5)]
                if engine == "espeak":
                    accent = ESPEAK_ACCENTS[rng.integers(len(ESPEAK_ACCENTS))]
                    variant = variants[rng.integers(len(variants))] if rng.random() < 0.9 else None
                    jobs.append(dict(engine="espeak", kind=kind, word=text, text=text + punct,
                                     voice=accent + (f"+{variant}" if variant else ""),
                                     speed=int(rng.integers(100, 200)), pitch=int(rng.integers(15, 86))))
                elif engine == "flite":
                    v = FLITE_VOICES[rng.integers(len(FLITE_VOICES))]
                    jobs.append(dict(engine="flite", kind=kind, word=text, text=text + punct, voice=v,
                                     stretch=float(np.round(rng.uniform(0.8, 1.4), 3)),
                                     f0=int(FLITE_F0[v] * rng.uniform(0.75, 1.4))))
                else:
                    jobs.append(dict(engine="festival", kind=kind, word=text, text=text + punct,
                                     voice=FESTIVAL_VOICES[rng.integers(len(FESTIVAL_VOICES))],
                                     stretch=float(np.round(rng.uniform(0.85, 1.4), 3))))
        engines = tuple(e for e in pypi_voices.ENGINES if e in chosen)
        if engines:
            per_engine = {"positive": 3, "adversary": 0.3, "filler": 0.2}[kind]
            punct = ["", "", ".", "!", "?"][extra.integers(5)]
            jobs += pypi_voices.jobs(extra, kind, text, text + punct, per_engine, engines)
    if "debian" not in chosen:
        jobs = [j for j in jobs if j["engine"] in pypi_voices.ENGINES]
    return jobs


def _one(args):
    job, path = args
    try:
        if job["engine"] == "espeak":
            run_espeak(job, path)
        elif job["engine"] == "flite":
            run_flite(job, path)
        if job["engine"] in pypi_voices.ENGINES:
            audio = trim(pypi_voices.speak(job))
        else:
            audio = trim(read_any_wav(path))
    except (subprocess.CalledProcessError, OSError, ValueError, EOFError) as e:
        return None, f"{job['engine']} {job['voice']}: {e}"
    finally:
        if job["engine"] != "festival" and os.path.exists(path):
            os.unlink(path)
    return np.clip(np.round(audio * 32767), -32768, 32767).astype(np.int16), None


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--phrase", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scale", type=float, default=1.0, help="multiplies the number of clips")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--voices", default="all",
                   help="all: Debian's engines and the PyPI wheels' voices adopted as the default (ALL); a comma list of "
                        f"{', '.join(FAMILIES)}; debian: espeak-ng, flite, "
                        "festival only")
    a = p.parse_args()
    start = time.time()
    jobs = plan(a.phrase, a.seed, a.scale, a.voices)
    adversaries = sorted({j["word"] for j in jobs if j["kind"] == "adversary"})
    print(f"[synth] {len(jobs)} clips to speak; near-phrases: {', '.join(adversaries)}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        paths = [os.path.join(tmp, f"{i}.wav") for i in range(len(jobs))]
        fest = [i for i, j in enumerate(jobs) if j["engine"] == "festival"]
        run_festival_batch([jobs[i] for i in fest], [paths[i] for i in fest], tmp)
        clips, kept, skipped = [], [], 0
        with multiprocessing.Pool(a.jobs) as pool:
            for n, (audio, error) in enumerate(pool.imap(_one, zip(jobs, paths), chunksize=8)):
                if audio is None or not 0.15 * 16000 <= len(audio) <= 3.5 * 16000:
                    skipped += 1
                else:
                    clips.append(audio)
                    kept.append(jobs[n])
                if (n + 1) % 500 == 0:
                    print(f"[synth] {n + 1}/{len(jobs)} ({time.time() - start:.0f} s)", flush=True)
    offsets = np.cumsum([0] + [len(c) for c in clips])
    np.savez(a.out, audio=np.concatenate(clips), offsets=offsets,
             kind=np.array([j["kind"] for j in kept]), text=np.array([j["word"] for j in kept]),
             engine=np.array([j["engine"] for j in kept]), voice=np.array([j["voice"] for j in kept]))
    counts = {k: sum(j["kind"] == k for j in kept) for k in ("positive", "adversary", "filler")}
    engines = {e: sum(j["engine"] == e for j in kept) for e in ("espeak", "flite", "festival") + pypi_voices.ENGINES}
    print(f"[synth] {len(kept)} clips {counts} {engines}, {skipped} skipped, {time.time() - start:.0f} s -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
