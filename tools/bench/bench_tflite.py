#!/usr/bin/env python3
"""Per-step latency of the microWakeWord models in TensorFlow Lite and in Earshot, in one run (issue 14).

    .venv/bin/python tools/bench/bench_tflite.py [--minutes 2] [--bench BIN] [--earshot BIN]

A benchmark, not a test. Features: pymicro-features on real speech + espeak-ng wake phrases
(tools/checks/tflite_parity.py's stream). TensorFlow Lite: the pymicro-wakeword wheel's
libtensorflowlite_c, one interpreter per model (its default options, as pymicro-wakeword uses it),
each TfLiteInterpreterInvoke timed with perf_counter_ns (the input copied in before the timer; the
timer's own cost subtracted; the ctypes call's cost, ~0.1-0.3 us, is included). Earshot: the
release `earshot-tflite-bench` (the CPU's fastest kernel path, and the portable twin for
comparison), each QuantizedNetwork.step timed with CLOCK_MONOTONIC_RAW. Prints
p50/p99 per step (us), the ratio Earshot/TFLite, and Earshot's arena beside the manifest's
tensor_arena_size. Build first: swift build -c release --product earshot-tflite-bench --product earshot
"""
import argparse
import ctypes
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path[:0] = [os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), d) for d in ("lib", "checks", "fixtures", "bench", "export")]
import tflite_parity  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=2)
    parser.add_argument("--bench", default=os.path.join(ROOT, ".build", "release", "earshot-tflite-bench"))
    parser.add_argument("--earshot", default=os.path.join(ROOT, ".build", "release", "earshot"))
    args = parser.parse_args()
    found, reason = tflite_parity.wheel()
    if found is None:
        print(f"skipped: {reason}")
        return 0
    models_dir, lib = found
    features = tflite_parity.micro_features(tflite_parity.speech_stream(int(args.minutes * 60)))
    overhead = int(np.median([-(time.perf_counter_ns() - time.perf_counter_ns()) for _ in range(10001)]))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        feature_path = os.path.join(tmp, "f.npy")
        np.save(feature_path, features.astype(np.float32))
        for model in sorted(glob.glob(os.path.join(models_dir, "*.tflite"))):
            name = os.path.splitext(os.path.basename(model))[0]
            converted = os.path.join(tmp, name + ".earshot")
            subprocess.run([args.earshot, "convert", model, "-o", converted], check=True, stdout=subprocess.DEVNULL)
            peer = tflite_parity.WheelTFLite(lib, model)
            times = []
            for k in range(0, len(features) - peer.stride + 1, peer.stride):
                q = np.ascontiguousarray(np.round(features[k : k + peer.stride] / peer.scale + peer.zero).astype(np.int8))
                peer.lib.TfLiteTensorCopyFromBuffer(peer.input, q.ctypes.data_as(ctypes.c_void_p), q.nbytes)
                start = time.perf_counter_ns()
                peer.lib.TfLiteInterpreterInvoke(peer.interpreter)
                times.append(time.perf_counter_ns() - start - overhead)
            times = np.sort(np.array(times))
            def earshot(kernels):
                run = subprocess.run([args.bench, "--kernels", kernels, feature_path, converted], check=True,
                                     capture_output=True, text=True)
                return json.loads(run.stdout.strip().splitlines()[-1])

            portable, ours = earshot("generic"), earshot("best")
            arena = json.load(open(os.path.splitext(model)[0] + ".json"))["micro"].get("tensor_arena_size", 0)
            rows.append((name, times[len(times) // 2] / 1e3, times[len(times) * 99 // 100] / 1e3,
                         ours["p50_ns"] / 1e3, ours["p99_ns"] / 1e3, ours["arena_bytes"], arena, len(times),
                         portable["p50_ns"] / 1e3, portable["p99_ns"] / 1e3))
            kernel_path = ours.get("kernels", "?")
    print(f"Earshot kernels: {kernel_path} (the portable twin's figures beside them)")
    print(f"{'model':12} {'steps':>6} {'TFLite p50':>10} {'p99':>7} {'Earshot p50':>11} {'p99':>7} {'ratio p50':>9} {'ratio p99':>9} "
          f"{'portable p50':>12} {'p99':>7} {'ratio p50':>9} {'ratio p99':>9} {'arena':>6} {'manifest':>8}")
    for name, tp50, tp99, ep50, ep99, arena, manifest, steps, pp50, pp99 in rows:
        print(f"{name:12} {steps:6d} {tp50:9.1f}u {tp99:6.1f}u {ep50:10.1f}u {ep99:6.1f}u {ep50 / tp50:9.2f} {ep99 / tp99:9.2f} "
              f"{pp50:11.1f}u {pp99:6.1f}u {pp50 / tp50:9.2f} {pp99 / tp99:9.2f} {arena:6d} {manifest:8d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
