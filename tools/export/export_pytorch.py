#!/usr/bin/env python3
"""Export a PyTorch state_dict as an Earshot weight archive + manifest.

    python tools/export/export_pytorch.py state.safetensors -o OUT [--activations fc=softmax] [--labels a,b]
    python tools/export/export_pytorch.py model.pt -o OUT              # needs torch to read .pt/.pth
    earshot convert OUT.safetensors --manifest OUT.json -o model.earshot

The input is a state_dict: a .safetensors file (safetensors.torch.save_file(model.state_dict(), ...),
read here without torch) or a torch.save'd .pt/.pth/.bin (read with torch.load, which needs torch).
Modules are recognized by their keys and put in the one order their sizes chain in (a .safetensors
file sorts its keys), else in file order (check the manifest, or give --order):

  <m>.weight_ih_l<k>, weight_hh_l<k>, bias_ih_l<k>, bias_hh_l<k> [, weight_hr_l<k>]
      nn.LSTM (4 gate blocks, or weight_hr), nn.GRU (3) or nn.RNN (1), num_layers = k + 1
  <m>.weight [out, in] [, <m>.bias]   nn.Linear

`_reverse` keys make the module bidirectional (`bidirectional: true`, output 2H); such a model runs
windowed, so --window-frames W [--window-hop K] is then required (the manifest's `execution`, output
mode last_step). What a state_dict cannot say is given by flags:
--rnn-nonlinearity (nn.RNN's tanh or relu), --activations NAME=ACT,... for nn.Linear modules
(relu, tanh, sigmoid, softmax), --output-mode, --labels. The weights are written unchanged to
OUT.safetensors (or OUT.npz with --npz).
"""
import argparse
import json
import os
import re
import sys

import numpy as np

RECURRENT_KEY = re.compile(r"^(.*?)(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\d+)(_reverse)?$")


def load_state_dict(path):
    if path.endswith(".safetensors"):
        import safetensors.numpy
        return dict(safetensors.numpy.load_file(path))
    try:
        import torch
    except ImportError:
        sys.exit(f"error: reading '{path}' needs torch; save the state_dict with safetensors.torch.save_file instead")
    state = torch.load(path, map_location="cpu", weights_only=True)
    if hasattr(state, "state_dict"):
        state = state.state_dict()
    return {key: value.detach().float().numpy() for key, value in state.items() if hasattr(value, "detach")}


def sizes(prefix, module, state):
    """(input size, output size) of a module."""
    if module["type"] == "linear":
        weight = state[prefix + "weight"]
        return weight.shape[1], weight.shape[0]
    last = module["layers"] - 1
    projection = module["keys"].get(("weight_hr", last))
    output = projection.shape[0] if projection is not None else module["keys"][("weight_hh", last)].shape[1]
    if module.get("bidirectional"):
        output *= 2
    return module["keys"][("weight_ih", 0)].shape[1], output


def chain_order(order, modules, state, explicit):
    """Modules in forward order: --order if given, else the one chain their sizes allow (a
    .safetensors file sorts its keys, losing the registration order), else the file order."""
    if explicit:
        names = [name if name.endswith(".") else name + "." for name in explicit.split(",")]
        unknown = [name for name in names if name not in modules]
        if unknown or sorted(names) != sorted(order):
            sys.exit(f"error: --order must name each module once: {', '.join(p.rstrip('.') for p in order)}")
        return names
    io = {prefix: sizes(prefix, modules[prefix], state) for prefix in order}
    starts = [p for p in order if not any(io[q][1] == io[p][0] for q in order if q != p)]
    if len(starts) == 1:
        chain, current = [starts[0]], io[starts[0]][1]
        while len(chain) < len(order):
            nexts = [p for p in order if p not in chain and io[p][0] == current]
            if len(nexts) != 1:
                break
            chain.append(nexts[0])
            current = io[nexts[0]][1]
        if len(chain) == len(order):
            return chain
    print("warning: the module order is ambiguous from the sizes; using the file's order (check it, or pass --order)", file=sys.stderr)
    return order


