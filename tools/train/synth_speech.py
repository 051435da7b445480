#!/usr/bin/env python3
"""Synthesises connected speech without any keyword: the `_unknown_` windows a streaming model meets most.

    python synth_speech.py --out work/speech.npz [--seed 4] [--sentences 900]

A model that runs over a 1-s window every 40 ms sees mostly running speech: word fragments, two words
across the window's edges, sentence melody. Isolated words alone do not teach it that. Each sentence
here is 5-14 words drawn from words.UNKNOWN_WORDS and FILLER_WORDS below (never a keyword or a
homophone of one), spoken by espeak-ng (random English accent, voice variant, 120-200 wpm, pitch 20-80)
or flite (random voice, duration stretch 0.85-1.3). dataset.py cuts random 1-s windows out of them.
The last `--heldout` sentences (their own voices draws, same vocabulary) are kept apart in the file
for validation. Seeded: a rerun produces the same audio (the engines are deterministic).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

from synth import ESPEAK_ACCENTS, FLITE_VOICES, espeak_variants, read_any_wav, run_espeak, run_flite
from words import KEYWORDS, UNKNOWN_WORDS

# Frequent words of running English, without the keywords (on, off, up, down, no, go, ...) and their
# homophones (know, write, right's rite); the model must stay quiet on all of them.
FILLER_WORDS = """the a an and of to in is was he she it that with as his her for had at by but not from
they this which be have were all their would there what been one so we if said will my more them into who
when could then some him like only other time very made over little about after before through where never
must great man old such these your those than well first also just how many most way even back much under
again while still here every life people house world because same another thought among against between
told found might seemed saw heard asked always nothing something before young hand eyes face night""".split()
assert not set(FILLER_WORDS) & set(KEYWORDS + ["know", "write", "rite", "wright", "yeah"])


VOCABULARY = sorted(set(UNKNOWN_WORDS) | set(FILLER_WORDS))


def sentence(rng: np.random.Generator) -> str:
    """5-14 keyword-free words and a final punctuation mark."""
    # Function words are frequent in real speech: half the words come from the filler list.
    words = [FILLER_WORDS[rng.integers(len(FILLER_WORDS))] if rng.random() < 0.5
             else VOCABULARY[rng.integers(len(VOCABULARY))] for _ in range(int(rng.integers(5, 15)))]
    return " ".join(words) + [".", ".", "?", "!"][rng.integers(4)]


def plan(seed: int, sentences: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    variants = espeak_variants()
    jobs = []
    for _ in range(sentences):
        text = sentence(rng)
        if rng.random() < 0.75:
            accent = ESPEAK_ACCENTS[rng.integers(len(ESPEAK_ACCENTS))]
            variant = variants[rng.integers(len(variants))] if rng.random() < 0.9 else None
            jobs.append(dict(engine="espeak", voice=accent + (f"+{variant}" if variant else ""),
                             speed=int(rng.integers(120, 201)), pitch=int(rng.integers(20, 81)), text=text))
        else:
            v = FLITE_VOICES[rng.integers(len(FLITE_VOICES))]
            jobs.append(dict(engine="flite", voice=v, stretch=float(np.round(rng.uniform(0.85, 1.3), 3)),
                             f0=int({"slt": 170}.get(v, 105) * rng.uniform(0.8, 1.3)), text=text))
    return jobs


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=4)
    p.add_argument("--sentences", type=int, default=900)
    p.add_argument("--heldout", type=int, default=100, help="sentences kept apart for validation")
    a = p.parse_args()
    jobs = plan(a.seed, a.sentences + a.heldout)
    start = time.time()
    clips = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "s.wav")
        for n, job in enumerate(jobs):
            (run_espeak if job["engine"] == "espeak" else run_flite)(job, path)
            audio = read_any_wav(path)
            clips.append(np.clip(np.round(audio * 32767), -32768, 32767).astype(np.int16))
            if n % 200 == 0:
                print(f"[speech] {n}/{len(jobs)} {time.time() - start:.0f}s", flush=True)
    offsets = np.cumsum([0] + [len(c) for c in clips])
    heldout = np.arange(len(clips)) >= a.sentences
    np.savez(a.out, audio=np.concatenate(clips), offsets=offsets, heldout=heldout,
             engine=np.array([j["engine"] for j in jobs]))
    print(f"[speech] {len(clips)} sentences, {offsets[-1] / 16000 / 60:.1f} min ({heldout.sum()} held out) "
          f"in {time.time() - start:.0f}s -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
