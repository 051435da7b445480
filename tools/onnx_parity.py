#!/usr/bin/env python3
"""Live parity check: `earshot infer` against ONNX Runtime on freshly seeded random models.

    python tools/onnx_parity.py [--earshot BIN] [--seed N] [--steps 1000] [--keep DIR]
                                [--tolerance 1e-5] [--only NAME ...]

Generates the models of tools/onnx_models.py (a fresh, time-based seed unless --seed is given;
the seed is printed first so any failure can be reproduced), then for each model runs
    earshot convert M.onnx -o M.earshot --weights fp32
    earshot infer --model M.earshot --features M.x.npy --out M.out.npy
and compares the output with ONNX Runtime's (max abs error <= tolerance, shape [T, C], or [1, C]
for a last-step model). If tools/check_model_gguf.py exists it is run on every converted model
too. Prints a table and a last line `N passed, N failed`; exits 1 if anything failed.

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
REPO = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)

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
    def __init__(self, name: str, steps: int):
        self.name = name
        self.steps = steps
        self.max_error = float("nan")
        self.mean_error = float("nan")
        self.shape = ""
        self.gguf = "-"
        self.problems: list[str] = []

    @property
    def passed(self) -> bool:
        return not self.problems


def check_model(name: str, entry: dict, work: str, earshot: str, tolerance: float, checker: str | None) -> Result:
    result = Result(name, entry["x_shape"][0])
    onnx_path = os.path.join(work, f"{name}.onnx")
    model_path = os.path.join(work, f"{name}.earshot")
    x_path = os.path.join(work, f"{name}.x.npy")
    out_path = os.path.join(work, f"{name}.out.npy")

    ok, message = run([earshot, "convert", onnx_path, "-o", model_path, "--weights", "fp32"])
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
    if result.max_error > tolerance:
        row, column = np.unravel_index(int(error.argmax()), error.shape)
        result.problems.append(f"max abs error {result.max_error:.3g} > {tolerance:g} at step {row}, output "
                               f"{column}: earshot {actual[row, column]:.9g}, onnxruntime {expected[row, column]:.9g}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--earshot", help="path of the earshot binary (default: swift build --show-bin-path)")
    parser.add_argument("--seed", type=int, help="model and feature seed (default: fresh, time-based)")
    parser.add_argument("--steps", type=int, default=onnx_models.DEFAULT_STEPS)
    parser.add_argument("--keep", help="write models and outputs here and keep them")
    parser.add_argument("--tolerance", type=float, default=1e-5, help="max abs error allowed (default 1e-5)")
    parser.add_argument("--only", nargs="*", choices=list(onnx_models.MODELS), help="check only these models")
    args = parser.parse_args(argv)

    seed = args.seed if args.seed is not None else time.time_ns() % 2**32
    print(f"onnx parity: seed {seed}, {args.steps} steps, tolerance {args.tolerance:g}"
          f"   (reproduce: python tools/onnx_parity.py --seed {seed} --steps {args.steps})", flush=True)
    earshot = os.path.abspath(args.earshot) if args.earshot else find_earshot()
    checker = os.path.join(TOOLS, "check_model_gguf.py")
    checker = checker if os.path.exists(checker) else None
    if checker is None:
        print("note: tools/check_model_gguf.py not present; GGUF container check skipped")

    work = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="earshot-parity-")
    try:
        manifest = onnx_models.build_all(work, seed, args.steps, args.only)
        versions = manifest["versions"]
        print(f"onnxruntime {versions['onnxruntime']}, onnx {versions['onnx']}, numpy {versions['numpy']}; "
              f"earshot {earshot}")
        results = [check_model(name, entry, work, earshot, args.tolerance, checker)
                   for name, entry in manifest["models"].items()]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"{'model':22} {'steps':>5} {'output':>8} {'max abs err':>12} {'mean abs err':>12} {'gguf':>5}  result")
    print("-" * 80)
    for r in results:
        print(f"{r.name:22} {r.steps:5d} {r.shape:>8} {r.max_error:12.3e} {r.mean_error:12.3e} {r.gguf:>5}  "
              f"{'pass' if r.passed else 'FAIL'}")
    failures = [r for r in results if not r.passed]
    if failures:
        print()
        for r in failures:
            for problem in r.problems:
                indented = problem.replace("\n", "\n      ")
                print(f"FAIL {r.name}: {indented}")
        print(f"\nreproduce with: python tools/onnx_parity.py --seed {seed} --steps {args.steps}")
    print()
    print(f"{len(results) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
