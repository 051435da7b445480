#!/usr/bin/env python3
"""Parity of Earshot's TFLite import with TensorFlow Lite on real audio (issue 14).

Converts every .tflite in a folder (default: the pymicro-wakeword wheel's models) with
`earshot convert`, builds a long stream of real speech (../shared/data speech-command clips and
LibriSpeech) with each wake phrase spoken by espeak-ng between them, computes its features with
pymicro-features (as pymicro-wakeword's MicroWakeWordFeatures does), and runs
  - TensorFlow Lite: the wheel's libtensorflowlite_c through ctypes, fed exactly as
    pymicro-wakeword's MicroWakeWord.process_streaming_prob feeds it (np.round(f / scale + zp)),
  - Earshot: `earshot infer --model M --features F.npy --out Y.npy`,
and compares the output quanta step by step, and the detections (mean of the last N
probabilities above the manifest's cutoff). Bar: identical on >= 99.9% of steps, never more
than one quantum apart, identical detections. Exit 1 when a bar is missed; "skipped: reason"
(exit 0) when the wheel is not installed.

  .venv/bin/python tools/checks/tflite_parity.py --minutes 20          # the full measurement
  .venv/bin/python tools/checks/tflite_parity.py --minutes 3           # what tools/test.sh runs
"""
import argparse
import ctypes
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "..", "shared", "data")
PHRASES = ["okay nabu", "hey jarvis", "alexa", "hey mycroft"]


def wheel():
    try:
        import pymicro_wakeword  # noqa: F401
        import pymicro_features  # noqa: F401
    except ImportError as error:
        return None, str(error)
    base = os.path.dirname(pymicro_wakeword.__file__)
    libs = glob.glob(os.path.join(base, "lib", "*tensorflowlite_c*"))
    if not libs:
        return None, "the pymicro-wakeword wheel carries no libtensorflowlite_c"
    return (os.path.join(base, "models"), libs[0]), None


