#!/usr/bin/env python3
"""Per-step latency of one model in Earshot, ONNX Runtime and LiteRT, in one run. A benchmark, not a test.

    python tools/bench/bench_peers.py [--steps 10000] [--warmup 1000] [--seed 1] [--earshot BIN]
                                [--scratch-path DIR] [--no-litert] [--json] [--markdown] [--keep DIR]

1. Builds the LSTM 40->128 + dense 12 + softmax model of tools/fixtures/onnx_models.py (seeded), converts it
   with `earshot convert` and runs `earshot profile --json` on it (release build unless --earshot is
   given): every whole `Network.step` timed with CLOCK_MONOTONIC_RAW, the clock's cost subtracted.
2. ONNX Runtime on the same weights, single thread, the same warm-up and step count:
     - streaming, T=1 per call, state fed back: plain `session.run`, and io_binding (x and two
       state buffer sets bound once, alternating, so Python copies and allocates nothing per step);
     - the whole sequence, T=1000 per call, the calling thread's CPU time divided by T (batch
       throughput, not streaming; CPU time so that a run preempted on a busy machine is not
       counted as slow: with one intra-op thread the work runs on the calling thread).
3. LiteRT (pip ai-edge-litert) on the same weights: the model is written directly as a TFLite
   flatbuffer from the ONNX weights (no TensorFlow needed): UNIDIRECTIONAL_SEQUENCE_LSTM with its
   state in variable tensors (so it streams: one `invoke` per step, state kept inside), then
   FULLY_CONNECTED and SOFTMAX; one interpreter, single thread:
     - streaming, T=1 per `invoke` (the input is written before the timed call, as with io_binding);
     - the whole sequence, T=1000 per `invoke`, thread CPU time divided by T.
   Every peer's streaming outputs are first checked against ONNX Runtime's whole-sequence output
   (1e-5), so the numbers time the real computation. Peer figures include their Python binding's
   per-call cost; the Python timer's overhead (median of back-to-back perf_counter_ns) is subtracted.
4. Prints the machine and the table (p50/p99 in µs, ratio to Earshot) that the README quotes;
   --markdown prints it as a Markdown table.
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
WHOLE = 1000


# MARK: - Machine and statistics


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
    return {"cpu": cpu, "cores": os.cpu_count(), "arch": platform.machine(), "kernel": platform.release(),
            "python": platform.python_version(), "date": time.strftime("%Y-%m-%d"),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


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
    return {"p50_us": pct(50), "p90_us": pct(90), "p99_us": pct(99), "p999_us": pct(99.9),
            "max_us": float(us.max()), "mean_us": float(us.mean()), "count": int(len(us))}


def check(label: str, actual: np.ndarray, expected: np.ndarray) -> float:
    error = float(np.abs(actual.reshape(expected.shape) - expected).max())
    if error > 1e-5:
        sys.exit(f"{label}: output differs from ONNX Runtime's whole-sequence output by {error:.3g}")
    return error


# MARK: - Earshot


def swift_build(product: str, scratch: str | None) -> str:
    command = ["swift", "build", "-c", "release", "--product", product]
    if scratch:
        command += ["--scratch-path", scratch]
    print(f"$ {' '.join(command)}", file=sys.stderr, flush=True)
    subprocess.run(command, cwd=REPO, check=True, stdin=subprocess.DEVNULL, stdout=sys.stderr)
    show = ["swift", "build", "-c", "release", "--show-bin-path"] + (["--scratch-path", scratch] if scratch else [])
    path = subprocess.run(show, cwd=REPO, check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL).stdout
    return os.path.join(path.strip(), product)


def run_earshot(earshot: str, onnx_path: str, work: str, args) -> dict:
    model_path = os.path.join(work, f"{MODEL}.earshot")
    subprocess.run([earshot, "convert", onnx_path, "-o", model_path], check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL)
    command = [earshot, "profile", "--model", model_path, "--steps", str(args.steps), "--warmup", str(args.warmup),
               "--seed", str(args.seed), "--json"]
    output = subprocess.run(command, check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL).stdout
    return json.loads(output)


# MARK: - ONNX Runtime


def run_ort(spec, frames: np.ndarray, sequence: np.ndarray, expected: np.ndarray, args, overhead: int) -> dict:
    import onnxruntime as ort

    clock = time.perf_counter_ns
    whole = onnx_models.session(spec.model)
    x_name = whole.get_inputs()[0].name
    batch = sequence[:, None, :]
    for _ in range(3):
        whole.run(None, {x_name: batch})
    runs = max(30, min(100, args.steps // WHOLE))
    per_step = np.empty(runs, dtype=np.int64)
    for i in range(runs):
        start = time.thread_time_ns()
        whole.run(None, {x_name: batch})
        per_step[i] = (time.thread_time_ns() - start) // WHOLE
    whole_summary = summary(per_step, 0)

    streaming, pairs = onnx_models.streaming_variant(spec.model)
    sess = onnx_models.session(streaming)
    outputs = [o.name for o in sess.get_outputs()]
    state_out = [outputs.index(out) for _, out, _ in pairs]
    state_in = [name for name, _, _ in pairs]

    def plain(xs, timed):
        state = [np.zeros(shape, np.float32) for _, _, shape in pairs]
        ys = []
        for i in range(len(xs)):
            feed = {x_name: xs[i].reshape(1, 1, -1)}
            feed.update(zip(state_in, state))
            start = clock()
            result = sess.run(outputs, feed)
            if timed is not None:
                timed[i] = clock() - start
            else:
                ys.append(result[0])
            state = [result[j] for j in state_out]
        return ys

    check("ORT session.run T=1", np.concatenate(plain(sequence[:100], None)), expected[:100])
    plain(frames[np.arange(args.warmup) % len(frames)], None)
    samples = np.empty(args.steps, dtype=np.int64)
    plain(frames[(args.warmup + np.arange(args.steps)) % len(frames)], samples)
    plain_summary = summary(samples, overhead)

    x_buffer = np.zeros((1, 1, spec.features), np.float32)
    y_buffer = np.zeros((1, 1, spec.classes), np.float32)
    sets = [[np.zeros(shape, np.float32) for _, _, shape in pairs] for _ in range(2)]
    x_value = ort.OrtValue.ortvalue_from_numpy(x_buffer)
    y_value = ort.OrtValue.ortvalue_from_numpy(y_buffer)
    values = [[ort.OrtValue.ortvalue_from_numpy(a) for a in s] for s in sets]
    bindings = []
    for k in range(2):
        binding = sess.io_binding()
        binding.bind_ortvalue_input(x_name, x_value)
        binding.bind_ortvalue_output(outputs[0], y_value)
        for j, (name_in, name_out, _) in enumerate(pairs):
            binding.bind_ortvalue_input(name_in, values[k][j])
            binding.bind_ortvalue_output(name_out, values[1 - k][j])
        bindings.append(binding)

    def bound(xs, timed):
        for s in sets:
            for a in s:
                a.fill(0)
        ys = []
        for i in range(len(xs)):
            np.copyto(x_buffer, xs[i].reshape(1, 1, -1))
            binding = bindings[i & 1]
            start = clock()
            sess.run_with_iobinding(binding)
            if timed is not None:
                timed[i] = clock() - start
            else:
                ys.append(y_buffer.copy())
        return ys

    check("ORT io_binding T=1", np.concatenate(bound(sequence[:100], None)), expected[:100])
    bound(frames[np.arange(args.warmup) % len(frames)], None)
    samples = np.empty(args.steps, dtype=np.int64)
    bound(frames[(args.warmup + np.arange(args.steps)) % len(frames)], samples)
    return {"version": ort.__version__, "run": plain_summary, "io_binding": summary(samples, overhead),
            "whole_sequence": whole_summary, "whole_runs": runs}


# MARK: - LiteRT


def onnx_weights(model) -> dict:
    """The LSTM and dense weights of the lstm_40_128_dense12 graph, as numpy arrays."""
    from onnx import numpy_helper
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    weights = {}
    for node in model.graph.node:
        if node.op_type == "LSTM":
            weights["W"], weights["R"], weights["B"] = (init[node.input[i]] for i in (1, 2, 3))
        elif node.op_type == "MatMul" and node.input[1] in init:
            weights["dense_W"] = init[node.input[1]]
        elif node.op_type == "Add" and node.input[1] in init:
            weights["dense_b"] = init[node.input[1]]
    missing = {"W", "R", "B", "dense_W", "dense_b"} - set(weights)
    if missing:
        raise ValueError(f"{MODEL}: could not find {sorted(missing)} in the ONNX graph")
    return weights


def tflite_model(weights: dict, steps: int) -> bytes:
    """The model as a TFLite flatbuffer: input [1, steps, F] -> UNIDIRECTIONAL_SEQUENCE_LSTM (state in
    variable tensors) -> FULLY_CONNECTED -> SOFTMAX -> [steps, C]."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as s

    W, R, B = weights["W"][0], weights["R"][0], weights["B"][0]
    hidden = R.shape[1]
    features = W.shape[1]
    classes = weights["dense_W"].shape[1]
    # ONNX gate order i, o, f, c; B = [Wb, Rb].
    gate = {name: slice(k * hidden, (k + 1) * hidden) for k, name in enumerate("iofc")}
    bias = B[:4 * hidden] + B[4 * hidden:]

    buffers = [s.BufferT()]  # buffer 0: empty, by convention
    tensors = []

    def tensor(name: str, shape: list[int], data: np.ndarray | None = None, variable: bool = False) -> int:
        t = s.TensorT()
        t.name = name.encode()
        t.shape = list(shape)
        t.type = s.TensorType.FLOAT32
        t.isVariable = variable
        if data is not None:
            b = s.BufferT()
            b.data = np.ascontiguousarray(data, dtype=np.float32).reshape(-1).view(np.uint8)
            buffers.append(b)
            t.buffer = len(buffers) - 1
        else:
            t.buffer = 0
        tensors.append(t)
        return len(tensors) - 1

    x = tensor("x", [1, steps, features])
    lstm_inputs = [x]
    lstm_inputs += [tensor(f"W_{g}", [hidden, features], W[gate[g]]) for g in "ifco"]
    lstm_inputs += [tensor(f"R_{g}", [hidden, hidden], R[gate[g]]) for g in "ifco"]
    lstm_inputs += [-1, -1, -1]                                        # no peepholes
    lstm_inputs += [tensor(f"b_{g}", [hidden], bias[gate[g]]) for g in "ifco"]
    lstm_inputs += [-1, -1]                                            # no projection
    lstm_inputs += [tensor("h_state", [1, hidden], variable=True), tensor("c_state", [1, hidden], variable=True)]
    lstm_inputs += [-1, -1, -1, -1]                                    # no layer norm
    h = tensor("h", [1, steps, hidden])
    dense_w = tensor("dense_W", [classes, hidden], weights["dense_W"].T)
    dense_b = tensor("dense_b", [classes], weights["dense_b"])
    logits = tensor("logits", [steps, classes])
    y = tensor("y", [steps, classes])

    def code(op: int) -> s.OperatorCodeT:
        c = s.OperatorCodeT()
        c.builtinCode = op
        c.deprecatedBuiltinCode = min(op, 127)
        c.version = 1
        return c

    lstm_options = s.UnidirectionalSequenceLSTMOptionsT()
    lstm_options.fusedActivationFunction = s.ActivationFunctionType.TANH
    lstm_options.cellClip = 0.0
    lstm_options.projClip = 0.0
    lstm_options.timeMajor = False
    fc_options = s.FullyConnectedOptionsT()
    fc_options.fusedActivationFunction = s.ActivationFunctionType.NONE
    fc_options.keepNumDims = False
    softmax_options = s.SoftmaxOptionsT()
    softmax_options.beta = 1.0

    def operator(index: int, inputs: list[int], outputs: list[int], kind: int, options) -> s.OperatorT:
        o = s.OperatorT()
        o.opcodeIndex = index
        o.inputs = inputs
        o.outputs = outputs
        o.builtinOptionsType = kind
        o.builtinOptions = options
        return o

    subgraph = s.SubGraphT()
    subgraph.tensors = tensors
    subgraph.inputs = [x]
    subgraph.outputs = [y]
    subgraph.operators = [
        operator(0, lstm_inputs, [h], s.BuiltinOptions.UnidirectionalSequenceLSTMOptions, lstm_options),
        operator(1, [h, dense_w, dense_b], [logits], s.BuiltinOptions.FullyConnectedOptions, fc_options),
        operator(2, [logits], [y], s.BuiltinOptions.SoftmaxOptions, softmax_options),
    ]
    subgraph.name = b"main"
    model = s.ModelT()
    model.version = 3
    model.description = b"earshot tools/bench/bench_peers.py: LSTM 40->128 + dense 12 + softmax"
    model.operatorCodes = [code(s.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM),
                           code(s.BuiltinOperator.FULLY_CONNECTED), code(s.BuiltinOperator.SOFTMAX)]
    model.subgraphs = [subgraph]
    model.buffers = buffers
    builder = flatbuffers.Builder(0)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def run_litert(spec, frames: np.ndarray, sequence: np.ndarray, expected: np.ndarray, args, overhead: int) -> dict:
    from importlib.metadata import version

    from ai_edge_litert.interpreter import Interpreter

    clock = time.perf_counter_ns
    weights = onnx_weights(spec.model)

    whole = Interpreter(model_content=tflite_model(weights, WHOLE), num_threads=1)
    whole.allocate_tensors()
    whole_in = whole.get_input_details()[0]["index"]
    whole_out = whole.get_output_details()[0]["index"]
    whole.set_tensor(whole_in, sequence[None])
    whole.invoke()
    check("LiteRT whole sequence", whole.get_tensor(whole_out), expected)
    for _ in range(3):
        whole.reset_all_variables()
        whole.invoke()
    runs = max(30, min(100, args.steps // WHOLE))
    per_step = np.empty(runs, dtype=np.int64)
    for i in range(runs):
        whole.reset_all_variables()
        start = time.thread_time_ns()
        whole.invoke()
        per_step[i] = (time.thread_time_ns() - start) // WHOLE
    whole_summary = summary(per_step, 0)

    stream = Interpreter(model_content=tflite_model(weights, 1), num_threads=1)
    stream.allocate_tensors()
    x_index = stream.get_input_details()[0]["index"]
    y_index = stream.get_output_details()[0]["index"]

    def steps(xs, timed):
        stream.reset_all_variables()
        ys = []
        for i in range(len(xs)):
            stream.set_tensor(x_index, xs[i].reshape(1, 1, -1))
            start = clock()
            stream.invoke()
            if timed is not None:
                timed[i] = clock() - start
            else:
                ys.append(stream.get_tensor(y_index).copy())
        return ys

    check("LiteRT invoke T=1", np.concatenate(steps(sequence[:100], None)), expected[:100])
    steps(frames[np.arange(args.warmup) % len(frames)], None)
    samples = np.empty(args.steps, dtype=np.int64)
    steps(frames[(args.warmup + np.arange(args.steps)) % len(frames)], samples)
    return {"version": version("ai-edge-litert"), "invoke": summary(samples, overhead),
            "whole_sequence": whole_summary, "whole_runs": runs}


# MARK: - Report


def rows(report: dict) -> list[tuple[str, float, float | None]]:
    earshot, ort, litert = report["earshot"], report["onnxruntime"], report.get("litert")
    table = []
    if earshot:
        table.append(("Earshot `Network.step` (`earshot profile`)", earshot["step_us"]["p50"], earshot["step_us"]["p99"]))
    table.append(("ONNX Runtime `session.run`, T=1", ort["run"]["p50_us"], ort["run"]["p99_us"]))
    table.append(("ONNX Runtime io_binding, T=1", ort["io_binding"]["p50_us"], ort["io_binding"]["p99_us"]))
    if litert:
        table.append(("LiteRT `invoke`, T=1 (state in variable tensors)", litert["invoke"]["p50_us"], litert["invoke"]["p99_us"]))
    table.append((f"ONNX Runtime whole T={WHOLE} sequence ÷ T", ort["whole_sequence"]["p50_us"], None))
    if litert:
        table.append((f"LiteRT whole T={WHOLE} sequence ÷ T", litert["whole_sequence"]["p50_us"], None))
    return table


def print_table(report: dict, markdown: bool) -> None:
    m = report["machine"]
    earshot = report["earshot"]
    table = rows(report)
    base50 = earshot["step_us"]["p50"] if earshot else None
    base99 = earshot["step_us"]["p99"] if earshot else None

    def ratio(value, base):
        return "–" if value is None or not base else f"{value / base:.2f}"

    def number(value):
        return "–" if value is None else f"{value:.2f}"

    print(f"machine: {m['cpu']}, {m['cores']} cores ({m['arch']}, Linux {m['kernel']}), {m['date']}, "
          f"load average {' '.join(str(x) for x in m['load_average'])} at the start")
    versions = [f"onnxruntime {report['onnxruntime']['version']}"]
    if report.get("litert"):
        versions.append(f"ai-edge-litert {report['litert']['version']}")
    print(f"model: {MODEL} (LSTM 40->128 + dense 12 + softmax), seed {report['seed']}; {report['steps']} timed steps "
          f"after {report['warmup']} warm-up; single thread; Python {m['python']}, {', '.join(versions)}")
    if report.get("litert_error"):
        print(f"LiteRT: {report['litert_error']}")
    print()
    if markdown:
        print("| per step | p50 µs | p99 µs | p50 ÷ Earshot | p99 ÷ Earshot |")
        print("|---|---|---|---|---|")
        for label, p50, p99 in table:
            print(f"| {label} | {number(p50)} | {number(p99)} | {ratio(p50, base50)} | {ratio(p99, base99)} |")
    else:
        header = f"{'per step':52} {'p50 µs':>9} {'p99 µs':>9} {'p50 ÷ E':>8} {'p99 ÷ E':>8}"
        print(header)
        print("-" * len(header))
        for label, p50, p99 in table:
            print(f"{label.replace('`', ''):52} {number(p50):>9} {number(p99):>9} {ratio(p50, base50):>8} {ratio(p99, base99):>8}")
    print()
    print("p50/p99: nearest-rank percentiles of per-call latency, timer overhead subtracted. Peers are called through "
          "their Python bindings (their per-call cost is included); whole-sequence lines are batch throughput "
          f"(median thread CPU time of {report['onnxruntime']['whole_runs']} runs of T={WHOLE}, divided by T), "
          "not streaming latency.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=10000)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--earshot", help="earshot CLI (default: swift build -c release)")
    parser.add_argument("--scratch-path", help="swift build --scratch-path")
    parser.add_argument("--no-litert", action="store_true", help="skip LiteRT")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--keep", help="keep the model files in this directory")
    args = parser.parse_args(argv)

    spec = onnx_models.build(MODEL, args.seed)
    rng = np.random.default_rng(args.seed)
    frames = rng.standard_normal((min(args.steps + args.warmup, 1024), spec.features)).astype(np.float32)
    sequence = rng.standard_normal((WHOLE, spec.features)).astype(np.float32)
    expected = onnx_models.reference(spec, sequence)
    overhead = timer_overhead_ns()

    work = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="earshot-peers-")
    os.makedirs(work, exist_ok=True)
    try:
        import onnx
        onnx_path = os.path.join(work, f"{MODEL}.onnx")
        onnx.save(spec.model, onnx_path)
        earshot_bin = os.path.abspath(args.earshot) if args.earshot else swift_build("earshot", args.scratch_path)
        earshot = run_earshot(earshot_bin, onnx_path, work, args)
        report = {"model": MODEL, "steps": args.steps, "warmup": args.warmup, "seed": args.seed,
                  "machine": machine(), "python_timer_overhead_us": overhead / 1000, "earshot": earshot}
        report["onnxruntime"] = run_ort(spec, frames, sequence, expected, args, overhead)
        if not args.no_litert:
            try:
                report["litert"] = run_litert(spec, frames, sequence, expected, args, overhead)
            except ImportError as error:
                report["litert_error"] = f"not installed ({error}); pip install ai-edge-litert"
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
