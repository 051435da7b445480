#!/usr/bin/env bash
# Step 8 of train.sh: the exported ONNX graph -> an Earshot model file, with the options that made
# models/default.earshot. One place for them: train.sh and tools/train/check_default_model.py both
# run this script, so the check rebuilds the shipped bytes with exactly the pipeline's options.
#
#   tools/train/convert.sh EARSHOT MODEL.onnx OUT.earshot LABELS [CALIBRATION.npy]
#
# LABELS: comma-separated class names. WEIGHTS=fp32 converts without quantization (train.sh's
# fp32 comparison file); otherwise int8 when this earshot offers it. HOP_FRAMES: window hop (2).
# CALIBRATION only feeds the converter's int8 report; it does not change the file's bytes.
# THRESHOLDS=FILE.json: store its per-keyword thresholds ({"thresholds": {"yes": 0.92, ...}}, the
# output of choose_thresholds.py; models/default.thresholds.json for the shipped model) as
# --keyword-threshold NAME=VALUE (metadata detector.thresholds.NAME).
set -euo pipefail
earshot="$1" onnx="$2" out="$3" labels="$4" calibration="${5:-}"
# The front end (TensorFlow MFCC, 10 coefficients) and windowed execution (49 frames, re-run every
# HOP frames from zero state) are stored in the model.
opts=(--labels "$labels" --frontend tf-mfcc --frontend-coefficients 10 --window-frames 49
    --window-hop "${HOP_FRAMES:-2}")
help="$("$earshot" convert --help 2>&1)"  # not `| grep -q`: under pipefail its early exit fails the pipe
if [[ "${WEIGHTS:-int8}" != fp32 && "$help" == *int8* ]]; then
    # --input-weights int8: the shipped model stores its input matrix in int8. Since the converter
    # learned to keep a front-end model's input matrix fp16 by default (`auto`), leaving this out
    # makes a different file than the one shipped (check_default_model.py compares the bytes).
    opts+=(--weights int8 --input-weights int8)
    [[ -n "$calibration" ]] && opts+=(--calibration "$calibration")
fi
if [[ -n "${THRESHOLDS:-}" ]]; then
    # One NAME=VALUE per keyword, in the file's order, values as written there (3 decimals).
    while IFS= read -r pair; do opts+=(--keyword-threshold "$pair"); done < <(python3 -c '
import json, sys
for name, value in json.load(open(sys.argv[1]))["thresholds"].items():
    print(f"{name}={value}")' "$THRESHOLDS")
fi
"$earshot" convert "$onnx" -o "$out" "${opts[@]}"
