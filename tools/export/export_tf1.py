#!/usr/bin/env python3
"""Export a TensorFlow 1 model (frozen graph .pb or checkpoint) as an Earshot weight archive + manifest.

    python tools/export/export_tf1.py MODEL.pb -o OUT            # writes OUT.npz and OUT.json
    python tools/export/export_tf1.py path/to/model.ckpt-123 -o OUT --input-size 10
    earshot convert OUT.npz --manifest OUT.json -o model.earshot

Needs TensorFlow (tools/requirements-frameworks.txt). Every float constant of a frozen graph (or
float variable of a checkpoint, optimizer slots aside) goes into OUT.npz under its TensorFlow name,
as ../shared/data/ml-kws/reference/<M>_weights.npz was made. The manifest is then inferred from the
names the tf.nn.rnn_cell / tf.contrib.rnn cells give their variables:

  <scope>/lstm_cell/kernel, bias [, w_i_diag, w_f_diag, w_o_diag] [, projection/kernel]   LSTMCell
  <scope>/basic_lstm_cell/kernel, bias                                                    BasicLSTMCell
  <scope>/gru_cell/gates/kernel, gates/bias, candidate/kernel, candidate/bias              GRUCell
  <scope>/basic_rnn_cell/kernel, bias                                                     BasicRNNCell

in graph order (cell_0, cell_1, ... of a MultiRNNCell), followed by the dense layers x @ W + b that
chain from the last cell's output (a 2-D constant with as many rows as that output, and a 1-D
constant of its column count), and a softmax when the graph has a Softmax op. Anything it cannot
place (convolutions, other tensors) is reported; check the manifest before converting. The cells'
forget_bias is TensorFlow's default 1.0 unless --forget-bias says otherwise (a frozen graph keeps it
only as an anonymous constant).
"""
import argparse
import json
import os
import sys

import numpy as np

# (suffix of the kernel's name, kind, TensorFlow cell, the kernel's key under the cell's prefix)
CELL_KERNELS = [
    ("basic_lstm_cell/kernel", "lstm", "BasicLSTMCell", "kernel"),
    ("lstm_cell/kernel", "lstm", "LSTMCell", "kernel"),
    ("gru_cell/gates/kernel", "gru", "GRUCell", "gates/kernel"),
    ("basic_rnn_cell/kernel", "rnn", "BasicRNNCell", "kernel"),
]


def load_constants(path):
    """Float arrays by name, in graph order, and the set of op types (frozen graphs only)."""
    import tensorflow as tf

    constants, ops = {}, set()
    if path.endswith(".pb"):
        graph_def = tf.compat.v1.GraphDef()
        with open(path, "rb") as handle:
            graph_def.ParseFromString(handle.read())
        for node in graph_def.node:
            ops.add(node.op)
            if node.op == "Const" and node.attr["dtype"].type in (tf.float32.as_datatype_enum, tf.float64.as_datatype_enum,
                                                                   tf.float16.as_datatype_enum):
                value = tf.make_ndarray(node.attr["value"].tensor)
                if value.ndim >= 1:
                    constants[node.name] = value.astype(np.float32)
    else:
        reader = tf.train.load_checkpoint(path)
        dtypes = reader.get_variable_to_dtype_map()
        for name in sorted(reader.get_variable_to_shape_map()):
            if any(part in name for part in ("/Adam", "/Momentum", "/RMSProp", "global_step", "/ExponentialMovingAverage")):
                continue
            if dtypes[name].is_floating:
                value = reader.get_tensor(name)
                if value.ndim >= 1:
                    constants[name] = value.astype(np.float32)
    return constants, ops


