#!/usr/bin/env python3
"""The commands model's words and keyword-free sentences spoken by the English voices inside PyPI wheels.

    python synth_pypi.py words --out work/tts_pypi.npz [--seed 51] [--per-keyword 30] [--per-unknown 1]
    python synth_pypi.py speech --out work/speech_pypi.npz [--seed 52] [--sentences 400] [--heldout 0]

Voices (pypi_voices.py): hibari (neural, one speaker), SVOX Pico (en-US, en-GB) and Kokoro-82M with a new mix of
its five voices per clip, each with its own pace (and Pico's pitch). They add speakers that Debian's formant and
diphone voices (synth.py, synth_speech.py) are not.

`words`: every keyword about `--per-keyword` times per voice family, every word of words.UNKNOWN_WORDS about
`--per-unknown` times; trimmed like synth.py's clips, kept when 80 ms - 1 s; synth.py's npz layout (audio,
offsets, word, engine, voice). `speech`: synth_speech.py's sentences (same vocabulary, no keyword), one voice
family each at random; its npz layout (audio, offsets, heldout, engine); the last `--heldout` sentences are marked
held out. Seeded: the same arguments give the same samples (pypi_voices.py runs each Pico job in a new process).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import pypi_voices
from synth import trim
from synth_speech import sentence
from words import KEYWORDS, UNKNOWN_WORDS

# Kokoro costs ~0.5 s of CPU per second of speech (hibari and Pico ~0.05): it speaks half as often.
SHARE = {"hibari": 1.0, "pico": 1.0, "kokoro": 0.5}


def word_jobs(seed: int, per_keyword: float, per_unknown: float) -> list[dict]:
    rng = np.random.default_rng(seed)
    jobs = []
    for word in KEYWORDS + UNKNOWN_WORDS:
        per = per_keyword if word in KEYWORDS else per_unknown
        for engine, share in SHARE.items():
            jobs += pypi_voices.jobs(rng, "word", word, word, per * share, (engine,))
    return jobs


def speech_jobs(seed: int, sentences: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    engines = list(SHARE)
    weights = np.array(list(SHARE.values())) / sum(SHARE.values())
    jobs = []
    for _ in range(sentences):
        text = sentence(rng)
        engine = engines[rng.choice(len(engines), p=weights)]
        jobs += pypi_voices.jobs(rng, "speech", text, text, 1, (engine,))
    return jobs


def to_int16(audio: np.ndarray) -> np.ndarray:
    return np.clip(np.round(audio * 32767), -32768, 32767).astype(np.int16)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=["words", "speech"])
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, help="default: 51 (words), 52 (speech)")
    p.add_argument("--per-keyword", type=float, default=30, help="clips of each keyword per voice family")
    p.add_argument("--per-unknown", type=float, default=1, help="clips of each other word per voice family")
    p.add_argument("--sentences", type=int, default=400)
    p.add_argument("--heldout", type=int, default=0, help="the last N sentences are marked held out")
    a = p.parse_args()
    seed = a.seed if a.seed is not None else (51 if a.kind == "words" else 52)
    jobs = (word_jobs(seed, a.per_keyword, a.per_unknown) if a.kind == "words"
            else speech_jobs(seed, a.sentences))
    start = time.time()
    clips, kept = [], []
    for n, job in enumerate(jobs):
        audio = pypi_voices.speak(job)
        if a.kind == "words":
            audio = trim(audio)
            if not 0.08 * 16000 <= len(audio) <= 16000:
                continue
        clips.append(to_int16(audio))
        kept.append(job)
        if n % 200 == 0:
            print(f"[synth_pypi] {a.kind} {n}/{len(jobs)} {time.time() - start:.0f}s", flush=True)
    offsets = np.cumsum([0] + [len(c) for c in clips])
    engine = np.array([j["engine"] for j in kept])
    if a.kind == "words":
        np.savez(a.out, audio=np.concatenate(clips), offsets=offsets, word=np.array([j["word"] for j in kept]),
                 engine=engine, voice=np.array([str(j.get("voice")) for j in kept]))
    else:
        heldout = np.arange(len(clips)) >= len(clips) - a.heldout
        np.savez(a.out, audio=np.concatenate(clips), offsets=offsets, heldout=heldout, engine=engine)
    counts = {e: int((engine == e).sum()) for e in SHARE}
    print(f"[synth_pypi] {len(kept)}/{len(jobs)} {a.kind} clips {counts}, {offsets[-1] / 16000 / 60:.1f} min, "
          f"in {time.time() - start:.0f}s -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
