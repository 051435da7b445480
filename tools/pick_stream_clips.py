#!/usr/bin/env python3
"""Picks the real keyword clips for the streaming test (Tests/ListenerTests/RealClipStreamTests.swift).

Rule: for each of the ten keywords, the first CLIPS_PER_WORD clips (in the reference file's order)
of ../shared/data/speech_commands_v0.02_subset that TensorFlow's own LSTM_S (the peer, from
../shared/data/ml-kws/reference/LSTM_S_reference.npz) classifies correctly with probability
>= 0.95. The test hard-codes the printed list, so it depends on TensorFlow's judgement of the
clips, not on Earshot's.

    .venv/bin/python tools/pick_stream_clips.py [--shared ../shared]
"""
import argparse
import os

import numpy as np

KEYWORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
CLIPS_PER_WORD = 2
MIN_PROBABILITY = 0.95


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--shared", default=os.path.join(here, "..", "..", "shared"))
    args = parser.parse_args()
    data = os.path.join(args.shared, "data")
    reference = np.load(os.path.join(data, "ml-kws", "reference", "LSTM_S_reference.npz"))
    labels = open(os.path.join(data, "ml-kws", "labels.txt")).read().split()
    files, truth, probs = reference["files"], reference["label_index"], reference["probs"]
    picked = []
    for word in KEYWORDS:
        k = labels.index(word)
        chosen = [i for i in range(len(files))
                  if truth[i] == k and probs[i].argmax() == k and probs[i][k] >= MIN_PROBABILITY][:CLIPS_PER_WORD]
        assert len(chosen) == CLIPS_PER_WORD, f"not enough confident clips for {word}"
        picked += [(str(files[i]), float(probs[i][k])) for i in chosen]
    # Interleave the words (yes no up ... go yes no ...) so neighbours differ.
    order = [picked[w * CLIPS_PER_WORD + c] for c in range(CLIPS_PER_WORD) for w in range(len(KEYWORDS))]
    for path, p in order:
        print(f'    "{path}",  // TensorFlow LSTM_S p = {p:.3f}')


if __name__ == "__main__":
    main()
