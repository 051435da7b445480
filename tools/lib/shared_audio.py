"""Helpers the issue-17 checks share: where ../shared/data is, 16 kHz audio in and out, the Silero graph."""
import importlib.util
import os
import wave

import soundfile

RATE = 16000
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def find_shared():
    """../shared/data beside the checkout (or beside a parent of it, for git worktrees)."""
    directory = REPO
    while True:
        parent = os.path.dirname(directory)
        candidate = os.path.join(parent, "shared", "data")
        if os.path.isdir(candidate) or parent == directory:
            return candidate
        directory = parent


def read(path):
    """The first channel of a 16 kHz audio file as int16."""
    audio, rate = soundfile.read(path, dtype="int16", always_2d=True)
    if rate != RATE:
        raise SystemExit(f"{path}: {rate} Hz, expected {RATE}")
    return audio[:, 0]


def write_wav(path, samples):
    with wave.open(path, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(samples.astype("<i2").tobytes())


def silero_graph():
    """The silero-vad wheel's silero_vad_16k_op15.onnx, or None when the wheel is not installed."""
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], "data", "silero_vad_16k_op15.onnx")
    return path if os.path.exists(path) else None
