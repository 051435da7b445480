#!/usr/bin/env python3
"""The static aarch64 build (tools/build_aarch64.sh) against the x86-64 build, under qemu-user.

    python tools/checks/aarch64_parity.py --host .build/debug/earshot --aarch64 .build-aarch64/earshot
                                   [--cpus cortex-a53,cortex-a72,cortex-a76] [--steps 200] [--clips 16]

Runs the same commands with the host `earshot` and with the aarch64 `earshot` under
`qemu-aarch64-static -cpu CPU` for each CPU (Pi Zero 2 W / Pi 3: cortex-a53, Pi 4: cortex-a72,
Pi 5: cortex-a76) and checks:
  kernels    `inspect` names the kernel path dispatch must pick on that CPU (neon; neon+dotprod on
             the A76), and its text and JSON are otherwise identical to the host's
  fp32       `infer` on the seeded ONNX models of tools/fixtures/onnx_models.py (converted by the host build;
             ONNX Runtime's outputs are reported beside) and on the manifest fixtures of
             Tests/ConverterTests/ManifestFixtures (their frameworks' inputs): max |aarch64 - x86| <= 1e-5
  int8       the same models converted with --weights int8: top-1 of every output row identical
  default    `detect` with models/default.earshot (int8) on real Speech Commands clips: labels identical,
             scores within 1e-5
  features   `features --model models/default.earshot` on the same clips: within 1e-5
  hostile    truncated, corrupted and wrong-magic model files: the same exit status and error text
  allocs     `count-allocations` (aarch64 build only): the counter counts at load (> 0), then 0
             allocations over every network step and every front-end hop after the first (whose
             one-time runtime initialization is reported, as the host AllocationTests warm up first)
Then the streaming commands: listen, detect --stream, profile, infer --wav on microWakeWord TFLite
models (tools/checks/aarch64_stream_checks.py).
Prints one line per check and a last line `N passed, M failed`; exit status 1 if any failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path[:0] = [os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), d) for d in ("lib", "checks", "fixtures", "bench", "export")]
import onnx_models  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, "Tests", "ConverterTests", "ManifestFixtures")
CLIPS = os.path.join(REPO, "..", "shared", "data", "speech_commands_v0.02_subset")
DEFAULT_MODEL = os.path.join(REPO, "models", "default.earshot")
EXPECTED_PATH = {"cortex-a53": "aarch64 neon", "cortex-a72": "aarch64 neon", "cortex-a76": "aarch64 neon+dotprod"}
TOLERANCE = 1e-5


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def report(self, ok: bool, name: str, detail: str) -> None:
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"{'ok  ' if ok else 'FAIL'} {name:44} {detail}", flush=True)


def run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def host_and_targets(args) -> list[tuple[str, list[str]]]:
    """('x86', [host]) is not in the list; each aarch64 CPU with its command prefix."""
    return [(cpu, ["qemu-aarch64-static", "-cpu", cpu, args.aarch64]) for cpu in args.cpus]


def check_inspect(checks: Checks, args, host: str, targets) -> None:
    for flags in ([], ["--json"]):
        expected = run([host, "inspect", DEFAULT_MODEL, *flags])
        for cpu, prefix in targets:
            got = run([*prefix, "inspect", DEFAULT_MODEL, *flags])
            kernels = EXPECTED_PATH.get(cpu)
            if flags:
                path_ok = got.returncode == 0 and json.loads(got.stdout).get("kernels") == kernels
            else:
                path_ok = f"kernels      {kernels}\n" in got.stdout + "\n"
            strip = lambda text: [line for line in text.splitlines() if "kernels" not in line]  # noqa: E731
            same = got.returncode == 0 and strip(got.stdout) == strip(expected.stdout)
            checks.report(path_ok and same, f"kernels/inspect{' --json' if flags else ''} {cpu}",
                          f"path {kernels!r} {'chosen' if path_ok else 'NOT chosen'}; "
                          f"{'same' if same else 'DIFFERENT'} report as x86")


def infer(prefix: list[str], model: str, features: str, out: str) -> tuple[np.ndarray | None, str]:
    result = run([*prefix, "infer", "--model", model, "--features", features, "--out", out])
    if result.returncode != 0:
        return None, result.stderr.strip()
    return np.load(out), ""


def convert_models(host: str, work: str, steps: int) -> list[dict]:
    """Every model to compare: {name, model fp32, model int8, x, reference (a peer's output) or None}."""
    models = []
    manifest = onnx_models.build_all(os.path.join(work, "onnx"), seed=18, steps=steps)
    for name in manifest["names"]:
        base = os.path.join(work, "onnx", name)
        entry = {"name": f"onnx/{name}", "x": base + ".x.npy", "reference": np.load(base + ".y.npy")}
        for weights in ("fp32", "int8"):
            path = f"{base}.{weights}.earshot"
            result = run([host, "convert", base + ".onnx", "-o", path, "--weights", weights])
            entry[weights] = path if result.returncode == 0 else None
            entry[weights + "_error"] = result.stderr.strip()
        models.append(entry)
    index = json.load(open(os.path.join(FIXTURES, "index.json")))
    for case in index["cases"]:
        name = case["name"]
        base = os.path.join(work, "manifest", name)
        os.makedirs(os.path.dirname(base), exist_ok=True)
        io = np.load(os.path.join(FIXTURES, f"{name}.io.npz"))
        np.save(base + ".x.npy", io["x"].astype(np.float32))
        entry = {"name": f"manifest/{name}", "x": base + ".x.npy", "reference": io["y"]}
        for weights in ("fp32", "int8"):
            path = f"{base}.{weights}.earshot"
            result = run([host, "convert", os.path.join(FIXTURES, case["weights"]), "--manifest",
                          os.path.join(FIXTURES, f"{name}.json"), "-o", path, "--weights", weights])
            entry[weights] = path if result.returncode == 0 else None
            entry[weights + "_error"] = result.stderr.strip()
        models.append(entry)
    return models


def check_models(checks: Checks, host: str, targets, models: list[dict], work: str) -> None:
    for entry in models:
        for weights in ("fp32", "int8"):
            label = f"{weights} {entry['name']}"
            if entry[weights] is None:
                checks.report(False, label, f"host convert failed: {entry[weights + '_error']}")
                continue
            expected, error = infer([host], entry[weights], entry["x"], os.path.join(work, "host.npy"))
            if expected is None:
                checks.report(False, label, f"host infer failed: {error}")
                continue
            peer = ""
            if weights == "fp32" and entry["reference"].shape == expected.shape:
                peer = f"; x86 vs framework {np.max(np.abs(expected - entry['reference'])):.1e}"
            for cpu, prefix in targets:
                got, error = infer(prefix, entry[weights], entry["x"], os.path.join(work, "target.npy"))
                name = f"{label} {cpu}"
                if got is None or got.shape != expected.shape:
                    checks.report(False, name, f"aarch64 infer failed: {error or 'shape ' + str(got.shape)}")
                    continue
                difference = float(np.max(np.abs(got - expected))) if got.size else 0.0
                if weights == "fp32":
                    checks.report(difference <= TOLERANCE, name, f"max |aarch64 - x86| {difference:.1e}{peer}")
                else:
                    rows = expected.reshape(-1, expected.shape[-1])
                    same = int(np.sum(np.argmax(got.reshape(rows.shape), axis=1) == np.argmax(rows, axis=1)))
                    checks.report(same == rows.shape[0], name,
                                  f"top-1 identical on {same}/{rows.shape[0]} rows; max |diff| {difference:.1e}")


def pick_clips(count: int) -> list[str]:
    clips = []
    labels = sorted(d for d in os.listdir(CLIPS) if os.path.isdir(os.path.join(CLIPS, d)))
    per_label = max(1, count // len(labels))
    for label in labels:
        names = sorted(n for n in os.listdir(os.path.join(CLIPS, label)) if n.endswith(".wav"))
        clips += [os.path.join(CLIPS, label, n) for n in names[:per_label]]
    return clips[:count]


def check_default_model(checks: Checks, host: str, targets, clips: list[str], work: str) -> None:
    expected = run([host, "detect", "--json", "--model", DEFAULT_MODEL, *clips])
    host_features = os.path.join(work, "features.host.npy")
    host_run = run([host, "features", "--model", DEFAULT_MODEL, "--clip-samples", "16000", "-o", host_features, *clips])
    for cpu, prefix in targets:
        got = run([*prefix, "detect", "--json", "--model", DEFAULT_MODEL, *clips])
        if expected.returncode != 0 or got.returncode != 0:
            checks.report(False, f"default detect {cpu}", f"x86: {expected.stderr.strip()} aarch64: {got.stderr.strip()}")
        else:
            a = [json.loads(line) for line in expected.stdout.splitlines()]
            b = [json.loads(line) for line in got.stdout.splitlines()]
            same_labels = sum(x["label"] == y["label"] for x, y in zip(a, b))
            difference = max(abs(x["scores"][k] - y["scores"][k]) for x, y in zip(a, b) for k in x["scores"])
            ok = len(a) == len(b) == len(clips) and same_labels == len(clips) and difference <= TOLERANCE
            checks.report(ok, f"default detect {cpu}",
                          f"{same_labels}/{len(clips)} real clips same label; max score diff {difference:.1e}")
        target_features = os.path.join(work, "features.target.npy")
        got = run([*prefix, "features", "--model", DEFAULT_MODEL, "--clip-samples", "16000", "-o", target_features, *clips])
        if host_run.returncode != 0 or got.returncode != 0:
            checks.report(False, f"features {cpu}", f"x86: {host_run.stderr.strip()} aarch64: {got.stderr.strip()}")
            continue
        x, y = np.load(host_features), np.load(target_features)
        difference = float(np.max(np.abs(x - y))) if x.shape == y.shape else float("inf")
        checks.report(difference <= TOLERANCE, f"features {cpu}",
                      f"{x.shape} tf-mfcc features, max |aarch64 - x86| {difference:.1e}")


def hostile_models(work: str) -> list[tuple[str, str]]:
    """Damaged copies of the default model, each (kind, path)."""
    data = open(DEFAULT_MODEL, "rb").read()
    rng = np.random.default_rng(18)
    cases = [("empty", b""), ("magic", b"GGUX" + data[4:]), ("header only", data[:24]),
             ("half", data[: len(data) // 2]), ("last byte missing", data[:-1])]
    for index, offset in enumerate(sorted(rng.integers(4, 400, size=6))):
        flipped = bytearray(data)
        flipped[offset] ^= 0xFF
        cases.append((f"byte {offset} flipped", bytes(flipped)))
    flipped = bytearray(data)
    flipped[8:16] = (2**62).to_bytes(8, "little")  # tensor count
    cases.append(("huge tensor count", bytes(flipped)))
    paths = []
    for index, (kind, content) in enumerate(cases):
        path = os.path.join(work, f"hostile{index}.earshot")
        open(path, "wb").write(content)
        paths.append((kind, path))
    return paths


def check_hostile(checks: Checks, host: str, targets, work: str) -> None:
    x = os.path.join(work, "hostile.x.npy")
    np.save(x, np.zeros((3, 10), dtype=np.float32))
    for kind, path in hostile_models(work):
        expected = run([host, "infer", "--model", path, "--features", x, "--out", os.path.join(work, "h.npy")])
        for cpu, prefix in targets:
            got = run([*prefix, "infer", "--model", path, "--features", x, "--out", os.path.join(work, "t.npy")])
            same = (got.returncode, got.stderr.strip()) == (expected.returncode, expected.stderr.strip())
            checks.report(same, f"hostile {kind} {cpu}",
                          f"exit {got.returncode} vs x86 {expected.returncode}: {got.stderr.strip()[:70]!r}"
                          + ("" if same else f" vs x86 {expected.stderr.strip()[:70]!r}"))


def check_allocations(checks: Checks, targets, cases: list[tuple[str, str, str | None]]) -> None:
    """cases: (model, features .npy, WAV clip for the front end or None)."""
    for cpu, prefix in targets:
        results = [run([*prefix, "count-allocations", "--model", model, "--features", x] + (["--wav", wav] if wav else []))
                   for model, x, wav in cases]
        problems, load_counts, steps, hops, first = [], [], 0, 0, 0
        for (model, _, _), result in zip(cases, results):
            values = {}
            for line in result.stdout.splitlines():
                words = line.split()
                if words[0] == "load":
                    values["load"] = int(words[2])
                else:
                    values[words[0]] = (int(words[1]), int(words[3]), int(words[5]))
            if result.returncode != 0 or "steps" not in values:
                problems.append(f"{os.path.basename(model)}: {result.stderr.strip()}")
                continue
            load_counts.append(values["load"])
            steps += values["steps"][0]
            first = max(first, values["steps"][2], values.get("hops", (0, 0, 0))[2])
            if values["steps"][1] != 0:
                problems.append(f"{os.path.basename(model)}: {values['steps'][1]} allocations in {values['steps'][0]} steps")
            if "hops" in values:
                hops += values["hops"][0]
                if values["hops"][1] != 0:
                    problems.append(f"{os.path.basename(model)}: {values['hops'][1]} allocations in {values['hops'][0]} hops")
        if not load_counts or min(load_counts) <= 0:
            problems.append("the counter saw no allocation at load: it is not counting")
        checks.report(not problems, f"allocs {cpu}",
                      f"{len(cases)} models: 0 allocations in {steps} steps and {hops} front-end hops after the first "
                      f"(first step/hop <= {first}); load {min(load_counts or [0])}..{max(load_counts or [0])}" if not problems else "; ".join(problems[:3]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--aarch64", required=True)
    parser.add_argument("--cpus", default="cortex-a53,cortex-a72,cortex-a76")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--clips", type=int, default=24)
    args = parser.parse_args()
    args.cpus = args.cpus.split(",")
    checks = Checks()
    targets = host_and_targets(args)
    with tempfile.TemporaryDirectory(prefix="earshot-aarch64-swift.") as work:
        check_inspect(checks, args, args.host, targets)
        models = convert_models(args.host, work, args.steps)
        check_models(checks, args.host, targets, models, work)
        if os.path.isdir(CLIPS):
            clips = pick_clips(args.clips)
            check_default_model(checks, args.host, targets, clips, work)
        else:
            clips = []
            print(f"skipped: default detect/features: {CLIPS} not found")
        check_hostile(checks, args.host, targets, work)
        if clips:
            default_x = os.path.join(work, "default.x.npy")
            run([args.host, "features", "--model", DEFAULT_MODEL, "-o", default_x, clips[0]])
        else:
            default_x = None
        cases = [(m[w], m["x"], None) for m in models for w in ("fp32", "int8") if m[w]]
        if default_x:
            cases.append((DEFAULT_MODEL, default_x, clips[0]))
        check_allocations(checks, targets, cases)
        # listen, detect --stream, profile and the TFLite models (tools/checks/aarch64_stream_checks.py).
        import aarch64_stream_checks

        aarch64_stream_checks.run_checks(checks, args.host, args.aarch64, targets, work)
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
