#!/usr/bin/env python3
"""Writes Tests/ConverterTests/ManifestFixtures: for each framework convention, a small random model
as a weight archive + manifest, an input sequence x [T, I] and the outputs y [T, C] the framework's
own formulas give, computed here in float64 numpy *in the framework's layout* (PyTorch's
weight_ih/weight_hh with gates i,f,g,o / r,z,n; Keras' x @ kernel with i,f,c,o / z,r,h and its two
GRU bias forms; TensorFlow 1's [x, h] @ kernel with i,j,f,o, forget_bias, peepholes, cell and
projection clips, and GRUCell's r,u gates), or by ONNX Runtime for the ONNX convention. The Swift
tests import each archive with its manifest, stream x through the runtime and compare with y, so
every layout conversion is checked against an implementation that shares no code with Earshot.

    .venv/bin/python tools/make_manifest_fixtures.py

Each case writes <case>.json (manifest), <case>.npz or <case>.safetensors (weights) and
<case>.io.npz (x, y). Seeds are fixed; versions are recorded in index.json.
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime
import safetensors
import safetensors.numpy
from onnx import TensorProto, helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "ConverterTests", "ManifestFixtures")
STEPS = 7


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def softmax(v):
    e = np.exp(v - v.max())
    return e / e.sum()


class Case:
    def __init__(self, name, seed):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.weights = {}

    def w(self, key, *shape, scale=0.5):
        value = self.rng.uniform(-scale, scale, shape).astype(np.float32)
        self.weights[key] = value
        return value.astype(np.float64)

    def x(self, size):
        return self.rng.normal(0, 1, (STEPS, size)).astype(np.float32)

    def save(self, manifest, x, y, fmt="npz"):
        with open(os.path.join(OUT, f"{self.name}.json"), "w") as handle:
            json.dump(manifest, handle, indent=1)
            handle.write("\n")
        if fmt == "npz":
            np.savez(os.path.join(OUT, f"{self.name}.npz"), **self.weights)
        else:
            safetensors.numpy.save_file(self.weights, os.path.join(OUT, f"{self.name}.safetensors"))
        np.savez(os.path.join(OUT, f"{self.name}.io.npz"), x=x, y=np.asarray(y, dtype=np.float32))
        return {"name": self.name, "weights": f"{self.name}.{fmt}", "input": list(x.shape), "output": list(np.shape(y))}


def manifest(input_size, layers, mode="every_step"):
    return {"earshot_manifest": 1, "input_size": input_size, "output_mode": mode, "layers": layers}


# MARK: - PyTorch (torch.nn formulas, state_dict layout)

def pytorch_lstm_stack():
    """nn.LSTM(3, 5, num_layers=2, proj_size=2) -> nn.Linear(2, 4) -> softmax, as safetensors."""
    c = Case("pytorch_lstm_proj_stack", 101)
    inputs, hidden, proj, classes = 3, 5, 2, 4
    layers = []
    size = inputs
    for k in range(2):
        layers.append(dict(
            w_ih=c.w(f"rnn.weight_ih_l{k}", 4 * hidden, size), w_hh=c.w(f"rnn.weight_hh_l{k}", 4 * hidden, proj),
            b_ih=c.w(f"rnn.bias_ih_l{k}", 4 * hidden), b_hh=c.w(f"rnn.bias_hh_l{k}", 4 * hidden),
            w_hr=c.w(f"rnn.weight_hr_l{k}", proj, hidden)))
        size = proj
    fc_w, fc_b = c.w("fc.weight", classes, proj), c.w("fc.bias", classes)
    x = c.x(inputs)
    state = [(np.zeros(proj), np.zeros(hidden)) for _ in layers]
    ys = []
    for t in range(STEPS):
        v = x[t].astype(np.float64)
        for k, p in enumerate(layers):
            h, cell = state[k]
            g = p["w_ih"] @ v + p["b_ih"] + p["w_hh"] @ h + p["b_hh"]
            i, f, gg, o = np.split(g, 4)
            cell = sigmoid(f) * cell + sigmoid(i) * np.tanh(gg)
            h = p["w_hr"] @ (sigmoid(o) * np.tanh(cell))
            state[k] = (h, cell)
            v = h
        ys.append(softmax(fc_w @ v + fc_b))
    m = manifest(inputs, [
        {"kind": "lstm", "convention": "pytorch", "prefix": "rnn.",
         "attributes": {"input_size": inputs, "hidden_size": hidden, "num_layers": 2, "proj_size": proj, "batch_first": True}},
        {"kind": "dense", "convention": "pytorch", "prefix": "fc.", "attributes": {"in_features": proj, "out_features": classes, "activation": "softmax"}},
    ])
    return c.save(m, x, ys, fmt="safetensors")


def pytorch_gru():
    c = Case("pytorch_gru", 102)
    inputs, hidden = 4, 5
    w_ih, w_hh = c.w("gru.weight_ih_l0", 3 * hidden, inputs), c.w("gru.weight_hh_l0", 3 * hidden, hidden)
    b_ih, b_hh = c.w("gru.bias_ih_l0", 3 * hidden), c.w("gru.bias_hh_l0", 3 * hidden)
    x = c.x(inputs)
    h = np.zeros(hidden)
    ys = []
    for t in range(STEPS):
        gi = w_ih @ x[t] + b_ih
        gh = w_hh @ h + b_hh
        r = sigmoid(gi[:hidden] + gh[:hidden])
        z = sigmoid(gi[hidden:2 * hidden] + gh[hidden:2 * hidden])
        n = np.tanh(gi[2 * hidden:] + r * gh[2 * hidden:])
        h = (1 - z) * n + z * h
        ys.append(h)
    m = manifest(inputs, [{"kind": "gru", "convention": "pytorch", "weights": {
        "weight_ih": "gru.weight_ih_l0", "weight_hh": "gru.weight_hh_l0", "bias_ih": "gru.bias_ih_l0", "bias_hh": "gru.bias_hh_l0"}}])
    return c.save(m, x, ys)


def pytorch_rnn_relu():
    c = Case("pytorch_rnn_relu_nobias", 103)
    inputs, hidden = 3, 6
    w_ih, w_hh = c.w("rnn.weight_ih_l0", hidden, inputs), c.w("rnn.weight_hh_l0", hidden, hidden)
    x = c.x(inputs)
    h = np.zeros(hidden)
    ys = []
    for t in range(STEPS):
        h = np.maximum(w_ih @ x[t] + w_hh @ h, 0)
        ys.append(h)
    m = manifest(inputs, [{"kind": "rnn", "convention": "pytorch", "prefix": "rnn.",
                           "attributes": {"nonlinearity": "relu", "bias": False, "hidden_size": hidden}}])
    return c.save(m, x, ys)


# MARK: - Keras (x @ kernel)

def keras_lstm_dense():
    c = Case("keras_lstm_dense", 201)
    inputs, units, classes = 3, 4, 3
    k, rk, b = c.w("lstm/kernel", inputs, 4 * units), c.w("lstm/recurrent_kernel", units, 4 * units), c.w("lstm/bias", 4 * units)
    dk, db = c.w("dense/kernel", units, classes), c.w("dense/bias", classes)
    x = c.x(inputs)
    h, cell = np.zeros(units), np.zeros(units)
    ys = []
    for t in range(STEPS):
        z = x[t] @ k + h @ rk + b
        i, f, cc, o = np.split(z, 4)
        cell = sigmoid(f) * cell + sigmoid(i) * np.tanh(cc)
        h = sigmoid(o) * np.tanh(cell)
        ys.append(np.tanh(h @ dk + db))
    m = manifest(inputs, [
        {"kind": "lstm", "convention": "keras", "prefix": "lstm/",
         "attributes": {"units": units, "activation": "tanh", "recurrent_activation": "sigmoid", "return_sequences": True}},
        {"kind": "dense", "convention": "keras", "prefix": "dense/", "attributes": {"units": classes, "activation": "tanh"}},
    ])
    return c.save(m, x, ys)


def keras_gru(reset_after):
    c = Case(f"keras_gru_reset_{'after' if reset_after else 'before'}", 202 + reset_after)
    inputs, units = 3, 5
    k, rk = c.w("gru/kernel", inputs, 3 * units), c.w("gru/recurrent_kernel", units, 3 * units)
    b = c.w("gru/bias", 2, 3 * units) if reset_after else c.w("gru/bias", 3 * units)
    x = c.x(inputs)
    h = np.zeros(units)
    ys = []
    for t in range(STEPS):
        if reset_after:
            mx = x[t] @ k + b[0]
            mi = h @ rk + b[1]
            z = sigmoid(mx[:units] + mi[:units])
            r = sigmoid(mx[units:2 * units] + mi[units:2 * units])
            hh = np.tanh(mx[2 * units:] + r * mi[2 * units:])
        else:
            mx = x[t] @ k + b
            z = sigmoid(mx[:units] + h @ rk[:, :units])
            r = sigmoid(mx[units:2 * units] + h @ rk[:, units:2 * units])
            hh = np.tanh(mx[2 * units:] + (r * h) @ rk[:, 2 * units:])
        h = z * h + (1 - z) * hh
        ys.append(h)
    attributes = {"units": units} if reset_after else {"units": units, "reset_after": False}
    m = manifest(inputs, [{"kind": "gru", "convention": "keras", "prefix": "gru/", "attributes": attributes}], mode="last_step")
    return c.save(m, x, ys)


def keras_simple_rnn():
    c = Case("keras_simple_rnn", 204)
    inputs, units = 2, 3
    k, rk, b = c.w("k", inputs, units), c.w("rk", units, units), c.w("b", units)
    x = c.x(inputs)
    h = np.zeros(units)
    ys = []
    for t in range(STEPS):
        h = np.tanh(x[t] @ k + b + h @ rk)
        ys.append(h)
    m = manifest(inputs, [{"kind": "rnn", "convention": "keras", "weights": {"kernel": "k", "recurrent_kernel": "rk", "bias": "b"},
                           "attributes": {"activation": "tanh"}}])
    return c.save(m, x, ys)


# MARK: - TensorFlow 1 ([x, h] @ kernel)

def tf1_lstm_cell():
    """LSTMCell(num_units=5, use_peepholes=True, num_proj=3, cell_clip=0.7, proj_clip=0.4, forget_bias=0.5)."""
    c = Case("tf1_lstm_peephole_projection", 301)
    inputs, units, proj = 4, 5, 3
    kernel, bias = c.w("cell/kernel", inputs + proj, 4 * units), c.w("cell/bias", 4 * units)
    wi, wf, wo = c.w("cell/w_i_diag", units), c.w("cell/w_f_diag", units), c.w("cell/w_o_diag", units)
    pk = c.w("cell/projection/kernel", units, proj)
    x = c.x(inputs) * 2
    m_, cell = np.zeros(proj), np.zeros(units)
    ys = []
    for t in range(STEPS):
        i, j, f, o = np.split(np.concatenate([x[t], m_]) @ kernel + bias, 4)
        cell = sigmoid(f + 0.5 + wf * cell) * cell + sigmoid(i + wi * cell) * np.tanh(j)
        cell = np.clip(cell, -0.7, 0.7)
        m_ = np.clip((sigmoid(o + wo * cell) * np.tanh(cell)) @ pk, -0.4, 0.4)
        ys.append(m_)
    m = manifest(inputs, [{"kind": "lstm", "convention": "tf1", "prefix": "cell/", "attributes": {
        "cell": "LSTMCell", "num_units": units, "use_peepholes": True, "num_proj": proj, "cell_clip": 0.7, "proj_clip": 0.4,
        "forget_bias": 0.5}}])
    return c.save(m, x, ys)


def tf1_basic_lstm():
    c = Case("tf1_basic_lstm", 302)
    inputs, units, classes = 3, 4, 5
    kernel, bias = c.w("rnn/basic_lstm_cell/kernel", inputs + units, 4 * units), c.w("rnn/basic_lstm_cell/bias", 4 * units)
    w_o, b_o = c.w("W_o", units, classes), c.w("b_o", classes)
    x = c.x(inputs)
    h, cell = np.zeros(units), np.zeros(units)
    for t in range(STEPS):
        i, j, f, o = np.split(np.concatenate([x[t], h]) @ kernel + bias, 4)
        cell = cell * sigmoid(f + 1.0) + sigmoid(i) * np.tanh(j)
        h = np.tanh(cell) * sigmoid(o)
    y = [softmax(h @ w_o + b_o)]
    m = manifest(inputs, [
        {"kind": "lstm", "convention": "tf1", "prefix": "rnn/basic_lstm_cell/", "attributes": {"cell": "BasicLSTMCell"}},
        {"kind": "dense", "convention": "tf1", "weights": {"kernel": "W_o", "bias": "b_o"}, "attributes": {"activation": "softmax"}},
    ], mode="last_step")
    return c.save(m, x, y)


def tf1_gru_cell():
    c = Case("tf1_gru_cell", 303)
    inputs, units = 3, 4
    gk, gb = c.w("g/gates/kernel", inputs + units, 2 * units), c.w("g/gates/bias", 2 * units)
    ck, cb = c.w("g/candidate/kernel", inputs + units, units), c.w("g/candidate/bias", units)
    x = c.x(inputs)
    h = np.zeros(units)
    ys = []
    for t in range(STEPS):
        r, u = np.split(sigmoid(np.concatenate([x[t], h]) @ gk + gb), 2)
        cand = np.tanh(np.concatenate([x[t], r * h]) @ ck + cb)
        h = u * h + (1 - u) * cand
        ys.append(h)
    m = manifest(inputs, [{"kind": "gru", "convention": "tf1", "prefix": "g/", "attributes": {"cell": "GRUCell", "num_units": units}}])
    return c.save(m, x, ys)


def tf1_basic_rnn():
    c = Case("tf1_basic_rnn", 304)
    inputs, units = 2, 3
    k, b = c.w("rnn/kernel", inputs + units, units), c.w("rnn/bias", units)
    x = c.x(inputs)
    h = np.zeros(units)
    ys = []
    for t in range(STEPS):
        h = np.tanh(np.concatenate([x[t], h]) @ k + b)
        ys.append(h)
    m = manifest(inputs, [{"kind": "rnn", "convention": "tf1", "prefix": "rnn/", "attributes": {"cell": "BasicRNNCell"}}])
    return c.save(m, x, ys)


# MARK: - ONNX (reference: ONNX Runtime)

def onnx_case(name, seed, op, hidden, attributes, peepholes=False, dense=True):
    c = Case(name, seed)
    inputs, classes = 3, 4
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    W = c.w(f"{op}.W", 1, gates * hidden, inputs).astype(np.float32)
    R = c.w(f"{op}.R", 1, gates * hidden, hidden).astype(np.float32)
    B = c.w(f"{op}.B", 1, 2 * gates * hidden).astype(np.float32)
    initializers = [helper.make_tensor(n, TensorProto.FLOAT, v.shape, v.flatten()) for n, v in (("W", W), ("R", R), ("B", B))]
    recurrent_inputs = ["X", "W", "R", "B"]
    if peepholes:
        P = c.w(f"{op}.P", 1, 3 * hidden).astype(np.float32)
        initializers.append(helper.make_tensor("P", TensorProto.FLOAT, P.shape, P.flatten()))
        recurrent_inputs += ["", "", "", "P"]
    nodes = [helper.make_node(op, recurrent_inputs, ["Y"], hidden_size=hidden, **attributes)]
    nodes.append(helper.make_node("Reshape", ["Y", "shape"], ["Y2"]))
    initializers.append(helper.make_tensor("shape", TensorProto.INT64, [2], [STEPS, hidden]))
    out_name, out_size = "Y2", hidden
    def plain(value):
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value.decode() if isinstance(value, bytes) else value
    layers = [{"kind": op.lower(), "convention": "onnx", "prefix": f"{op}.", "attributes": {
        k: plain(v) for k, v in attributes.items()}}]
    if dense:
        Bd = c.w("fc.B", classes, hidden).astype(np.float32)
        Cd = c.w("fc.C", classes).astype(np.float32)
        initializers += [helper.make_tensor("Bd", TensorProto.FLOAT, Bd.shape, Bd.flatten()),
                         helper.make_tensor("Cd", TensorProto.FLOAT, Cd.shape, Cd.flatten())]
        nodes += [helper.make_node("Gemm", ["Y2", "Bd", "Cd"], ["Z"], transB=1), helper.make_node("Softmax", ["Z"], ["P_out"], axis=1)]
        out_name, out_size = "P_out", classes
        layers.append({"kind": "dense", "convention": "onnx", "weights": {"B": "fc.B", "C": "fc.C"},
                       "attributes": {"transB": 1, "activation": "softmax"}})
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("X", TensorProto.FLOAT, [STEPS, 1, inputs])],
        [helper.make_tensor_value_info(out_name, TensorProto.FLOAT, [STEPS, out_size])], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    x = c.x(inputs)
    y = session.run(None, {"X": x.reshape(STEPS, 1, inputs)})[0]
    return c.save(manifest(inputs, layers), x, y)


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        os.remove(os.path.join(OUT, name))
    cases = [
        pytorch_lstm_stack(), pytorch_gru(), pytorch_rnn_relu(),
        keras_lstm_dense(), keras_gru(True), keras_gru(False), keras_simple_rnn(),
        tf1_lstm_cell(), tf1_basic_lstm(), tf1_gru_cell(), tf1_basic_rnn(),
        onnx_case("onnx_lstm_peephole_clip", 401, "LSTM", 4, {"clip": 1.5}, peepholes=True),
        onnx_case("onnx_gru_linear_before_reset", 402, "GRU", 5, {"linear_before_reset": 1}),
        onnx_case("onnx_gru", 403, "GRU", 3, {}, dense=False),
        onnx_case("onnx_rnn_relu", 404, "RNN", 4, {"activations": [b"Relu"]}),
    ]
    versions = {"python": sys.version.split()[0], "numpy": np.__version__, "onnx": onnx.__version__,
                "onnxruntime": onnxruntime.__version__, "safetensors": safetensors.__version__}
    with open(os.path.join(OUT, "index.json"), "w") as handle:
        json.dump({"made_with": versions, "steps": STEPS, "cases": cases}, handle, indent=1)
        handle.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(cases)} cases ({len(os.listdir(OUT))} files, {total} bytes) to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
