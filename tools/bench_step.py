#!/usr/bin/env python3
"""Per-step latency: Earshot beside ONNX Runtime, same model, same run. A benchmark, not a test.

    python tools/bench_step.py [--steps 10000] [--warmup 1000] [--seed 1] [--json]
                               [--earshot BIN] [--earshot-bench BIN] [--scratch-path DIR]
                               [--ort-only] [--keep DIR]

1. Builds the LSTM 40->128 + dense 12 model of tools/onnx_models.py (seeded) and converts it
   with `earshot convert`.
2. Builds earshot-bench in release (`swift build -c release --product earshot-bench`) unless
   --earshot-bench is given, and runs it: every `step` timed with CLOCK_MONOTONIC_RAW.
3. ONNX Runtime on the same weights, single thread (intra_op_num_threads=1), the same warm-up
   and step count:
     (a) a streaming variant of the graph (initial_h/initial_c in, Y_h/Y_c out), T=1 per call,
         state fed back each step, with plain `session.run`;
     (b) the same with io_binding, reusing bound OrtValues (state ping-pongs between two
         pre-bound buffer sets, so nothing is copied or allocated by Python per step). No
         RunOptions is passed: with onnxruntime 1.32 passing one adds about 25 µs per call;
     (c) the original graph over T=1000 steps at once, time per step (not streaming: a floor).
   Both streaming variants are first checked against (c)'s outputs, so the numbers measure the
   real computation. ONNX Runtime's figures include the Python binding's per-call cost; the
   timer's own overhead (median of back-to-back perf_counter_ns reads) is subtracted from both
   sides.
4. Prints the machine, and a table of p50/p99 per step in µs with the ratio ORT / Earshot.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

TOOLS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)

import onnx_models  # noqa: E402

MODEL = "lstm_40_128_dense12"
WHOLE_SEQUENCE_STEPS = 1000


# MARK: - Machine


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                    cpu = value.strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "arch": platform.machine(), "kernel": platform.release()}


# MARK: - Statistics


def timer_overhead_ns() -> int:
    clock = time.perf_counter_ns
    samples = np.empty(20001, dtype=np.int64)
    for i in range(len(samples)):
        start = clock()
        samples[i] = clock() - start
    return int(np.median(samples))


def summary(samples_ns: np.ndarray, overhead_ns: int) -> dict:
    us = np.maximum(samples_ns - overhead_ns, 0) / 1000.0
    pct = lambda p: float(np.percentile(us, p, method="inverted_cdf"))  # noqa: E731 - nearest rank
    return {"p50_us": pct(50), "p90_us": pct(90), "p99_us": pct(99), "max_us": float(us.max()),
            "mean_us": float(us.mean())}


# MARK: - Earshot


def swift_build(product: str, configuration: str, scratch: str | None) -> str:
    command = ["swift", "build", "-c", configuration, "--product", product]
    if scratch:
        command += ["--scratch-path", scratch]
    print(f"$ {' '.join(command)}", flush=True)
    subprocess.run(command, cwd=REPO, check=True, stdin=subprocess.DEVNULL)
    path = subprocess.run(command[:4] + command[6:] + ["--show-bin-path"], cwd=REPO, check=True,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL).stdout.strip()
    return os.path.join(path, product)


def default_earshot(scratch: str | None) -> str:
    """The earshot CLI for `convert`: an existing debug build, else a release build."""
    command = ["swift", "build", "--show-bin-path"] + (["--scratch-path", scratch] if scratch else [])
    path = os.path.join(subprocess.run(command, cwd=REPO, capture_output=True, text=True,
                                       stdin=subprocess.DEVNULL).stdout.strip(), "earshot")
    return path if os.access(path, os.X_OK) else swift_build("earshot", "release", scratch)


def run_earshot(args, work: str, onnx_path: str) -> dict:
    earshot = os.path.abspath(args.earshot) if args.earshot else default_earshot(args.scratch_path)
    model_path = os.path.join(work, f"{MODEL}.earshot")
    subprocess.run([earshot, "convert", onnx_path, "-o", model_path, "--weights", "fp32"], check=True,
                   stdin=subprocess.DEVNULL)
    bench = (os.path.abspath(args.earshot_bench) if args.earshot_bench
             else swift_build("earshot-bench", "release", args.scratch_path))
    command = [bench, "--model", model_path, "--steps", str(args.steps), "--warmup", str(args.warmup),
               "--seed", str(args.seed), "--json"]
    output = subprocess.run(command, check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL).stdout
    return json.loads(output.strip().splitlines()[-1])


# MARK: - ONNX Runtime


def run_ort(spec: onnx_models.ModelSpec, args) -> dict:
    import onnxruntime as ort

    rng = np.random.default_rng(args.seed)
    frame_count = min(args.steps + args.warmup, 1024)
    frames = rng.standard_normal((frame_count, 1, 1, spec.features)).astype(np.float32)
    overhead = timer_overhead_ns()
    clock = time.perf_counter_ns

    # (c) whole sequence, which also gives the reference for checking (a) and (b).
    whole = onnx_models.session(spec.model)
    x_name = whole.get_inputs()[0].name
    sequence = rng.standard_normal((WHOLE_SEQUENCE_STEPS, 1, spec.features)).astype(np.float32)
    expected = whole.run(None, {x_name: sequence})[0].reshape(WHOLE_SEQUENCE_STEPS, -1)
    for _ in range(3):
        whole.run(None, {x_name: sequence})
    runs = max(5, min(50, args.steps // WHOLE_SEQUENCE_STEPS))
    per_step = np.empty(runs, dtype=np.int64)
    for i in range(runs):
        start = clock()
        whole.run(None, {x_name: sequence})
        per_step[i] = (clock() - start - overhead) // WHOLE_SEQUENCE_STEPS
    whole_summary = summary(per_step + overhead, overhead)
    whole_summary["runs"] = runs

    streaming, pairs = onnx_models.streaming_variant(spec.model)
    sess = onnx_models.session(streaming)
    output_names = [o.name for o in sess.get_outputs()]
    state_outputs = [output_names.index(out) for _, out, _ in pairs]
    state_inputs = [name for name, _, _ in pairs]

    # (a) plain session.run, state fed back.
    def plain_steps(xs, timed: np.ndarray | None):
        state = [np.zeros(shape, np.float32) for _, _, shape in pairs]
        ys = []
        for i in range(len(xs)):
            feed = {x_name: xs[i]}
            feed.update(zip(state_inputs, state))
            if timed is None:
                outs = sess.run(output_names, feed)
                ys.append(outs[0])
            else:
                start = clock()
                outs = sess.run(output_names, feed)
                timed[i] = clock() - start
            state = [outs[j] for j in state_outputs]
        return ys

    ys = plain_steps(sequence[:100, None], None)
    check("ORT session.run (T=1)", np.concatenate([y.reshape(1, -1) for y in ys]), expected[:100])
    plain_steps(frames[np.arange(args.warmup) % frame_count], None)
    samples = np.empty(args.steps, dtype=np.int64)
    plain_steps(frames[(args.warmup + np.arange(args.steps)) % frame_count], samples)
    plain_summary = summary(samples, overhead)

    # (b) io_binding: x and two state buffer sets bound once; bindings alternate.
    x_buffer = np.zeros((1, 1, spec.features), np.float32)
    y_buffer = np.zeros((1, 1, spec.classes), np.float32)
    state_sets = [[np.zeros(shape, np.float32) for _, _, shape in pairs] for _ in range(2)]
    x_value = ort.OrtValue.ortvalue_from_numpy(x_buffer)
    y_value = ort.OrtValue.ortvalue_from_numpy(y_buffer)
    state_values = [[ort.OrtValue.ortvalue_from_numpy(a) for a in s] for s in state_sets]
    bindings = []
    for k in range(2):
        binding = sess.io_binding()
        binding.bind_ortvalue_input(x_name, x_value)
        binding.bind_ortvalue_output(output_names[0], y_value)
        for j, (state_in, state_out, _) in enumerate(pairs):
            binding.bind_ortvalue_input(state_in, state_values[k][j])
            binding.bind_ortvalue_output(state_out, state_values[1 - k][j])
        bindings.append(binding)

    def bound_steps(xs, timed: np.ndarray | None):
        for s in state_sets:
            for a in s:
                a.fill(0)
        ys = []
        for i in range(len(xs)):
            np.copyto(x_buffer, xs[i])
            binding = bindings[i & 1]
            if timed is None:
                sess.run_with_iobinding(binding)
                ys.append(y_buffer.copy())
            else:
                start = clock()
                sess.run_with_iobinding(binding)
                timed[i] = clock() - start
        return ys

    ys = bound_steps(sequence[:100, None], None)
    check("ORT io_binding (T=1)", np.concatenate([y.reshape(1, -1) for y in ys]), expected[:100])
    bound_steps(frames[np.arange(args.warmup) % frame_count], None)
    samples = np.empty(args.steps, dtype=np.int64)
    bound_steps(frames[(args.warmup + np.arange(args.steps)) % frame_count], samples)
    bound_summary = summary(samples, overhead)

    return {"version": ort.__version__, "timer_overhead_us": overhead / 1000, "run": plain_summary,
            "io_binding": bound_summary, "whole_sequence": whole_summary}


def check(label: str, actual: np.ndarray, expected: np.ndarray) -> None:
    error = float(np.abs(actual - expected).max())
    if error > 1e-5:
        sys.exit(f"{label}: streaming output differs from the whole-sequence output by {error:.3g}")


# MARK: - Report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=10000)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--earshot", help="earshot CLI used for `convert` (default: the debug build, else release)")
    parser.add_argument("--earshot-bench", help="earshot-bench binary (default: swift build -c release)")
    parser.add_argument("--scratch-path", help="swift build --scratch-path")
    parser.add_argument("--ort-only", action="store_true", help="skip the Earshot side")
    parser.add_argument("--keep", help="keep the model files in this directory")
    args = parser.parse_args(argv)

    spec = onnx_models.build(MODEL, args.seed)
    work = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="earshot-bench-")
    os.makedirs(work, exist_ok=True)
    try:
        onnx_path = os.path.join(work, f"{MODEL}.onnx")
        import onnx
        onnx.save(spec.model, onnx_path)
        earshot = None if args.ort_only else run_earshot(args, work, onnx_path)
        ort_results = run_ort(spec, args)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    report = {"model": MODEL, "steps": args.steps, "warmup": args.warmup, "seed": args.seed,
              "machine": machine(), "earshot": earshot, "onnxruntime": ort_results}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0

    m = report["machine"]
    print()
    print(f"machine: {m['cpu']}, {m['cores']} cores ({m['arch']}, Linux {m['kernel']})")
    print(f"model: {MODEL} (LSTM 40->128 + dense 12 + softmax), seed {args.seed}; "
          f"{args.steps} timed steps after {args.warmup} warm-up; single thread")
    if earshot:
        print(f"earshot: arena {earshot['arena_bytes']} bytes, timer overhead {earshot['timer_overhead_us']:.3f} µs")
    print(f"onnxruntime {ort_results['version']} (Python binding), timer overhead "
          f"{ort_results['timer_overhead_us']:.3f} µs")
    print()
    rows = []
    if earshot:
        rows.append(("Earshot Network.step", earshot["p50_us"], earshot["p99_us"]))
    rows.append(("ORT session.run, T=1", ort_results["run"]["p50_us"], ort_results["run"]["p99_us"]))
    rows.append(("ORT io_binding, T=1", ort_results["io_binding"]["p50_us"], ort_results["io_binding"]["p99_us"]))
    whole = ort_results["whole_sequence"]
    rows.append((f"ORT whole T={WHOLE_SEQUENCE_STEPS} / T", whole["p50_us"], None))
    header = f"{'per step':28} {'p50 µs':>9} {'p99 µs':>9}"
    if earshot:
        header += f" {'p50 ×Earshot':>13} {'p99 ×Earshot':>13}"
    print(header)
    print("-" * len(header))
    for label, p50, p99 in rows:
        line = f"{label:28} {p50:9.2f} {p99 if p99 is not None else float('nan'):9.2f}".replace("nan", "  -")
        if earshot:
            r50 = p50 / earshot["p50_us"] if earshot["p50_us"] > 0 else float("inf")
            r99 = p99 / earshot["p99_us"] if p99 is not None and earshot["p99_us"] > 0 else None
            line += f" {r50:13.2f} {r99 if r99 is not None else float('nan'):13.2f}".replace("nan", "  -")
        print(line)
    print()
    print(f"whole-sequence line: median of {whole['runs']} runs of T={WHOLE_SEQUENCE_STEPS}, divided by T "
          f"(batch throughput, not streaming latency)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
