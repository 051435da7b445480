#!/usr/bin/env python3
"""Front-end cost per frame: Earshot's streaming front end beside kaldi-native-fbank and librosa.

Runs `earshot-pipeline-bench --json` (per-hop times of Earshot's front ends and the pipeline's
real-time factor on a model) and times the peers on the same 60 s of audio (the Speech Commands
clips in ../shared, or noise): kaldi-native-fbank's OnlineFbank/OnlineMfcc (C++, one
accept_waveform call) and librosa's melspectrogram + power_to_db (numpy, whole signal). The peers
are batch computations, so their figure is the mean per frame; Earshot's are per hop, streamed.
pymicro-features' MicroFrontend (TensorFlow Lite Micro's C front end, the `micro` preset's peer) is
fed 10 ms chunks as pymicro-wakeword feeds it, so its figure is per hop too, including the Python
call its users pay.

    swift build -c release --product earshot-pipeline-bench
    .venv/bin/python tools/bench_frontend.py --bench .build/release/earshot-pipeline-bench --model lstm_s_int8.earshot
"""
import argparse
import json
import os
import subprocess
import sys
import time
import wave

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
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
    print()
    for entry in ours["pipeline"]:
        latency = entry["period_latency"]
        print(f"pipeline {entry['label']}: real-time factor {entry['real_time_factor']:.5f}; period latency "
              f"p50 {latency['p50_us']:.1f} µs, p99 {latency['p99_us']:.1f} µs ({entry['window_runs']} window runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
