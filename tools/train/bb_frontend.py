"""Backbone experiment: 1-s clips -> the 16 openWakeWord speech embeddings [16, 96] that Earshot computes for them.

Each clip becomes a 2-s slot of one stream: 1 s of the clip's own background (its quietest 100 ms, mirror-tiled),
then the clip; a trailing run of exact zeros (a short recording zero-padded to 1 s) is filled with the same
background, so no clip carries digital silence that the noisy training clips never have. The slots of a batch are
played back to back (after one lead-in slot of background, so every slot's rows are full-stream rows) through
`earshot infer --wav` with oww_features.py's 96 selector heads; a clip's features are the 16 embeddings of the
last 16 chunks of its slot: the head's 1.28-s view ends with the clip, and the 1-s lead keeps the previous slot out
of the embedding CNN's reach (76 mel frames) for all 16 rows.

Batches are cached by the hash of their audio (`cache` folder), so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from oww_features import CHUNK, embeddings, feature_directory, selector_models
from oww_head import EMBEDDINGS, WIDTH

RATE = 16000
SLOT = 2 * RATE                 # samples per clip slot (a multiple of CHUNK: 25 chunks)
QUIET = RATE // 10              # background segment length (100 ms)


def background(clip: np.ndarray) -> np.ndarray:
    """The clip's quietest 100 ms (of its part before any trailing zeros), mirror-tiled to 1 s."""
    nonzero = np.flatnonzero(clip)
    if len(nonzero) == 0:
        return np.zeros(RATE, np.float32)
    body = clip[: nonzero[-1] + 1]
    if len(body) <= QUIET:
        piece = body
    else:
        starts = np.arange(0, len(body) - QUIET + 1, QUIET // 4)
        energy = [float(np.dot(body[s:s + QUIET], body[s:s + QUIET])) for s in starts]
        s = int(starts[int(np.argmin(energy))])
        piece = body[s:s + QUIET]
    tile = np.concatenate([piece, piece[::-1]])   # mirror: no jump where copies meet
    return np.resize(tile, RATE).astype(np.float32)


def slot(clip: np.ndarray) -> np.ndarray:
    """[SLOT] samples: 1 s of background, then the 1-s clip with any trailing zero run filled with background."""
    if len(clip) != RATE:
        raise ValueError(f"bb_frontend: want 1-s clips of {RATE} samples, got {len(clip)}")
    bed = background(clip)
    nonzero = np.flatnonzero(clip)
    end = nonzero[-1] + 1 if len(nonzero) else 0
    body = clip.astype(np.float32).copy()
    body[end:] = bed[: RATE - end]
    return np.concatenate([bed, body])


class EmbeddingFrontEnd:
    """Callable like tf_mfcc.TFMfcc: batch [B, 16000] -> [B, 16, 96] (Earshot's embeddings), cached per batch."""

    def __init__(self, earshot: str, work: str, jobs: int = 1):
        self.earshot = earshot
        self.cache = os.path.join(work, "bb_cache")
        os.makedirs(self.cache, exist_ok=True)
        self.models = selector_models(earshot, feature_directory(), os.path.join(work, "selectors"))
        self.jobs = jobs
        self.batches = 0
        self.cached = 0

    def _stream(self, clips: np.ndarray) -> np.ndarray:
        slots = [slot(c) for c in clips]
        lead = np.concatenate([background(clips[0])] * 2)
        audio = np.concatenate([lead] + slots)
        with tempfile.TemporaryDirectory() as tmp:
            rows = embeddings(self.earshot, self.models, audio, tmp)
        per = SLOT // CHUNK
        rows = rows[per:].reshape(len(clips), per, WIDTH)   # drop the lead-in slot
        return rows[:, per - EMBEDDINGS:, :]

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        batch = np.asarray(batch, np.float32)
        key = hashlib.sha256(batch.tobytes()).hexdigest()[:24]
        path = os.path.join(self.cache, key + ".npy")
        self.batches += 1
        if os.path.exists(path):
            self.cached += 1
            return np.load(path)
        parts = np.array_split(np.arange(len(batch)), max(1, min(self.jobs, len(batch))))
        with ThreadPoolExecutor(len(parts)) as pool:   # each part is its own `earshot infer` process
            out = np.concatenate(list(pool.map(lambda idx: self._stream(batch[idx]), parts)))
        np.save(path + ".part.npy", out)
        os.replace(path + ".part.npy", path)
        return out


def save_windows(clips: list[np.ndarray], labels: list[int], kinds: list[str], out: str, earshot: str,
                 jobs: int) -> np.ndarray:
    """Embeds 1-s training clips (EmbeddingFrontEnd, batches cached beside `out`) and writes x [N, 16, 96], y and
    kind to `out` (atomically: an interrupted run leaves no partial file). Returns x."""
    front = EmbeddingFrontEnd(earshot, os.path.dirname(os.path.abspath(out)), jobs)
    x = np.concatenate([front(np.stack(clips[i:i + 512])) for i in range(0, len(clips), 512)]).astype(np.float32)
    np.savez(out + ".part.npz", x=x, y=np.array(labels, np.int32), kind=np.array(kinds))
    os.replace(out + ".part.npz", out)
    return x
