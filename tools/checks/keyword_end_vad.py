#!/usr/bin/env python3
"""Keyword-end labels for RealClipStreamTests, made by Silero VAD (not by Earshot's code).

    .venv/bin/python tools/checks/keyword_end_vad.py --write    # (re)make tools/fixtures/keyword_end_labels.tsv
    .venv/bin/python tools/checks/keyword_end_vad.py --check    # re-derive them, compare with the committed file

RealClipStreamTests checks that `earshot listen` stamps each keyword near where its speech ends.
That "speech end" must not come from an energy rule like KeywordEndFinder's (tuned on these clips),
so it comes from Silero VAD v5 (silero-vad 6.2.3, MIT; the ONNX model silero_vad/data/silero_vad.onnx
run with onnxruntime — the package itself needs torch, which is not installed) with its documented
streaming protocol and default speech-segment rules, not tuned to our test:

- each clip is decoded, cut or padded to 1 s and followed by 0.5 s of silence, as the test streams it;
- 16 kHz, 512-sample chunks, each preceded by the previous chunk's last 64 samples (zeros first), the
  recurrent state (2, 1, 128) carried from chunk to chunk, starting at zero;
- get_speech_timestamps' defaults: speech starts at p >= 0.5, a segment ends where p first falls below
  0.35 (threshold - 0.15) if it stays below for >= 100 ms (min_silence_duration_ms), segments shorter
  than 250 ms are dropped (min_speech_duration_ms) — except where that drops every segment of a clip
  (one clip, up/135c6841_nohash_0.wav, whose short "up" is 128 ms of Silero speech): the clips are
  known to hold one word each, so there the filter is not applied (column "rule": no_min_speech);
- the label is the end of the clip's last segment, without the 30 ms cosmetic speech_pad_ms (so it is
  a multiple of 32 ms: Silero's time resolution).

The TSV also has WebRTC's VAD end (webrtcvad-wheels, mode 3, 10 ms frames, end of the last speech
frame) for comparison only. --check exits non-zero if a Silero label moved by more than 1 sample
(onnxruntime versions may round the probabilities differently; a label changes only if p crosses a
threshold). Prints "skipped: ..." without ../shared (or $EARSHOT_SHARED).
"""
import argparse
import glob
import os
import re
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("EARSHOT_SHARED") or os.path.join(REPO, "..", "shared")  # env: for worktrees elsewhere
CLIPS_DIR = os.path.join(SHARED, "data", "speech_commands_v0.02_subset")
LABELS = os.path.join(REPO, "tools", "fixtures", "keyword_end_labels.tsv")
RATE, CHUNK, CONTEXT = 16000, 512, 64
THRESHOLD, NEG_THRESHOLD = 0.5, 0.35
MIN_SILENCE, MIN_SPEECH = RATE * 100 // 1000, RATE * 250 // 1000
HEADER = "clip\tsilero_end_s\trule\twebrtc_mode3_end_s"


def silero_model_path():
    """The ONNX file inside the silero-vad wheel, found by path (importing the package needs torch)."""
    import onnxruntime
    site = os.path.dirname(os.path.dirname(onnxruntime.__file__))
    paths = glob.glob(os.path.join(site, "silero_vad", "data", "silero_vad.onnx"))
    if not paths:
        raise SystemExit(f"silero_vad/data/silero_vad.onnx not found under {site} (tools/requirements-nodeps.txt)")
    return paths[0]


def silero_probabilities(session, audio):
    """Per 512-sample chunk speech probability, by Silero's streaming protocol."""
    state = np.zeros((2, 1, 128), np.float32)
    context = np.zeros((1, CONTEXT), np.float32)
    sr = np.array(RATE, np.int64)
    probabilities = []
    for start in range(0, len(audio), CHUNK):
        chunk = np.zeros((1, CHUNK), np.float32)
        piece = audio[start:start + CHUNK]
        chunk[0, :len(piece)] = piece
        x = np.concatenate([context, chunk], axis=1)
        out, state = session.run(None, {"input": x, "state": state, "sr": sr})
        probabilities.append(float(out.reshape(-1)[0]))
        context = x[:, -CONTEXT:]
    return probabilities


