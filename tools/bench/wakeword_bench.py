#!/usr/bin/env python3
"""Wake-word benchmark: miss rate against false alarms per hour, the way wake-word engines are compared.

    tools/bench/wakeword_bench.py --keyword "view glass" \\
        --positives ../shared/data/wakeword_recordings_dev/view_glass \\
        --background ../shared/data/librispeech_test_clean_dev \\
        --porcupine --earshot models/view_glass.earshot \\
        --svg det.svg --json det.json

Method (that of Picovoice's public wake-word benchmark):
  * Positives: real recordings of the phrase (every .wav/.flac under --positives), joined into one stream
    with --gap seconds between clips (optionally mixed with noise from --noise at --snr dB, gaps included).
    A clip counts as detected when the engine fires between the clip's start and --tolerance seconds after
    its end. Miss rate = clips not detected / clips.
  * Background: long real speech without the phrase (every .wav/.flac under --background, in name order,
    joined into one stream). Every detection in it is a false alarm; false alarms per hour = count / hours.
  * DET curve: (false alarms per hour, miss rate) over the engine's sensitivity or threshold, written as an
    SVG; the miss rate at 1 false alarm per 10 hours and per hour (the lowest miss rate among the measured
    points with at most that rate); the operating point the model ships with, marked on the curve.
    A background of H hours cannot resolve rates below 1/H per hour: the report says so.

Engines:
  * earshot (--earshot MODEL, repeatable): per-frame scores computed once, from `earshot features` and
    `earshot infer` on the two streams; the detector (moving average over --smoothing seconds, re-arming,
    --refractory seconds, as Spotter.Detector) is then swept over thresholds offline. The shipped point is
    the threshold stored in the model's metadata (detector.threshold) or listen's default 0.8, and
    it is checked end to end with `earshot detect --stream` (the listen pipeline) on both streams.
    The model must step once per frame (a recurrent model with per-step outputs); its keyword is the
    output label equal to --keyword (spaces as spaces or underscores), else its only non-"_..._" label.
  * porcupine (--porcupine): Picovoice Porcupine (pip pvporcupine==1.9.5, offline, no access key), with its
    bundled keyword file for --keyword (or --porcupine-keyword-path FILE.ppn); it gives decisions only, so
    it is run once per sensitivity of --sensitivities (both streams each time, --jobs processes). Its shipped
    point is sensitivity 0.5 (the library's default).

Outputs: a table on stdout, --json (every point of every engine) and --svg (the DET curve).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
import wave

import numpy as np
import soundfile
from scipy.signal import resample_poly

sys.path[:0] = [os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), d) for d in ("lib", "checks", "fixtures", "bench", "export")]
from detector_sim import events as detector_events, oww_events, smoothed  # noqa: E402

RATE = 16000


# MARK: audio

def audio_files(root: str) -> list[str]:
    found = []
    for folder, _, names in os.walk(root):
        for name in names:
            if name.lower().endswith((".wav", ".flac")):
                found.append(os.path.join(folder, name))
    return sorted(found)


def load_mono(path: str) -> np.ndarray:
    """float32 mono at 16 kHz."""
    try:
        data, rate = soundfile.read(path, dtype="float32", always_2d=True)
    except RuntimeError as e:
        raise SystemExit(f"wakeword_bench: cannot decode '{path}': {e}")
    data = data.mean(axis=1)
    if rate != RATE:
        g = math.gcd(rate, RATE)
        data = resample_poly(data, RATE // g, rate // g).astype(np.float32)
    return data


def speech_rms(x: np.ndarray) -> float:
    """RMS of the loudest half of 10 ms blocks: the level of the speech, not of its pauses."""
    n = len(x) // 160
    if n < 2:
        return float(np.sqrt(np.mean(x.astype(np.float64) ** 2) + 1e-20))
    blocks = np.mean(x[: n * 160].astype(np.float64).reshape(n, 160) ** 2, axis=1)
    return float(np.sqrt(np.mean(np.sort(blocks)[n // 2:]) + 1e-20))


class Noise:
    """Noise recordings, cut into segments at random (seeded) offsets."""

    def __init__(self, root: str, seed: int):
        self.recordings = [load_mono(p) for p in audio_files(root)]
        self.recordings = [r for r in self.recordings if len(r) > RATE]
        if not self.recordings:
            raise SystemExit(f"wakeword_bench: no noise recordings longer than 1 s under '{root}'")
        self.rng = np.random.default_rng(seed)

    def segment(self, n: int) -> np.ndarray:
        rec = self.recordings[self.rng.integers(len(self.recordings))]
        reps = -(-n // len(rec)) + 1
        rec = np.tile(rec, reps) if reps > 1 else rec
        start = int(self.rng.integers(0, len(rec) - n))
        return rec[start:start + n]

    def mix(self, x: np.ndarray, level_of: np.ndarray, snr_db: float) -> np.ndarray:
        seg = self.segment(len(x))
        gain = speech_rms(level_of) / (10 ** (snr_db / 20)) / (float(np.sqrt(np.mean(seg ** 2))) + 1e-12)
        return x + seg * gain


def positive_stream(paths, gap_s, noise, snr):
    """One stream of the clips with gaps; returns (samples, [(start, end)] per clip in samples)."""
    gap = np.zeros(int(gap_s * RATE), np.float32)
    parts, spans, at = [gap], [], len(gap)
    for p in paths:
        clip = load_mono(p)
        piece = np.concatenate([clip, gap])
        if noise is not None:
            piece = noise.mix(piece, clip, snr)
        parts.append(piece)
        spans.append((at, at + len(clip)))
        at += len(piece)
    return np.concatenate(parts), spans


def background_stream(paths, noise, snr):
    parts = []
    for p in paths:
        x = load_mono(p)
        parts.append(noise.mix(x, x, snr) if noise is not None else x)
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int16)


def write_wav(path: str, samples: np.ndarray) -> None:
    with wave.open(path, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(RATE)
        f.writeframes(to_int16(samples).tobytes())


# MARK: scoring

def detected_clips(event_samples: np.ndarray, spans, tolerance: int) -> int:
    """How many clips have an event in [start, end + tolerance)."""
    if len(event_samples) == 0:
        return 0
    events = np.sort(event_samples)
    hits = 0
    for start, end in spans:
        i = np.searchsorted(events, start)
        if i < len(events) and events[i] < end + tolerance:
            hits += 1
    return hits


def point(param, pos_events, bg_events, spans, hours, tolerance):
    hits = detected_clips(np.asarray(pos_events, np.int64), spans, tolerance)
    n = len(spans)
    return {"param": float(param), "false_alarms": int(len(bg_events)),
            "fa_per_hour": len(bg_events) / hours if hours > 0 else float("nan"),
            "misses": n - hits, "miss_rate": (n - hits) / n if n else float("nan")}


def at_target(points, target):
    """The lowest miss rate among measured points with fa_per_hour <= target (None if none)."""
    ok = [p for p in points if p["fa_per_hour"] <= target + 1e-12]
    return min(ok, key=lambda p: (p["miss_rate"], p["fa_per_hour"])) if ok else None


# MARK: Porcupine

def _porcupine_run(args):
    keyword_path, sensitivity, streams = args
    import ctypes
    import pvporcupine
    engine = pvporcupine.create(keyword_paths=[keyword_path], sensitivities=[sensitivity])
    try:
        frame = engine.frame_length
        # The library's process() copies each frame into a ctypes array from a Python list; handing its C
        # function a pointer into the int16 array does the same work without the copies (same results).
        direct = os.environ.get("WAKEWORD_BENCH_PORCUPINE_LIST") != "1" and hasattr(engine, "process_func") \
            and hasattr(engine, "_handle")
        result = ctypes.c_int()
        out = []
        for samples in streams:
            samples = np.ascontiguousarray(samples, dtype=np.int16)
            base = samples.ctypes.data
            events = []
            for i in range(len(samples) // frame):
                if direct:
                    pointer = ctypes.cast(ctypes.c_void_p(base + 2 * i * frame), ctypes.POINTER(ctypes.c_short))
                    status = engine.process_func(engine._handle, pointer, ctypes.byref(result))
                    if status is not engine.PicovoiceStatuses.SUCCESS:
                        raise RuntimeError("pv_porcupine_process failed")
                    fired = result.value >= 0
                else:
                    fired = engine.process(samples[i * frame:(i + 1) * frame].tolist()) >= 0
                if fired:
                    events.append((i + 1) * frame)   # the end of the frame that fired
            out.append(events)
        return out
    finally:
        engine.delete()


def run_porcupine(a, pos, spans, bg, hours, tolerance):
    try:
        import pvporcupine
    except ImportError:
        raise SystemExit("wakeword_bench: pvporcupine is not installed (.venv/bin/pip install pvporcupine==1.9.5)")
    path = a.porcupine_keyword_path
    if path is None:
        if a.keyword not in pvporcupine.KEYWORD_PATHS:
            raise SystemExit(f"wakeword_bench: Porcupine has no bundled keyword '{a.keyword}' "
                             f"(it has: {', '.join(sorted(pvporcupine.KEYWORDS))}); give --porcupine-keyword-path")
        path = pvporcupine.KEYWORD_PATHS[a.keyword]
    grid = [float(s) for s in a.sensitivities.split(",")]
    if 0.5 not in grid:
        grid.append(0.5)
    streams = [to_int16(pos), to_int16(bg)]
    start = time.time()
    jobs = [(path, s, streams) for s in grid]
    if a.jobs > 1:
        with multiprocessing.get_context("fork").Pool(a.jobs) as pool:
            results = pool.map(_porcupine_run, jobs)
    else:
        results = [_porcupine_run(j) for j in jobs]
    seconds = time.time() - start
    points = [point(s, r[0], r[1], spans, hours, tolerance) for s, r in zip(grid, results)]
    shipped = next(p for p in points if p["param"] == 0.5)
    return {"engine": "porcupine", "name": f"Porcupine 1.9.5 ({os.path.basename(path)})", "parameter": "sensitivity",
            "points": sorted(points, key=lambda p: p["param"]), "shipped": shipped,
            "runs": len(grid), "seconds": seconds}


# MARK: Earshot

def earshot_json(binary, model):
    out = subprocess.run([binary, "inspect", "--json", model], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def earshot_scores(binary, model, wav, tmp, tag, frontend, samples, cache):
    """Per-frame outputs of `model` on the stream `wav`. With --cache, the features are kept under a key of the
    front end and the stream's samples, so models with the same front end (and reruns) compute them once."""
    feats, scores = os.path.join(tmp, f"{tag}.features.npy"), os.path.join(tmp, f"{tag}.scores.npy")
    if cache:
        key = hashlib.sha256(json.dumps(frontend, sort_keys=True).encode() + to_int16(samples).tobytes()).hexdigest()
        feats = os.path.join(cache, f"features-{key[:24]}.npy")
    if not (cache and os.path.exists(feats)):
        subprocess.run([binary, "features", "--model", model, wav, "-o", feats + ".part.npy"], check=True)
        os.replace(feats + ".part.npy", feats)
    subprocess.run([binary, "infer", "--model", model, "--features", feats, "--out", scores], check=True)
    return np.load(scores)


