#!/usr/bin/env python3
"""A real-voice development measure for wake-word recipes: a Speech Commands word trained from its text.

    .venv/bin/python tools/bench/word_proxy.py --word down --work /tmp/proxy-down [--ensemble 3] [-- TRAIN OPTIONS]

The shipped phrases' only real recordings are the benchmark's, which must not steer a recipe, and the trainer's
held-out stream is synthetic. This measures a recipe on real voices instead, with training-side data only:
  1. `earshot train --keyword WORD --ensemble N` with --negatives = the other words of
     ../shared/data/speech_commands_train_real (so no real recording of WORD is seen), extra options after `--`;
  2. with N > 1, each member head (seeds 0..N-1) is also converted and given its own threshold by
     tools/train/oww_threshold.py on the same held-out stream, as a single-head run would be;
  3. tools/bench/wakeword_bench.py: positives = every real WORD clip of speech_commands_train_real (~800
     speakers' voices and microphones, none trained on); background = speech_commands_train_small without WORD
     (~4.4 min of other real words, never trained on in these runs: coarse, so its rates are secondary).
The figure that counts is the miss rate at each model's stored threshold (the point that ships); since
2026-12-08 the run ends with a threshold-free reading beside it (summary(): the lowest miss at <= k false alarms
on the background, k = 0..4, and their mean), which does not hinge on where one held-out maximum lands. A one-word
keyword is harder than a phrase, so absolute rates are not a phrase's; the measure is for comparing recipes.
A spliced two-word proxy (isolated words joined) was tried first and does not work: the trained model rejects
splices of the same TTS voices it accepts whole (docs/wakeword-training.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(REPO, "..", "shared", "data")
TRAIN_PY = os.path.join(REPO, "tools", "train", ".venv", "bin", "python")


def copy_words(source: str, target: str, skip: set[str]) -> None:
    """Copies the word folders of a Speech Commands set, except skip (os.walk does not follow symlinks)."""
    os.makedirs(target, exist_ok=True)
    for name in sorted(os.listdir(source)):
        if name not in skip and os.path.isdir(os.path.join(source, name)) and not os.path.exists(os.path.join(target, name)):
            shutil.copytree(os.path.join(source, name), os.path.join(target, name))


def member_models(work: str, word: str, members: int, earshot: str) -> list[str]:
    """Each member head converted with its own held-out threshold stored (what `--ensemble 1` would ship)."""
    tools = os.path.join(REPO, "tools", "train")
    features = subprocess.run([TRAIN_PY, "-c", "from oww_features import feature_directory as f; print(f())"], cwd=tools,
                              check=True, capture_output=True, text=True).stdout.strip()
    out = []
    for k in range(members):
        folder, head = os.path.join(work, f"member{k}"), os.path.join(work, f"gru.seed{k}.onnx")
        os.makedirs(folder, exist_ok=True)
        plain = os.path.join(folder, "model.earshot")
        subprocess.run([earshot, "convert", head, "--openwakeword-features", features, "--wake-word", word, "-o", plain],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([TRAIN_PY, "oww_threshold.py", "--data", os.path.join(work, "oww_data.npz"), "--model", plain,
                        "--earshot-bin", earshot, "--work", folder, "--tools", os.path.join(REPO, "tools", "lib"),
                        "--target", "0.5"], cwd=tools, check=True)
        with open(os.path.join(folder, "threshold.json")) as f:
            threshold = json.load(f)["threshold"]
        out.append(os.path.join(work, f"member{k}.earshot"))
        subprocess.run([earshot, "convert", head, "--openwakeword-features", features, "--wake-word", word,
                        "--threshold", str(threshold), "-o", out[-1]], check=True, stdout=subprocess.DEVNULL)
    return out


def summary(bench_json: str, budgets: int = 4) -> list[dict]:
    """Per model: the stored point, and the sweep's lowest miss rate at <= k background false alarms (k = 0..budgets)."""
    with open(bench_json) as f:
        report = json.load(f)
    rows = []
    for r in report["engines"]:
        best = [min((q["miss_rate"] for q in r["points"] if q["false_alarms"] <= k), default=1.0)
                for k in range(budgets + 1)]
        rows.append(dict(name=r["name"], stored_miss=r["shipped"]["miss_rate"],
                         stored_false_alarms=round(r["shipped"]["fa_per_hour"] * report["background_hours"]),
                         miss_at_false_alarms=best, det_mean=sum(best) / len(best)))
    return rows


def main() -> int:
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 2)[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--word", required=True, help="a word with a folder in speech_commands_train_real (yes, no, up, down)")
    p.add_argument("--work", required=True, help="working folder (the training resumes from it)")
    p.add_argument("--ensemble", type=int, default=3, help="heads to train; with > 1 the members are scored too")
    p.add_argument("--earshot-bin", default=os.path.join(REPO, ".build", "release", "earshot"))
    a = p.parse_args(argv)
    if any(x.startswith("--ensemble") for x in extra):
        p.error("give --ensemble before `--` (word_proxy.py scores the members it trains)")
    real, small = os.path.join(SHARED, "speech_commands_train_real"), os.path.join(SHARED, "speech_commands_train_small")
    if not os.path.isdir(os.path.join(real, a.word)):
        p.error(f"--word {a.word}: no folder {os.path.join(real, a.word)}")
    work = os.path.abspath(a.work)
    negatives, background = os.path.join(work, "negatives"), os.path.join(work, "background")
    copy_words(real, negatives, {a.word})
    copy_words(small, background, {a.word, "_background_noise_"})
    model = os.path.join(work, f"{a.word}.earshot")
    subprocess.run([a.earshot_bin, "train", "--keyword", a.word, "--negatives", negatives, "--ensemble", str(a.ensemble),
                    "--work", os.path.join(work, "train"), "-o", model] + extra, check=True)
    models = [model] + (member_models(os.path.join(work, "train"), a.word, a.ensemble, a.earshot_bin)
                        if a.ensemble > 1 else [])
    bench = [sys.executable, os.path.join(REPO, "tools", "bench", "wakeword_bench.py"), "--keyword", a.word,
             "--positives", os.path.join(real, a.word), "--background", background, "--earshot-bin", a.earshot_bin,
             "--json", os.path.join(work, "bench.json"), "--cache", os.path.join(work, "cache")]
    for m in models:
        bench += ["--earshot", m]
    subprocess.run(bench, check=True)
    rows = summary(os.path.join(work, "bench.json"))
    with open(os.path.join(work, "summary.json"), "w") as f:
        json.dump(rows, f, indent=1)
    print("\nmodel: miss at its stored threshold (background false alarms there); lowest miss at <= 0..4 background "
          "false alarms; their mean")
    for r in rows:
        sweep = " ".join(f"{100 * m:.1f}" for m in r["miss_at_false_alarms"])
        print(f"  {r['name']}: {100 * r['stored_miss']:.1f}% ({r['stored_false_alarms']}); {sweep}; "
              f"mean {100 * r['det_mean']:.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