def speech_segments(probabilities, length, min_speech=MIN_SPEECH):
    """get_speech_timestamps' segment rules (no max_speech cut: clips are 1.5 s), ends unpadded, in samples."""
    segments, start, temp_end = [], None, 0
    for i, p in enumerate(probabilities):
        sample = CHUNK * i
        if p >= THRESHOLD and temp_end:
            temp_end = 0
        if p >= THRESHOLD and start is None:
            start = sample
            continue
        if p < NEG_THRESHOLD and start is not None:
            temp_end = temp_end or sample
            if sample - temp_end < MIN_SILENCE:
                continue
            if temp_end - start > min_speech:
                segments.append((start, temp_end))
            start, temp_end = None, 0
    if start is not None and length - start > min_speech:
        segments.append((start, length))
    return segments


def webrtc_end(audio_int16):
    import webrtcvad
    vad = webrtcvad.Vad(3)
    frames = len(audio_int16) // 160
    speech = [vad.is_speech(audio_int16[i * 160:(i + 1) * 160].tobytes(), RATE) for i in range(frames)]
    return (max(i for i, s in enumerate(speech) if s) + 1) * 0.01 if any(speech) else float("nan")


def clip_audio(clip):
    """The clip as the test streams it: first 1 s (zero-padded), then 0.5 s of silence, int16."""
    import soundfile
    x, rate = soundfile.read(os.path.join(CLIPS_DIR, clip), dtype="int16")
    if rate != RATE:
        raise SystemExit(f"{clip}: {rate} Hz, expected {RATE}")
    out = np.zeros(RATE * 3 // 2, np.int16)
    out[:min(len(x), RATE)] = x[:RATE]
    return out


def derive(clips):
    import onnxruntime
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(silero_model_path(), options, providers=["CPUExecutionProvider"])
    rows = []
    for clip in clips:
        x = clip_audio(clip)
        probabilities = silero_probabilities(session, x.astype(np.float32) / 32768)
        segments, rule = speech_segments(probabilities, len(x)), "default"
        if not segments:
            segments, rule = speech_segments(probabilities, len(x), min_speech=0), "no_min_speech"
        if not segments:
            raise SystemExit(f"{clip}: Silero VAD finds no speech")
        rows.append((clip, segments[-1][1] / RATE, rule, webrtc_end(x)))
    return rows


def read_labels():
    with open(LABELS) as f:
        lines = [line.rstrip("\n").split("\t") for line in f if line.strip() and not line.startswith("#")]
    if lines[0] != HEADER.split("\t"):
        raise SystemExit(f"{LABELS}: header {lines[0]}, expected {HEADER.split()}")
    return [(c, float(s), r, float(w)) for c, s, r, w in lines[1:]]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help=f"write {os.path.relpath(LABELS, REPO)}")
    mode.add_argument("--check", action="store_true", help="re-derive the labels and compare with the committed ones")
    args = parser.parse_args()
    if not os.path.isdir(CLIPS_DIR):
        print(f"skipped: {os.path.normpath(CLIPS_DIR)} is absent")
        return 0
    source = open(os.path.join(REPO, "Tests", "ListenerTests", "RealClipStreamTests.swift")).read()
    clips = re.findall(r'"(\w+/\w+\.wav)"', source)
    rows = derive(clips)
    for clip, silero, rule, webrtc in rows:
        print(f"{clip:32s} Silero end {silero:.3f} s ({rule})   WebRTC (mode 3) end {webrtc:.2f} s   difference {webrtc - silero:+.3f} s")
    d = np.array([w - s for _, s, _, w in rows])
    print(f"WebRTC - Silero over {len(d)} clips: min {d.min():+.3f} s, median {np.median(d):+.3f} s, max {d.max():+.3f} s")
    if args.write:
        os.makedirs(os.path.dirname(LABELS), exist_ok=True)
        with open(LABELS, "w") as f:
            f.write("# Made by tools/checks/keyword_end_vad.py --write (Silero VAD v5, documented defaults; see that script).\n")
            f.write(HEADER + "\n")
            for clip, silero, rule, webrtc in rows:
                f.write(f"{clip}\t{silero:.6f}\t{rule}\t{webrtc:.2f}\n")
        print(f"wrote {len(rows)} labels to {os.path.relpath(LABELS, REPO)}")
        return 0
    committed = {c: s for c, s, _, _ in read_labels()}
    passed = failed = 0
    for clip, silero, _, _ in rows:
        if clip in committed and abs(committed[clip] - silero) <= 1.0 / RATE:
            passed += 1
        else:
            failed += 1
            print(f"FAILED: {clip}: Silero end {silero:.6f} s, committed {committed.get(clip)}")
    extra = set(committed) - {row[0] for row in rows}
    if extra:
        failed += 1
        print(f"FAILED: committed labels for clips the test does not use: {sorted(extra)}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
