#!/usr/bin/env python3
"""Live parity check: `earshot infer` against ONNX Runtime on freshly seeded random models.

    python tools/checks/onnx_parity.py [--earshot BIN] [--seed N] [--steps 1000] [--keep DIR]
                                [--tolerance 1e-5] [--weights fp32,fp16,int8] [--only NAME ...]

Generates the models of tools/fixtures/onnx_models.py (a fresh, time-based seed unless --seed is given;
the seed is printed first so any failure can be reproduced), then for each model and each weight
type runs
    earshot convert M.onnx -o M.<w>.earshot --weights <w>
    earshot infer --model M.<w>.earshot --features M.x.npy --out M.<w>.out.npy
and compares the output with ONNX Runtime's fp32 output (shape [T, C], or [1, C] for a last-step
model):
    fp32   max abs error <= --tolerance (1e-5)
    fp16   max abs error <= --fp16-tolerance (1e-3)
    int8   the largest output (top-1) is ONNX Runtime's on >= --int8-agreement (99 %) of the
           "decisive" steps: those where ONNX Runtime's top-1 leads its runner-up by at least
           --int8-margin (1 %) of the median top-1 value. The random models' softmax outputs are
           nearly uniform (top-1 about 0.09 of 12 classes), so a fifth of their steps are near-ties
           that any int8 rounding flips (measured in numpy: weight rounding alone flips 0.5 % of
           steps); the agreement over all steps is printed beside it.
           Size: the int8 file is at most --int8-size-ratio (0.3) times the fp32 file, checked for
           models whose fp32 file exceeds 128 KiB (smaller files are dominated by the header, the
           fp32 biases and the per-row scales, which int8 does not shrink); the file ratio and the
           matrices-with-scales ratio are printed for every model.
Max abs errors are printed for every type. One more check ("options") converts the first model with
`--weights int8 --keep-fp32 last --calibration M.x.npy` and checks the report, the stored types (via
`inspect --json`) and the error for a --keep-fp32 naming no layer. If tools/checks/check_model_gguf.py exists
it is run on every converted model too. Prints a table and a last line `N passed, N failed` (one check per model and
weight type); exits 1 if anything failed.

Without --earshot the binary is looked up with `swift build --show-bin-path` (it must be built).
"""

from __future__ import annotations

import argparse
import os
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

TIMEOUT = 600  # seconds per earshot command


def find_earshot() -> str:
    result = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO, capture_output=True, text=True,
                            stdin=subprocess.DEVNULL)
    path = os.path.join(result.stdout.strip(), "earshot")
    if result.returncode != 0 or not os.access(path, os.X_OK):
        sys.exit(f"earshot binary not found (looked at {path!r}); build it or pass --earshot")
    return path


