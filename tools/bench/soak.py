#!/usr/bin/env python3
"""Soak test of `earshot listen` (issue 9): hours of audio through a real ALSA PCM, unpaced.

    .venv/bin/python tools/bench/soak.py --earshot .build/release/earshot [--hours 100] [--runs file,xrun]

Three runs, each of the real `earshot listen` executable over --hours of 16 kHz mono S16_LE audio:

  file  alsa-lib's `file` plugin (infile) over the `null` slave, as in the demo
        (firmware-configs/demo.asoundrc); the infile is a FIFO.
  xrun  an ALSA external plugin (tools/soak/pcm_soak_capture.c, loaded by an asoundrc through
        pcm_type) that reads the same kind of FIFO and reports an overrun (-EPIPE) every
        --xrun-every seconds of audio, which `listen` must recover from.

  ramp  the file plugin again, fed a ramp (sample i = i mod 2^16) instead of speech: the probe below
        checks every sample `listen` reads against it, so a sample lost, repeated or inserted
        anywhere between the generator and the capture loop is caught.

100 hours of audio (11.5 GB) are never stored: a generator thread writes the FIFO as `listen`
reads it: a -60 dBFS noise bed (as tools/fixtures/make_demo.py's) with one espeak-ng keyword clip (the
demo's ten words, made by make_demo.py's code) every --spacing seconds at a random offset, at
known sample positions.

Measured, and checked (each check prints PASS/FAIL; the exit status is 1 if any failed):
  - hours of audio processed (the capture thread's snd_pcm_readi frames) and wall time;
  - resident memory (VmRSS, /proc/PID/status) sampled every second: after warm-up and at the
    end, flat within 64 KB (the largest rise over the warm-up value);
  - heap allocations per period in the steady state on the capture thread: an LD_PRELOAD library
    (tools/soak/soak_counter.c) counts malloc & co. and snd_pcm_readi calls on `listen`'s main
    thread (the capture loop) into a shared counter file the driver reads while it runs;
  - keywords inserted vs reported: each once, with the right label, its time within
    [start - 0.1 s, end + 1.0 s] of the clip; any other event is a false alarm;
  - SIGTERM once the generator has written --hours: exit status 0, "stopped by SIGTERM", every
    keyword whose audio ended more than 1.0 s of stream before the stop is on standard output
    (queued events are flushed), and the closing report's event count equals the lines printed;
  - xrun run: overruns injected (the plugin's counter) == overruns recovered (listen's report).

A JSON report goes to WORK/soak-report.json; the last line is "N passed, M failed".
"""
import argparse
import json
import os
import re
import signal
import struct
import subprocess
import sys
import threading
import time

import numpy as np

sys.path[:0] = [os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), d) for d in ("lib", "checks", "fixtures", "bench", "export")]
import make_demo  # noqa: E402  (the demo's espeak-ng rendering, reused for the clips)

RATE = 16000
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COUNTER_MAGIC = 0x4b414f53544f4853
PLUGIN_MAGIC = 0x5055554c50544f48
RSS_TOLERANCE_KB = 64
EARLY = 0.1    # an event may come this long before the clip's start (s)
LATE = 1.0     # and this long after its end


def log(message):
    print(f"[soak] {message}", flush=True)


# MARK: - Helpers built from C

def build_helpers(work):
    """Compiles the LD_PRELOAD counter and the ALSA plugin into WORK; returns their paths."""
    counter = os.path.join(work, "soak_counter.so")
    plugin = os.path.join(work, "libasound_module_pcm_earshot_soak.so")
    source_dir = os.path.join(REPO, "tools", "soak")
    cc = os.environ.get("CC", "cc")
    # The allocator interposer is the tests' (Tests/Support/AllocationCounter/allocator_interpose.h).
    interposer = os.path.join(REPO, "Tests", "Support", "AllocationCounter")
    subprocess.run([cc, "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-I", interposer, "-o", counter,
                    os.path.join(source_dir, "soak_counter.c"), "-ldl"], check=True)
    subprocess.run([cc, "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-DPIC", "-o", plugin,
                    os.path.join(source_dir, "pcm_soak_capture.c"), "-lasound"], check=True)
    return counter, plugin


