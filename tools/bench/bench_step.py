#!/usr/bin/env python3
"""Per-step latency: Earshot beside ONNX Runtime, same model, same run. A benchmark, not a test.

    python tools/bench/bench_step.py [--steps 10000] [--warmup 1000] [--seed 1] [--json]
                               [--earshot BIN] [--earshot-bench BIN] [--scratch-path DIR]
                               [--weights fp32,fp16,int8] [--kernels PATH] [--rounds 3] [--ort-only]
                               [--keep DIR]

1. Builds the LSTM 40->128 + dense 12 model of tools/fixtures/onnx_models.py (seeded) and converts it
   with `earshot convert --weights W` for each weight type (fp32, fp16, int8).
2. Builds earshot-bench in release (`swift build -c release --product earshot-bench`) unless
   --earshot-bench is given, and runs it on each file: every `step` timed with
   CLOCK_MONOTONIC_RAW, streaming one frame per call.
3. ONNX Runtime on the same weights, single thread (intra_op_num_threads=1), the same warm-up
   and step count:
     (a) a streaming variant of the graph (initial_h/initial_c in, Y_h/Y_c out), T=1 per call,
         state fed back each step, with plain `session.run`;
     (b) the same with io_binding, reusing bound OrtValues (state ping-pongs between two
         pre-bound buffer sets, so nothing is copied or allocated by Python per step). No
         RunOptions is passed: with onnxruntime 1.32 passing one adds about 25 µs per call;
     (c) the original graph over a whole T=100 sequence in one call, time per step (not
         streaming: the input projection becomes one matrix-matrix product; a floor);
     (d) the same T=100 sequence through ONNX Runtime's own dynamic int8 quantization of the
         graph (onnxruntime.quantization.quantize_dynamic, int8 weights: DynamicQuantizeLSTM and
         MatMulInteger).
   Both streaming variants are first checked against (c)'s outputs, so the numbers measure the
   real computation; (d)'s distance from (c) is printed. ONNX Runtime's figures include the
   Python binding's per-call cost; the timer's own overhead (median of back-to-back
   perf_counter_ns reads) is subtracted from both sides.
4. Repeats 2-3 --rounds times, alternating Earshot and ONNX Runtime (so a busy shared machine
   slows both alike), and reports for every line the median over the rounds of its p50 and p99.
5. Prints the machine, a table of p50/p99 per step in µs with ratios, and the issue's targets:
   Earshot int8 p50 below (d), and at most 1/5 of (b).
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
REPO = os.path.dirname(os.path.dirname(TOOLS))
sys.path[:0] = [os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), d) for d in ("lib", "checks", "fixtures", "bench", "export")]

import onnx_models  # noqa: E402

MODEL = "lstm_40_128_dense12"
WHOLE_SEQUENCE_STEPS = 100
WEIGHT_TYPES = ("fp32", "fp16", "int8")


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
    """earshot-bench on the model converted to each weight type: {weights: its JSON report}."""
    earshot = os.path.abspath(args.earshot) if args.earshot else default_earshot(args.scratch_path)
    bench = (os.path.abspath(args.earshot_bench) if args.earshot_bench
             else swift_build("earshot-bench", "release", args.scratch_path))
    results = {}
    for weights in args.weight_types:
        model_path = os.path.join(work, f"{MODEL}.{weights}.earshot")
        subprocess.run([earshot, "convert", onnx_path, "-o", model_path, "--weights", weights], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        command = [bench, "--model", model_path, "--steps", str(args.steps), "--warmup", str(args.warmup),
                   "--seed", str(args.seed), "--json"]
        if args.kernels:
            command += ["--kernels", args.kernels]
        output = subprocess.run(command, check=True, capture_output=True, text=True,
                                stdin=subprocess.DEVNULL).stdout
        results[weights] = json.loads(output.strip().splitlines()[-1])
        results[weights]["file_bytes"] = os.path.getsize(model_path)
    return results


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
    runs = max(20, min(500, args.steps // WHOLE_SEQUENCE_STEPS))
    whole_summary = time_whole(whole, x_name, sequence, runs, overhead)

    # (d) ONNX Runtime's own dynamic int8 quantization of the same graph, whole sequence.
    from onnxruntime.quantization import QuantType, quantize_dynamic
    import onnx
    import tempfile as _tempfile
    with _tempfile.TemporaryDirectory(prefix="earshot-ort-int8-") as folder:
        fp32_path, int8_path = os.path.join(folder, "fp32.onnx"), os.path.join(folder, "int8.onnx")
        onnx.save(spec.model, fp32_path)
        import logging
        logging.getLogger().setLevel(logging.ERROR)  # quantize_dynamic's pre-processing advice
        quantize_dynamic(fp32_path, int8_path, weight_type=QuantType.QInt8)
        quantized_model = onnx.load(int8_path)
    quantized = onnx_models.session(quantized_model)
    int8_out = quantized.run(None, {x_name: sequence})[0].reshape(WHOLE_SEQUENCE_STEPS, -1)
    int8_summary = time_whole(quantized, x_name, sequence, runs, overhead)
    int8_summary["max_abs_error_vs_fp32"] = float(np.abs(int8_out - expected).max())
    int8_summary["top1_agreement_vs_fp32"] = float(np.mean(int8_out.argmax(1) == expected.argmax(1)))
    int8_summary["operators"] = sorted({n.op_type for n in quantized_model.graph.node})

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
            "io_binding": bound_summary, "whole_sequence": whole_summary, "whole_sequence_int8": int8_summary}


def median_rounds(rounds: list[tuple[dict, dict]]) -> tuple[dict, dict]:
    """The first round's reports with every p50/p99 replaced by its median over the rounds."""
    earshot, ort_results = json.loads(json.dumps(rounds[0][0])), json.loads(json.dumps(rounds[0][1]))
    for key in ("p50_us", "p99_us"):
        for weights in earshot:
            earshot[weights][key] = float(np.median([r[0][weights][key] for r in rounds]))
        for line in ("run", "io_binding", "whole_sequence", "whole_sequence_int8"):
            ort_results[line][key] = float(np.median([r[1][line][key] for r in rounds]))
    ort_results["rounds"] = len(rounds)
    return earshot, ort_results