def speech_stream(seconds, seed=0):
    """Real speech clips with the four wake phrases (espeak-ng, resampled to 16 kHz) between them."""
    import soundfile as sf
    from scipy.signal import resample_poly

    rng = np.random.default_rng(seed)
    clips = sorted(glob.glob(os.path.join(DATA, "speech_commands_v0.02_subset", "*", "*.wav")))
    books = sorted(glob.glob(os.path.join(DATA, "librispeech_test_clean_dev", "*", "*", "*.flac")))
    if not clips or not books:
        raise SystemExit("skipped: ../shared/data speech clips not found")
    phrases = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, phrase in enumerate(PHRASES):
            for speed in (140, 175):
                path = os.path.join(tmp, f"{i}_{speed}.wav")
                subprocess.run(["espeak-ng", "-s", str(speed), "-w", path, phrase], check=True)
                audio, rate = sf.read(path, dtype="float64")
                phrases.append(resample_poly(audio, 16000, rate))
    parts, total, k = [], 0, 0
    order_clips = rng.permutation(len(clips))
    order_books = rng.permutation(len(books))
    while total < seconds * 16000:
        if k % 3 == 2:
            audio, _ = sf.read(books[order_books[(k // 3) % len(books)]], dtype="float64")
        else:
            audio, _ = sf.read(clips[order_clips[k % len(clips)]], dtype="float64")
        parts += [audio, np.zeros(4000), phrases[k % len(phrases)] * 0.8, np.zeros(4000)]
        total += sum(len(p) for p in parts[-4:])
        k += 1
    pcm = np.concatenate(parts)[: seconds * 16000]
    return np.clip(np.round(pcm * 32767), -32768, 32767).astype("<i2")


def micro_features(pcm):
    """pymicro-features, fed 10 ms chunks as MicroWakeWordFeatures feeds it."""
    from pymicro_features import MicroFrontend

    frontend = MicroFrontend()
    data = pcm.tobytes()
    rows, i = [], 0
    while i + 320 <= len(data):
        result = frontend.process_samples(data[i : i + 320])
        i += result.samples_read * 2
        if result.features:
            rows.append(result.features)
    return np.array(rows, dtype=np.float64)


class WheelTFLite:
    """The wheel's TFLite C library, used as pymicro-wakeword uses it."""

    def __init__(self, lib_path, model_path):
        from pymicro_wakeword.wakeword import TfLiteWakeWord

        self.lib = TfLiteWakeWord(lib_path).lib
        self.model = self.lib.TfLiteModelCreateFromFile(model_path.encode())
        self.interpreter = self.lib.TfLiteInterpreterCreate(self.model, None)
        self.lib.TfLiteInterpreterAllocateTensors(self.interpreter)
        self.input = self.lib.TfLiteInterpreterGetInputTensor(self.interpreter, 0)
        self.output = self.lib.TfLiteInterpreterGetOutputTensor(self.interpreter, 0)
        q = self.lib.TfLiteTensorQuantizationParams(self.input)
        self.scale, self.zero = q.scale, q.zero_point
        q = self.lib.TfLiteTensorQuantizationParams(self.output)
        self.out_scale, self.out_zero = q.scale, q.zero_point
        self.stride = self.lib.TfLiteTensorDim(self.input, 1)
        self.out_dtype = {3: np.uint8, 9: np.int8}[self.lib.TfLiteTensorType(self.output)]

    def run(self, features):
        raw = []
        buffer = np.zeros(1, dtype=self.out_dtype)
        for k in range(0, len(features) - self.stride + 1, self.stride):
            q = np.round(features[k : k + self.stride] / self.scale + self.zero).astype(np.int8)
            q = np.ascontiguousarray(q)
            self.lib.TfLiteTensorCopyFromBuffer(self.input, q.ctypes.data_as(ctypes.c_void_p), q.nbytes)
            self.lib.TfLiteInterpreterInvoke(self.interpreter)
            self.lib.TfLiteTensorCopyToBuffer(self.output, buffer.ctypes.data_as(ctypes.c_void_p), buffer.nbytes)
            raw.append(int(buffer[0]))
        return np.array(raw)


class ReferenceTFLite(WheelTFLite):
    """ai-edge-litert with TFLite's reference kernels (BUILTIN_REF), for --kernels reference."""

    def __init__(self, model_path):
        from ai_edge_litert.interpreter import Interpreter, OpResolverType

        self.it = Interpreter(model_path=model_path, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
        self.it.allocate_tensors()
        i, o = self.it.get_input_details()[0], self.it.get_output_details()[0]
        self.index, self.out_index = i["index"], o["index"]
        self.scale, self.zero = i["quantization"]
        self.out_scale, self.out_zero = o["quantization"]
        self.stride = int(i["shape"][1])

    def run(self, features):
        raw = []
        for k in range(0, len(features) - self.stride + 1, self.stride):
            q = np.round(features[k : k + self.stride] / self.scale + self.zero).astype(np.int8)[None]
            self.it.set_tensor(self.index, q)
            self.it.invoke()
            raw.append(int(self.it.get_tensor(self.out_index).ravel()[0]))
        return np.array(raw)


def detections(probabilities, window, cutoff):
    """Steps where the mean of the last `window` probabilities exceeds the cutoff (pymicro-wakeword)."""
    out = []
    for i in range(window - 1, len(probabilities)):
        if float(np.mean(probabilities[i - window + 1 : i + 1])) > cutoff:
            out.append(i)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", help="folder of .tflite models (default: the pymicro-wakeword wheel's)")
    parser.add_argument("--minutes", type=float, default=20)
    parser.add_argument("--kernels", choices=["optimized", "reference"], default="optimized",
                        help="optimized: convert with --tflite-kernels optimized, compare with the wheel's C library; "
                             "reference: --tflite-kernels reference vs ai-edge-litert's reference kernels (BUILTIN_REF)")
    parser.add_argument("--earshot", default=os.path.join(ROOT, ".build", "debug", "earshot"))
    args = parser.parse_args()

    found, reason = wheel()
    if found is None:
        print(f"tflite_parity: skipped: pymicro-wakeword / pymicro-features not installed ({reason})")
        return 0
    models_dir, lib = found
    models_dir = args.models or models_dir
    models = sorted(glob.glob(os.path.join(models_dir, "*.tflite")))
    if not models:
        print(f"tflite_parity: FAILED: no .tflite in {models_dir}")
        return 1

    pcm = speech_stream(int(args.minutes * 60))
    features = micro_features(pcm)
    print(f"kernels: {args.kernels} (peer: {'the wheel libtensorflowlite_c' if args.kernels == 'optimized' else 'ai-edge-litert BUILTIN_REF'})")
    print(f"audio: {len(pcm) / 16000 / 60:.1f} min of real speech + espeak-ng wake phrases, {len(features)} feature frames")
    failed = False
    passed = failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        feature_path = os.path.join(tmp, "features.npy")
        np.save(feature_path, features.astype(np.float32))  # k * 5/128: exact in float32
        import soundfile as sf
        wav_path = os.path.join(tmp, "stream.wav")
        sf.write(wav_path, pcm, 16000, subtype="PCM_16")
        assert np.array_equal(features.astype(np.float32).astype(np.float64), features)
        for model in models:
            name = os.path.splitext(os.path.basename(model))[0]
            converted = os.path.join(tmp, name + ".earshot")
            subprocess.run([args.earshot, "convert", model, "-o", converted, "--tflite-kernels", args.kernels],
                           check=True, stdout=subprocess.DEVNULL)
            out = os.path.join(tmp, name + ".npy")
            subprocess.run([args.earshot, "infer", "--model", converted, "--features", feature_path, "--out", out], check=True)
            peer = WheelTFLite(lib, model) if args.kernels == "optimized" else ReferenceTFLite(model)
            reference = peer.run(features)
            ours_prob = np.load(out)[:, 0]
            ours = np.round(ours_prob / peer.out_scale + peer.out_zero).astype(int)
            if len(ours) != len(reference):
                print(f"{name}: FAILED: {len(ours)} Earshot steps, {len(reference)} TFLite steps")
                failed = True
                failures += 1
                continue
            same = float(np.mean(ours == reference))
            worst = int(np.max(np.abs(ours - reference)))
            manifest_path = os.path.splitext(model)[0] + ".json"
            window, cutoff = 5, 0.5
            if os.path.exists(manifest_path):
                micro = json.load(open(manifest_path))["micro"]
                window = micro.get("sliding_window_size", micro.get("sliding_window_average_size", 5))
                cutoff = micro["probability_cutoff"]
            theirs_prob = (reference.astype(np.float32) - peer.out_zero) * np.float32(peer.out_scale)
            d_ours = detections(ours_prob, window, cutoff)
            d_theirs = detections(theirs_prob, window, cutoff)
            ok = same >= 0.999 and worst <= 1 and d_ours == d_theirs
            failed |= not ok
            passed += ok
            failures += not ok
            print(f"{name}: {len(reference)} steps, identical {same * 100:.3f}%, max |diff| {worst} quantum, "
                  f"detection steps {len(d_ours)} (TFLite {len(d_theirs)}, identical {d_ours == d_theirs}): "
                  + ("ok" if ok else "FAILED"))
            # From the WAV: Earshot's own `micro` front end, then the network, against TFLite fed
            # pymicro-features' features.
            wav_out = os.path.join(tmp, name + "-wav.npy")
            subprocess.run([args.earshot, "infer", "--model", converted, "--wav", wav_path, "--out", wav_out], check=True)
            wav_prob = np.load(wav_out)[:, 0]
            wav_q = np.round(wav_prob / peer.out_scale + peer.out_zero).astype(int)
            n = min(len(wav_q), len(reference))
            wav_same = float(np.mean(wav_q[:n] == reference[:n])) if n else 0.0
            wav_worst = int(np.max(np.abs(wav_q[:n] - reference[:n]))) if n else -1
            d_wav = detections(wav_prob, window, cutoff)
            ok = n > 0 and abs(len(wav_q) - len(reference)) <= 1 and wav_same >= 0.999 and wav_worst <= 1 and d_wav == d_theirs
            failed |= not ok
            passed += ok
            failures += not ok
            print(f"{name} --wav: {len(wav_q)} steps (TFLite {len(reference)}), identical {wav_same * 100:.3f}%, "
                  f"max |diff| {wav_worst} quantum, detections identical {d_wav == d_theirs}: " + ("ok" if ok else "FAILED"))
    print(f"{passed} passed, {failures} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
