#!/usr/bin/env python3
"""Front-end cost per frame: Earshot's streaming front end beside kaldi-native-fbank and librosa.

Runs `earshot-pipeline-bench --json` (per-hop times of Earshot's front ends and the pipeline's
real-time factor on a model) and times the peers on the same 60 s of audio (the Speech Commands
clips in ../shared, or noise): kaldi-native-fbank's OnlineFbank/OnlineMfcc (C++, one
accept_waveform call) and librosa's melspectrogram + power_to_db (numpy, whole signal). The peers
are batch computations, so their figure is the mean per frame; Earshot's are per hop, streamed.
pymicro-features' MicroFrontend (TensorFlow Lite Micro's C front end, the `micro` preset's peer) is
fed 10 ms chunks as pymicro-wakeword feeds it, so its figure is per hop too, including the Python
call its users pay; below the table, per-hop medians of it and of its C function
FrontendProcessSamples called through ctypes (minus the median of an empty call, the ctypes cost).

    swift build -c release --product earshot-pipeline-bench
    .venv/bin/python tools/bench/bench_frontend.py --bench .build/release/earshot-pipeline-bench --model lstm_s_int8.earshot
"""
import argparse
import json
import os
import subprocess
import sys
import time
import wave

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLIPS = os.path.join(os.path.dirname(REPO), "shared", "data", "speech_commands_v0.02_subset")


def audio(seconds):
    samples = []
    if os.path.isdir(CLIPS):
        for label in sorted(os.listdir(CLIPS)):
            folder = os.path.join(CLIPS, label)
            if not os.path.isdir(folder):
                continue
            for name in sorted(os.listdir(folder)):
                with wave.open(os.path.join(folder, name)) as handle:
                    samples.append(np.frombuffer(handle.readframes(handle.getnframes()), "<i2").astype(np.float32) / 32768)
        x = np.concatenate(samples)
    else:
        x = np.random.default_rng(1).standard_normal(16000).astype(np.float32) * 0.1
    return np.resize(x, seconds * 16000)


def best_of(function, repeats=5):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        frames = function()
        times.append(time.perf_counter() - start)
    return min(times), frames