def time_whole(session, x_name: str, sequence: np.ndarray, runs: int, overhead: int) -> dict:
    """Per-step time of whole-sequence calls: median over `runs` calls of (call time) / T."""
    clock = time.perf_counter_ns
    for _ in range(5):
        session.run(None, {x_name: sequence})
    per_step = np.empty(runs, dtype=np.int64)
    for i in range(runs):
        start = clock()
        session.run(None, {x_name: sequence})
        per_step[i] = (clock() - start - overhead) // len(sequence)
    result = summary(per_step + overhead, overhead)
    result["runs"] = runs
    return result


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
    parser.add_argument("--weights", default=",".join(WEIGHT_TYPES), help="Earshot weight types (default all)")
    parser.add_argument("--kernels", help="earshot-bench --kernels: force a kernel path (default: the best)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians are reported (default 3)")
    parser.add_argument("--ort-only", action="store_true", help="skip the Earshot side")
    parser.add_argument("--keep", help="keep the model files in this directory")
    args = parser.parse_args(argv)
    args.weight_types = [w for w in args.weights.split(",") if w]
    if any(w not in WEIGHT_TYPES for w in args.weight_types):
        parser.error(f"--weights: use some of {', '.join(WEIGHT_TYPES)}")

    spec = onnx_models.build(MODEL, args.seed)
    work = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="earshot-bench-")
    os.makedirs(work, exist_ok=True)
    try:
        onnx_path = os.path.join(work, f"{MODEL}.onnx")
        import onnx
        onnx.save(spec.model, onnx_path)
        rounds = []
        for _ in range(max(1, args.rounds)):
            rounds.append(({} if args.ort_only else run_earshot(args, work, onnx_path), run_ort(spec, args)))
        earshot, ort_results = median_rounds(rounds)
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
          f"{args.steps} timed steps after {args.warmup} warm-up; single thread; medians of {ort_results['rounds']} "
          f"alternating rounds")
    for weights, result in earshot.items():
        print(f"earshot {weights}: kernels {result.get('kernels', '?')}, file {result['file_bytes']} bytes, "
              f"arena {result['arena_bytes']} bytes, timer overhead {result['timer_overhead_us']:.3f} µs")
    print(f"onnxruntime {ort_results['version']} (Python binding), timer overhead "
          f"{ort_results['timer_overhead_us']:.3f} µs; dynamic int8 graph: "
          f"{', '.join(ort_results['whole_sequence_int8']['operators'])}")
    print()
    whole = ort_results["whole_sequence"]
    whole8 = ort_results["whole_sequence_int8"]
    bound = ort_results["io_binding"]
    rows = [(f"Earshot {w}, streaming T=1", r["p50_us"], r["p99_us"]) for w, r in earshot.items()]
    rows.append(("ORT fp32 session.run, T=1", ort_results["run"]["p50_us"], ort_results["run"]["p99_us"]))
    rows.append(("ORT fp32 io_binding, T=1", bound["p50_us"], bound["p99_us"]))
    rows.append((f"ORT fp32 whole T={WHOLE_SEQUENCE_STEPS} / T", whole["p50_us"], None))
    rows.append((f"ORT dyn. int8 whole T={WHOLE_SEQUENCE_STEPS} / T", whole8["p50_us"], None))
    reference = earshot.get("int8") or next(iter(earshot.values()), None)
    reference_name = "int8" if "int8" in earshot else next(iter(earshot), "")
    header = f"{'per step':34} {'p50 µs':>9} {'p99 µs':>9}"
    if reference:
        header += f" {'p50 / Earshot ' + reference_name:>20}"
    print(header)
    print("-" * len(header))
    for label, p50, p99 in rows:
        line = f"{label:34} {p50:9.2f} " + (f"{p99:9.2f}" if p99 is not None else f"{'-':>9}")
        if reference:
            line += f" {p50 / reference['p50_us'] if reference['p50_us'] > 0 else float('inf'):20.2f}"
        print(line)
    print()
    print(f"whole-sequence lines: median of {whole['runs']} calls on T={WHOLE_SEQUENCE_STEPS} frames, divided by T "
          f"(batch throughput, not streaming latency). ORT dynamic int8 vs ORT fp32 on those frames: max abs "
          f"error {whole8['max_abs_error_vs_fp32']:.2e}, top-1 agreement {whole8['top1_agreement_vs_fp32']:.1%}")
    if earshot:
        print()
        print("targets (issue 3), Earshot streaming p50:")
        for weights, result in earshot.items():
            p50 = result["p50_us"]
            below = p50 < whole8["p50_us"]
            fifth = p50 <= bound["p50_us"] / 5
            print(f"  {weights}: {p50:.2f} µs = {p50 / whole8['p50_us']:.2f}x ORT dynamic-int8 whole-sequence "
                  f"({'below' if below else 'NOT below'}), {p50 / bound['p50_us']:.3f}x ORT fp32 streaming "
                  f"({'within' if fifth else 'NOT within'} 1/5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
