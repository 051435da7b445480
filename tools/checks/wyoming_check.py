#!/usr/bin/env python3
"""`earshot serve` against the real `wyoming` Python client (the package Home Assistant uses).

Starts `earshot serve` on a loopback TCP port, then on a Unix socket, and on each checks:
  1. describe -> info: the wake models listed are the model's keyword labels (read from the model
     file with the `gguf` package, not from the server);
  2. two clients at once, 16 kHz mono and 48 kHz stereo (the same kind of recording resampled
     with scipy and duplicated into two channels), each speaking its own five keywords
     (espeak-ng, tools/fixtures/make_demo.py): each client gets exactly its own keywords as `detection`
     events, each stamped within TOLERANCE of where the word ends in its audio (from the
     signal, keywords.tsv), and no other client's;
  3. while they stream, a third connection sends garbage (malformed JSON, a payload length over
     the limit, an unknown event, a payload that stops mid-way, one that vanishes mid-chunk):
     each of those connections is closed by the server with the reason logged, and the two
     clients are undisturbed;
  4. the server still serves afterwards (describe, and a stream with its detections);
  5. audio-stop without any keyword gives `not-detected`.

    .venv/bin/python tools/checks/wyoming_check.py --earshot .build/release/earshot [--work DIR]

Prints one line per check and "N passed, M failed"; exit status 1 if any failed, 0 otherwise.
"skipped: REASON" (exit 0) when the wyoming package or espeak-ng is missing.
"""
import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave

import numpy as np

try:
    from wyoming.audio import AudioChunk, AudioStart, AudioStop
    from wyoming.client import AsyncTcpClient, AsyncUnixClient
    from wyoming.info import Describe, Info
    from wyoming.wake import Detect, Detection, NotDetected
