#!/usr/bin/env python3
"""Check an Earshot model file with an independent GGUF reader (the `gguf` package from PyPI).

    python tools/checks/check_model_gguf.py MODEL.earshot [--expect-layers N]

Opens the file with gguf.GGUFReader, then checks, independently of Earshot's Swift reader:
  - general.architecture == "earshot" and earshot.format_version == 1;
  - the layer keys (docs/model-format.md) are present with the documented types, and sizes chain;
  - every tensor each layer needs is present with the shape the layer keys imply (numpy order,
    as gguf reports `tensor.data.shape`), vectors are fp32, matrices fp32/fp16/int8, int8
    matrices have an fp32 `<name>.scale` of shape [rows], and no tensor is unused;
  - labels, when present, number the final output size.
Prints a summary; exits 1 on any disagreement (each one printed), 2 on usage errors.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

try:
    import gguf
except ImportError:  # pragma: no cover - depends on the environment
    sys.exit("check_model_gguf.py needs the 'gguf' package: pip install gguf")

GGML_F32, GGML_F16, GGML_I8 = 0, 1, 24
TYPE_NAMES = {GGML_F32: "fp32", GGML_F16: "fp16", GGML_I8: "int8"}
LAYER_KEYS = {
    "kind": "STRING", "name": "STRING", "input_size": "UINT32", "hidden_size": "UINT32",
    "projection_size": "UINT32", "activation": "STRING", "peepholes": "BOOL", "reset_after": "BOOL",
    "forget_bias": "FLOAT32", "cell_clip": "FLOAT32", "gate_clip": "FLOAT32", "projection_clip": "FLOAT32",
}
MATRIX_ROLES = {"input_weights", "recurrent_weights", "projection"}


def required_tensors(layer: dict) -> list[tuple[str, tuple[int, ...]]]:
    """(role, numpy shape) pairs a layer needs; mirrors docs/model-format.md, not the Swift code."""
    kind, i, h = layer["kind"], layer["input_size"], layer["hidden_size"]
    p = layer["projection_size"]
    if kind == "dense":
        return [("input_weights", (h, i)), ("bias", (h,))]
    if kind == "lstm":
        out = p if p > 0 else h
        roles = [("input_weights", (4 * h, i)), ("recurrent_weights", (4 * h, out)), ("bias", (4 * h,))]
        if layer["peepholes"]:
            roles.append(("peepholes", (3 * h,)))
        if p > 0:
            roles.append(("projection", (p, h)))
        return roles
    if kind == "gru":
        return [("input_weights", (3 * h, i)), ("recurrent_weights", (3 * h, h)),
                ("input_bias", (3 * h,)), ("recurrent_bias", (3 * h,))]
    if kind == "rnn":
        return [("input_weights", (h, i)), ("recurrent_weights", (h, h)), ("bias", (h,))]
    if kind == "softmax":
        return []
    raise ValueError(f"unknown layer kind {kind!r}")


def output_size(layer: dict) -> int:
    if layer["kind"] == "lstm" and layer["projection_size"] > 0:
        return layer["projection_size"]
    if layer["kind"] == "softmax":
        return layer["input_size"]
    return layer["hidden_size"]


class Checker:
    def __init__(self, reader: gguf.GGUFReader):
        self.reader = reader
        self.problems: list[str] = []

    def fail(self, message: str) -> None:
        self.problems.append(message)

    def value(self, key: str, type_name: str):
        field = self.reader.fields.get(key)
        if field is None:
            self.fail(f"missing key {key}")
            return None
        expected = getattr(gguf.GGUFValueType, type_name)
        if not field.types or field.types[0] != expected:
            self.fail(f"key {key} has type {[t.name for t in field.types]}, expected {type_name}")
            return None
        return field.contents()

    def run(self, expect_layers: int | None) -> dict:
        architecture = self.value("general.architecture", "STRING")
        if architecture is not None and architecture != "earshot":
            self.fail(f"general.architecture is {architecture!r}, not 'earshot'")
        version = self.value("earshot.format_version", "UINT32")
        if version is not None and version != 1:
            self.fail(f"earshot.format_version is {version}, this checker knows 1")
        input_size = self.value("earshot.input_size", "UINT32")
        output_mode = self.value("earshot.output_mode", "STRING")
        if output_mode is not None and output_mode not in ("every_step", "last_step"):
            self.fail(f"earshot.output_mode is {output_mode!r}")
        labels = []
        if "earshot.labels" in self.reader.fields:
            field = self.reader.fields["earshot.labels"]
            type_names = [t.name for t in field.types]
            if type_names == ["ARRAY"] and not field.data:
                labels = []  # an empty array carries no element type in gguf's reader
            elif type_names != ["ARRAY", "STRING"]:
                self.fail("earshot.labels is not an array of strings")
            else:
                labels = field.contents()
        layer_count = self.value("earshot.layer_count", "UINT32") or 0
        if expect_layers is not None and layer_count != expect_layers:
            self.fail(f"earshot.layer_count is {layer_count}, expected {expect_layers}")

        tensors = {}
        for tensor in self.reader.tensors:
            if tensor.name in tensors:
                self.fail(f"tensor {tensor.name} appears twice")
            tensors[tensor.name] = tensor
        used: set[str] = set()
        layers = []
        previous = input_size
        for index in range(layer_count):
            layer = {}
            for name, kind in LAYER_KEYS.items():
                key = f"earshot.layer.{index}.{name}"
                # An empty name may be omitted (gguf's own writer skips empty strings).
                layer[name] = "" if name == "name" and key not in self.reader.fields else self.value(key, kind)
            if any(v is None for v in layer.values()):
                continue
            layers.append(layer)
            if previous is not None and layer["input_size"] != previous:
                self.fail(f"layer {index} input_size {layer['input_size']} != previous output {previous}")
            previous = output_size(layer)
            try:
                roles = required_tensors(layer)
            except ValueError as error:
                self.fail(f"layer {index}: {error}")
                continue
            for role, shape in roles:
                self.check_tensor(f"layer.{index}.{role}", role, shape, tensors, used)
        if labels and layers and len(labels) != output_size(layers[-1]):
            self.fail(f"{len(labels)} labels for {output_size(layers[-1])} outputs")
        for name in tensors:
            if name not in used:
                self.fail(f"tensor {name} is not used by any layer")
        return {"input_size": input_size, "output_mode": output_mode, "labels": labels, "layers": layers,
                "tensors": tensors}

    def check_tensor(self, name: str, role: str, shape: tuple[int, ...], tensors: dict, used: set) -> None:
        tensor = tensors.get(name)
        if tensor is None:
            self.fail(f"missing tensor {name}")
            return
        used.add(name)
        found = tuple(int(d) for d in tensor.data.shape)
        if found != shape:
            self.fail(f"tensor {name} has shape {found}, expected {shape}")
        type_id = int(tensor.tensor_type)
        if role not in MATRIX_ROLES:
            if type_id != GGML_F32:
                self.fail(f"vector {name} has type {TYPE_NAMES.get(type_id, type_id)}, expected fp32")
            return
        if type_id not in TYPE_NAMES:
            self.fail(f"matrix {name} has unsupported type {type_id}")
        if type_id == GGML_I8:
            scale = tensors.get(name + ".scale")
            if scale is None:
                self.fail(f"int8 tensor {name} has no {name}.scale")
                return
            used.add(name + ".scale")
            if int(scale.tensor_type) != GGML_F32 or tuple(scale.data.shape) != (shape[0],):
                self.fail(f"{name}.scale should be fp32 [{shape[0]}]")
            elif not np.all(np.isfinite(scale.data)) or np.any(scale.data < 0):
                self.fail(f"{name}.scale has non-finite or negative values")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="an Earshot model file (.earshot, GGUF v3)")
    parser.add_argument("--expect-layers", type=int, default=None, help="fail unless the model has N layers")
    args = parser.parse_args()
    try:
        reader = gguf.GGUFReader(args.model)
    except Exception as error:  # gguf raises ValueError, OSError, ...
        print(f"{args.model}: gguf cannot read the file: {error}")
        return 1
    checker = Checker(reader)
    summary = checker.run(args.expect_layers)
    print(f"{args.model}: GGUF v{reader.fields['GGUF.version'].contents()}, alignment {reader.alignment}, "
          f"input {summary['input_size']}, output mode {summary['output_mode']}, {len(summary['labels'])} labels")
    for index, layer in enumerate(summary["layers"]):
        extras = []
        if layer["kind"] == "lstm":
            extras += [f"projection {layer['projection_size']}"] if layer["projection_size"] else []
            extras += ["peepholes"] if layer["peepholes"] else []
        if layer["kind"] == "gru":
            extras.append("reset_after" if layer["reset_after"] else "reset_before")
        if layer["kind"] in ("dense", "rnn"):
            extras.append(layer["activation"])
        print(f"  layer {index}: {layer['kind']} {layer['input_size']} -> {output_size(layer)}"
              + (f" ({', '.join(extras)})" if extras else ""))
    for name, tensor in summary["tensors"].items():
        print(f"  {name}: {TYPE_NAMES.get(int(tensor.tensor_type), tensor.tensor_type)} {list(tensor.data.shape)}")
    if checker.problems:
        for problem in checker.problems:
            print(f"DISAGREEMENT: {problem}")
        return 1
    print("OK: gguf agrees with the Earshot layout")
    return 0


if __name__ == "__main__":
    sys.exit(main())