def run(command: list[str]) -> tuple[bool, str]:
    """Runs a command; returns (ok, last lines of its output)."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {TIMEOUT} s: {' '.join(command)}"
    except OSError as error:
        return False, f"{error}: {' '.join(command)}"
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        tail = "\n".join(output.splitlines()[-8:])
        return False, f"exit {result.returncode}: {' '.join(os.path.basename(c) for c in command[:2])}\n{tail}"
    return True, output


class Result:
    def __init__(self, name: str, steps: int, weights: str = "fp32"):
        self.name = name
        self.steps = steps
        self.weights = weights
        self.agreement = float("nan")
        self.decisive_agreement = float("nan")
        self.decisive_steps = 0
        self.size_ratio = float("nan")
        self.matrix_ratio = float("nan")
        self.max_error = float("nan")
        self.mean_error = float("nan")
        self.shape = ""
        self.gguf = "-"
        self.problems: list[str] = []

    @property
    def passed(self) -> bool:
        return not self.problems


# fp32 files below this size are exempt from the int8 file-size ratio check (not from the matrix ratio).
SIZE_RATIO_MIN_FILE_BYTES = 128 * 1024


def check_model(name: str, entry: dict, work: str, earshot: str, weights: str, limits: argparse.Namespace,
                checker: str | None) -> Result:
    result = Result(name, entry["x_shape"][0], weights)
    onnx_path = os.path.join(work, f"{name}.onnx")
    model_path = os.path.join(work, f"{name}.{weights}.earshot")
    x_path = os.path.join(work, f"{name}.x.npy")
    out_path = os.path.join(work, f"{name}.{weights}.out.npy")

    ok, message = run([earshot, "convert", onnx_path, "-o", model_path, "--weights", weights])
    if not ok:
        result.problems.append(f"convert failed: {message}")
        return result

    if checker:
        ok, message = run([sys.executable, checker, model_path])
        result.gguf = "ok" if ok else "FAIL"
        if not ok:
            result.problems.append(f"check_model_gguf failed: {message}")

    ok, message = run([earshot, "infer", "--model", model_path, "--features", x_path, "--out", out_path])
    if not ok:
        result.problems.append(f"infer failed: {message}")
        return result

    expected = np.load(os.path.join(work, f"{name}.y.npy"))
    try:
        actual = np.load(out_path)
    except Exception as error:  # noqa: BLE001 - any unreadable output is a failure to report
        result.problems.append(f"cannot read {out_path}: {error}")
        return result
    result.shape = "x".join(str(d) for d in actual.shape)
    if actual.dtype != np.float32:
        result.problems.append(f"output dtype {actual.dtype}, expected float32")
    if actual.shape != expected.shape:
        result.problems.append(f"output shape {list(actual.shape)}, expected {list(expected.shape)} "
                               f"({entry['output_mode']})")
        return result
    error = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    if not np.all(np.isfinite(actual)):
        result.problems.append(f"{int(np.sum(~np.isfinite(actual)))} non-finite outputs")
        return result
    result.max_error = float(error.max())
    result.mean_error = float(error.mean())
    agree = actual.argmax(axis=1) == expected.argmax(axis=1)
    result.agreement = float(np.mean(agree))
    ranked = np.sort(expected, axis=1)
    if expected.shape[1] > 1:
        decisive = ranked[:, -1] - ranked[:, -2] >= limits.int8_margin * float(np.median(np.abs(ranked[:, -1])))
    else:
        decisive = np.ones(len(expected), dtype=bool)
    result.decisive_steps = int(decisive.sum())
    result.decisive_agreement = float(np.mean(agree[decisive])) if decisive.any() else 1.0
    row, column = np.unravel_index(int(error.argmax()), error.shape)
    worst = (f"at step {row}, output {column}: earshot {actual[row, column]:.9g}, "
             f"onnxruntime {expected[row, column]:.9g}")
    if weights == "fp32" and result.max_error > limits.tolerance:
        result.problems.append(f"max abs error {result.max_error:.3g} > {limits.tolerance:g} {worst}")
    if weights == "fp16" and result.max_error > limits.fp16_tolerance:
        result.problems.append(f"max abs error {result.max_error:.3g} > {limits.fp16_tolerance:g} {worst}")
    if weights == "int8" and result.decisive_agreement < limits.int8_agreement:
        result.problems.append(f"top-1 agrees with onnxruntime on {result.decisive_agreement:.2%} of the "
                               f"{result.decisive_steps} steps whose top-1 leads by >= {limits.int8_margin:.0%} "
                               f"< {limits.int8_agreement:.0%} ({result.agreement:.2%} of all {len(actual)} steps)")
    return result


def check_convert_options(name: str, entry: dict, work: str, earshot: str) -> Result:
    """`convert --weights int8 --keep-fp32 last --calibration X.npy` end to end: the report names the
    calibration file and its frames, `inspect --json` shows the last weighted layer in fp32 and the
    others in int8, and a --keep-fp32 naming no layer fails with a message that lists the layers."""
    import json
    result = Result(name, entry["x_shape"][0], "options")
    onnx_path = os.path.join(work, f"{name}.onnx")
    x_path = os.path.join(work, f"{name}.x.npy")
    model_path = os.path.join(work, f"{name}.options.earshot")
    ok, message = run([earshot, "convert", onnx_path, "-o", model_path, "--weights", "int8", "--keep-fp32", "last",
                       "--calibration", x_path])
    if not ok:
        result.problems.append(f"convert failed: {message}")
        return result
    if f"{x_path} ({entry['x_shape'][0]} frames)" not in message or "SQNR dB" not in message:
        result.problems.append(f"the per-layer report does not name the calibration input:\n{message}")
    ok, text = run([earshot, "inspect", model_path, "--json"])
    if not ok:
        result.problems.append(f"inspect failed: {text}")
        return result
    layers = [layer for layer in json.loads(text)["layers"] if layer["weight_types"]]
    types = [layer["weight_types"] for layer in layers]
    if types[-1] != ["fp32"] or any(t != ["int8"] for t in types[:-1]):
        result.problems.append(f"weight types per layer {types}; expected int8 then fp32 for the last")
    ok, message = run([earshot, "convert", onnx_path, "-o", model_path + ".bad", "--weights", "int8",
                       "--keep-fp32", "99"])
    if ok or "there is no layer 99" not in message or "layers with weights: 0" not in message:
        result.problems.append(f"--keep-fp32 99 should fail naming the layers; got: {message}")
    result.shape = "-"
    return result


def check_sizes(results: list[Result], work: str, limit: float) -> None:
    """int8/fp32 ratios of the files and of the matrices, recorded on the int8 results and checked."""
    by_model = {(r.name, r.weights): r for r in results}
    for r in results:
        if r.weights != "int8" or (r.name, "fp32") not in by_model:
            continue
        paths = {w: os.path.join(work, f"{r.name}.{w}.earshot") for w in ("fp32", "int8")}
        if not all(os.path.exists(p) for p in paths.values()):
            continue
        fp32_bytes, int8_bytes = (os.path.getsize(paths[w]) for w in ("fp32", "int8"))
        r.size_ratio = int8_bytes / fp32_bytes
        if fp32_bytes > SIZE_RATIO_MIN_FILE_BYTES and r.size_ratio > limit:
            r.problems.append(f"int8 file is {r.size_ratio:.3f}x the fp32 file ({int8_bytes} / {fp32_bytes} bytes) "
                              f"> {limit}")
        r.matrix_ratio = matrix_bytes(paths["int8"]) / matrix_bytes(paths["fp32"])


def matrix_bytes(path: str) -> int:
    """Bytes of the matrices of an Earshot file, with their int8 row scales (read with the gguf package)."""
    import gguf
    reader = gguf.GGUFReader(path)
    return sum(int(t.n_bytes) for t in reader.tensors if len(t.shape) == 2 or t.name.endswith(".scale"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--earshot", help="path of the earshot binary (default: swift build --show-bin-path)")
    parser.add_argument("--seed", type=int, help="model and feature seed (default: fresh, time-based)")
    parser.add_argument("--steps", type=int, default=onnx_models.DEFAULT_STEPS)
    parser.add_argument("--keep", help="write models and outputs here and keep them")
    parser.add_argument("--tolerance", type=float, default=1e-5, help="fp32: max abs error allowed (default 1e-5)")
    parser.add_argument("--fp16-tolerance", type=float, default=1e-3,
                        help="fp16: max abs error allowed (default 1e-3)")
    parser.add_argument("--int8-agreement", type=float, default=0.99,
                        help="int8: share of steps whose top-1 must agree (default 0.99)")
    parser.add_argument("--int8-margin", type=float, default=0.01,
                        help="int8: top-1 is checked on steps where ONNX Runtime's top-1 leads by this share of "
                             "the median top-1 value (default 0.01)")
    parser.add_argument("--int8-size-ratio", type=float, default=0.3,
                        help="int8: largest int8/fp32 file size ratio (default 0.3)")
    parser.add_argument("--weights", default="fp32,fp16,int8",
                        help="comma-separated weight types to check (default fp32,fp16,int8)")
    parser.add_argument("--only", nargs="*", choices=list(onnx_models.MODELS), help="check only these models")
    args = parser.parse_args(argv)
    weight_types = [w.strip() for w in args.weights.split(",") if w.strip()]
    unknown = [w for w in weight_types if w not in ("fp32", "fp16", "int8")]
    if unknown or not weight_types:
        parser.error(f"--weights: unknown type(s) {unknown}; use fp32, fp16, int8")

    seed = args.seed if args.seed is not None else time.time_ns() % 2**32
    print(f"onnx parity: seed {seed}, {args.steps} steps, weights {','.join(weight_types)}; fp32 tolerance "
          f"{args.tolerance:g}, fp16 tolerance {args.fp16_tolerance:g}, int8 top-1 >= {args.int8_agreement:.0%} "
          f"(margin {args.int8_margin:.0%}) and file <= {args.int8_size_ratio}x fp32"
          f"   (reproduce: python tools/checks/onnx_parity.py --seed {seed} --steps {args.steps})", flush=True)
    earshot = os.path.abspath(args.earshot) if args.earshot else find_earshot()
    checker = os.path.join(TOOLS, "..", "checks", "check_model_gguf.py")
    checker = checker if os.path.exists(checker) else None
    if checker is None:
        print("note: tools/checks/check_model_gguf.py not present; GGUF container check skipped")

    work = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="earshot-parity-")
    try:
        manifest = onnx_models.build_all(work, seed, args.steps, args.only)
        versions = manifest["versions"]
        print(f"onnxruntime {versions['onnxruntime']}, onnx {versions['onnx']}, numpy {versions['numpy']}; "
              f"earshot {earshot}")
        results = [check_model(name, entry, work, earshot, weights, args, checker)
                   for name, entry in manifest["models"].items() for weights in weight_types]
        check_sizes(results, work, args.int8_size_ratio)
        if "int8" in weight_types:
            name = next(iter(manifest["models"]))
            results.append(check_convert_options(name, manifest["models"][name], work, earshot))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print()
    def ratio(value: float) -> str:
        return f"{value:6.3f}" if value == value else f"{'-':>6}"

    print(f"{'model':22} {'weights':7} {'steps':>5} {'output':>8} {'max abs err':>12} {'mean abs err':>12} "
          f"{'top-1':>8} {'decisive':>15} {'file':>6} {'matrix':>6} {'gguf':>5}  result")
    print("-" * 132)
    for r in results:
        decisive = f"{r.decisive_agreement:7.2%} of {r.decisive_steps:4d}" if r.weights == "int8" else f"{'-':>15}"
        print(f"{r.name:22} {r.weights:7} {r.steps:5d} {r.shape:>8} {r.max_error:12.3e} {r.mean_error:12.3e} "
              f"{r.agreement:8.2%} {decisive} {ratio(r.size_ratio)} {ratio(r.matrix_ratio)} {r.gguf:>5}  "
              f"{'pass' if r.passed else 'FAIL'}")
    print("top-1: share of steps whose largest output is ONNX Runtime's; decisive: the same over the steps "
          "where ONNX Runtime's top-1 leads by >= the margin; file, matrix: int8 / fp32 sizes of the files and of "
          f"the matrices with their scales (the file ratio is checked above {SIZE_RATIO_MIN_FILE_BYTES // 1024} KiB)")
    for weights in weight_types:
        chosen = [r for r in results if r.weights == weights and r.max_error == r.max_error]
        if chosen:
            line = (f"{weights}: worst max abs error {max(r.max_error for r in chosen):.3e}, "
                    f"lowest top-1 agreement {min(r.agreement for r in chosen):.2%}")
            if weights == "int8":
                line += f" (decisive steps {min(r.decisive_agreement for r in chosen):.2%})"
                sized = [r for r in chosen if r.size_ratio == r.size_ratio]
                if sized:
                    line += (f", largest size ratio file {max(r.size_ratio for r in sized):.3f} / matrices "
                             f"{max(r.matrix_ratio for r in sized):.3f}")
            print(line)
    failures = [r for r in results if not r.passed]
    if failures:
        print()
        for r in failures:
            for problem in r.problems:
                indented = problem.replace("\n", "\n      ")
                print(f"FAIL {r.name} ({r.weights}): {indented}")
        print(f"\nreproduce with: python tools/checks/onnx_parity.py --seed {seed} --steps {args.steps}")
    print()
    print(f"{len(results) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
