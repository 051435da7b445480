#!/usr/bin/env python3
"""Streaming negatives for the commands head: windows of 16 consecutive embeddings of running speech.

    python bb_stream_negatives.py --speech work/speech.npz --earshot-bin EARSHOT [--out work/bb_stream_negatives.npz]
                                  [--hop 2]

Why: bb_data.py's windows put 1 s of background before every clip, so the head never saw a window whose first
chunks hold speech; in a stream over running speech every window does, and the head fired on it. Here the
TRAINING sentences of synth_speech.py's connected speech (train.sh's work/speech.npz, heldout == False; no keyword
in them) are played as one stream with 0.2 s between sentences (as choose_thresholds.speech_stream), Earshot
computes its embeddings (bb_thresholds.full_embeddings), and every `--hop`-th window of the last 16 embeddings
becomes an _unknown_ example for bb_train.py --negatives. Never read: the held-out sentences, threshold_speech.npz,
the test set, LibriSpeech.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

from bb_thresholds import full_embeddings, stream_selectors
from oww_head import EMBEDDINGS, WIDTH

RATE = 16000
GAP = int(0.2 * RATE)


def training_stream(path: str) -> np.ndarray:
    """The training sentences (heldout == False) back to back with 0.2 s of silence after each, float32."""
    d = np.load(path)
    audio, offsets, heldout = d["audio"], d["offsets"], d["heldout"]
    gap = np.zeros(GAP, np.int16)
    parts = []
    for i in np.nonzero(~heldout)[0]:
        parts += [audio[offsets[i]:offsets[i + 1]], gap]
    return np.concatenate(parts).astype(np.float32) / 32768.0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--speech", required=True, help="synth_speech.py's training speech (train.sh: work/speech.npz)")
    p.add_argument("--earshot-bin", required=True)
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "work",
                                                 "bb_stream_negatives.npz"))
    p.add_argument("--hop", type=int, default=2, help="one window every HOP chunks")
    a = p.parse_args()
    if "threshold_speech" in a.speech or not os.path.exists(a.speech):
        sys.exit(f"bb_stream_negatives.py: --speech {a.speech}: want train.sh's work/speech.npz (training sentences)")
    start = time.time()
    work = os.path.dirname(os.path.abspath(a.out))
    models = stream_selectors(a.earshot_bin, work)
    stream = training_stream(a.speech)
    with tempfile.TemporaryDirectory() as tmp:
        emb = full_embeddings(a.earshot_bin, models, stream, tmp)
    windows = np.lib.stride_tricks.sliding_window_view(emb, (EMBEDDINGS, WIDTH))[::a.hop, 0]
    np.savez(a.out + ".part.npz", x=np.ascontiguousarray(windows, np.float32))
    os.replace(a.out + ".part.npz", a.out)
    print(f"[bb_stream_negatives] {len(stream) / RATE / 60:.1f} min of training speech -> {len(windows)} windows "
          f"in {time.time() - start:.0f} s -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