def infer_manifest(constants, ops, args):
    used, layers = set(), []
    cells = []
    for name in constants:
        for suffix, kind, cell, key in CELL_KERNELS:
            if name == suffix or name.endswith("/" + suffix):
                cells.append((kind, cell, name[:-len(key)]))
                break
    size = args.input_size
    for kind, cell, prefix in cells:
        attributes = {"cell": cell}
        if kind == "lstm":
            kernel, bias = constants[prefix + "kernel"], constants[prefix + "bias"]
            hidden = bias.shape[0] // 4
            projection = constants.get(prefix + "projection/kernel")
            recurrent = projection.shape[1] if projection is not None else hidden
            keys = ["kernel", "bias", "w_i_diag", "w_f_diag", "w_o_diag", "projection/kernel"]
            attributes.update(num_units=hidden, forget_bias=args.forget_bias)
            if cell == "LSTMCell":
                attributes["use_peepholes"] = prefix + "w_i_diag" in constants
                if projection is not None:
                    attributes["num_proj"] = int(projection.shape[1])
            output = recurrent
        elif kind == "gru":
            kernel = constants[prefix + "gates/kernel"]
            hidden = constants[prefix + "candidate/bias"].shape[0]
            recurrent = hidden
            keys = ["gates/kernel", "gates/bias", "candidate/kernel", "candidate/bias"]
            attributes["num_units"] = hidden
            output = hidden
        else:
            kernel = constants[prefix + "kernel"]
            hidden = constants[prefix + "bias"].shape[0]
            recurrent = hidden
            keys = ["kernel", "bias"]
            attributes["num_units"] = hidden
            output = hidden
        input_size = kernel.shape[0] - recurrent
        if size is None:
            size = input_size
            args.input_size = input_size
        elif input_size != size:
            sys.exit(f"error: cell '{prefix}' takes {input_size} inputs, but the previous stage emits {size}")
        used.update(prefix + key for key in keys if prefix + key in constants)
        layers.append({"kind": kind, "convention": "tf1", "name": prefix.rstrip("/"), "prefix": prefix, "attributes": attributes})
        size = output
    if size is None:
        sys.exit("error: no TensorFlow 1 RNN cell variables found, and no --input-size to start dense layers from")
    # Dense layers chaining from the last output: a [size, out] matrix and an [out] vector after it.
    names = list(constants)
    while True:
        candidates = [n for n in names if n not in used and constants[n].ndim == 2 and constants[n].shape[0] == size]
        if not candidates:
            break
        kernel = candidates[0]
        out = constants[kernel].shape[1]
        after = names[names.index(kernel) + 1:] + names[:names.index(kernel)]
        bias = next((n for n in after if n not in used and constants[n].ndim == 1 and constants[n].shape[0] == out), None)
        weights = {"kernel": kernel}
        if bias:
            weights["bias"] = bias
            used.add(bias)
        used.add(kernel)
        layers.append({"kind": "dense", "convention": "tf1", "name": kernel, "weights": weights,
                       "attributes": {"units": int(out)} if bias else {"units": int(out), "use_bias": False}})
        size = out
    if "Softmax" in ops or args.softmax:
        layers.append({"kind": "softmax"})
    leftovers = [n for n in names if n not in used]
    return layers, leftovers


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="frozen graph (.pb) or checkpoint prefix")
    parser.add_argument("-o", "--output", required=True, help="output path without extension")
    parser.add_argument("--input-size", type=int, help="features per frame (default: from the first cell)")
    parser.add_argument("--output-mode", default="last_step", choices=["last_step", "every_step"])
    parser.add_argument("--labels", help="comma-separated labels, or @FILE with one per line")
    parser.add_argument("--forget-bias", type=float, default=1.0)
    parser.add_argument("--softmax", action="store_true", help="end with a softmax even if no Softmax op is seen")
    args = parser.parse_args()

    constants, ops = load_constants(args.model)
    layers, leftovers = infer_manifest(constants, ops, args)
    manifest = {"earshot_manifest": 1, "comment": f"exported by tools/export/export_tf1.py from {os.path.basename(args.model)}",
                "input_size": args.input_size, "output_mode": args.output_mode}
    if args.labels:
        labels = open(args.labels[1:]).read().split() if args.labels.startswith("@") else args.labels.split(",")
        manifest["labels"] = labels
    manifest["layers"] = layers
    np.savez(args.output + ".npz", **constants)
    with open(args.output + ".json", "w") as handle:
        json.dump(manifest, handle, indent=2)
        handle.write("\n")
    print(f"wrote {args.output}.npz ({len(constants)} arrays) and {args.output}.json:")
    for layer in layers:
        print(f"  {layer['kind']:8} {layer.get('name', '')} {layer.get('attributes', '')}")
    if leftovers:
        shapes = ", ".join(f"{n} {list(constants[n].shape)}" for n in leftovers[:8])
        print(f"warning: {len(leftovers)} constants are not used by the manifest ({shapes}{', ...' if len(leftovers) > 8 else ''}); "
              "convolutions and other layers are not supported", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
