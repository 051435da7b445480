#!/usr/bin/env python3
"""Silero VAD in Earshot against ONNX Runtime on real audio (issue 17).

Builds one long 16 kHz stream from ../shared (LibriSpeech read speech, Speech Commands clips,
the Speech Commands background-noise recordings and a stretch of digital silence, in that
order, cut to --minutes), converts the wheel's `silero_vad_16k_op15.onnx` with `earshot convert`
(fp32, and int8 calibrated on Earshot's own front-end features of the stream's first minute),
and compares, chunk by chunk (512 samples with 64 of context, the state carried), the speech
probability of
  - ONNX Runtime running the wheel's graph (1 thread), the reference, and
  - Earshot: `earshot features` (the model's `silero` front end) then `earshot infer`.
Checks: fp32 |p - p_ort| <= 1e-4 on every chunk; reports the int8 max error and how often its
decision (p >= 0.5) agrees with ONNX Runtime's. CPU per chunk: ONNX Runtime (process CPU time of
its run loop, 1 thread) and Earshot (`earshot profile --wav`: front end per hop + network step,
p50) in the same run, and their ratio.

    .venv/bin/python tools/checks/silero_parity.py --earshot .build/release/earshot [--minutes 10] [--json OUT]

Prints the figures and "N passed, M failed"; exit 1 on a failure. "skipped: REASON" (exit 0)
when onnxruntime, soundfile or the silero-vad wheel is missing (tools/test.sh fails on that in CI).
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path[:0] = [os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), d) for d in ("lib", "checks", "fixtures", "bench", "export")]
try:
    import onnxruntime as ort
    from shared_audio import RATE, find_shared, read, silero_graph, write_wav
except ImportError as error:
    print(f"skipped: {error}")
    sys.exit(0)

SHARED = find_shared()
CHUNK = 512
CONTEXT = 64


def build_stream(seconds, shared):
    """LibriSpeech (60 %), Speech Commands clips (15 %), background noise (20 %), silence (5 %)."""
    parts = []
    budget = {"speech": 0.60, "commands": 0.15, "noise": 0.20}
    sources = {
        "speech": sorted(glob.glob(os.path.join(shared, "librispeech_test_clean_dev", "*", "*", "*.flac"))),
        "commands": sorted(glob.glob(os.path.join(shared, "speech_commands_v0.02_subset", "*", "*.wav"))),
        "noise": sorted(glob.glob(os.path.join(shared, "speech_commands_train_small", "_background_noise_", "*.wav"))),
    }
    for kind, files in sources.items():
        if not files:
            raise SystemExit(f"no {kind} audio under {shared}")
        want = int(seconds * budget[kind] * RATE)
        have = 0
        index = 0
        while have < want and index < len(files) * 4:
            clip = read(files[index % len(files)])
            if kind == "noise":  # an excerpt of each long recording
                start = (index // len(files)) * 10 * RATE
                clip = clip[start:start + 10 * RATE]
            clip = clip[: want - have]
            parts.append(clip)
            have += len(clip)
            index += 1
    total = int(seconds * RATE)
    used = sum(len(p) for p in parts)
    parts.append(np.zeros(max(total - used, 0), dtype=np.int16))
    return np.concatenate(parts)


def onnx_reference(model_path, samples):
    """Probabilities per full chunk as Silero's OnnxWrapper feeds its graph, and CPU s per chunk."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    audio = samples.astype(np.float32) / 32768.0
    chunks = len(audio) // CHUNK
    state = np.zeros((2, 1, 128), dtype=np.float32)
    context = np.zeros((1, CONTEXT), dtype=np.float32)
    sr = np.array(RATE, dtype=np.int64)
    out = np.empty(chunks, dtype=np.float64)
    times = np.empty(chunks, dtype=np.float64)
    cpu = 0.0
    for i in range(chunks):
        x = np.concatenate([context, audio[None, i * CHUNK:(i + 1) * CHUNK]], axis=1)
        feeds = {"input": x, "state": state, "sr": sr}
        start, start_cpu = time.perf_counter(), time.process_time()
        probability, state = session.run(None, feeds)
        cpu += time.process_time() - start_cpu
        times[i] = time.perf_counter() - start
        out[i] = probability[0, 0]
        context = x[:, -CONTEXT:]
    return out, {"p50_us": float(np.median(times) * 1e6), "mean_us": float(times.mean() * 1e6),
                 "cpu_mean_us": cpu / chunks * 1e6}


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {result.stderr.strip()}")
    return result.stdout


