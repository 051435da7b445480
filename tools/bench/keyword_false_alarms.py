#!/usr/bin/env python3
"""False alarms per hour of a keyword model on LibriSpeech read speech, and its DET curve.

    .venv/bin/python tools/bench/keyword_false_alarms.py --model models/default.earshot \\
        [--background ../shared/data/librispeech_test_clean_dev] [--threshold T] \\
        [--positives ../shared/data/speech_commands_v0.02_subset --sweep 0.3,0.5,0.7,0.8,0.9,0.95] \\
        [--svg det.svg] [--json out.json] [--earshot .build/release/earshot]

Background: every utterance of a LibriSpeech folder (<speaker>/<chapter>/<utt>.flac with
<speaker>-<chapter>.trans.txt) is run through `earshot detect --stream` (the listen pipeline and detector,
each utterance from a fresh state) at the model's default threshold (or --threshold). An event of keyword
K counts as a false alarm unless the utterance's transcript contains the word K (whole word, any case):
there the speaker really said it, and such events are listed apart ("excused"). Rate = false alarms /
hours of audio.

Positives (--positives, a Speech Commands folder with one subfolder per label): each clip of a keyword
label (a label not written _like_this_) padded with 0.5 s of zeros before and 1 s after (so the detector
can finish the word), run through the same command; a clip is a hit when an event of its own label
occurs. Miss rate = 1 - hits / clips. With --sweep, both are measured at each threshold and the DET
curve (miss rate against false alarms per hour) is written as SVG with tools/bench/wakeword_bench.py's plot.

The background must contain no test recordings of the model's words; LibriSpeech's transcripts say where
a command word is really spoken. Needs soundfile (test venv) and an earshot binary.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

sys.path[:0] = [os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), d) for d in ("lib", "checks", "fixtures", "bench", "export")]
import shared_audio  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def transcripts(root: str) -> dict[str, set[str]]:
    """utterance id -> the set of its (upper-case) words."""
    out = {}
    for path in glob.glob(os.path.join(root, "*", "*", "*.trans.txt")):
        with open(path) as f:
            for line in f:
                utt, _, text = line.strip().partition(" ")
                out[utt] = set(re.findall(r"[A-Z']+", text.upper()))
    return out


def write_background(root: str, tmp: str) -> tuple[list[str], float]:
    """The utterances as 16-bit WAV files in tmp (earshot reads WAV); total hours."""
    paths, samples = [], 0
    for flac in sorted(glob.glob(os.path.join(root, "*", "*", "*.flac"))):
        audio = shared_audio.read(flac)
        wav = os.path.join(tmp, "bg", os.path.basename(flac)[:-5] + ".wav")
        shared_audio.write_wav(wav, audio)
        paths.append(wav)
        samples += len(audio)
    if not paths:
        sys.exit(f"keyword_false_alarms.py: no .flac utterances under {root}")
    return paths, samples / shared_audio.RATE / 3600


def write_positives(root: str, tmp: str) -> list[tuple[str, str]]:
    """(wav path, label) of every keyword clip, padded 0.5 s before and 1 s after."""
    out = []
    for label in sorted(os.listdir(root)):
        folder = os.path.join(root, label)
        if not os.path.isdir(folder) or (label.startswith("_") and label.endswith("_")):
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith((".wav", ".flac")):
                audio = shared_audio.read(os.path.join(folder, name))
                padded = np.concatenate([np.zeros(8000, np.int16), audio, np.zeros(16000, np.int16)])
                wav = os.path.join(tmp, "pos", f"{label}__{os.path.splitext(name)[0]}.wav")
                shared_audio.write_wav(wav, padded)
                out.append((wav, label))
    return out


def detect(binary: str, model: str, paths: list[str], threshold: float | None) -> list[dict]:
    """Every event of `earshot detect --stream --json` over the files (batched to keep argv short)."""
    events = []
    for i in range(0, len(paths), 200):
        cmd = [binary, "detect", "--stream", "--json", "--model", model] + paths[i:i + 200]
        if threshold is not None:
            cmd += ["--threshold", f"{threshold:g}"]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"keyword_false_alarms.py: {' '.join(cmd[:6])} ... failed: {out.stderr.strip()}")
        events += [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    return events


def background_point(events: list[dict], words: dict[str, set[str]], hours: float) -> dict:
    false_alarms, excused, per_keyword = [], [], {}
    for e in events:
        utt = os.path.basename(e["path"])[:-4]
        said = e["keyword"].upper() in words.get(utt, set())
        (excused if said else false_alarms).append(dict(utterance=utt, keyword=e["keyword"], time=e["time"]))
        if not said:
            per_keyword[e["keyword"]] = per_keyword.get(e["keyword"], 0) + 1
    return dict(false_alarms=len(false_alarms), fa_per_hour=len(false_alarms) / hours,
                per_keyword=dict(sorted(per_keyword.items())), excused=excused, events=false_alarms)


def positive_point(events: list[dict], positives: list[tuple[str, str]]) -> dict:
    fired = {(e["path"], e["keyword"]) for e in events}
    hits = {}
    for wav, label in positives:
        hits.setdefault(label, [0, 0])
        hits[label][1] += 1
        hits[label][0] += (wav, label) in fired
    total = sum(n for _, n in hits.values())
    missed = sum(n - h for h, n in hits.values())
    return dict(clips=total, misses=missed, miss_rate=missed / total,
                recall_per_keyword={k: h / n for k, (h, n) in sorted(hits.items())})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    shared = shared_audio.find_shared()
    ap.add_argument("--model", default=os.path.join(REPO, "models", "default.earshot"))
    ap.add_argument("--earshot", default=os.path.join(REPO, ".build", "release", "earshot"))
    ap.add_argument("--background", default=os.path.join(shared or "", "librispeech_test_clean_dev"))
    ap.add_argument("--threshold", type=float, help="the shipped point's threshold (default: the model's own)")
    ap.add_argument("--positives", help="Speech Commands-style folder of keyword clips (for the miss rate)")
    ap.add_argument("--sweep", default="", help="comma-separated thresholds for the DET curve")
    ap.add_argument("--svg", help="write the DET curve here (needs --positives and --sweep)")
    ap.add_argument("--json", help="write every measured point here")
    a = ap.parse_args()
    for path, what in ((a.model, "--model"), (a.earshot, "--earshot"), (a.background, "--background")):
        if not os.path.exists(path):
            sys.exit(f"keyword_false_alarms.py: {what} {path} not found")
    words = transcripts(a.background)
    with tempfile.TemporaryDirectory(prefix="earshot-fa-") as tmp:
        os.makedirs(os.path.join(tmp, "bg"))
        os.makedirs(os.path.join(tmp, "pos"))
        bg, hours = write_background(a.background, tmp)
        pos = write_positives(a.positives, tmp) if a.positives else []
        result = dict(model=a.model, background=a.background, utterances=len(bg), hours=hours, points=[])
        thresholds = [None] + [float(t) for t in a.sweep.split(",") if t]
        for th in thresholds:
            point = dict(threshold=th if th is not None else a.threshold, shipped=th is None)
            point.update(background_point(detect(a.earshot, a.model, bg, point["threshold"]), words, hours))
            if pos:
                point.update(positive_point(detect(a.earshot, a.model, [p for p, _ in pos], point["threshold"]), pos))
            result["points"].append(point)
            name = "default" if point["threshold"] is None else f"{point['threshold']:g}"
            miss = f", miss rate {100 * point['miss_rate']:.1f}% of {point['clips']} clips" if pos else ""
            print(f"threshold {name}: {point['false_alarms']} false alarms in {hours * 60:.1f} min = "
                  f"{point['fa_per_hour']:.2f}/hour ({len(point['excused'])} events excused: word in the "
                  f"transcript){miss}; per keyword {point['per_keyword']}", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)
    if a.svg:
        if not pos or len(result["points"]) < 2:
            sys.exit("keyword_false_alarms.py: --svg needs --positives and --sweep")
        import wakeword_bench
        curve = [dict(fa_per_hour=p["fa_per_hour"], miss_rate=p["miss_rate"]) for p in result["points"][1:]]
        shipped = result["points"][0]
        det = [dict(engine="earshot", name=os.path.basename(a.model), points=curve,
                    shipped=dict(fa_per_hour=shipped["fa_per_hour"], miss_rate=shipped["miss_rate"]))]
        with open(a.svg, "w") as f:
            f.write(wakeword_bench.svg_det(det, hours, f"{os.path.basename(a.model)}: {len(pos)} keyword clips "
                                           f"vs {hours * 60:.0f} min of {os.path.basename(a.background.rstrip('/'))}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
