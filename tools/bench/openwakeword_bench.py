#!/usr/bin/env python3
"""CPU per 80 ms chunk: openWakeWord 0.6.0 (ONNX Runtime, one thread) and Earshot, same audio, one run.

Audio: real speech with the wake phrases (tools/tflite_parity.speech_stream). Wake words: the
wyoming-openwakeword wheel's heads as ONNX (tools/export/openwakeword_onnx_heads.py); "8 wake words" is the
four supported heads twice under other names (openWakeWord runs each as its own model; Earshot runs
them on one stream, `earshot infer --model A --and-model B ...`, sharing the mel and embedding networks).
openWakeWord: process CPU time (time.process_time) around Model.predict over the chunks.
Earshot: the child's CPU time (user + system, from wait4) of `earshot infer` on the stream, minus the
same command on its first second (load, WAV read and start-up), per chunk of the difference.

  .venv/bin/python tools/bench/openwakeword_bench.py --minutes 2
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path[:0] = [os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), d) for d in ("lib", "checks", "fixtures", "bench", "export")]
import openwakeword_parity  # noqa: E402
import tflite_parity  # noqa: E402

CHUNK = 1280


def child_cpu(command):
    """User + system CPU seconds of one child process."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"{command[0]} exited with status {status}")
    return usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=2)
    parser.add_argument("--earshot", default=os.path.join(openwakeword_parity.ROOT, ".build", "release", "earshot"))
    args = parser.parse_args()
    dirs, why = openwakeword_parity.setup(["alexa", "hey mycroft", "hey rhasspy", "okay nabu"])
    if dirs is None:
        print(why)
        return 0
    onnx_dir, tfl_dir = dirs
    pcm = tflite_parity.speech_stream(int(args.minutes * 60), seed=7)
    chunks = len(pcm) // CHUNK
    import soundfile as sf
    import openwakeword_onnx_heads
    from openwakeword.model import Model

    with tempfile.TemporaryDirectory() as tmp:
        wav, short = os.path.join(tmp, "stream.wav"), os.path.join(tmp, "short.wav")
        sf.write(wav, pcm, 16000, subtype="PCM_16")
        sf.write(short, pcm[:16000], 16000, subtype="PCM_16")
        features = os.path.join(tmp, "features")
        os.makedirs(features)
        for stem in ("melspectrogram", "embedding_model"):
            shutil.copy(os.path.join(onnx_dir, stem + ".onnx"), features)
        heads_dir = os.path.join(tmp, "heads")
        sys.argv = ["heads", heads_dir] + sorted(glob.glob(os.path.join(tfl_dir, "*_v0.1.tflite")))
        openwakeword_onnx_heads.main()
        heads = sorted(glob.glob(os.path.join(heads_dir, "*.onnx")))
        for h in list(heads):
            copy = h.replace("_v0.1.onnx", "_copy.onnx")
            shutil.copy(h, copy)
            heads.append(copy)
        models = []
        for h in heads:
            out = h[:-5] + ".earshot"
            subprocess.run([args.earshot, "convert", h, "--openwakeword-features", features, "-o", out],
                           check=True, stdout=subprocess.DEVNULL)
            models.append(out)
        mel, emb = os.path.join(onnx_dir, "melspectrogram.onnx"), os.path.join(onnx_dir, "embedding_model.onnx")
        print(f"{chunks} chunks of 80 ms ({len(pcm) / 16000:.0f} s); CPU per chunk:")
        for count in (1, 8):
            model = Model(wakeword_models=heads[:count], inference_framework="onnx", melspec_model_path=mel,
                          embedding_model_path=emb, ncpu=1)
            start = time.process_time()
            for k in range(chunks):
                model.predict(pcm[k * CHUNK:(k + 1) * CHUNK])
            theirs = (time.process_time() - start) / chunks
            line = f"{count} wake word{'s' if count > 1 else ''}: openWakeWord {theirs * 1e3:.3f} ms"
            for precision in ("fp32", "fp16", "int8"):
                command = [args.earshot, "infer", "--model", models[0], "--out", os.path.join(tmp, "s.npy"),
                           "--embedding-weights", precision]
                for m in models[1:count]:
                    command += ["--and-model", m]
                full = child_cpu(command + ["--wav", wav])
                base = child_cpu(command + ["--wav", short])
                mine = (full - base) / (chunks - 12)
                line += f", Earshot {precision} {mine * 1e3:.3f} ms ({mine / theirs:.2f}x)"
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