def read_u64s(path, count):
    try:
        with open(path, "rb") as f:
            data = f.read(8 * count)
    except OSError:
        return None
    if len(data) < 8 * count:
        return None
    return struct.unpack(f"<{count}Q", data)


def read_counters(path):
    values = read_u64s(path, 8)
    if values is None or values[0] != COUNTER_MAGIC:
        return None
    keys = ("main_allocations", "other_allocations", "main_reads", "main_frames", "main_read_errors",
            "ramp_breaks", "ramp_first_break")
    return dict(zip(keys, values[1:]))


def read_plugin_stats(path):
    values = read_u64s(path, 7)
    if values is None or values[0] != PLUGIN_MAGIC:
        return None
    keys = ("xruns_injected", "frames_delivered", "prepares", "input_bytes", "input_ended", "closed")
    return dict(zip(keys, values[1:]))


def vm_rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


# MARK: - The audio

def make_clips(work, words):
    """The demo's clips: espeak-ng, resampled to 16 kHz, trimmed, peak -6 dBFS (cached in WORK)."""
    cache = os.path.join(work, "clips.npz")
    if os.path.exists(cache):
        stored = np.load(cache)
        if sorted(stored.files) == sorted(words):
            return {w: stored[w] for w in words}
    from scipy.signal import resample_poly
    clips = {}
    for word in words:
        x, rate = make_demo.speak(word, "en-us", 130)
        if rate != RATE:
            g = np.gcd(rate, RATE)
            x = resample_poly(x, RATE // g, rate // g)
        x = make_demo.trim(x, RATE)
        clips[word] = 0.5 * x / np.max(np.abs(x))
    np.savez(cache, **clips)
    return clips


class Generator:
    """Writes the soak audio into a FIFO: noise with a keyword clip every `spacing` seconds.

    The schedule is fixed by the seed. The last clip ends 4 s before the end of `hours`, so it
    is still close to the SIGTERM. After `hours` the generator goes on with noise (no keywords)
    until the reader closes the FIFO.
    """

    NOISE_SECONDS = 61   # the bed is sliced from a precomputed block (not a divisor of the spacing)

    # Each write(2) is at most PIPE_BUF bytes (so a reader never sees part of it) and a whole number
    # of 160-frame periods. alsa-lib's file plugin (since 1.1.9) does one read(2) of its infile per
    # snd_pcm_readi and returns the full count even when the read came back short, leaving silence in
    # the rest: with bigger writes a FIFO that momentarily holds less than a period inserted ~32-frame
    # gaps (about 20 in 3 h of audio; the ramp run finds them). With these writes the FIFO always holds
    # whole periods, so each period read is complete.
    WRITE_BYTES = 3840

    def __init__(self, fifo, hours, spacing, clips, seed, ramp=False):
        self.fifo = fifo
        self.ramp = ramp
        self.total = int(round(hours * 3600 * RATE))
        self.slot = int(spacing * RATE)
        self.clips = clips
        self.words = sorted(clips)
        self.rng = np.random.default_rng(seed)
        self.noise = self.rng.normal(0, 10 ** (-60 / 20), self.NOISE_SECONDS * RATE)
        self.noise_pcm = self._pcm(self.noise)
        self.schedule = []           # (word, start sample, end sample)
        self.written = 0             # samples written so far
        self.main_written = None     # samples of the main part (before the tail), once finished
        self.stop_early = threading.Event()   # --max-wall: end the main part at the next slot
        self.finished_main = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()

    @staticmethod
    def _pcm(samples):
        return np.clip(np.round(samples * 32768), -32768, 32767).astype("<i2")

    def _noise(self, start, count, source=None):
        """The bed at stream samples [start, start + count): float, or PCM with source=noise_pcm."""
        source = self.noise if source is None else source
        out = np.empty(count, dtype=source.dtype)
        n = len(source)
        done = 0
        while done < count:
            offset = (start + done) % n
            take = min(count - done, n - offset)
            out[done:done + take] = source[offset:offset + take]
            done += take
        return out

    def _slot(self, index, begin, count, last):
        """PCM samples [begin, begin + count) of the stream, with slot `index`'s keyword; only the
        clip's span is mixed in floating point (the rest is the precomputed PCM bed)."""
        signal = self._noise(begin, count, self.noise_pcm)
        word = self.words[int(self.rng.integers(len(self.words)))]
        clip = self.clips[word]
        margin = RATE // 2
        if last:
            end = count - 4 * RATE
            offset = end - len(clip)
        else:
            # Leave room after the clip for its event (and the refractory period) in the slot.
            high = count - len(clip) - 2 * RATE
            offset = int(self.rng.integers(margin, max(margin + 1, high)))
        if offset < 0 or offset + len(clip) > count:
            return signal
        span = self._noise(begin + offset, len(clip)) + clip
        signal[offset:offset + len(clip)] = self._pcm(span)
        self.schedule.append((word, begin + offset, begin + offset + len(clip)))
        return signal

    def _run(self):
        try:
            fd = os.open(self.fifo, os.O_WRONLY)
        except OSError as error:
            self.error = f"cannot open {self.fifo}: {error}"
            return
        try:
            index = 0
            while self.written < self.total and not self.stop_early.is_set():
                count = min(self.slot, self.total - self.written)
                last = self.written + count >= self.total
                if self.ramp:
                    block = (np.arange(self.written, self.written + count) % 65536).astype("<u2")
                elif count >= 6 * RATE:
                    block = self._slot(index, self.written, count, last)
                else:
                    block = self._noise(self.written, count, self.noise_pcm)
                self._write(fd, block)
                index += 1
            self.main_written = self.written
            self.finished_main.set()
            while True:   # noise (or the ramp) until the reader goes away
                if self.ramp:
                    self._write(fd, (np.arange(self.written, self.written + RATE) % 65536).astype("<u2"))
                else:
                    self._write(fd, self._noise(self.written, RATE, self.noise_pcm))
        except BrokenPipeError:
            pass
        except OSError as error:
            self.error = str(error)
        finally:
            if self.main_written is None:
                self.main_written = self.written
            self.finished_main.set()
            os.close(fd)

    def _write(self, fd, block):
        data = memoryview(block.tobytes())
        for start in range(0, len(data), self.WRITE_BYTES):
            view = data[start:start + self.WRITE_BYTES]
            while view:
                done = os.write(fd, view)
                view = view[done:]
        self.written += len(block)


# MARK: - One run

def write_configs(work, name, fifo, plugin, xrun_every_periods):
    """A board configuration (the demo's detector) and its asoundrc for run `name`."""
    with open(os.path.join(REPO, "firmware-configs", "demo.json")) as f:
        board = json.load(f)
    board["board"] = f"Soak ({name})"
    board["notes"] = "Written by tools/bench/soak.py."
    board["audio"]["device"] = f"earshot_soak_{name}"
    board["audio"]["alsa_config"] = f"{name}.asoundrc"
    board["model"]["path"] = None
    board["duration_seconds"] = None
    config = os.path.join(work, f"{name}.json")
    with open(config, "w") as f:
        json.dump(board, f, indent=2)
    stats = os.path.join(work, f"{name}.plugin-stats")
    if name in ("file", "ramp"):
        text = f"""pcm.earshot_soak_{name} {{
    type file
    slave.pcm "null"
    file "/dev/null"
    format "raw"
    infile "{fifo}"
}}
"""
    else:
        text = f"""pcm_type.earshot_soak {{
    lib "{plugin}"
}}
pcm.earshot_soak_{name} {{
    type earshot_soak
    infile "{fifo}"
    xrun_every {xrun_every_periods}
    stats "{stats}"
}}
"""
    with open(os.path.join(work, f"{name}.asoundrc"), "w") as f:
        f.write(text)
    return config, stats


def run_once(args, name, counter_lib, plugin, clips):
    work = args.work
    fifo = os.path.join(work, f"{name}.fifo")
    if os.path.exists(fifo):
        os.unlink(fifo)
    os.mkfifo(fifo)
    period = 160
    xrun_every_periods = int(round(args.xrun_every * RATE / period)) if name == "xrun" else 0
    config, stats_path = write_configs(work, name, fifo, plugin, xrun_every_periods)
    counters_path = os.path.join(work, f"{name}.counters")
    if os.path.exists(counters_path):
        os.unlink(counters_path)

    generator = Generator(fifo, args.hours, args.spacing, clips, args.seed + (1 if name == "xrun" else 0),
                          ramp=name == "ramp")
    generator.start()
    env = dict(os.environ, LD_PRELOAD=counter_lib, EARSHOT_SOAK_COUNTERS=counters_path,
               EARSHOT_SOAK_RAMP="1" if name == "ramp" else "0")
    command = [args.earshot, "listen", "--config", config, "--json", "--threshold", f"{args.threshold:g}"]
    if args.model:
        command += ["--model", args.model]
    stderr_path = os.path.join(work, f"{name}.stderr")
    log(f"run '{name}': {' '.join(command)} ({args.hours:g} h of audio"
        + (f", an overrun every {xrun_every_periods} periods" if xrun_every_periods else "") + ")")
    wall_start = time.monotonic()
    with open(stderr_path, "w") as stderr_file:
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=stderr_file, text=True)
    events = []          # (event dict, wall time received)

    def read_stdout():
        for line in process.stdout:
            line = line.strip()
            if not line:
                continue
            try:
                events.append((json.loads(line), time.monotonic()))
            except json.JSONDecodeError:
                events.append(({"unparsed": line}, time.monotonic()))

    reader = threading.Thread(target=read_stdout, daemon=True)
    reader.start()

    samples = []         # (wall s, audio s, rss kB, main allocations, periods)
    warmup_audio = min(600.0, 0.1 * args.hours * 3600)
    signal_sent_at = None
    final_counters = None
    next_progress = time.monotonic() + 60
    while process.poll() is None:
        # Wakes at once when the generator has written the last sample of --hours: the SIGTERM
        # then comes within milliseconds, a few seconds of stream after the last keyword.
        if signal_sent_at is None:
            generator.finished_main.wait(timeout=args.sample_interval)
        else:
            time.sleep(0.05)
        c = read_counters(counters_path)
        rss = vm_rss_kb(process.pid)
        if c is not None and rss is not None and signal_sent_at is None:
            samples.append((time.monotonic() - wall_start, c["main_frames"] / RATE, rss,
                            c["main_allocations"], c["main_frames"] // period))
        if args.max_wall and time.monotonic() - wall_start > args.max_wall and not generator.stop_early.is_set():
            log(f"  {name}: --max-wall {args.max_wall:g} s reached: ending the audio at the next keyword slot")
            generator.stop_early.set()
        if time.monotonic() >= next_progress and samples:
            next_progress += 60
            s = samples[-1]
            log(f"  {name}: {s[1] / 3600:.2f} h of audio after {s[0]:.0f} s; RSS {s[2]} kB; "
                f"{len(events)} events")
        if signal_sent_at is None and generator.finished_main.is_set():
            final_counters = read_counters(counters_path)
            rss = vm_rss_kb(process.pid)
            if final_counters is not None and rss is not None:
                samples.append((time.monotonic() - wall_start, final_counters["main_frames"] / RATE, rss,
                                final_counters["main_allocations"], final_counters["main_frames"] // period))
            signal_sent_at = time.monotonic()
            process.send_signal(signal.SIGTERM)
        if signal_sent_at is not None and time.monotonic() - signal_sent_at > 60:
            process.kill()
            break
    status = process.wait()
    wall = time.monotonic() - wall_start
    reader.join(timeout=10)
    generator.thread.join(timeout=10)
    with open(stderr_path) as f:
        stderr_text = f.read()
    end_counters = read_counters(counters_path)
    plugin_stats = read_plugin_stats(stats_path) if name == "xrun" else None
    return evaluate(args, name, generator, events, samples, warmup_audio, status, wall, stderr_text,
                    final_counters, end_counters, plugin_stats)


# MARK: - Checking

def evaluate(args, name, generator, events, samples, warmup_audio, status, wall, stderr_text,
             final_counters, end_counters, plugin_stats):
    checks = []

    def check(ok, text):
        checks.append((bool(ok), text))
        log(f"  {'PASS' if ok else 'FAIL'} {name}: {text}")

    hours_run = (generator.main_written or 0) / RATE / 3600
    report = {"run": name, "hours_requested": args.hours, "hours_generated": round(hours_run, 4),
              "wall_seconds": round(wall, 1), "exit_status": status}
    if hours_run < args.hours:
        log(f"  {name}: NOTE: only {hours_run:.3f} of {args.hours:g} h were generated (--max-wall)")
    if generator.error:
        check(False, f"generator: {generator.error}")
    # The closing report: "earshot: stopped by SIGTERM: S s of stream, A s of audio in P periods; N events; overruns O, ..."
    closing = re.search(r"earshot: (.+?): ([0-9.]+) s of stream, ([0-9.]+) s of audio in ([0-9]+) periods; "
                        r"([0-9]+) events?; overruns ([0-9]+), reopens ([0-9]+)(.*)", stderr_text)
    stream_seconds = float(closing.group(2)) if closing else 0.0
    audio_seconds = float(closing.group(3)) if closing else 0.0
    report.update(stream_seconds=stream_seconds, audio_hours=round(audio_seconds / 3600, 4),
                  stop_reason=closing.group(1) if closing else None)
    log(f"  {name}: {audio_seconds / 3600:.3f} h of audio in {wall:.0f} s wall "
        f"({audio_seconds / max(wall, 1e-9):.0f}x real time); exit status {status}")
    check(closing is not None, "closing report printed"
          + ("" if closing else f" (stderr tail: {stderr_text[-400:]!r})"))
    check(status == 0, f"exit status {status} (0 expected)")
    check(closing and closing.group(1) == "stopped by SIGTERM", f"stop reason: {closing.group(1) if closing else None}")
    check(audio_seconds >= hours_run * 3600 - 5,
          f"audio processed {audio_seconds / 3600:.4f} h >= {hours_run:.4f} h generated (less the FIFO's few seconds)")
    if final_counters:
        at_signal = final_counters["main_frames"] / RATE
        report["audio_seconds_at_sigterm"] = round(at_signal, 3)
        check(0 <= audio_seconds - at_signal <= 5.0,
              f"the capture thread had read {at_signal:.2f} s when SIGTERM was sent; listen reports {audio_seconds:.2f} s")

    # Memory and allocations in the steady state.
    steady = [s for s in samples if s[1] >= warmup_audio]
    if len(steady) >= 2:
        first, last = steady[0], steady[-1]
        rises = [s[2] - first[2] for s in steady]
        report.update(warmup_audio_seconds=warmup_audio, rss_kb_after_warmup=first[2], rss_kb_end=last[2],
                      rss_kb_min=min(s[2] for s in steady), rss_kb_max=max(s[2] for s in steady),
                      rss_samples=len(steady))
        periods = last[4] - first[4]
        allocations = last[3] - first[3]
        report.update(steady_periods=periods, steady_allocations=allocations,
                      allocations_per_period=allocations / periods if periods else None)
        check(max(rises) <= RSS_TOLERANCE_KB and abs(last[2] - first[2]) <= RSS_TOLERANCE_KB,
              f"VmRSS after warm-up ({warmup_audio / 60:.0f} min of audio) {first[2]} kB, at the end {last[2]} kB, "
              f"min {min(s[2] for s in steady)} max {max(s[2] for s in steady)} kB over {len(steady)} samples "
              f"(flat within {RSS_TOLERANCE_KB} kB)")
        # Control: the probe must have seen the start-up's allocations on the same thread, else a
        # zero below would prove nothing.
        check(first[3] > 0, f"the allocation probe is live: {first[3]} capture-thread allocations counted before warm-up ended")
        check(periods > 0 and allocations == 0,
              f"capture-thread heap allocations in the steady state: {allocations} in {periods} periods "
              f"({allocations / max(periods, 1):.6f} per period)")
        # The warm-up too, for information.
        if samples:
            report["rss_kb_first_sample"] = samples[0][2]
            report["allocations_before_warmup"] = first[3]
    else:
        check(False, f"too few samples after warm-up ({len(steady)}): the run was too short to measure")
    if end_counters:
        report["capture_reads"] = end_counters["main_reads"]
        report["capture_read_errors"] = end_counters["main_read_errors"]
        report["other_thread_allocations"] = end_counters["other_allocations"]

    if name == "ramp":
        breaks = end_counters["ramp_breaks"] if end_counters else None
        report.update(ramp_breaks=breaks, ramp_first_break_frame=end_counters["ramp_first_break"] if end_counters else None,
                      ramp_frames_checked=end_counters["main_frames"] if end_counters else None)
        check(breaks == 0, f"every sample read is the generator's, in order: {breaks} out of place in "
              f"{(end_counters or {}).get('main_frames', 0)} frames (a ramp through the file plugin and the FIFO)")
        if closing:
            check(int(closing.group(6)) == 0, f"no overrun on the file plugin ({closing.group(6)})")
        report["checks"] = [{"ok": ok, "check": text} for ok, text in checks]
        return report, checks

    # Keywords (what was inserted and what was heard, kept in WORK for a closer look).
    schedule = generator.schedule
    with open(os.path.join(args.work, f"{name}.schedule.tsv"), "w") as f:
        f.write("word\tstart\tend\n")
        for word, start, end in schedule:
            f.write(f"{word}\t{start / RATE:.4f}\t{end / RATE:.4f}\n")
    with open(os.path.join(args.work, f"{name}.events.jsonl"), "w") as f:
        for event, _ in events:
            f.write(json.dumps(event) + "\n")
    parsed = [(e, t) for e, t in events if "keyword" in e]
    unparsed = [e for e, _ in events if "keyword" not in e]
    printed = len(events)
    times = np.array([start for _, start, _ in schedule], dtype=np.int64)
    matched = [[] for _ in schedule]
    false_alarms = []
    for event, _ in parsed:
        t = float(event["time"])
        i = int(np.searchsorted(times, int((t + EARLY) * RATE), side="right")) - 1
        if i >= 0:
            word, start, end = schedule[i]
            if start / RATE - EARLY <= t <= end / RATE + LATE:
                matched[i].append(event)
                continue
        false_alarms.append(event)
    due = [i for i, (_, _, end) in enumerate(schedule) if end / RATE + LATE <= stream_seconds]
    correct = sum(1 for i in due if len(matched[i]) == 1 and matched[i][0]["keyword"] == schedule[i][0])
    missed = [i for i in due if not matched[i]]
    duplicated = [i for i in due if len(matched[i]) > 1]
    wrong = [i for i in due if len(matched[i]) == 1 and matched[i][0]["keyword"] != schedule[i][0]]
    pending = len(schedule) - len(due)
    report.update(keywords_inserted=len(schedule), keywords_due=len(due), keywords_reported_correctly=correct,
                  keywords_missed=len(missed), keywords_duplicated=len(duplicated), keywords_wrong_label=len(wrong),
                  keywords_pending_at_stop=pending, false_alarms=len(false_alarms), events_printed=printed)
    per_word = {}
    for i in due:
        word = schedule[i][0]
        entry = per_word.setdefault(word, [0, 0])
        entry[0] += 1
        entry[1] += 1 if (len(matched[i]) == 1 and matched[i][0]["keyword"] == word) else 0
    report["per_word_correct"] = {w: f"{c}/{n}" for w, (n, c) in sorted(per_word.items())}
    if schedule and due:
        lags = [float(matched[i][0]["time"]) - schedule[i][2] / RATE for i in due if matched[i]]
        if lags:
            report["event_time_minus_clip_end_seconds"] = {
                "min": round(min(lags), 3), "median": round(float(np.median(lags)), 3), "max": round(max(lags), 3)}
    for i in (missed + wrong + duplicated)[:10]:
        word, start, end = schedule[i]
        log(f"    {word} at {start / RATE:.3f}-{end / RATE:.3f} s: {matched[i] or 'nothing'}")
    for event in false_alarms[:10]:
        log(f"    false alarm: {event}")
    check(not unparsed, f"every standard-output line is an event ({len(unparsed)} others)")
    check(len(missed) <= args.max_missed and len(wrong) <= args.max_missed and not duplicated,
          f"keywords: {len(schedule)} inserted, {len(due)} due before the stop, {correct} reported once with the right "
          f"label in time; {len(missed)} missed, {len(wrong)} wrong label, {len(duplicated)} reported twice "
          f"(allowed misses: {args.max_missed})")
    check(len(false_alarms) <= args.max_false_alarms,
          f"false alarms: {len(false_alarms)} in {stream_seconds / 3600:.2f} h (allowed: {args.max_false_alarms})")
    if schedule:
        last = len(schedule) - 1
        check(last in due and len(matched[last]) == 1,
              f"the last keyword ({schedule[last][0]} ending {stream_seconds - schedule[last][2] / RATE:.2f} s "
              f"before the stop) was reported before exit")
    if closing:
        check(int(closing.group(5)) == printed,
              f"events flushed at SIGTERM: listen counted {closing.group(5)} printed, {printed} arrived on standard output")
        check("dropped" not in closing.group(8), f"no event dropped by the queue ({closing.group(8).strip() or 'none'})")

    if name == "xrun":
        injected = plugin_stats["xruns_injected"] if plugin_stats else None
        recovered = int(closing.group(6)) if closing else None
        report.update(xruns_injected=injected, xruns_recovered=recovered,
                      plugin_closed=bool(plugin_stats and plugin_stats["closed"]))
        check(injected is not None and injected > 0 and injected == recovered,
              f"overruns: {injected} injected by the plugin, {recovered} recovered by listen")
        check(plugin_stats is not None and plugin_stats["closed"] == 1, "the capture device was closed at exit")
    elif closing:
        report["overruns"] = int(closing.group(6))
        check(int(closing.group(6)) == 0, f"no overrun on the file plugin ({closing.group(6)})")
    report["checks"] = [{"ok": ok, "check": text} for ok, text in checks]
    return report, checks


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--earshot", required=True, help="the earshot executable (a release build)")
    parser.add_argument("--hours", type=float, default=100.0, help="hours of audio per run (default 100)")
    parser.add_argument("--runs", default="file,xrun,ramp",
                        help="comma-separated: file, xrun, ramp (default: all three)")
    parser.add_argument("--model", help="model file (default: listen's default, models/default.earshot)")
    parser.add_argument("--threshold", type=float, default=0.8,
                        help="the detection threshold this plumbing check runs at (default 0.8, the detector's default): the espeak-ng keywords must all be heard; the default model's stored per-keyword thresholds trade recall for fewer false alarms and are measured in models/MODEL_CARD.md, not here")
    parser.add_argument("--spacing", type=float, default=20.0, help="seconds between keywords (default 20)")
    parser.add_argument("--xrun-every", type=float, default=3.0, help="seconds of audio between overruns (default 3)")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--sample-interval", type=float, default=1.0, help="seconds between RSS samples")
    parser.add_argument("--max-missed", type=int, default=0, help="keywords allowed to be missed or mislabelled")
    parser.add_argument("--max-false-alarms", type=int, default=0)
    parser.add_argument("--max-wall", type=float, default=0,
                        help="end the audio early (then SIGTERM as usual) after this many seconds of wall time "
                             "(0: no limit); the report gives the hours actually run")
    parser.add_argument("--work", default=os.path.join(REPO, ".build-soak-run"))
    args = parser.parse_args()
    if args.hours * 3600 < 60:
        parser.error("--hours must be at least 1 minute of audio")
    os.makedirs(args.work, exist_ok=True)
    args.work = os.path.abspath(args.work)
    args.earshot = os.path.abspath(args.earshot)

    try:
        counter_lib, plugin = build_helpers(args.work)
    except (OSError, subprocess.CalledProcessError) as error:
        log(f"error: cannot build the C helpers in tools/soak/ (a C compiler and libasound2-dev are needed): {error}")
        print("0 passed, 1 failed")
        return 1
    try:
        clips = make_clips(args.work, make_demo.WORDS)
    except (OSError, subprocess.CalledProcessError) as error:
        log(f"error: cannot speak the keywords with espeak-ng (tools/setup.sh installs it): {error}")
        print("0 passed, 1 failed")
        return 1
    reports, failed, passed = [], 0, 0
    for name in [r for r in args.runs.split(",") if r]:
        if name not in ("file", "xrun", "ramp"):
            parser.error(f"unknown run {name!r}")
        report, checks = run_once(args, name, counter_lib, plugin, clips)
        reports.append(report)
        passed += sum(1 for ok, _ in checks if ok)
        failed += sum(1 for ok, _ in checks if not ok)
    path = os.path.join(args.work, "soak-report.json")
    with open(path, "w") as f:
        json.dump(reports, f, indent=2)
    log(f"report: {path}")
    for report in reports:
        log(json.dumps({k: v for k, v in report.items() if k != "checks"}))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
