#!/usr/bin/env python3
"""The `micro` front end (TensorFlow Lite Micro's, as microWakeWord uses it) against pymicro-features.

On the 480 real clips of ../shared/data/speech_commands_v0.02_subset, pymicro-features' MicroFrontend
(fed 10 ms chunks of 160 samples, as pymicro-wakeword feeds it) and `earshot features --frontend micro`
must give identical values: every frame, every channel. Both are uint16 features times 0.0390625, so
"identical" means the same float, i.e. the same integer.

Also reports what pymicro-wakeword does with those features before its int8 models (read from its
source, microwakeword.py): q = int8(round_half_even(f / input_scale + zero_point)), where the models'
input_scale is 0.10196078568696976 (float32 26/255) and zero_point -128, and numpy's cast to int8 wraps
out-of-range values modulo 256 (it does not clamp). The script counts the features that would wrap.

Prints the clip, frame and value counts, the number of differing values and the largest difference,
then "N passed, M failed". Exits 1 on any difference or without pymicro-features; prints
"skipped: REASON" and exits 0 only when ../shared is absent.

    .venv/bin/python tools/checks/micro_parity.py [--earshot .build/debug/earshot] [--clips N]
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile
import wave

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(REPO), "shared")
CLIPS = os.path.join(SHARED, "data", "speech_commands_v0.02_subset")
CHUNK = 160  # pymicro-wakeword's 10 ms chunk
INPUT_SCALE = 0.10196078568696976  # the four wheel models' input quantization
INPUT_ZERO_POINT = -128


def read_pcm(path):
    with wave.open(path, "rb") as handle:
        assert handle.getsampwidth() == 2 and handle.getnchannels() == 1 and handle.getframerate() == 16000, path
        return handle.readframes(handle.getnframes())


def peer_features(frontend, pcm):
    """pymicro-features' frames of one clip, from a fresh state, in 160-sample chunks."""
    frontend.reset()
    frames = []
    offset = 0
    while offset + 2 * CHUNK <= len(pcm):
        result = frontend.process_samples(pcm[offset:offset + 2 * CHUNK])
        offset += 2 * result.samples_read
        if result.features:
            frames.append(result.features)
    return np.array(frames, dtype=np.float64).reshape(-1, 40)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--earshot", default=os.path.join(REPO, ".build", "debug", "earshot"))
    parser.add_argument("--clips", type=int, default=0, help="use only the first N clips (0: all)")
    args = parser.parse_args()

    if not os.path.isdir(CLIPS):
        print(f"skipped: {CLIPS} is absent (the shared data)")
        return 0
    try:
        from pymicro_features import MicroFrontend
    except ImportError:
        print("FAILED: pymicro-features is not installed (it is in tools/requirements.txt)")
        print("0 passed, 1 failed")
        return 1
    try:
        from importlib.metadata import version
        versions = f"pymicro-features {version('pymicro-features')}, numpy {np.__version__}"
    except Exception:
        versions = f"numpy {np.__version__}"

    files = sorted(glob.glob(os.path.join(CLIPS, "*", "*.wav")))
    if args.clips:
        files = files[:args.clips]
    frontend = MicroFrontend()
    expected = np.stack([peer_features(frontend, read_pcm(path)) for path in files])

    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "micro.npy")
        command = [args.earshot, "features", "--frontend", "micro", "-o", out] + files
        run = subprocess.run(command, capture_output=True, text=True)
        if run.returncode != 0:
            print(f"FAILED: earshot features exited {run.returncode}: {run.stderr.strip()}")
            return 1
        got = np.load(out).astype(np.float64)
        if len(files) == 1:
            got = got[None]

    print(f"micro parity on {len(files)} clips ({versions})")
    passed = failed = 0
    if got.shape != expected.shape:
        print(f"  shape: earshot {got.shape}, pymicro-features {expected.shape}  FAILED")
        failed += 1
    else:
        difference = np.abs(got - expected)
        differing = int(np.count_nonzero(difference))
        frames = expected.shape[0] * expected.shape[1]
        clips_differing = int(np.count_nonzero(difference.reshape(len(files), -1).max(axis=1)))
        integer = np.round(expected / 0.0390625)
        assert np.all(integer * 0.0390625 == expected), "pymicro-features values are not k * 0.0390625"
        ok = differing == 0
        print(f"  {len(files)} clips, {frames} frames, {expected.size} values: {differing} differ "
              f"({100 * (1 - differing / expected.size):.4f}% identical) in {clips_differing} clips, "
              f"max |diff| {difference.max():.6g} ({difference.max() / 0.0390625:.0f} quanta)"
              f"  {'ok' if ok else 'FAILED'}")
        passed += ok
        failed += not ok
        # pymicro-wakeword's int8 input: values whose quantization leaves [-128, 127] (and wraps).
        quantized = np.round(expected / INPUT_SCALE + INPUT_ZERO_POINT)
        wrapping = int(np.count_nonzero((quantized > 127) | (quantized < -128)))
        print(f"  pymicro-wakeword input quantization: raw range {int(integer.min())}..{int(integer.max())}, "
              f"{wrapping} of {expected.size} values quantize outside int8 (numpy wraps them modulo 256)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
