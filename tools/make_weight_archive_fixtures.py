#!/usr/bin/env python3
"""Writes the fixtures of Tests/WeightArchiveTests/Fixtures with independent writers:
Python's zlib (raw DEFLATE streams), numpy.savez / savez_compressed (.npz) and the safetensors
package (.safetensors), so the Swift readers are checked against other implementations.

    .venv/bin/python tools/make_weight_archive_fixtures.py

Every array value is a small multiple of 1/8 (exact in float16, bfloat16 and float32), given by
the formula value(i) = ((i * 7) % 23 - 11) / 8 over the flattened index i, so the Swift tests
recompute the expected values without any stored copy. The DEFLATE streams are listed in
inflate.json with the length and zlib.crc32 of their uncompressed data.
"""
import json
import os
import struct
import sys
import zlib

import numpy as np
import safetensors
import safetensors.numpy

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "WeightArchiveTests", "Fixtures")


def formula(shape, dtype):
    count = int(np.prod(shape)) if shape else 1
    i = np.arange(count, dtype=np.int64)
    return (((i * 7) % 23 - 11) / 8.0).astype(dtype).reshape(shape)


def arrays():
    return {
        "f32": formula((3, 4), np.float32),
        "f64": formula((5,), np.float64),
        "f16": formula((2, 3), np.float16),
        "i64": np.arange(4, dtype=np.int64),
        "lstm/rnn/lstm_cell/kernel": formula((6, 8), np.float32),
        "scalar": formula((), np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }


def deflate(data, level=6, strategy=zlib.Z_DEFAULT_STRATEGY, pieces=1, flush=zlib.Z_NO_FLUSH):
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15, 8, strategy)
    out = b""
    step = max(1, len(data) // pieces)
    for start in range(0, len(data), step):
        out += compressor.compress(data[start:start + step])
        if pieces > 1:
            out += compressor.flush(flush)
    return out + compressor.flush(zlib.Z_FINISH)


def inflate_cases():
    rng = np.random.default_rng(20240611)
    text = (b"The quick brown fox jumps over the lazy dog. " * 40
            + b"Sphinx of black quartz, judge my vow! 0123456789\n" * 30)
    noise = rng.integers(0, 256, 40000, dtype=np.uint8).tobytes()
    block = rng.integers(0, 256, 31000, dtype=np.uint8).tobytes()
    runs = b"".join(bytes([v]) * int(n) for v, n in zip(rng.integers(0, 4, 400), rng.integers(1, 300, 400)))
    floats = formula((64, 40), np.float32).tobytes()
    skewed = bytes(rng.choice(np.array([0, 1, 2, 3, 200], dtype=np.uint8), 20000, p=[0.6, 0.2, 0.1, 0.09, 0.01]))
    return [
        ("empty", b"", {}),
        ("one_byte", b"A", {}),
        ("text_default", text, {}),
        ("text_fixed", text, {"strategy": zlib.Z_FIXED}),
        ("text_huffman_only", text, {"strategy": zlib.Z_HUFFMAN_ONLY}),
        ("text_level1", text, {"level": 1}),
        ("text_stored", text, {"level": 0}),
        ("noise", noise, {"level": 9}),
        ("far_matches", block + block[:25000], {"level": 9}),
        ("runs_rle", runs, {"strategy": zlib.Z_RLE}),
        ("floats", floats, {"level": 9}),
        ("skewed_huffman", skewed, {"strategy": zlib.Z_HUFFMAN_ONLY}),
        ("sync_flushed", text, {"pieces": 7, "flush": zlib.Z_SYNC_FLUSH}),
        ("full_flushed", floats, {"pieces": 5, "flush": zlib.Z_FULL_FLUSH}),
    ]


def write_bf16_safetensors(path):
    """A hand-written BF16 file (numpy has no bfloat16): the top 16 bits of each float32."""
    values = formula((4, 5), np.float32)
    bf16 = (values.view(np.uint32) >> 16).astype("<u2").tobytes()
    header = {"bf16": {"dtype": "BF16", "shape": [4, 5], "data_offsets": [0, len(bf16)]}}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(text)) + text + bf16)


def main():
    os.makedirs(OUT, exist_ok=True)
    data = arrays()
    np.savez(os.path.join(OUT, "stored.npz"), **data)
    np.savez_compressed(os.path.join(OUT, "deflated.npz"), **data)
    safetensors.numpy.save_file(
        {key: value for key, value in data.items() if key != "scalar"}, os.path.join(OUT, "tensors.safetensors"),
        metadata={"format": "np", "made_by": "make_weight_archive_fixtures.py"})
    write_bf16_safetensors(os.path.join(OUT, "bf16.safetensors"))

    index = []
    for name, raw, options in inflate_cases():
        stream = deflate(raw, **options)
        with open(os.path.join(OUT, f"{name}.deflate"), "wb") as handle:
            handle.write(stream)
        index.append({"name": name, "length": len(raw), "crc32": zlib.crc32(raw), "compressed": len(stream)})
    versions = {"python": sys.version.split()[0], "zlib": zlib.ZLIB_RUNTIME_VERSION, "numpy": np.__version__,
                "safetensors": safetensors.__version__}
    with open(os.path.join(OUT, "inflate.json"), "w") as handle:
        json.dump({"made_with": versions, "streams": index}, handle, indent=1)
        handle.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, to {os.path.normpath(OUT)} ({versions})")


if __name__ == "__main__":
    main()
