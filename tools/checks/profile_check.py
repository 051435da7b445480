#!/usr/bin/env python3
"""Checks of `earshot profile` end to end (tools/test.sh runs this). Not a benchmark.

    python tools/checks/profile_check.py --earshot BIN [--steps 4000] [--seed 1]

On the LSTM 40->128 + dense 12 model of tools/fixtures/onnx_models.py (seeded), converted with
`earshot convert`:
  1. `--json` follows the README's schema (keys and types).
  2. The sum of the per-layer medians agrees with the whole-step median within 10 %
     (`layer_p50_sum_ratio` in [0.9, 1.1]). This is a timing property, so a run outside the band
     is repeated up to twice before the check fails; every attempt's ratio is printed.
  3. `--plot` writes an SVG that parses as XML, with an <svg> root and one CDF line per layer
     plus the whole step.
  4. `--wav` (a generated 1 s, 16 kHz tone) times the front end per hop and takes its hop.
  5. `--device` on alsa-lib's file plugin (over the null PCM) reading the same tone.
  6. `--compare` prints one report per variant; a model that is not a variant is refused.
Prints "N passed, M failed" last; exits non-zero when any check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import wave
import xml.etree.ElementTree as ET

import numpy as np

TOOLS = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), d) for d in ("lib", "checks", "fixtures", "bench", "export")]

import onnx_models  # noqa: E402

SUMMARY_KEYS = ("p50", "p90", "p99", "p999", "max", "min", "mean")
LAYER_KEYS = ("p50_us", "p90_us", "p99_us", "p999_us", "max_us", "mean_us")


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def expect(self, name: str, ok: bool, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"ok    {name}{': ' + detail if detail else ''}")
        else:
            self.failed += 1
            print(f"FAIL  {name}{': ' + detail if detail else ''}")
        return ok


def run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def schema_problems(report: dict) -> list[str]:
    problems = []
    types = {"model": str, "steps": int, "warmup": int, "input_size": int, "output_size": int, "input": str,
             "clock": str, "hop_source": str, "hops": int, "deadline_misses": int, "arena_bytes": int,
             "model_mapped_bytes": int, "peak_rss_bytes": int, "weight_types": list, "layers": list}
    for key, kind in types.items():
        if not isinstance(report.get(key), kind) or isinstance(report.get(key), bool):
            problems.append(f"{key} is {report.get(key)!r}, not {kind.__name__}")
    for key in ("realtime_factor", "timer_overhead_us", "hop_us", "layer_p50_sum_us", "layer_p50_sum_ratio"):
        if not is_number(report.get(key)):
            problems.append(f"{key} is {report.get(key)!r}, not a number")
    for block in ("step_us", "layer_sum_us"):
        values = report.get(block)
        if not isinstance(values, dict):
            problems.append(f"{block} is not an object")
            continue
        problems += [f"{block}.{k} is {values.get(k)!r}" for k in SUMMARY_KEYS if not is_number(values.get(k))]
    for index, layer in enumerate(report.get("layers", [])):
        if not isinstance(layer.get("name"), str) or not isinstance(layer.get("kind"), str):
            problems.append(f"layers[{index}] lacks name/kind")
        problems += [f"layers[{index}].{k} is {layer.get(k)!r}" for k in LAYER_KEYS if not is_number(layer.get(k))]
    if "frontend_us_per_hop" not in report or not (report["frontend_us_per_hop"] is None
                                                   or is_number(report["frontend_us_per_hop"])):
        problems.append(f"frontend_us_per_hop is {report.get('frontend_us_per_hop')!r}")
    return problems


def write_tone(path: str, seconds: float = 1.0, rate: int = 16000) -> None:
    t = np.arange(int(seconds * rate)) / rate
    signal = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * np.random.default_rng(0).standard_normal(t.shape)
    with wave.open(path, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes((np.clip(signal, -1, 1) * 32767).astype("<i2").tobytes())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--earshot", required=True, help="the earshot CLI")
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    earshot = os.path.abspath(args.earshot)
    checks = Checks()
    work = tempfile.mkdtemp(prefix="earshot-profile-check-")
    try:
        import onnx
        paths = {}
        for name in ("lstm_40_128_dense12", "lstm_stacked"):
            onnx_path = os.path.join(work, f"{name}.onnx")
            onnx.save(onnx_models.build(name, args.seed).model, onnx_path)
            paths[name] = os.path.join(work, f"{name}.earshot")
            result = run([earshot, "convert", onnx_path, "-o", paths[name]])
            if result.returncode != 0:
                checks.expect(f"convert {name}", False, result.stderr.strip())
                return 1
        model = paths["lstm_40_128_dense12"]
        base = [earshot, "profile", "--model", model, "--steps", str(args.steps), "--warmup", "500", "--seed", str(args.seed)]

        # 1 + 2 + 3: JSON schema, layer medians vs step median, SVG.
        svg_path = os.path.join(work, "profile.svg")
        ratios = []
        report = None
        for attempt in range(3):
            result = run(base + ["--json", "--plot", svg_path])
            if result.returncode != 0:
                checks.expect("profile --json runs", False, result.stderr.strip())
                return 1
            report = json.loads(result.stdout)
            ratios.append(report["layer_p50_sum_ratio"])
            if 0.9 <= ratios[-1] <= 1.1:
                break
        problems = schema_problems(report)
        checks.expect("--json follows the schema", not problems, "; ".join(problems) or
                      f"{len(report['layers'])} layers, step p50 {report['step_us']['p50']} µs")
        checks.expect("sum of layer medians within 10 % of the step median", 0.9 <= ratios[-1] <= 1.1,
                      "ratio per attempt " + ", ".join(f"{r:.3f}" for r in ratios)
                      + f" (layer medians {report['layer_p50_sum_us']} µs, step median {report['step_us']['p50']} µs)")
        checks.expect("counts", report["step_us"]["count"] == args.steps and report["hops"] == 2 * args.steps,
                      f"step count {report['step_us']['count']}, hops {report['hops']}")
        try:
            root = ET.parse(svg_path).getroot()
            ns = "{http://www.w3.org/2000/svg}"
            lines = root.findall(f".//{ns}polyline")
            checks.expect("--plot writes well-formed SVG with a CDF per layer and in total",
                          root.tag == f"{ns}svg" and len(lines) == len(report["layers"]) + 1,
                          f"root {root.tag}, {len(lines)} CDF lines, {os.path.getsize(svg_path)} bytes")
        except (ET.ParseError, OSError) as error:
            checks.expect("--plot writes well-formed SVG", False, str(error))

        # 4: audio through the front end.
        wav_path = os.path.join(work, "tone.wav")
        write_tone(wav_path)
        result = run(base[:4] + ["--steps", "500", "--warmup", "50", "--wav", wav_path, "--json"])
        if checks.expect("profile --wav runs", result.returncode == 0, result.stderr.strip()):
            audio = json.loads(result.stdout)
            checks.expect("--wav times the front end per hop and uses its hop",
                          is_number(audio["frontend_us_per_hop"]) and audio["frontend_us"]["count"] == 1000
                          and abs(audio["hop_us"] - 20000) < 1e-6,
                          f"front end {audio['frontend_us_per_hop']} µs per hop, hop {audio['hop_us']} µs")

        # 5: a live ALSA stream: alsa-lib's file plugin over the null PCM reads the tone (unpaced,
        # so the latencies say nothing about a real device; this checks the path and the output).
        raw_path = os.path.join(work, "tone.raw")
        with wave.open(wav_path, "rb") as f, open(raw_path, "wb") as out:
            out.write(f.readframes(f.getnframes()) * 10)
        asoundrc = os.path.join(work, "asoundrc")
        with open(asoundrc, "w") as f:
            f.write('pcm.profile_check {\n  type file\n  slave.pcm "null"\n  file "/dev/null"\n  format "raw"\n'
                    f'  infile "{raw_path}"\n}}\n')
        result = run(base[:4] + ["--steps", "200", "--warmup", "10", "--device", "profile_check",
                                 "--alsa-config", asoundrc, "--json"])
        if checks.expect("profile --device runs (ALSA file plugin)", result.returncode == 0, result.stderr.strip()):
            live = json.loads(result.stdout)
            ok = (live["hops"] == 200 and live["step_us"]["count"] == 200 and live["xruns"] == 0
                  and isinstance(live["capture_to_event_us"], dict) and is_number(live["frontend_us_per_hop"]))
            checks.expect("--device reports hops, step, front end, capture-to-result and xruns", ok,
                          f"{live['hops']} hops, granted {live['granted']}")

        # 6: compare.
        twin = os.path.join(work, "twin.earshot")
        shutil.copyfile(model, twin)
        result = run([earshot, "profile", "--compare", f"{model},{twin}", "--steps", "300", "--warmup", "20", "--json"])
        if checks.expect("profile --compare runs", result.returncode == 0, result.stderr.strip()):
            variants = json.loads(result.stdout)["variants"]
            checks.expect("--compare reports each variant", [v["model"] for v in variants] == [model, twin]
                          and not any(schema_problems(v) for v in variants), f"{len(variants)} variants")
        result = run([earshot, "profile", "--compare", f"{model},{paths['lstm_stacked']}", "--steps", "10"])
        checks.expect("--compare refuses a different model", result.returncode != 0 and "not a variant" in result.stderr,
                      result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "no error printed")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
