#!/usr/bin/env python3
"""Backbone experiment, data: train.sh's training and validation sets as openWakeWord speech embeddings.

    python bb_data.py --tts work/tts.npz --speech work/speech.npz --shared ../../../shared/data
                      --earshot-bin PATH [--out work/bb_features.npz] [--jobs 1] [-- DATASET_ARGS...]

Runs dataset.py itself (same seed, same clips, same augmentation draws, same speaker-disjoint validation split)
with its MFCC front end swapped for bb_frontend.EmbeddingFrontEnd, so every augmented 1-s window that train.sh
turns into MFCC becomes the 16 embeddings [16, 96] Earshot computes for it instead. The output has dataset.py's
keys (x, y, kind, x_val, y_val, kind_val); x is [N, 16, 96]. Resumable: finished batches are cached in
work/bb_cache. Nothing from the test set is read.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import bb_frontend
import dataset


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tts", required=True)
    p.add_argument("--speech", required=True)
    p.add_argument("--shared", required=True)
    p.add_argument("--earshot-bin", required=True)
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "work", "bb_features.npz"))
    p.add_argument("--jobs", type=int, default=1, help="`earshot infer` processes per batch")
    p.add_argument("dataset_args", nargs="*", help="extra dataset.py arguments (after --)")
    a = p.parse_args()
    start = time.time()
    front = bb_frontend.EmbeddingFrontEnd(a.earshot_bin, os.path.dirname(os.path.abspath(a.out)), a.jobs)
    dataset.TFMfcc = lambda: front   # dataset.main calls TFMfcc() once and applies it to every batch
    sys.argv = ["dataset.py", "--tts", a.tts, "--speech", a.speech, "--shared", a.shared, "--out", a.out,
                *a.dataset_args]
    code = dataset.main()
    print(f"[bb_data] {front.batches} batches ({front.cached} from the cache) in {time.time() - start:.0f} s wall, "
          f"{time.process_time():.0f} s CPU in Python -> {a.out}", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