def keyword_index(labels, keyword):
    names = [l.replace("_", " ").strip().lower() for l in labels]
    if keyword.lower() in names:
        return names.index(keyword.lower())
    words = [i for i, l in enumerate(labels) if not (l.startswith("_") and l.endswith("_"))]
    if len(words) == 1:
        return words[0]
    raise SystemExit(f"wakeword_bench: the model's labels {labels} have no '{keyword}'")


def is_openwakeword(model) -> bool:
    with open(model, "rb") as f:
        return b"earshot-oww" in f.read(256)


def run_earshot_oww(a, model, spans, hours, tolerance, tmp):
    """An openWakeWord-backbone model (`earshot train`, `convert --openwakeword-features`): one score per 80 ms
    chunk from `earshot infer --wav`, swept with its own rule (detector_sim.oww_events: a chunk >= threshold,
    then 25 chunks refractory), events at the end of the chunk's audio."""
    text = subprocess.run([a.earshot_bin, "inspect", model], check=True, capture_output=True, text=True).stdout
    m = re.search(r"openWakeWord model '([^']*)'", text)
    label = m.group(1) if m else os.path.basename(model)
    m = re.search(r"^\s*threshold ([0-9.eE+-]+)", text, re.M)
    shipped_threshold = float(m.group(1)) if m else 0.5
    start = time.time()
    pos_wav, bg_wav = os.path.join(tmp, "positives.wav"), os.path.join(tmp, "background.wav")
    scores = []
    for tag, wav in (("pos", pos_wav), ("bg", bg_wav)):
        out = os.path.join(tmp, f"{tag}.oww.npy")
        subprocess.run([a.earshot_bin, "infer", "--model", model, "--wav", wav, "--out", out], check=True)
        scores.append(np.load(out)[:, 0])
    ps, bs = scores
    check_threshold = shipped_threshold if a.stream_check_threshold is None else a.stream_check_threshold
    grid = np.unique(np.concatenate([np.linspace(0, 1, 201)[1:], np.linspace(0.99, 1, 101), np.linspace(0.999, 1, 101), [shipped_threshold,
                                                                                           check_threshold]]))
    to_samples = lambda chunks: [(t + 1) * 1280 for t in chunks]
    points = [point(th, to_samples(oww_events(ps, th)), oww_events(bs, th), spans, hours, tolerance) for th in grid]
    shipped = next(p for p in points if abs(p["param"] - shipped_threshold) < 1e-12)
    result = {"engine": "earshot", "name": f"Earshot ({os.path.basename(model)})", "parameter": "threshold",
              "points": points, "shipped": shipped, "seconds": time.time() - start, "label": label,
              "refractory_frames": 25, "hop_seconds": 0.08, "backbone": "openwakeword"}
    if not a.no_stream_check:
        result["stream_check"] = stream_check(a, model, label, check_threshold, pos_wav, bg_wav, spans, hours,
                                              tolerance, tmp)
    return result


