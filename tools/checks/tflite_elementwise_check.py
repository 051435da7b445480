#!/usr/bin/env python3
"""Bit-exactness of Earshot's int8 ADD, MUL and QUANTIZE (int8 -> int8) against TensorFlow Lite (issue 14).

Builds small random TFLite graphs with the flatbuffers package and the schema module the
ai-edge-litert wheel ships: input x [1, F, W] int8 -> ADD / MUL with a second operand (a constant of a
broadcast shape, or x requantized by QUANTIZE and optionally cut by STRIDED_SLICE to a broadcast
shape; either operand order), or QUANTIZE alone; random scales over four decades, zero points and
fused activations. Each graph runs on random int8 inputs through
  - TensorFlow Lite: the pymicro-wakeword wheel's libtensorflowlite_c (the kernels it runs by
    default), and ai-edge-litert with TFLite's reference kernels (BUILTIN_REF);
  - Earshot: `earshot convert G.tflite --tflite-kernels optimized|reference` then
    `earshot infer --features X.npy` (the optimized conversion against the C library, the
    reference one against BUILTIN_REF),
and every output quantum must be identical. Prints "N passed, M failed" (one per graph and peer);
exit 1 on any difference; "skipped: reason" (exit 0) when the wheels are missing.

  .venv/bin/python tools/checks/tflite_elementwise_check.py --graphs 300     # the full check
  .venv/bin/python tools/checks/tflite_elementwise_check.py --graphs 60      # what tools/test.sh runs
"""
import argparse
import ctypes
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def peers():
    try:
        import flatbuffers  # noqa: F401
        import pymicro_wakeword
        from ai_edge_litert import schema_py_generated  # noqa: F401
    except ImportError as error:
        return None, str(error)
    libs = glob.glob(os.path.join(os.path.dirname(pymicro_wakeword.__file__), "lib", "*tensorflowlite_c*"))
    if not libs:
        return None, "the pymicro-wakeword wheel carries no libtensorflowlite_c"
    return libs[0], None


class Graph:
    """A TFLite model under construction (one subgraph, int8/int32 tensors)."""

    def __init__(self):
        from ai_edge_litert import schema_py_generated as s

        self.s = s
        self.buffers = [s.BufferT()]
        self.tensors = []
        self.operators = []
        self.codes = []

    def tensor(self, name, shape, dtype, scale=None, zero=None, data=None):
        s = self.s
        t = s.TensorT()
        t.name = name.encode()
        t.shape = list(shape)
        t.type = {"int8": s.TensorType.INT8, "int32": s.TensorType.INT32}[dtype]
        t.buffer = 0
        if data is not None:
            b = s.BufferT()
            b.data = np.ascontiguousarray(data, dtype=dtype).reshape(-1).view(np.uint8)
            self.buffers.append(b)
            t.buffer = len(self.buffers) - 1
        if scale is not None:
            q = s.QuantizationParametersT()
            q.scale = [float(scale)]
            q.zeroPoint = [int(zero)]
            t.quantization = q
        self.tensors.append(t)
        return len(self.tensors) - 1

    def op(self, builtin, inputs, outputs, options_type=0, options=None):
        s = self.s
        if builtin not in self.codes:
            self.codes.append(builtin)
        o = s.OperatorT()
        o.opcodeIndex = self.codes.index(builtin)
        o.inputs, o.outputs = list(inputs), list(outputs)
        o.builtinOptionsType = options_type
        o.builtinOptions = options
        self.operators.append(o)

    def bytes(self, inputs, outputs):
        import flatbuffers

        s = self.s
        sub = s.SubGraphT()
        sub.tensors, sub.operators = self.tensors, self.operators
        sub.inputs, sub.outputs = inputs, outputs
        sub.name = b"main"
        model = s.ModelT()
        model.version = 3
        model.description = b"earshot tools/checks/tflite_elementwise_check.py"
        codes = []
        for builtin in self.codes:
            c = s.OperatorCodeT()
            c.builtinCode = builtin
            c.deprecatedBuiltinCode = min(builtin, 127)
            c.version = 2  # int8 kernels
            codes.append(c)
        model.operatorCodes = codes
        model.subgraphs = [sub]
        model.buffers = self.buffers
        builder = flatbuffers.Builder(0)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())


