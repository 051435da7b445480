#!/usr/bin/env python3
"""The static aarch64 build's streaming commands against the x86-64 build, under qemu-user.

    python tools/checks/aarch64_stream_checks.py --host .build/debug/earshot --aarch64 .build-aarch64/earshot
                                          [--cpus cortex-a53,cortex-a72,cortex-a76]

(tools/checks/aarch64_parity.py runs these too, after its own checks.) Checks:
  listen      `listen --config firmware-configs/demo.json` on the demo recording (tools/fixtures/make_demo.py,
              espeak-ng) through ALSA's file plugin, under qemu -cpu cortex-a72 with Debian's arm64
              libasound unpacked into a sysroot (tools/ci/aarch64_alsa_sysroot.sh): the same event lines
              as the host build, at least one event, and the closing summary's event count
  no-alsa     the same without libasound.so.2 (an empty qemu sysroot): exit status 1 and an error
              naming libasound.so.2
  stream      `detect --stream` (default model; the first 8 s of the demo recording) and its --json:
              the same lines as the host on every CPU
  micro       `infer --wav` on the microWakeWord TFLite models of the pymicro-wakeword wheel
              (converted by the host build) over real clips: outputs bit-identical to the host's on
              every CPU (the int8 graph is exact arithmetic)
  profile     `profile --json` (random frames, and --wav) under cortex-a72: exit 0, the host's JSON
              keys and layer names, the requested step count (times are not compared); the text
              report's description lines (model, input, run) identical to the host's
Prints one line per check and a last line `N passed, M failed`; exit status 1 if any failed. A
prerequisite that is missing (espeak-ng, the wheel's models, the sysroot download) is a failure when
CI=true, else a `skip` line with the reason.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import wave

import numpy as np

sys.path[:0] = [os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), d) for d in ("lib", "checks", "fixtures", "bench", "export")]
from aarch64_parity import CLIPS, DEFAULT_MODEL, REPO, Checks, pick_clips, run  # noqa: E402

DEMO = os.path.join(REPO, ".build-demo")
DEMO_CONFIG = os.path.join(REPO, "firmware-configs", "demo.json")
MICRO_MODELS = ("okay_nabu", "hey_jarvis")
IN_CI = os.environ.get("CI") == "true"


def missing(checks: Checks, name: str, reason: str) -> None:
    """A prerequisite is missing: a failure in CI, else a skip with its reason."""
    if IN_CI:
        checks.report(False, name, f"cannot run in CI: {reason}")
    else:
        print(f"skip {name:44} {reason}", flush=True)


def demo_recording() -> str | None:
    """.build-demo/keywords.{wav,raw} (the path the demo's ALSA file reads), made when missing."""
    wav = os.path.join(DEMO, "keywords.wav")
    if not (os.path.exists(wav) and os.path.exists(os.path.join(DEMO, "keywords.raw"))):
        made = run([sys.executable, os.path.join(REPO, "tools", "fixtures", "make_demo.py"), "--out", DEMO])
        if made.returncode != 0:
            return None
    return wav


def events(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.strip()]


def check_listen(checks: Checks, host: str, aarch64: str) -> None:
    command = ["listen", "--config", DEMO_CONFIG, "--model", DEFAULT_MODEL]
    expected = run([host, *command])
    sysroot = run(["bash", os.path.join(REPO, "tools", "ci", "aarch64_alsa_sysroot.sh")])
    if sysroot.returncode != 0:
        missing(checks, "listen cortex-a72", f"no aarch64 libasound sysroot: {sysroot.stderr.strip()}")
    else:
        root = sysroot.stdout.strip().splitlines()[-1]
        got = run(["qemu-aarch64-static", "-cpu", "cortex-a72", "-L", root, aarch64, *command])
        a, b = events(expected.stdout), events(got.stdout)
        summary = [line for line in got.stderr.splitlines() if "events; overruns" in line or "event; overruns" in line]
        ok = (expected.returncode == 0 and got.returncode == 0 and len(a) >= 1 and a == b
              and len(summary) == 1 and f"; {len(b)} event" in summary[0])
        detail = f"{len(b)} events, same as the host's {len(a)}" if ok else f"x86 {a} / aarch64 {b}; {got.stderr.strip()[-300:]}"
        checks.report(ok, "listen cortex-a72 (ALSA file plugin)", detail)
    with tempfile.TemporaryDirectory(prefix="earshot-empty-sysroot.") as empty:
        got = run(["qemu-aarch64-static", "-cpu", "cortex-a72", "-L", empty, aarch64, *command])
        ok = got.returncode == 1 and "libasound.so.2" in got.stderr and got.stdout == ""
        checks.report(ok, "listen without libasound", got.stderr.strip().splitlines()[-1] if got.stderr.strip() else "no error")


def first_seconds(wav: str, seconds: float, out: str) -> str:
    with wave.open(wav, "rb") as source, wave.open(out, "wb") as target:
        target.setparams(source.getparams())
        target.writeframes(source.readframes(int(seconds * source.getframerate())))
    return out


def check_stream(checks: Checks, host: str, targets, clip: str) -> None:
    for flags in ([], ["--json"]):
        command = ["detect", "--stream", "--model", DEFAULT_MODEL, "--config", DEMO_CONFIG, *flags, clip]
        expected = run([host, *command])
        for cpu, prefix in targets:
            got = run([*prefix, *command])
            a, b = events(expected.stdout), events(got.stdout)
            ok = expected.returncode == 0 and got.returncode == 0 and len(a) >= 1 and a == b
            name = f"detect --stream{' --json' if flags else ''} {cpu}"
            checks.report(ok, name, f"{len(b)} events, same as x86" if ok else f"x86 {a} / aarch64 {b} {got.stderr.strip()}")


def micro_models(host: str, work: str) -> list[tuple[str, str]]:
    """(name, converted path) for each microWakeWord model found in the pymicro-wakeword wheel."""
    found = glob.glob(os.path.join(REPO, ".venv", "lib", "python3*", "site-packages", "pymicro_wakeword", "models"))
    models = []
    for name in MICRO_MODELS:
        source = os.path.join(found[0], f"{name}.tflite") if found else ""
        if not os.path.exists(source):
            continue
        out = os.path.join(work, f"{name}.earshot")
        if run([host, "convert", source, "-o", out]).returncode == 0:
            models.append((name, out))
    return models


def check_micro(checks: Checks, host: str, targets, models: list[tuple[str, str]], clips: list[str], work: str) -> None:
    for name, model in models:
        for number, clip in enumerate(clips, 1):
            x_path = os.path.join(work, "micro.x86.npy")
            expected = run([host, "infer", "--model", model, "--wav", clip, "--out", x_path])
            if expected.returncode != 0:
                checks.report(False, f"micro {name} x86", expected.stderr.strip())
                break
            x = np.load(x_path)
            for cpu, prefix in targets:
                y_path = os.path.join(work, "micro.target.npy")
                got = run([*prefix, "infer", "--model", model, "--wav", clip, "--out", y_path])
                y = np.load(y_path) if got.returncode == 0 else None
                ok = y is not None and x.shape == y.shape and x.size > 0 and np.array_equal(x, y)
                detail = f"{os.path.basename(clip)}: {x.shape} probabilities bit-identical"
                checks.report(ok, f"micro {name} clip {number} {cpu}", detail if ok else got.stderr.strip())


def check_profile(checks: Checks, host: str, aarch64: str, clip: str | None) -> None:
    for extra in ([], ["--wav", clip] if clip else None):
        if extra is None:
            continue
        command = ["profile", "--model", DEFAULT_MODEL, "--steps", "40", "--warmup", "4", "--json", *extra]
        expected = run([host, *command])
        got = run(["qemu-aarch64-static", "-cpu", "cortex-a72", aarch64, *command])
        name = f"profile --json{' --wav' if extra else ''} cortex-a72"
        try:
            a, b = json.loads(expected.stdout), json.loads(got.stdout)
        except json.JSONDecodeError:
            checks.report(False, name, f"not JSON: {got.stderr.strip()}")
            continue
        layers = lambda report: [layer["name"] for layer in report.get("layers", [])]  # noqa: E731
        ok = (got.returncode == 0 and sorted(a) == sorted(b) and layers(a) == layers(b)
              and b["steps"] == 40 and b["step_us"]["count"] == 40)
        checks.report(ok, name, f"{len(b)} keys, {len(layers(b))} layers, 40 steps timed" if ok else got.stderr.strip())
        text = [arg for arg in command if arg != "--json"]
        expected, got = run([host, *text]), run(["qemu-aarch64-static", "-cpu", "cortex-a72", aarch64, *text])
        a, b = described(expected.stdout), described(got.stdout)
        ok = expected.returncode == 0 and got.returncode == 0 and len(a) == 4 and a == b
        name = f"profile{' --wav' if extra else ''} text cortex-a72"
        checks.report(ok, name, "model, input and run lines as on x86" if ok else f"x86 {a} / aarch64 {b} {got.stderr.strip()}")


def described(report: str) -> list[str]:
    """The text report's lines that describe the run (its title, model, input, run), not its times."""
    keep = ("earshot profile:", "model ", "input ", "run ")
    return [line.strip() for line in report.splitlines() if line.startswith(("earshot", "  ")) and not line.startswith("   ")
            and line.strip().startswith(keep)]


def run_checks(checks: Checks, host: str, aarch64: str, targets, work: str) -> None:
    wav = demo_recording()
    if wav is None:
        missing(checks, "listen / detect --stream", "tools/fixtures/make_demo.py failed (espeak-ng missing?)")
    else:
        check_listen(checks, host, aarch64)
        check_stream(checks, host, targets, first_seconds(wav, 8.0, os.path.join(work, "demo-8s.wav")))
    models = micro_models(host, work)
    if not models:
        missing(checks, "micro", "no pymicro_wakeword models in .venv (tools/setup.sh installs the wheel)")
    elif not os.path.isdir(CLIPS):
        missing(checks, "micro", f"{CLIPS} not found")
    else:
        check_micro(checks, host, targets, models, pick_clips(2), work)
    check_profile(checks, host, aarch64, wav)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--aarch64", required=True)
    parser.add_argument("--cpus", default="cortex-a53,cortex-a72,cortex-a76")
    args = parser.parse_args()
    checks = Checks()
    targets = [(cpu, ["qemu-aarch64-static", "-cpu", cpu, args.aarch64]) for cpu in args.cpus.split(",")]
    with tempfile.TemporaryDirectory(prefix="earshot-aarch64-stream.") as work:
        run_checks(checks, args.host, args.aarch64, targets, work)
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