def infer_manifest(state, args):
    modules, order = {}, []
    for key, value in state.items():
        match = RECURRENT_KEY.match(key)
        if match:
            prefix, slot, layer, reverse = match.group(1), match.group(2), int(match.group(3)), match.group(4)
            entry = modules.setdefault(prefix, {"type": "recurrent", "layers": 0, "keys": {}})
            if reverse:
                # The reverse direction of a bidirectional module: read by the importer from the same prefix.
                entry["bidirectional"] = True
                if prefix not in order:
                    order.append(prefix)
                continue
            entry["layers"] = max(entry["layers"], layer + 1)
            entry["keys"][(slot, layer)] = value
        elif key.endswith("weight") and value.ndim == 2:
            prefix = key[:-len("weight")]
            modules.setdefault(prefix, {"type": "linear"})
        elif key.endswith("bias") and key[:-len("bias")] in modules:
            continue
        elif key.endswith(("num_batches_tracked", "running_mean", "running_var")) or value.ndim == 0:
            print(f"note: ignoring '{key}'", file=sys.stderr)
            continue
        else:
            if not any(key.startswith(p) for p in modules) and not key.endswith("bias"):
                sys.exit(f"error: '{key}' {list(value.shape)} belongs to no module Earshot can run (LSTM, GRU, RNN, Linear)")
            continue
        prefix = match.group(1) if match else key[:-len("weight")]
        if prefix not in order:
            order.append(prefix)
    order = chain_order(order, modules, state, args.order)
    activations = dict(item.split("=", 1) for item in args.activations.split(",")) if args.activations else {}
    layers, input_size = [], None
    for prefix in order:
        module = modules[prefix]
        name = prefix.rstrip(".")
        if module["type"] == "recurrent":
            w_hh = module["keys"][("weight_hh", 0)]
            w_ih = module["keys"][("weight_ih", 0)]
            projection = module["keys"].get(("weight_hr", 0))
            hidden = projection.shape[1] if projection is not None else w_hh.shape[1]
            gates = w_hh.shape[0] // hidden
            kind = {4: "lstm", 3: "gru", 1: "rnn"}.get(gates)
            if kind is None or gates * hidden != w_hh.shape[0]:
                sys.exit(f"error: '{prefix}weight_hh_l0' has shape {list(w_hh.shape)}, which is no LSTM, GRU or RNN")
            attributes = {"input_size": int(w_ih.shape[1]), "hidden_size": int(hidden), "num_layers": module["layers"],
                          "bias": ("bias_ih", 0) in module["keys"]}
            if projection is not None:
                attributes["proj_size"] = int(projection.shape[0])
            if kind == "rnn":
                attributes["nonlinearity"] = args.rnn_nonlinearity
            if module.get("bidirectional"):
                attributes["bidirectional"] = True
            layers.append({"kind": kind, "convention": "pytorch", "name": name, "prefix": prefix, "attributes": attributes})
            input_size = input_size or int(w_ih.shape[1])
        else:
            weight = state[prefix + "weight"]
            attributes = {"in_features": int(weight.shape[1]), "out_features": int(weight.shape[0]),
                          "bias": (prefix + "bias") in state, "activation": activations.pop(name, "linear")}
            layers.append({"kind": "dense", "convention": "pytorch", "name": name, "prefix": prefix, "attributes": attributes})
            input_size = input_size or int(weight.shape[1])
    if activations:
        sys.exit(f"error: --activations names modules that are not nn.Linear layers here: {', '.join(activations)}")
    manifest = {"earshot_manifest": 1, "input_size": input_size, "output_mode": args.output_mode, "layers": layers}
    if args.window_frames:
        manifest["execution"] = {"mode": "windowed", "window_frames": args.window_frames,
                                 "window_hop": args.window_hop or args.window_frames}
    if any(modules[p].get("bidirectional") for p in order):
        if not args.window_frames:
            sys.exit("error: the state_dict holds bidirectional modules (_reverse keys); they run over windows: "
                     "pass --window-frames W (and --window-hop K)")
        manifest["output_mode"] = "last_step"
    return manifest


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("state_dict", help=".safetensors, or .pt/.pth/.bin (needs torch)")
    parser.add_argument("-o", "--output", required=True, help="output path without extension")
    parser.add_argument("--output-mode", default="every_step", choices=["every_step", "last_step"])
    parser.add_argument("--rnn-nonlinearity", default="tanh", choices=["tanh", "relu"])
    parser.add_argument("--activations", help="nn.Linear activations, e.g. fc1=relu,fc2=softmax")
    parser.add_argument("--labels", help="comma-separated labels, or @FILE with one per line")
    parser.add_argument("--order", help="module names in forward order, e.g. rnn,fc (default: from the sizes)")
    parser.add_argument("--npz", action="store_true", help="write OUT.npz instead of OUT.safetensors")
    parser.add_argument("--window-frames", type=int, help="run windowed over W frames (required for bidirectional modules)")
    parser.add_argument("--window-hop", type=int, help="with --window-frames: frames between windows (default W)")
    args = parser.parse_args()

    state = {key: np.ascontiguousarray(value, dtype=np.float32) for key, value in load_state_dict(args.state_dict).items()
             if np.issubdtype(np.asarray(value).dtype, np.floating)}
    manifest = infer_manifest(state, args)
    manifest["comment"] = f"exported by tools/export/export_pytorch.py from {os.path.basename(args.state_dict)}"
    if args.labels:
        manifest["labels"] = open(args.labels[1:]).read().split() if args.labels.startswith("@") else args.labels.split(",")
    if args.npz:
        archive = args.output + ".npz"
        np.savez(archive, **state)
    else:
        import safetensors.numpy
        archive = args.output + ".safetensors"
        safetensors.numpy.save_file(state, archive)
    with open(args.output + ".json", "w") as handle:
        json.dump(manifest, handle, indent=2)
        handle.write("\n")
    print(f"wrote {archive} and {args.output}.json:")
    for layer in manifest["layers"]:
        print(f"  {layer['kind']:6} {layer['name']} {layer['attributes']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
