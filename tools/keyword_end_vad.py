#!/usr/bin/env python3
"""Where the 20 clips of RealClipStreamTests end their speech: the 30 dB energy rule beside WebRTC's VAD.

    .venv/bin/python tools/keyword_end_vad.py [--mode 0..3]

RealClipStreamTests checks that `earshot listen` stamps each keyword within one posterior hop of
where its clip's speech ends, with "speech end" = the last 10 ms frame within 30 dB of the clip's
loudest. KeywordEndFinder finds the end with an energy rule of the same kind and was tuned on these
clips, so that test checks consistency with our own rule, not accuracy. This script measures the
same ends with a VAD that is not ours (Google's WebRTC VAD, `webrtcvad-wheels`, 10 ms frames, the
end of the last frame it calls speech) and prints, per clip, WebRTC's end minus the 30 dB end.
Measured 2026-12-04 (webrtcvad-wheels 2.0.14.post1): mode 3 differs by -0.34 ... +0.09 s, modes 0/1
by 0 ... +0.47 s (their hangover keeps "speech" on past the word). No independent accuracy of the
keyword end is claimed. Reports only; exits 0 (or prints "skipped: ..." without ../shared).
"""
import argparse
import os
import re
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLIPS_DIR = os.path.join(REPO, "..", "shared", "data", "speech_commands_v0.02_subset")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", type=int, action="append", help="WebRTC VAD aggressiveness (default: all 0..3)")
    args = parser.parse_args()
    if not os.path.isdir(CLIPS_DIR):
        print(f"skipped: {os.path.normpath(CLIPS_DIR)} is absent")
        return 0
    import soundfile
    import webrtcvad
    source = open(os.path.join(REPO, "Tests", "ListenerTests", "RealClipStreamTests.swift")).read()
    clips = re.findall(r'"(\w+/\w+\.wav)"', source)
    for mode in args.mode or [0, 1, 2, 3]:
        differences = []
        for clip in clips:
            x, rate = soundfile.read(os.path.join(CLIPS_DIR, clip), dtype="int16")
            assert rate == 16000
            x = np.concatenate([x[:16000], np.zeros(max(0, 16000 - len(x)), np.int16)])
            vad = webrtcvad.Vad(mode)
            speech = [vad.is_speech(x[i * 160:(i + 1) * 160].tobytes(), 16000) for i in range(100)]
            vad_end = (max(i for i, s in enumerate(speech) if s) + 1) * 0.01 if any(speech) else float("nan")
            energy = np.array([np.sum((x[i * 160:(i + 1) * 160].astype(np.float64) / 32768) ** 2) for i in range(100)])
            rule_end = (np.nonzero(energy > energy.max() * 1e-3)[0].max() + 1) * 0.01
            differences.append(vad_end - rule_end)
        d = np.array(differences)
        print(f"mode {mode}: WebRTC end - 30 dB end over {len(d)} clips: min {d.min():+.2f} s, max {d.max():+.2f} s, "
              f"median {np.median(d):+.2f} s; per clip " + " ".join(f"{v:+.2f}" for v in d))
    return 0


if __name__ == "__main__":
    sys.exit(main())
