#!/usr/bin/env python3
"""End to end from raw WAV: `earshot eval` with ARM's ML-KWS models vs TensorFlow's own top-1.

For each model (LSTM_S, GRU_S, Basic_LSTM_S, LSTM_M, GRU_M, LSTM_L, GRU_L, CRNN_S):

  1. `earshot convert ../shared/data/ml-kws/reference/<M>_weights.npz --manifest
     tools/manifests/ml-kws/<M>.json --weights W`, with the front end and window from the manifest's
     "frontend" and "execution" objects, or (for a manifest without them) as flags, as
     ../shared/data/ml-kws/README.md states them: tf-mfcc, window 640, stride 640 (LSTM_S, GRU_S:
     25 frames) or 320 (the others: 49 frames), 40 channels over 20-4000 Hz, 10 coefficients;
     windowed execution over those frames;
  2. `earshot eval ../shared/data/speech_commands_v0.02_subset --model <M>.earshot --json`: every clip
     decoded, turned into MFCCs by Earshot's front end, run through the network;
  3. per clip, Earshot's predicted label against the argmax of TensorFlow's softmax
     (reference/<M>_reference.npz, probs [480, 12]), and Earshot's top score against TensorFlow's
     probability of that label.

Checks: fp32 and fp16 agree with TensorFlow's top-1 on >= 99.5% of the clips; int8 accuracy within
0.5 points of TensorFlow's; the converted file's front-end and execution keys, read with the `gguf`
package, are the model's. Every accuracy is reported. Prints a table and closes with
"N passed, M failed"; exits 1 if a check failed; without ../shared prints "skipped: ..." and exits 0.

    swift build -c release --product earshot
    .venv/bin/python tools/checks/mlkws_eval.py --earshot .build/release/earshot [--weights fp32,int8] [--models LSTM_S]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = ["LSTM_S", "GRU_S", "Basic_LSTM_S", "LSTM_M", "GRU_M", "LSTM_L", "GRU_L", "CRNN_S"]
UNSUPPORTED = {}  # model name -> reason it is skipped (none: CRNN_S runs since Conv2D exists)
STRIDE = {"LSTM_S": 640, "GRU_S": 640}
AGREEMENT_FLOOR = 0.995
INT8_ACCURACY_POINTS = 0.5


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout


def frontend_flags(model):
    stride = STRIDE.get(model, 320)
    frames = 1 + (16000 - 640) // stride
    return ["--frontend", "tf-mfcc", "--frontend-rate", "16000", "--frontend-window", "640",
            "--frontend-stride", str(stride), "--frontend-mel-bands", "40", "--frontend-coefficients", "10",
            "--frontend-low-hz", "20", "--frontend-high-hz", "4000", "--window-frames", str(frames)]


def model_keys(path, model):
    """The front-end and execution keys as an independent GGUF reader (the `gguf` package) sees them,
    compared with what ../shared/data/ml-kws/README.md states. Returns a list of mismatches."""
    import gguf
    reader = gguf.GGUFReader(path)
    stride = STRIDE.get(model, 320)
    expected = {
        "earshot.frontend.preset": ("STRING", "tf-mfcc"), "earshot.frontend.sample_rate": ("UINT32", 16000),
        "earshot.frontend.window_length": ("UINT32", 640), "earshot.frontend.hop_length": ("UINT32", stride),
        "earshot.frontend.fft_length": ("UINT32", 1024), "earshot.frontend.window": ("STRING", "hann_periodic"),
        "earshot.frontend.spectrum": ("STRING", "magnitude"), "earshot.frontend.filterbank": ("STRING", "tensorflow"),
        "earshot.frontend.mel_bands": ("UINT32", 40), "earshot.frontend.low_frequency": ("FLOAT64", 20.0),
        "earshot.frontend.high_frequency": ("FLOAT64", 4000.0), "earshot.frontend.log": ("STRING", "natural"),
        "earshot.frontend.dct": ("STRING", "tensorflow"), "earshot.frontend.coefficients": ("UINT32", 10),
        "earshot.execution.mode": ("STRING", "windowed"),
        "earshot.execution.window_frames": ("UINT32", 1 + (16000 - 640) // stride),
    }
    problems = []
    for key, (type_name, value) in expected.items():
        field = reader.fields.get(key)
        if field is None:
            problems.append(f"{key} missing")
        elif field.types[0].name != type_name or field.contents() != value:
            problems.append(f"{key} = {field.contents()!r} ({field.types[0].name}), expected {value!r} ({type_name})")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--earshot", default=os.path.join(REPO, ".build", "release", "earshot"), help="the earshot CLI")
    parser.add_argument("--shared", default=os.path.join(REPO, "..", "shared"), help="the shared data folder")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated model names")
    parser.add_argument("--weights", default="fp32,fp16,int8", help="comma-separated weight types")
    parser.add_argument("--json", help="also write every figure to this JSON file")
    args = parser.parse_args()

    reference_dir = os.path.join(args.shared, "data", "ml-kws", "reference")
    clips = os.path.join(args.shared, "data", "speech_commands_v0.02_subset")
    if not os.path.isdir(reference_dir) or not os.path.isdir(clips):
        print(f"skipped: {os.path.normpath(reference_dir)} or the clips are absent (they live in ../shared)")
        print("0 passed, 0 failed")
        return 0
    labels = open(os.path.join(args.shared, "data", "ml-kws", "labels.txt")).read().split()
    passed = failed = 0
    rows = []
    start = time.time()
    print(f"{'model':<13} {'weights':<7} {'agree':>8} {'accuracy':>9} {'TF acc.':>8} {'max |dp|':>9} {'s':>6}", flush=True)
    with tempfile.TemporaryDirectory(prefix="earshot-mlkws-eval-") as scratch:
        for model in [m for m in args.models.split(",") if m]:
            if model in UNSUPPORTED:
                print(f"{model:<13} skipped: {UNSUPPORTED[model]}", flush=True)
                rows.append({"model": model, "skipped": UNSUPPORTED[model]})
                continue
            reference = np.load(os.path.join(reference_dir, f"{model}_reference.npz"))
            index = {str(name): i for i, name in enumerate(reference["files"])}
            probs = reference["probs"]
            tf_top = probs.argmax(axis=1)
            tf_accuracy = float((tf_top == reference["label_index"]).mean())
            manifest = os.path.join(REPO, "tools", "manifests", "ml-kws", f"{model}.json")
            for weights in [w for w in args.weights.split(",") if w]:
                t = time.time()
                path = os.path.join(scratch, f"{model}_{weights}.earshot")
                # The manifest's own "frontend" and "execution" objects when it has them (the keys are
                # then checked below against the README), else the same front end as flags.
                with open(manifest) as handle:
                    carries_frontend = "frontend" in json.load(handle)
                run([args.earshot, "convert", os.path.join(reference_dir, f"{model}_weights.npz"),
                     "--manifest", manifest, "-o", path, "--weights", weights]
                    + ([] if carries_frontend else frontend_flags(model)))
                if weights == args.weights.split(",")[0]:
                    problems = model_keys(path, model)
                    passed += not problems
                    failed += bool(problems)
                    if problems:
                        print(f"FAIL {model} front-end keys (gguf reader): " + "; ".join(problems), flush=True)
                result = json.loads(run([args.earshot, "eval", clips, "--model", path, "--json"]))
                assert result["labels"] == labels, result["labels"]
                agree = 0
                max_dp = 0.0
                for entry in result["files"]:
                    i = index[entry["path"]]
                    predicted = labels.index(entry["predicted"])
                    agree += predicted == tf_top[i]
                    max_dp = max(max_dp, abs(entry["score"] - float(probs[i, predicted])))
                count = len(result["files"])
                assert count == len(probs), count
                agreement = agree / count
                accuracy = result["accuracy"]
                row = {"model": model, "weights": weights, "clips": count, "agreement": agreement,
                       "accuracy": accuracy, "tf_accuracy": tf_accuracy, "max_abs_score_error": max_dp,
                       "per_class": result["per_class"]}
                rows.append(row)
                verdict = ""
                if weights in ("fp32", "fp16"):
                    ok = agreement >= AGREEMENT_FLOOR
                    verdict = f"{'ok' if ok else 'FAIL'} (agreement >= {AGREEMENT_FLOOR:.1%})"
                elif weights == "int8":
                    ok = abs(accuracy - tf_accuracy) * 100 <= INT8_ACCURACY_POINTS
                    verdict = f"{'ok' if ok else 'FAIL'} (|accuracy - TF| <= {INT8_ACCURACY_POINTS} points)"
                else:
                    raise ValueError(f"no bar for --weights {weights}")
                passed += ok
                failed += not ok
                print(f"{model:<13} {weights:<7} {agreement:>8.2%} {accuracy:>9.2%} {tf_accuracy:>8.2%} "
                      f"{max_dp:>9.2g} {time.time() - t:>6.1f}  {verdict}", flush=True)
    print(f"({time.time() - start:.0f} s; agree: Earshot's top-1 = TensorFlow's; max |dp|: Earshot's top score vs "
          f"TensorFlow's probability of that label)")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=1)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