def earshot_probabilities(earshot, model, wav, work, tag):
    features = os.path.join(work, f"{tag}.features.npy")
    out = os.path.join(work, f"{tag}.out.npy")
    run([earshot, "features", wav, "--model", model, "-o", features])
    run([earshot, "infer", "--model", model, "--features", features, "--out", out])
    return np.load(out).reshape(-1).astype(np.float64), features


def earshot_cpu(earshot, model, wav):
    """Front end per hop + network step per chunk (p50 µs) from `earshot profile --wav --json`."""
    report = json.loads(run([earshot, "profile", "--model", model, "--wav", wav, "--json"]))
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--earshot", default=".build/release/earshot")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--shared", default=SHARED)
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--work", help="keep intermediate files here")
    args = parser.parse_args()

    graph = silero_graph()
    if graph is None:
        print("skipped: the silero-vad wheel (silero_vad/data/silero_vad_16k_op15.onnx) is not installed")
        return 0
    work = args.work or tempfile.mkdtemp(prefix="silero_parity.")
    os.makedirs(work, exist_ok=True)

    samples = build_stream(args.minutes * 60, args.shared)
    wav = os.path.join(work, "stream.wav")
    write_wav(wav, samples)
    calibration_wav = os.path.join(work, "calibration.wav")
    write_wav(calibration_wav, samples[: 60 * RATE])

    fp32 = os.path.join(work, "vad.earshot")
    int8 = os.path.join(work, "vad-int8.earshot")
    run([args.earshot, "convert", graph, "-o", fp32])
    _, calibration = earshot_probabilities(args.earshot, fp32, calibration_wav, work, "calibration")
    run([args.earshot, "convert", graph, "-o", int8, "--weights", "int8", "--calibration", calibration])

    reference, ort_seconds = onnx_reference(graph, samples)
    mine, _ = earshot_probabilities(args.earshot, fp32, wav, work, "fp32")
    quantized, _ = earshot_probabilities(args.earshot, int8, wav, work, "int8")

    failures = 0
    checks = 0

    def check(ok, line):
        nonlocal failures, checks
        checks += 1
        failures += 0 if ok else 1
        print(("ok    " if ok else "FAIL  ") + line)

    chunks = len(reference)
    check(len(mine) == chunks and len(quantized) == chunks,
          f"chunks: ONNX Runtime {chunks}, Earshot fp32 {len(mine)}, int8 {len(quantized)} "
          f"({len(samples) / RATE / 60:.2f} min of audio)")
    n = min(chunks, len(mine), len(quantized))
    error = np.abs(mine[:n] - reference[:n])
    worst = int(np.argmax(error))
    check(error.max() <= 1e-4,
          f"fp32 |p - p_ort| max {error.max():.2e} (chunk {worst}, {worst * CHUNK / RATE:.2f} s), mean {error.mean():.2e}, "
          f"on every one of {n} chunks <= 1e-4")
    speech = reference[:n] >= 0.5
    check(0.05 < speech.mean() < 0.95, f"the stream has both: {100 * speech.mean():.1f} % of chunks speech by ONNX Runtime")
    int8_error = np.abs(quantized[:n] - reference[:n])
    agreement = float(np.mean((quantized[:n] >= 0.5) == speech))
    print(f"info  int8 |p - p_ort| max {int8_error.max():.4f}, mean {int8_error.mean():.5f}; "
          f"decision (p >= 0.5) agrees on {100 * agreement:.2f} % of chunks")
    fp32_agreement = float(np.mean((mine[:n] >= 0.5) == speech))
    check(fp32_agreement == 1.0, f"fp32 decision agrees on {100 * fp32_agreement:.2f} % of chunks")

    report = earshot_cpu(args.earshot, fp32, wav)
    step = report["step_us"]["p50"]
    frontend = report["frontend_us"]["p50"]
    earshot_us = step + frontend
    figures = {
        "minutes": len(samples) / RATE / 60, "chunks": n, "fp32_max_error": float(error.max()),
        "int8_max_error": float(int8_error.max()), "int8_decision_agreement": agreement,
        "ort": ort_seconds, "earshot_us_per_chunk_p50": earshot_us,
        "earshot_step_us": report["step_us"], "earshot_frontend_us": report["frontend_us"],
    }
    print(f"info  per chunk, p50: ONNX Runtime session.run (1 thread) {ort_seconds['p50_us']:.1f} us "
          f"(CPU mean {ort_seconds['cpu_mean_us']:.1f} us), Earshot {earshot_us:.1f} us "
          f"(front end {frontend:.1f} + network {step:.1f}): ONNX Runtime / Earshot = {ort_seconds['p50_us'] / earshot_us:.2f}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=1, default=str)
    print(f"{checks - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
