#!/usr/bin/env python3
"""Per-window latency of windowed models (issue 8): Earshot beside ONNX Runtime, same model, same
run. A benchmark, not a test.

    python tools/bench/bench_window.py [--models bilstm,hybrid] [--weights fp32,int8] [--windows 300]
                                 [--warmup 30] [--hop 10] [--rounds 3] [--seed 1]
                                 [--earshot BIN] [--earshot-bench BIN] [--scratch-path DIR] [--json]

For each model of tools/fixtures/bidir_models.py (default: bilstm, two stacked BiLSTMs 13->37->19 + Gemm;
hybrid, Conv1D -> BiLSTM(48) -> attention -> dense -> softmax over 49x10 frames):
1. `earshot convert --weights W --window-frames 49 --window-hop K` for each weight type.
2. earshot-bench (release; built unless --earshot-bench) in its window mode times
     hop       the K `push` calls of one hop, the last of which runs the window: the deployed
               cost per prediction (with a carried first layer: K forward steps, then the reverse
               direction and later layers over the window);
     scratch   `runWindow` on 49 frames from zero state: every layer over the window, the same
               work as ONNX Runtime's one call.
3. ONNX Runtime 1.32 (single thread, intra_op_num_threads=1, sequential) on the same graph:
   `session.run` on one [49, ...] window, timed with perf_counter_ns (Python's per-call cost
   included; the timer's own overhead subtracted).
4. --rounds rounds alternating the two sides; the median over rounds of each p50/p99 is reported,
   with the ratios ONNX Runtime / Earshot (> 1: Earshot faster).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx

TOOLS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(TOOLS))
sys.path[:0] = [os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), d) for d in ("lib", "checks", "fixtures", "bench", "export")]

import bidir_models  # noqa: E402


def swift_build(product: str, configuration: str, scratch: str | None) -> str:
    command = ["swift", "build", "-c", configuration, "--product", product]
    if scratch:
        command += ["--scratch-path", scratch]
    subprocess.run(command, cwd=REPO, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    path = subprocess.run(command[:-2] + ["--show-bin-path"], cwd=REPO, check=True, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL).stdout.strip()
    return os.path.join(path, product)


def ort_windows(spec: bidir_models.WindowModel, windows: int, warmup: int, seed: int) -> dict:
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(spec.model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(seed)
    stream = rng.standard_normal((1024, spec.features)).astype(np.float32)
    shape = (bidir_models.WINDOW, 1, spec.features) if spec.input_layout == "TBF" else (1, bidir_models.WINDOW, spec.features)
    inputs = [np.ascontiguousarray(stream[i:i + bidir_models.WINDOW].reshape(shape)) for i in range(64)]
    name = session.get_inputs()[0].name
    for i in range(warmup):
        session.run(None, {name: inputs[i % 64]})
    reads = []
    for _ in range(2001):
        a = time.perf_counter_ns()
        reads.append(time.perf_counter_ns() - a)
    overhead = sorted(reads)[len(reads) // 2]
    samples = []
    for i in range(windows):
        x = inputs[i % 64]
        start = time.perf_counter_ns()
        session.run(None, {name: x})
        samples.append(max(0, time.perf_counter_ns() - start - overhead) / 1000)
    samples.sort()
    return {"p50_us": samples[len(samples) // 2], "p99_us": samples[min(len(samples) - 1, int(0.99 * len(samples)))]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="bilstm,hybrid")
    parser.add_argument("--weights", default="fp32,int8")
    parser.add_argument("--windows", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--hop", type=int, default=10, help="frames between windows K (default 10)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--earshot", help="earshot binary (default: debug build via swift build)")
    parser.add_argument("--earshot-bench", help="earshot-bench binary (default: swift build -c release)")
    parser.add_argument("--scratch-path")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    earshot = args.earshot or swift_build("earshot", "debug", args.scratch_path)
    bench = args.earshot_bench or swift_build("earshot-bench", "release", args.scratch_path)
    import onnxruntime
    work = tempfile.mkdtemp(prefix="earshot-bench-window-")
    rows = []
    for name in args.models.split(","):
        spec = bidir_models.build(name, args.seed)
        onnx_path = os.path.join(work, f"{name}.onnx")
        onnx.save(spec.model, onnx_path)
        files = {}
        for weights in args.weights.split(","):
            files[weights] = os.path.join(work, f"{name}.{weights}.earshot")
            subprocess.run([earshot, "convert", onnx_path, "-o", files[weights], "--weights", weights,
                            "--window-frames", str(bidir_models.WINDOW), "--window-hop", str(args.hop)],
                           check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        rounds = []
        for _ in range(max(1, args.rounds)):
            result = {"ort": ort_windows(spec, args.windows, args.warmup, args.seed)}
            for weights, path in files.items():
                output = subprocess.run([bench, "--model", path, "--steps", str(args.windows), "--warmup",
                                         str(args.warmup), "--seed", str(args.seed), "--json"],
                                        check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL).stdout
                result[weights] = json.loads(output.strip().splitlines()[-1])
            rounds.append(result)

        def median(values):
            return float(np.median(values))
        ort50 = median([r["ort"]["p50_us"] for r in rounds])
        ort99 = median([r["ort"]["p99_us"] for r in rounds])
        row = {"model": name, "description": spec.description, "ort_p50_us": ort50, "ort_p99_us": ort99}
        for weights in files:
            for kind in ("scratch", "hop"):
                p50 = median([float(r[weights][f"{kind}_p50_us"]) for r in rounds])
                p99 = median([float(r[weights][f"{kind}_p99_us"]) for r in rounds])
                row[f"{weights}_{kind}_p50_us"] = p50
                row[f"{weights}_{kind}_p99_us"] = p99
                row[f"{weights}_{kind}_ratio"] = ort50 / p50 if p50 > 0 else float("inf")
            row["carried"] = int(rounds[0][weights]["carried_width"]) > 0
        rows.append(row)

    if args.json:
        print(json.dumps({"machine": platform.processor() or platform.machine(), "onnxruntime": onnxruntime.__version__,
                          "window": bidir_models.WINDOW, "hop": args.hop, "rows": rows}, indent=2))
        return 0
    print(f"machine {platform.machine()} ({os.cpu_count()} cpus), onnxruntime {onnxruntime.__version__}, "
          f"window {bidir_models.WINDOW} frames, hop {args.hop}, {args.windows} windows x {args.rounds} rounds "
          f"(medians of p50/p99, µs)")
    for row in rows:
        print(f"\n{row['model']}: {row['description']}")
        print(f"  ONNX Runtime, one window (session.run)      p50 {row['ort_p50_us']:9.1f}  p99 {row['ort_p99_us']:9.1f}")
        for weights in args.weights.split(","):
            for kind, label in (("scratch", "window from zero state"), ("hop", "per hop as deployed" +
                                                                          (" (carried)" if row["carried"] else ""))):
                print(f"  Earshot {weights} {label:33} p50 {row[f'{weights}_{kind}_p50_us']:9.1f}  "
                      f"p99 {row[f'{weights}_{kind}_p99_us']:9.1f}  ORT/Earshot {row[f'{weights}_{kind}_ratio']:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