except ImportError:  # reported as a skip in main()
    AsyncTcpClient = None

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Where a detection may lie around the word's end in the audio (ms), fixed before measuring:
# the end finder works in 10 ms blocks and the resampler's filter spreads an edge by a few ms.
TOLERANCE_MS = 150
SETS = {"A": ["yes", "no", "up", "down", "left"], "B": ["right", "on", "off", "stop", "go"]}


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what):
        print(("ok      " if ok else "FAILED  ") + what, flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1


# MARK: - audio


def make_audio(work, name, words):
    """tools/fixtures/make_demo.py's recording of `words`: (16 kHz float samples, [(word, start, end)])."""
    out = os.path.join(work, name)
    if not os.path.exists(os.path.join(out, "keywords.tsv")):
        subprocess.run([sys.executable, os.path.join(REPO, "tools/fixtures/make_demo.py"), "--out", out, "--words", ",".join(words)],
                       check=True, stdout=subprocess.DEVNULL)
    with wave.open(os.path.join(out, "keywords.wav"), "rb") as f:
        samples = np.frombuffer(f.readframes(f.getnframes()), dtype="<i2").astype(np.float64) / 32768
    rows = []
    with open(os.path.join(out, "keywords.tsv")) as f:
        next(f)
        for line in f:
            word, start, end = line.split()
            rows.append((word, float(start), float(end)))
    return samples, rows


def pcm(samples, rate, channels):
    """16 kHz float samples as s16le bytes at `rate` (scipy polyphase) with `channels` copies."""
    from scipy.signal import resample_poly
    if rate != 16000:
        g = np.gcd(rate, 16000)
        samples = resample_poly(samples, rate // g, 16000 // g)
    ints = np.clip(np.round(samples * 32768), -32768, 32767).astype("<i2")
    return np.repeat(ints[:, None], channels, axis=1).tobytes()


def model_keywords(path):
    """The model's labels without the ignored ones, read with the gguf package."""
    from gguf import GGUFReader
    reader = GGUFReader(path)
    field = reader.fields["earshot.labels"]
    labels = [bytes(field.parts[i]).decode() for i in field.data]
    return [l for l in labels if l not in ("_silence_", "_unknown_")]


# MARK: - server


class Server:
    """`earshot serve` in a subprocess, its standard error collected line by line."""

    def __init__(self, earshot, address, model, extra=()):
        self.lines = []
        self.process = subprocess.Popen(
            [earshot, "serve", "--wyoming", address, "--model", model, "--stall-timeout", "1", *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.ready = threading.Event()
        self.address = None
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(30):
            self.stop()
            raise RuntimeError("earshot serve did not start:\n" + "\n".join(self.lines))

    def _read(self):
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))
            m = re.search(r"serving Wyoming on (\S+):", line)
            if m:
                self.address = m.group(1)
                self.ready.set()

    def client(self):
        if self.address.startswith("unix://"):
            return AsyncUnixClient(self.address[len("unix://"):])
        host, port = self.address[len("tcp://"):].rsplit(":", 1)
        return AsyncTcpClient(host, int(port))

    def closed_lines(self):
        return [l for l in self.lines if " closed: " in l]

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


# MARK: - clients


async def stream(server, audio, rate, channels, names=None, chunk_frames=1024, abort_after=None):
    """One wyoming client session: detect, audio-start, chunks, audio-stop; returns the events
    received ([(type, data)]). `abort_after`: vanish after that many chunks (no audio-stop)."""
    client = server.client()
    await client.connect()
    events = []
    try:
        await client.write_event(Detect(names=names).event())
        await client.write_event(AudioStart(rate=rate, width=2, channels=channels).event())
        step = chunk_frames * 2 * channels
        reader = asyncio.create_task(read_until_info(client, events))
        for i, offset in enumerate(range(0, len(audio), step)):
            if abort_after is not None and i == abort_after:
                reader.cancel()
                return events
            chunk = AudioChunk(rate=rate, width=2, channels=channels, audio=audio[offset:offset + step],
                               timestamp=offset // (2 * channels) * 1000 // rate)
            await client.write_event(chunk.event())
        await client.write_event(AudioStop().event())
        # Events are answered in order: once `info` comes back, every detection has arrived.
        await client.write_event(Describe().event())
        await asyncio.wait_for(reader, 120)
        return events
    finally:
        await client.disconnect()


async def read_until_info(client, events):
    while True:
        event = await client.read_event()
        if event is None:
            events.append(("closed", {}))
            return
        if Info.is_type(event.type):
            return
        events.append((event.type, event.data))


async def describe(server):
    client = server.client()
    await client.connect()
    try:
        await client.write_event(Describe().event())
        event = await asyncio.wait_for(client.read_event(), 10)
        return Info.from_event(event) if event and Info.is_type(event.type) else None
    finally:
        await client.disconnect()


async def raw_connection(server, payload, hold=0.0):
    """Sends raw bytes on a plain socket; returns (seconds until the server closed, bytes received)."""
    if server.address.startswith("unix://"):
        reader, writer = await asyncio.open_unix_connection(server.address[len("unix://"):])
    else:
        host, port = server.address[len("tcp://"):].rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port))
    start = time.monotonic()
    writer.write(payload)
    await writer.drain()
    if hold < 0:  # vanish: close our end at once, mid-event
        writer.close()
        return 0.0, b""
    received = b""
    try:
        while True:
            data = await asyncio.wait_for(reader.read(65536), 15)
            if not data:
                break
            received += data
    except (asyncio.TimeoutError, ConnectionResetError):
        pass
    writer.close()
    return time.monotonic() - start, received


GARBAGE = [
    ("malformed JSON", b"this is not json\n", "not JSON"),
    ("payload length over the limit", b'{"type": "audio-chunk", "data": {"rate": 16000, "width": 2, "channels": 1}, '
                                       b'"payload_length": 1099511627776}\n', "at most"),
    ("unknown event", b'{"type": "make-coffee"}\n', "unknown event type"),
    ("payload that stops mid-way (stall)", b'{"type": "audio-chunk", "data": {"rate": 16000, "width": 2, "channels": 1}, '
                                           b'"payload_length": 2048}\n' + bytes(100), "stalled"),
    ("a header that never ends", b'{"type": "audio-chunk", ' + b" " * 70000, "longer than"),
]


def check_detections(results, label, events, rows, words, offset_ms=0):
    detections = [(d["name"], d["timestamp"]) for t, d in events if t == "detection"]
    names = [n for n, _ in detections]
    results.check(sorted(names) == sorted(words),
                  f"{label}: detections {names} are exactly its keywords {words}")
    for word, start, end in rows:
        mine = [ts for n, ts in detections if n == word]
        ok = len(mine) == 1 and mine[0] is not None and abs(mine[0] - offset_ms - end * 1000) <= TOLERANCE_MS
        results.check(ok, f"{label}: '{word}' (ends at {end * 1000:.0f} ms) detected once at {mine} ms "
                          f"(within {TOLERANCE_MS} ms)")


async def scenario(results, server, audio, keywords_expected, tag):
    info = await describe(server)
    listed = sorted(m.name for p in (info.wake if info else []) for m in p.models)
    results.check(info is not None and listed == sorted(keywords_expected),
                  f"{tag}: describe lists the wake models {listed} (the model's keywords {sorted(keywords_expected)})")
    (a_samples, a_rows), (b_samples, b_rows) = audio["A"], audio["B"]
    mono16 = pcm(a_samples, 16000, 1)
    stereo48 = pcm(b_samples, 48000, 2)
    closed_before = len(server.closed_lines())

    async def garbage():
        await asyncio.sleep(0.05)
        outcomes = []
        for name, payload, _ in GARBAGE:
            seconds, received = await raw_connection(server, payload)
            outcomes.append((name, seconds, received))
        await raw_connection(server, b'{"type": "audio-chunk", "data": {"rate": 16000, "width": 2, "channels": 1}, '
                                     b'"payload_length": 4096}\n' + bytes(1000), hold=-1)
        return outcomes

    a_events, b_events, outcomes = await asyncio.gather(
        stream(server, mono16, 16000, 1), stream(server, stereo48, 48000, 2), garbage())
    check_detections(results, f"{tag} client A (16 kHz mono)", a_events, a_rows, SETS["A"])
    check_detections(results, f"{tag} client B (48 kHz stereo)", b_events, b_rows, SETS["B"])
    results.check(not any(t in ("closed", "not-detected") for t, _ in a_events + b_events),
                  f"{tag}: neither client was closed or told not-detected")
    for (name, seconds, received), (_, _, reason) in zip(outcomes, GARBAGE):
        results.check(received == b"", f"{tag}: garbage ({name}) connection closed by the server after {seconds:.2f} s")
    await asyncio.sleep(0.3)
    closed = server.closed_lines()[closed_before:]
    for name, _, reason in GARBAGE:
        results.check(any(reason in l for l in closed), f"{tag}: the server logged why it closed the '{name}' connection")
    results.check(any("closed the connection while sending" in l for l in closed),
                  f"{tag}: the server logged the client that vanished mid-chunk")
    results.check(len(closed) == len(GARBAGE) + 1,
                  f"{tag}: {len(closed)} connections closed for an error (the {len(GARBAGE) + 1} garbage ones only)")

    info = await describe(server)
    results.check(info is not None and server.alive(), f"{tag}: the server still answers describe afterwards")
    again = await stream(server, mono16, 16000, 1, names=["up", "left"])
    check_detections(results, f"{tag} after the garbage, detect names=[up, left]", again,
                     [r for r in a_rows if r[0] in ("up", "left")], ["up", "left"])
    silence = await stream(server, bytes(16000 * 2 * 2), 16000, 1)
    results.check([t for t, _ in silence] == ["not-detected"], f"{tag}: 2 s of silence -> {[t for t, _ in silence]} (not-detected)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--earshot", default=os.path.join(REPO, ".build/debug/earshot"))
    parser.add_argument("--model", default=os.path.join(REPO, "models/default.earshot"))
    parser.add_argument("--work", default=None)
    parser.add_argument("--threshold", type=float, default=0.8,
                        help="the detection threshold this plumbing check runs at (default 0.8, the detector's default): the espeak-ng keywords must all be heard; the default model's stored per-keyword thresholds trade recall for fewer false alarms and are measured in models/MODEL_CARD.md, not here")
    args = parser.parse_args()
    if AsyncTcpClient is None:
        print("skipped: the wyoming package is not installed (.venv/bin/pip install -r tools/requirements.txt)")
        return 0
    if shutil.which("espeak-ng") is None:
        print("skipped: espeak-ng is not installed (tools/setup.sh)")
        return 0
    work = args.work or tempfile.mkdtemp(prefix="earshot-wyoming-")
    os.makedirs(work, exist_ok=True)
    audio = {name: make_audio(work, name, words) for name, words in SETS.items()}
    expected = model_keywords(args.model)
    results = Results()
    for address in ["tcp://127.0.0.1:0", "unix://" + os.path.join(work, "wyoming.sock")]:
        server = Server(args.earshot, address, args.model, extra=["--threshold", f"{args.threshold:g}"])
        tag = address.split(":")[0]
        try:
            asyncio.run(scenario(results, server, audio, expected, tag))
        except Exception as error:  # a hang or a crash is a failure, with the server's log
            results.check(False, f"{tag}: scenario raised {error!r}")
        results.check(server.alive(), f"{tag}: the server is still running")
        status = server.stop()
        results.check(status == 0, f"{tag}: SIGTERM stops the server cleanly (exit {status})")
        if results.failed:
            print("\n".join("  server: " + l for l in server.lines[-40:]))
    print(f"{results.passed} passed, {results.failed} failed")
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