def log_uniform(rng, low, high):
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def random_case(rng):
    """A random graph: (tflite bytes, input shape [1, F, W], description)."""
    g = Graph()
    s = g.s
    kind = rng.choice(["add", "mul", "quantize"], p=[0.45, 0.4, 0.15])
    frames, width = int(rng.integers(1, 4)), int(rng.integers(1, 41))
    out_shape = [1, frames, width]
    # x itself may be broadcast (a 1 on an axis the other operand fills).
    x_shape = [1, frames if rng.random() < 0.8 else 1, width if rng.random() < 0.8 else 1]
    if kind == "quantize":
        x_shape = out_shape
    sx, zx = log_uniform(rng, 1e-3, 1.0), int(rng.integers(-128, 128))
    x = g.tensor("x", x_shape, "int8", sx, zx)
    if kind == "quantize":
        so, zo = sx * log_uniform(rng, 0.05, 20), int(rng.integers(-128, 128))
        if rng.random() < 0.2:
            so = sx  # equal scales, shifted zero point
        y = g.tensor("y", out_shape, "int8", so, zo)
        g.op(s.BuiltinOperator.QUANTIZE, [x], [y], s.BuiltinOptions.QuantizeOptions, s.QuantizeOptionsT())
        return g.bytes([x], [y]), x_shape, f"QUANTIZE {x_shape} s {sx:.3g}->{so:.3g} zp {zx}->{zo}"
    sb, zb = log_uniform(rng, 1e-3, 1.0), int(rng.integers(-128, 128))
    # The other operand's shape: per axis the full extent, or 1 where x has the full extent.
    b_shape = [1] + [full if (xs == 1 or rng.random() < 0.6) else 1 for xs, full in zip(x_shape[1:], out_shape[1:])]
    if rng.random() < 0.3 and x_shape == out_shape:
        b_shape = b_shape[1:] if rng.random() < 0.5 else b_shape[2:]  # lower rank, broadcast from the left
        if b_shape == [] or (len(b_shape) == 1 and rng.random() < 0.3):
            b_shape = [1] if rng.random() < 0.5 else []
    how = "constant"
    if rng.random() < 0.45 and x_shape == out_shape and len(b_shape) == 3:
        # An activation operand: x requantized, then cut down to b_shape by a strided slice.
        how = "activation"
        q = g.tensor("xq", x_shape, "int8", sb, zb)
        g.op(s.BuiltinOperator.QUANTIZE, [x], [q], s.BuiltinOptions.QuantizeOptions, s.QuantizeOptionsT())
        if b_shape != x_shape:
            begin = [0, int(rng.integers(0, frames)) if b_shape[1] == 1 else 0, int(rng.integers(0, width)) if b_shape[2] == 1 else 0]
            end = [1, begin[1] + b_shape[1], begin[2] + b_shape[2]]
            cut = g.tensor("xq_cut", b_shape, "int8", sb, zb)
            options = s.StridedSliceOptionsT()
            g.op(s.BuiltinOperator.STRIDED_SLICE,
                 [q, g.tensor("begin", [3], "int32", data=np.array(begin)), g.tensor("end", [3], "int32", data=np.array(end)),
                  g.tensor("strides", [3], "int32", data=np.ones(3))], [cut], s.BuiltinOptions.StridedSliceOptions, options)
            q = cut
        b = q
    else:
        b = g.tensor("b", b_shape, "int8", sb, zb, data=rng.integers(-128, 128, size=b_shape))
    rank = max(3, len(b_shape))
    o_shape = [1] * (rank - 3) + out_shape
    if kind == "add":
        so = (sx + sb) * log_uniform(rng, 0.1, 8)
        options, options_type, builtin = s.AddOptionsT(), s.BuiltinOptions.AddOptions, s.BuiltinOperator.ADD
    else:
        so = sx * sb * log_uniform(rng, 2, 2e4)
        options, options_type, builtin = s.MulOptionsT(), s.BuiltinOptions.MulOptions, s.BuiltinOperator.MUL
    options.fusedActivationFunction = int(rng.choice([0, 0, 1, 2, 3]))
    zo = int(rng.integers(-128, 128))
    y = g.tensor("y", o_shape, "int8", so, zo)
    operands = [x, b] if rng.random() < 0.5 else [b, x]
    g.op(builtin, operands, [y], options_type, options)
    desc = (f"{kind.upper()} x{x_shape} s {sx:.3g} zp {zx}, {how} {b_shape} s {sb:.3g} zp {zb} -> {o_shape} s {so:.3g} zp {zo}, "
            f"act {options.fusedActivationFunction}, order {'x,b' if operands[0] == x else 'b,x'}")
    return g.bytes([x], [y]), x_shape, desc


class WheelTFLite:
    """The wheel's libtensorflowlite_c, as pymicro-wakeword drives it."""

    def __init__(self, lib_path, model_path):
        from pymicro_wakeword.wakeword import TfLiteWakeWord

        self.lib = TfLiteWakeWord(lib_path).lib
        self.model = self.lib.TfLiteModelCreateFromFile(model_path.encode())
        self.interpreter = self.lib.TfLiteInterpreterCreate(self.model, None)
        if not self.model or not self.interpreter or self.lib.TfLiteInterpreterAllocateTensors(self.interpreter) != 0:
            raise RuntimeError("TFLite rejected the graph")
        self.input = self.lib.TfLiteInterpreterGetInputTensor(self.interpreter, 0)
        self.output = self.lib.TfLiteInterpreterGetOutputTensor(self.interpreter, 0)
        self.out_bytes = self.lib.TfLiteTensorByteSize(self.output)

    def run(self, x):
        x = np.ascontiguousarray(x, dtype=np.int8)
        out = np.zeros(self.out_bytes, dtype=np.int8)
        self.lib.TfLiteTensorCopyFromBuffer(self.input, x.ctypes.data_as(ctypes.c_void_p), x.nbytes)
        if self.lib.TfLiteInterpreterInvoke(self.interpreter) != 0:
            raise RuntimeError("TFLite invoke failed")
        self.lib.TfLiteTensorCopyToBuffer(self.output, out.ctypes.data_as(ctypes.c_void_p), out.nbytes)
        return out

    def close(self):
        self.lib.TfLiteInterpreterDelete(self.interpreter)
        self.lib.TfLiteModelDelete(self.model)