def micro_medians(x):
    """Per-hop medians (µs) of pymicro-features on 10 ms chunks: through its Python API, through its C
    function FrontendProcessSamples via ctypes, and of an empty ctypes call to it (0 samples)."""
    import ctypes
    import micro_features_cpp
    from pymicro_features import MicroFrontend

    pcm = np.clip(np.round(x * 32768), -32768, 32767).astype("<i2")
    data = pcm.tobytes()
    frontend = MicroFrontend()
    python_times = []
    for offset in range(0, len(data) - 319, 320):
        start = time.perf_counter_ns()
        result = frontend.process_samples(data[offset:offset + 320])
        end = time.perf_counter_ns()
        if result.features:
            python_times.append(end - start)

    lib = ctypes.CDLL(micro_features_cpp.__file__)

    class Config(ctypes.Structure):  # FrontendConfig as pymicro-features fills it
        _fields_ = [("window_size_ms", ctypes.c_size_t), ("window_step_ms", ctypes.c_size_t),
                    ("channels", ctypes.c_int), ("upper", ctypes.c_float), ("lower", ctypes.c_float),
                    ("output_shift", ctypes.c_int), ("smoothing_bits", ctypes.c_int), ("even", ctypes.c_float),
                    ("odd", ctypes.c_float), ("min_signal", ctypes.c_float), ("enable_pcan", ctypes.c_int),
                    ("strength", ctypes.c_float), ("offset", ctypes.c_float), ("gain_bits", ctypes.c_int),
                    ("enable_log", ctypes.c_int), ("scale_shift", ctypes.c_int)]

    class Output(ctypes.Structure):
        _fields_ = [("values", ctypes.POINTER(ctypes.c_uint16)), ("size", ctypes.c_size_t)]

    process = lib.FrontendProcessSamples
    process.restype = Output
    process.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]
    config = Config(30, 10, 40, 7500.0, 125.0, 7, 10, 0.025, 0.06, 0.05, 1, 0.95, 80.0, 21, 1, 6)
    state = ctypes.create_string_buffer(4096)  # larger than FrontendState
    assert lib.FrontendPopulateState(ctypes.byref(config), state, 16000)
    read = ctypes.c_size_t()
    base = pcm.ctypes.data
    c_times, empty_times = [], []
    first = None
    for offset in range(0, len(pcm) - 159, 160):
        start = time.perf_counter_ns()
        out = process(state, base + 2 * offset, 160, ctypes.byref(read))
        end = time.perf_counter_ns()
        if out.size:
            c_times.append(end - start)
            if first is None:
                first = [out.values[i] for i in range(out.size)]
        start = time.perf_counter_ns()
        process(state, base, 0, ctypes.byref(read))  # copies nothing, returns at once
        empty_times.append(time.perf_counter_ns() - start)
    # The C path is pymicro-features' own computation: its first frame must be the Python API's.
    check = MicroFrontend().process_samples
    reference = None
    for offset in range(0, len(data) - 319, 320):
        result = check(data[offset:offset + 320])
        if result.features:
            reference = result.features
            break
    assert [v * 0.0390625 for v in first] == reference, "ctypes FrontendConfig layout does not match"
    return (float(np.median(python_times)) / 1e3, float(np.median(c_times)) / 1e3,
            float(np.median(empty_times)) / 1e3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", default=os.path.join(REPO, ".build", "release", "earshot-pipeline-bench"))
    parser.add_argument("--model", required=True, help="an Earshot model with a front end")
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()

    command = [args.bench, "--model", args.model, "--seconds", str(args.seconds), "--json"]
    if os.path.isdir(CLIPS):
        command += ["--clips", CLIPS]
    ours = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)

    import kaldi_native_fbank as knf
    import librosa
    x = audio(args.seconds)

    def kaldi(kind, bins):
        options = knf.FbankOptions() if kind == "fbank" else knf.MfccOptions()
        options.frame_opts.dither = 0
        options.mel_opts.num_bins = bins
        computer = knf.OnlineFbank(options) if kind == "fbank" else knf.OnlineMfcc(options)
        computer.accept_waveform(16000, x * 32768)
        computer.input_finished()
        return computer.num_frames_ready

    def rosa():
        mel = librosa.feature.melspectrogram(y=x, sr=16000, n_fft=512, hop_length=160, center=False, n_mels=40)
        return librosa.power_to_db(mel, top_db=None).shape[1]

    def micro():
        from pymicro_features import MicroFrontend
        frontend = MicroFrontend()
        pcm = np.clip(np.round(x * 32768), -32768, 32767).astype("<i2").tobytes()
        frames = 0
        for offset in range(0, len(pcm) - 319, 320):
            if frontend.process_samples(pcm[offset:offset + 320]).features:
                frames += 1
        return frames

    rosa()  # warm-up (numba, caches)
    peers = {
        "kaldi-fbank 80 bins": ("kaldi-native-fbank " + getattr(knf, "__version__", ""), lambda: kaldi("fbank", 80)),
        "kaldi-mfcc 23 bins 13 ceps": ("kaldi-native-fbank", lambda: kaldi("mfcc", 23)),
        "librosa-mel 512/160 40 mels": ("librosa " + librosa.__version__, rosa),
        "micro 30/10 ms 40 channels": ("pymicro-features (per hop)", micro),
    }
    print(f"{args.seconds} s of audio; Earshot per hop (streamed, release build) vs the peer's mean per frame (batch)")
    print(f"{'front end':<30} {'Earshot p50':>12} {'p99':>8} {'mean':>8}   {'peer':<26} {'mean/frame':>10}  peer/Earshot p50")
    for entry in ours["frontend"]:
        summary = entry["per_hop"]
        line = f"{entry['label']:<30} {summary['p50_us']:>10.2f}µs {summary['p99_us']:>8.2f} {summary['mean_us']:>8.2f}"
        if entry["label"] in peers:
            name, function = peers[entry["label"]]
            seconds, frames = best_of(function)
            per_frame = seconds / frames * 1e6
            line += f"   {name:<26} {per_frame:>8.2f}µs  {per_frame / summary['p50_us']:.2f}x"
        print(line)
    micro_entry = next((e for e in ours["frontend"] if e["label"] == "micro 30/10 ms 40 channels"), None)
    if micro_entry:
        p50 = micro_entry["per_hop"]["p50_us"]
        python_p50, c_p50, empty_p50 = micro_medians(x)
        print(f"  micro per hop, medians: Earshot {p50:.2f} µs; pymicro-features process_samples {python_p50:.2f} µs "
              f"({python_p50 / p50:.2f}x); its C FrontendProcessSamples {c_p50 - empty_p50:.2f} µs "
              f"({c_p50:.2f} via ctypes minus {empty_p50:.2f} for an empty call; {(c_p50 - empty_p50) / p50:.2f}x)")
    print()
    for entry in ours["pipeline"]:
        latency = entry["period_latency"]
        print(f"pipeline {entry['label']}: real-time factor {entry['real_time_factor']:.5f}; period latency "
              f"p50 {latency['p50_us']:.1f} µs, p99 {latency['p99_us']:.1f} µs ({entry['window_runs']} window runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