def run_earshot(a, model, pos, spans, bg, hours, tolerance, tmp):
    if is_openwakeword(model):
        return run_earshot_oww(a, model, spans, hours, tolerance, tmp)
    info = earshot_json(a.earshot_bin, model)
    labels = info.get("labels") or []
    k = keyword_index(labels, a.keyword)
    frontend = info.get("frontend") or {}
    rate = frontend.get("sample_rate", RATE)
    hop_s = frontend["hop_length"] / rate if frontend.get("hop_length") else a.hop
    meta = info.get("metadata", {})
    shipped_threshold = float(meta.get("detector.threshold", 0.8))
    start = time.time()
    pos_wav, bg_wav = os.path.join(tmp, "positives.wav"), os.path.join(tmp, "background.wav")
    ps = earshot_scores(a.earshot_bin, model, pos_wav, tmp, "pos", frontend, pos, a.cache)
    bs = earshot_scores(a.earshot_bin, model, bg_wav, tmp, "bg", frontend, bg, a.cache)
    if ps.ndim != 2 or ps.shape[0] < 2:
        raise SystemExit(f"wakeword_bench: '{model}' gives {ps.shape} outputs, not one row per frame "
                         "(only per-step models can be swept offline)")
    n = max(1, int(round(a.smoothing / hop_s)))
    refractory = int(math.ceil(a.refractory / hop_s - 1e-9))
    sp, sb = smoothed(ps[:, k], n), smoothed(bs[:, k], n)
    # The frame whose decision covers samples up to (t + 1) * hop (+ the window): its time in samples.
    window = frontend.get("window_length", 0) / rate * RATE
    to_samples = lambda frames: [int(t * hop_s * RATE + window) for t in frames]
    # Threshold 0 is left out: the score never drops below it, so the detector fires once and never re-arms.
    check_threshold = shipped_threshold if a.stream_check_threshold is None else a.stream_check_threshold
    grid = np.unique(np.concatenate([np.linspace(0, 1, 201)[1:], [shipped_threshold, check_threshold]]))
    points = [point(th, to_samples(detector_events(sp, th, refractory)), detector_events(sb, th, refractory),
                    spans, hours, tolerance) for th in grid]
    shipped = next(p for p in points if abs(p["param"] - shipped_threshold) < 1e-12)
    seconds = time.time() - start
    result = {"engine": "earshot", "name": f"Earshot ({os.path.basename(model)})", "parameter": "threshold",
              "points": points, "shipped": shipped, "seconds": seconds, "label": labels[k],
              "smoothing_frames": n, "refractory_frames": refractory, "hop_seconds": hop_s}
    if not a.no_stream_check:
        result["stream_check"] = stream_check(a, model, labels[k], check_threshold, pos_wav, bg_wav, spans,
                                              hours, tolerance, tmp)
    return result


