#!/usr/bin/env python3
"""Export a Keras model (.keras, .h5) as an Earshot weight archive + manifest.

    python tools/export/export_keras.py model.keras -o OUT [--labels a,b,c] [--output-mode last_step]
    earshot convert OUT.npz --manifest OUT.json -o model.earshot

Needs Keras 3 with a backend (tools/requirements-frameworks.txt: tensorflow-cpu brings both). Walks
the model's layers in order: InputLayer, LSTM, GRU, SimpleRNN, Dense, Activation/Softmax
("softmax", "linear"), Dropout (inference: identity). Each layer's weights go into OUT.npz as
<layer name>/kernel, /recurrent_kernel, /bias, and its configuration (units, activations,
use_bias, reset_after, go_backwards, ...) into the manifest, where Earshot checks it. Anything else
(Bidirectional, convolutions, ...) is refused with the layer's name. The output mode is last_step
when the last recurrent layer has return_sequences=False, else every_step.
"""
import argparse
import json
import os
import sys

import numpy as np

RECURRENT = {"LSTM": "lstm", "GRU": "gru", "SimpleRNN": "rnn"}
CONFIG_KEYS = ["units", "activation", "recurrent_activation", "use_bias", "return_sequences", "go_backwards",
               "reset_after", "unroll", "stateful"]


def export(model, output_mode=None):
    """(manifest dict without labels, weights dict) for a loaded Keras model."""
    arrays, layers = {}, []
    input_size = None
    last_return_sequences = True
    for layer in model.layers:
        kind = type(layer).__name__
        config = layer.get_config()
        if kind == "InputLayer":
            continue
        if kind == "Dropout":
            continue
        if input_size is None:
            shape = layer.input.shape if hasattr(layer, "input") else model.input_shape
            input_size = int(shape[-1])
        if kind in RECURRENT:
            names = ["kernel", "recurrent_kernel", "bias"] if config.get("use_bias", True) else ["kernel", "recurrent_kernel"]
            weights = layer.get_weights()
            if len(weights) != len(names):
                sys.exit(f"error: layer '{layer.name}' ({kind}) has {len(weights)} weight arrays, expected {len(names)}")
            for name, value in zip(names, weights):
                arrays[f"{layer.name}/{name}"] = np.asarray(value, dtype=np.float32)
            attributes = {key: config[key] for key in CONFIG_KEYS if key in config and not (kind == "SimpleRNN" and key == "recurrent_activation")}
            attributes = {k: (v if not isinstance(v, dict) else v.get("config", {}).get("name", str(v))) for k, v in attributes.items()}
            layers.append({"kind": RECURRENT[kind], "convention": "keras", "name": layer.name, "prefix": f"{layer.name}/",
                           "attributes": attributes})
            last_return_sequences = bool(config.get("return_sequences", False))
        elif kind == "Dense":
            weights = layer.get_weights()
            arrays[f"{layer.name}/kernel"] = np.asarray(weights[0], dtype=np.float32)
            if config.get("use_bias", True):
                arrays[f"{layer.name}/bias"] = np.asarray(weights[1], dtype=np.float32)
            layers.append({"kind": "dense", "convention": "keras", "name": layer.name, "prefix": f"{layer.name}/",
                           "attributes": {"units": config["units"], "activation": config["activation"], "use_bias": config.get("use_bias", True)}})
        elif kind in ("Activation", "Softmax"):
            activation = "softmax" if kind == "Softmax" else config["activation"]
            if activation == "linear":
                continue
            if activation != "softmax":
                sys.exit(f"error: layer '{layer.name}': a separate {activation} activation is not supported; fold it into the Dense layer")
            layers.append({"kind": "softmax", "name": layer.name})
        else:
            sys.exit(f"error: layer '{layer.name}' is a {kind}, which Earshot cannot run (LSTM, GRU, SimpleRNN, Dense, softmax)")
    mode = output_mode or ("every_step" if last_return_sequences else "last_step")
    manifest = {"earshot_manifest": 1, "input_size": input_size, "output_mode": mode, "layers": layers}
    return manifest, arrays


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="a Keras model file (.keras or .h5)")
    parser.add_argument("-o", "--output", required=True, help="output path without extension")
    parser.add_argument("--output-mode", choices=["last_step", "every_step"], help="default: from return_sequences")
    parser.add_argument("--labels", help="comma-separated labels, or @FILE with one per line")
    args = parser.parse_args()
    import keras

    model = keras.models.load_model(args.model, compile=False)
    manifest, arrays = export(model, args.output_mode)
    manifest["comment"] = f"exported by tools/export/export_keras.py from {os.path.basename(args.model)} (Keras {keras.__version__})"
    if args.labels:
        manifest["labels"] = open(args.labels[1:]).read().split() if args.labels.startswith("@") else args.labels.split(",")
    np.savez(args.output + ".npz", **arrays)
    with open(args.output + ".json", "w") as handle:
        json.dump(manifest, handle, indent=2)
        handle.write("\n")
    print(f"wrote {args.output}.npz ({len(arrays)} arrays) and {args.output}.json ({len(manifest['layers'])} layers, {manifest['output_mode']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