class ReferenceTFLite:
    """ai-edge-litert with TFLite's reference kernels (BUILTIN_REF)."""

    def __init__(self, model_path):
        from ai_edge_litert.interpreter import Interpreter, OpResolverType

        self.it = Interpreter(model_path=model_path, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
        self.it.allocate_tensors()
        self.index = self.it.get_input_details()[0]["index"]
        self.out_index = self.it.get_output_details()[0]["index"]

    def run(self, x):
        self.it.set_tensor(self.index, np.ascontiguousarray(x, dtype=np.int8))
        self.it.invoke()
        return self.it.get_tensor(self.out_index).ravel().copy()

    def close(self):
        pass


def earshot_outputs(earshot, model_path, kernels, inputs, scale, zero, tmp):
    """Converts the graph for `kernels` and runs `earshot infer` on the inputs (fed as exact float
    features); returns the raw output quanta per step, or the converter's error."""
    converted = model_path.replace(".tflite", f".{kernels}.earshot")
    run = subprocess.run([earshot, "convert", model_path, "-o", converted, "--tflite-kernels", kernels],
                         capture_output=True, text=True)
    if run.returncode != 0:
        return None, run.stderr.strip() or run.stdout.strip()
    steps, frames, width = inputs.shape
    features = ((inputs.astype(np.float64) - zero) * scale).reshape(steps * frames, width).astype(np.float32)
    feature_path, out_path = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
    np.save(feature_path, features)
    run = subprocess.run([earshot, "infer", "--model", converted, "--features", feature_path, "--out", out_path],
                         capture_output=True, text=True)
    if run.returncode != 0:
        return None, run.stderr.strip()
    graph_scale, graph_zero = output_quantization(model_path)
    y = np.load(out_path).astype(np.float64)
    return np.round(y / graph_scale + graph_zero).astype(np.int64), None


def output_quantization(model_path):
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=model_path)
    return it.get_output_details()[0]["quantization"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--graphs", type=int, default=300, help="random graphs to check")
    parser.add_argument("--steps", type=int, default=64, help="random inputs per graph")
    parser.add_argument("--seed", type=int, default=None, help="default: a fresh seed (printed)")
    parser.add_argument("--earshot", default=os.path.join(ROOT, ".build", "debug", "earshot"))
    args = parser.parse_args()
    lib, reason = peers()
    if lib is None:
        print(f"tflite_elementwise_check: skipped: {reason}")
        return 0
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    print(f"seed {seed} (rerun with --seed {seed})")
    rng = np.random.default_rng(seed)
    passed = failed = 0
    kinds = {}
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(args.graphs):
            data, x_shape, desc = random_case(rng)
            path = os.path.join(tmp, f"g{index}.tflite")
            with open(path, "wb") as f:
                f.write(data)
            scale, zero = Interpreter_input(path)
            inputs = rng.integers(-128, 128, size=[args.steps] + x_shape[1:]).astype(np.int8)
            # The optimized conversion against the wheel's library, the reference one against BUILTIN_REF.
            for kernels, name, peer in (("optimized", "libtensorflowlite_c", WheelTFLite(lib, path)),
                                        ("reference", "BUILTIN_REF", ReferenceTFLite(path))):
                ours, error = earshot_outputs(args.earshot, path, kernels, inputs, scale, zero, tmp)
                theirs = np.stack([peer.run(x.reshape([1] + x_shape[1:])) for x in inputs]).astype(np.int64)
                peer.close()
                if ours is None:
                    print(f"FAILED graph {index} ({desc}): earshot: {error}")
                    failed += 1
                    continue
                diff = ours.reshape(theirs.shape) != theirs
                if diff.any():
                    where = np.argwhere(diff)[0]
                    print(f"FAILED graph {index} vs {name} ({desc}): {int(diff.sum())} of {diff.size} values differ, "
                          f"first at {tuple(where)}: earshot {ours.reshape(theirs.shape)[tuple(where)]}, TFLite {theirs[tuple(where)]}")
                    failed += 1
                else:
                    passed += 1
            kinds[desc.split()[0]] = kinds.get(desc.split()[0], 0) + 1
    print("graphs: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + f"; {args.steps} random inputs each")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def Interpreter_input(path):
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=path)
    return it.get_input_details()[0]["quantization"]


if __name__ == "__main__":
    sys.exit(main())