def stream_check(a, model, label, threshold, pos_wav, bg_wav, spans, hours, tolerance, tmp):
    """The shipped point measured end to end by `earshot detect --stream` (listen's pipeline)."""
    config = os.path.join(tmp, "board.json")
    with open(config, "w") as f:
        json.dump({"model": {"path": os.path.abspath(model)},
                   "detector": {"threshold": threshold, "smoothing_seconds": a.smoothing,
                                "refractory_seconds": a.refractory}}, f)
    counts = []
    for wav in (pos_wav, bg_wav):
        out = subprocess.run([a.earshot_bin, "detect", "--stream", "--json", "--model", model, "--config", config,
                              wav], check=True, capture_output=True, text=True).stdout
        events = [json.loads(line) for line in out.splitlines() if line.strip()]
        counts.append([int(e["time"] * RATE) for e in events if e.get("keyword", e.get("label")) == label])
    p = point(threshold, counts[0], counts[1], spans, hours, tolerance)
    p["note"] = "earshot detect --stream, event times where the keyword ends"
    return p


# MARK: report

def svg_det(results, hours, title):
    """DET curve: miss rate (linear, %) against false alarms per hour (log; zero drawn at the left edge)."""
    w, h, left, right, top, bottom = 720, 480, 70, 170, 40, 60
    pw, ph = w - left - right, h - top - bottom
    floor = 1 / hours / 2 if hours > 0 else 0.01
    lo, hi = math.log10(floor), math.log10(max(100.0, max((p["fa_per_hour"] for r in results for p in r["points"]),
                                                          default=100)))
    hi = math.ceil(hi)
    lo = math.floor(lo * 2) / 2
    def x(fa):
        v = math.log10(max(fa, floor)) if fa > 0 else lo
        return left + (v - lo) / (hi - lo) * pw
    def y(m):
        return top + (1 - m) * ph
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
         'font-family="sans-serif" font-size="12">',
         f'<rect width="{w}" height="{h}" fill="white"/>',
         f'<text x="{left + pw / 2}" y="22" text-anchor="middle" font-size="14">{escape(title)}</text>',
         f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>']
    for d in range(int(math.ceil(lo)), hi + 1):
        xv = x(10 ** d)
        s.append(f'<line x1="{xv:.1f}" y1="{top}" x2="{xv:.1f}" y2="{top + ph}" stroke="#ddd"/>')
        s.append(f'<text x="{xv:.1f}" y="{top + ph + 16}" text-anchor="middle">{10 ** d:g}</text>')
    s.append(f'<text x="{left}" y="{top + ph + 30}" text-anchor="middle" fill="#666">0</text>')
    resolution = 1 / hours if hours > 0 else 0
    if resolution:
        xv = x(resolution)
        s.append(f'<line x1="{xv:.1f}" y1="{top}" x2="{xv:.1f}" y2="{top + ph}" stroke="#999" stroke-dasharray="4,3"/>')
        s.append(f'<text x="{xv + 3:.1f}" y="{top + 12}" fill="#666" font-size="10">1 false alarm in '
                 f'{hours:.2f} h</text>')
    for m in range(0, 101, 10):
        yv = y(m / 100)
        s.append(f'<line x1="{left}" y1="{yv:.1f}" x2="{left + pw}" y2="{yv:.1f}" stroke="#eee"/>')
        s.append(f'<text x="{left - 6}" y="{yv + 4:.1f}" text-anchor="end">{m}%</text>')
    s.append(f'<text x="{left + pw / 2}" y="{h - 12}" text-anchor="middle">false alarms per hour</text>')
    s.append(f'<text x="18" y="{top + ph / 2}" text-anchor="middle" transform="rotate(-90 18 {top + ph / 2})">'
             'miss rate</text>')
    for i, r in enumerate(results):
        c = colors[i % len(colors)]
        pts = sorted(r["points"], key=lambda p: (p["fa_per_hour"], -p["miss_rate"]))
        path = " ".join(f'{x(p["fa_per_hour"]):.1f},{y(p["miss_rate"]):.1f}' for p in pts)
        s.append(f'<polyline points="{path}" fill="none" stroke="{c}" stroke-width="2"/>')
        if r["engine"] == "porcupine":
            for p in pts:
                s.append(f'<circle cx="{x(p["fa_per_hour"]):.1f}" cy="{y(p["miss_rate"]):.1f}" r="2.5" fill="{c}"/>')
        sh = r["shipped"]
        sx, sy = x(sh["fa_per_hour"]), y(sh["miss_rate"])
        s.append(f'<rect x="{sx - 5:.1f}" y="{sy - 5:.1f}" width="10" height="10" fill="none" stroke="{c}" '
                 'stroke-width="2"/>')
        ly = top + 16 + 36 * i
        s.append(f'<line x1="{left + pw + 10}" y1="{ly}" x2="{left + pw + 30}" y2="{ly}" stroke="{c}" stroke-width="2"/>')
        s.append(f'<text x="{left + pw + 34}" y="{ly + 4}" font-size="11">{escape(r["name"][:22])}</text>')
        s.append(f'<text x="{left + pw + 34}" y="{ly + 18}" font-size="10" fill="#666">shipped: '
                 f'{100 * sh["miss_rate"]:.1f}%, {sh["fa_per_hour"]:.2f}/h</text>')
    s.append(f'<text x="{left + pw + 10}" y="{top + ph}" font-size="10" fill="#666">square: shipped point</text>')
    s.append("</svg>")
    return "\n".join(s) + "\n"


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def summarize(r, hours):
    out = {}
    for target, name in ((0.1, "miss_at_0.1_fa_per_hour"), (0.5, "miss_at_0.5_fa_per_hour"),
                         (1.0, "miss_at_1_fa_per_hour")):
        p = at_target(r["points"], target)
        out[name] = None if p is None else {"miss_rate": p["miss_rate"], "fa_per_hour": p["fa_per_hour"],
                                            r["parameter"]: p["param"]}
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 2)[2],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--keyword", required=True, help='the wake phrase, e.g. "view glass"')
    p.add_argument("--positives", required=True, help="folder of .wav/.flac recordings of the phrase")
    p.add_argument("--background", required=True, help="folder of .wav/.flac long speech without the phrase")
    p.add_argument("--earshot", action="append", default=[], metavar="MODEL", help="an Earshot model (repeatable)")
    p.add_argument("--earshot-bin", default=None, help="the earshot binary (default: .build/debug/earshot)")
    p.add_argument("--porcupine", action="store_true", help="run Porcupine (pvporcupine) beside")
    p.add_argument("--porcupine-keyword-path", help="a .ppn keyword file (default: the bundled one for --keyword)")
    p.add_argument("--sensitivities", default=",".join(f"{i / 10:g}" for i in range(11)),
                   help="Porcupine sensitivity grid (comma-separated; default 0,0.1,...,1)")
    p.add_argument("--noise", help="folder of noise recordings to mix into the positives")
    p.add_argument("--snr", type=float, default=10.0, help="dB speech-to-noise with --noise (default 10)")
    p.add_argument("--noise-background", action="store_true", help="mix the noise into the background as well")
    p.add_argument("--gap", type=float, default=2.0, help="seconds of silence between positives (default 2)")
    p.add_argument("--tolerance", type=float, default=1.0,
                   help="seconds after a clip's end an event still counts for it (default 1)")
    p.add_argument("--limit", type=int, help="use only the first N positives and N background files (a quick run)")
    p.add_argument("--smoothing", type=float, default=0.2, help="Earshot detector smoothing, s (listen's default)")
    p.add_argument("--refractory", type=float, default=1.0, help="Earshot detector refractory period, s (default)")
    p.add_argument("--hop", type=float, default=0.01, help="Earshot frame hop, s, when the model does not say")
    p.add_argument("--no-stream-check", action="store_true", help="skip the `earshot detect --stream` check")
    p.add_argument("--stream-check-threshold", type=float,
                   help="run the `earshot detect --stream` check at this threshold (default: the shipped one)")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="Porcupine runs in parallel")
    p.add_argument("--seed", type=int, default=1, help="seed for noise offsets")
    p.add_argument("--merge", action="append", default=[], metavar="JSON",
                   help="add the engines of an earlier run's --json (same keyword, positives and background) to the "
                        "report and the curve, e.g. a slow Porcupine sweep measured once")
    p.add_argument("--cache", help="keep Earshot features here, reused by models with the same front end")
    p.add_argument("--json", help="write every point of every engine here")
    p.add_argument("--svg", help="write the DET curve here")
    a = p.parse_args()
    if a.cache:
        os.makedirs(a.cache, exist_ok=True)
    if not a.earshot and not a.porcupine:
        p.error("give --earshot MODEL and/or --porcupine")
    merged = []
    for path in a.merge:
        earlier = json.load(open(path))
        if (earlier["keyword"], earlier["positives_folder"], earlier["background_folder"]) != \
                (a.keyword, a.positives, a.background) or a.limit:
            p.error(f"--merge {path}: measured on other data ({earlier['keyword']}, {earlier['positives_folder']})")
        merged += earlier["engines"]
    if a.earshot_bin is None:
        a.earshot_bin = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".build", "debug", "earshot")
    pos_files, bg_files = audio_files(a.positives), audio_files(a.background)
    if a.limit:
        pos_files, bg_files = pos_files[: a.limit], bg_files[: a.limit]
    if not pos_files or not bg_files:
        p.error(f"no .wav/.flac under {a.positives if not pos_files else a.background}")
    noise = Noise(a.noise, a.seed) if a.noise else None
    t0 = time.time()
    pos, spans = positive_stream(pos_files, a.gap, noise, a.snr)
    bg = background_stream(bg_files, noise if a.noise_background else None, a.snr)
    hours = len(bg) / RATE / 3600
    tolerance = int(a.tolerance * RATE)
    print(f"[bench] {len(spans)} positives ({len(pos) / RATE / 60:.1f} min stream), background "
          f"{len(bg_files)} files = {hours * 60:.1f} min; loaded in {time.time() - t0:.1f} s", flush=True)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        if a.earshot:
            write_wav(os.path.join(tmp, "positives.wav"), pos)
            write_wav(os.path.join(tmp, "background.wav"), bg)
        for model in a.earshot:
            results.append(run_earshot(a, model, pos, spans, bg, hours, tolerance, tmp))
            print(f"[bench] {results[-1]['name']}: {results[-1]['seconds']:.1f} s", flush=True)
        if a.porcupine:
            results.append(run_porcupine(a, pos, spans, bg, hours, tolerance))
            print(f"[bench] {results[-1]['name']}: {results[-1]['runs']} sensitivities in "
                  f"{results[-1]['seconds']:.1f} s ({a.jobs} jobs)", flush=True)
    results += merged
    resolution = 1 / hours
    print(f"\nkeyword '{a.keyword}': {len(spans)} positives, background {hours:.3f} h "
          f"(one false alarm = {resolution:.2f}/h: rates below that read as 0)")
    for r in results:
        r["summary"] = summarize(r, hours)
        print(f"\n{r['name']}  ({r['parameter']}: false alarms, per hour, miss rate)")
        for q in r["points"] if r["engine"] == "porcupine" else r["points"][::20]:
            print(f"  {q['param']:.3f}: {q['false_alarms']:5d} {q['fa_per_hour']:8.2f}/h  {100 * q['miss_rate']:5.1f}%")
        sh = r["shipped"]
        print(f"  shipped {r['parameter']} {sh['param']:g}: {sh['fa_per_hour']:.2f}/h, miss {100 * sh['miss_rate']:.1f}%")
        if "stream_check" in r:
            c = r["stream_check"]
            print(f"  detect --stream at {c['param']:g}: {c['fa_per_hour']:.2f}/h, miss {100 * c['miss_rate']:.1f}%")
        for name, v in r["summary"].items():
            text = "no measured point" if v is None else f"{100 * v['miss_rate']:.1f}% (at {v['fa_per_hour']:.2f}/h)"
            print(f"  {name}: {text}")
    report = {"keyword": a.keyword, "positives": len(spans), "positives_folder": a.positives,
              "background_folder": a.background, "background_hours": hours,
              "smallest_nonzero_fa_per_hour": resolution,
              "noise": a.noise, "snr_db": a.snr if a.noise else None, "noise_background": a.noise_background,
              "gap_seconds": a.gap, "tolerance_seconds": a.tolerance, "engines": results}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=1)
    if a.svg:
        title = f"DET: '{a.keyword}', {len(spans)} positives" + (f" + noise {a.snr:g} dB" if a.noise else "") + \
                f", {hours * 60:.0f} min background"
        with open(a.svg, "w") as f:
            f.write(svg_det(results, hours, title))
    return 0


if __name__ == "__main__":
    sys.exit(main())
