#!/usr/bin/env python3
"""Functional check of tools/wakeword_bench.py (tools/test.sh section `wakeword`): a small run, then its outputs.

    .venv/bin/python tools/wakeword_bench_check.py --earshot-bin .build/debug/earshot [--model M.earshot]

Runs the benchmark on the first 12 "view glass" recordings and 12 LibriSpeech files of ../shared/data with
Porcupine (sensitivities 0.5 and 1) and, when --model is given, an Earshot wake-word model. Checks:
  - the JSON: every engine has points with 0 <= miss rate <= 1, false alarms >= 0 and fa_per_hour equal to
    false alarms / background hours; a shipped point among them; positives = 12;
  - the SVG: well-formed XML, an <svg> root, one curve (polyline) per engine;
  - Earshot only: the offline detector sweep agrees with `earshot detect --stream` (listen's pipeline) at
    threshold 0.5: the same number of false alarms and of detected clips.
No expected figure is built in: what is checked is consistency, not accuracy. Prints "skipped: reason" and
exits 0 when the data or pvporcupine is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "shared", "data")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--earshot-bin", required=True)
    p.add_argument("--model", help="an Earshot wake-word model for 'view glass'")
    a = p.parse_args()
    positives = os.path.join(DATA, "wakeword_recordings_dev", "view_glass")
    background = os.path.join(DATA, "librispeech_test_clean_dev")
    if not (os.path.isdir(positives) and os.path.isdir(background)):
        print(f"skipped: {positives} or {background} is absent")
        return 0
    try:
        import pvporcupine  # noqa: F401
    except ImportError:
        print("skipped: pvporcupine is not installed (tools/requirements.txt)")
        return 0
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        out_json, out_svg = os.path.join(tmp, "det.json"), os.path.join(tmp, "det.svg")
        argv = [sys.executable, os.path.join(HERE, "wakeword_bench.py"), "--keyword", "view glass",
                "--positives", positives, "--background", background, "--limit", "12", "--porcupine",
                "--sensitivities", "0.5,1", "--jobs", "1", "--earshot-bin", a.earshot_bin,
                "--json", out_json, "--svg", out_svg]
        if a.model:
            # The end-to-end check at 0.5, where a model fires on some clips and some speech, not only at the
            # shipped threshold (which may be too high to fire at all on 12 clips).
            argv += ["--earshot", a.model, "--stream-check-threshold", "0.5"]
        subprocess.run(argv, check=True)
        report = json.load(open(out_json))
        engines = report["engines"]
        hours = report["background_hours"]
        if report["positives"] != 12:
            failures.append(f"positives {report['positives']} != 12")
        if len(engines) != 1 + bool(a.model):
            failures.append(f"{len(engines)} engines reported")
        for e in engines:
            for q in e["points"] + [e["shipped"]]:
                if not 0 <= q["miss_rate"] <= 1 or q["false_alarms"] < 0 \
                        or abs(q["fa_per_hour"] - q["false_alarms"] / hours) > 1e-9:
                    failures.append(f"{e['name']}: implausible point {q}")
            if e["shipped"] not in e["points"]:
                failures.append(f"{e['name']}: the shipped point is not among the measured points")
            if "stream_check" in e:
                c = e["stream_check"]
                s = next(q for q in e["points"] if abs(q["param"] - c["param"]) < 1e-12)
                print(f"[check] {e['name']} at {s['param']:g}: sweep {s['false_alarms']} false alarms, "
                      f"{s['misses']} misses; detect --stream {c['false_alarms']}, {c['misses']}")
                if (c["false_alarms"], c["misses"]) != (s["false_alarms"], s["misses"]):
                    failures.append(f"{e['name']}: the offline sweep and detect --stream disagree")
        root = ET.parse(out_svg).getroot()
        if not root.tag.endswith("svg"):
            failures.append(f"SVG root is <{root.tag}>")
        lines = [el for el in root.iter() if el.tag.endswith("polyline")]
        if len(lines) != len(engines):
            failures.append(f"SVG has {len(lines)} curves for {len(engines)} engines")
    for f in failures:
        print(f"FAILED: {f}")
    print(f"[check] wakeword_bench: {'ok' if not failures else 'FAILED'} ({len(engines)} engines)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
