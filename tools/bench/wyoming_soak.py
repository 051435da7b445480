#!/usr/bin/env python3
"""Soak of `earshot serve`: concurrent `wyoming` clients streaming for a long time, dropping and
reconnecting, while the server's memory is watched.

CLIENTS clients (default 4) stream AUDIO_MINUTES of audio between them (default 60: 15 minutes
each), unpaced, each in its own format (16 kHz mono, 48 kHz stereo, 22.05 kHz mono, 44.1 kHz
stereo) and speaking its own keywords (espeak-ng via tools/fixtures/make_demo.py), in sessions of 1 to 6
repetitions of its recording. A quarter of the sessions end abruptly: the client vanishes in the
middle of an audio chunk (header and half the payload sent, then the socket closed).

Checks:
  - every keyword spoken in a completed session is delivered to that client as one `detection`,
    within 150 ms of where the word ends (keywords.tsv, from the signal); no client ever gets a
    detection that is not in its own audio at that time (routing), aborted sessions included;
  - the server's RSS (VmRSS, sampled every 0.5 s) does not grow: the peak over the second half
    of the run is within 2 MiB of the peak over the first half;
  - the server never crashes, logs every abrupt client, and stops cleanly on SIGTERM.

    .venv/bin/python tools/bench/wyoming_soak.py --earshot .build/release/earshot [--audio-minutes 60]

Prints figures, one line per check and "N passed, M failed"; exit 1 if any failed.
Loopback only; every loop is bounded by the audio budget.
"""
import argparse
import asyncio
import os
import random
import sys
import tempfile
import threading
import time

sys.path[:0] = [os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), d) for d in ("lib", "checks", "fixtures", "bench", "export")]
import wyoming_check as wc  # noqa: E402

CLIENTS = [  # (words, rate, channels)
    (["yes", "no", "up"], 16000, 1),
    (["down", "left"], 48000, 2),
    (["right", "on", "off"], 22050, 1),
    (["stop", "go"], 44100, 2),
]
CHUNK_FRAMES = 1024


def cpu_seconds(pid):
    """User + system CPU time of the process so far (/proc/PID/stat fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def session(server, audio, rate, channels, repetitions, abort_chunk):
    """One connection: `repetitions` times the recording in one audio-start/stop, or a vanish at
    chunk `abort_chunk`. Returns the (name, timestamp) detections received."""
    client = server.client()
    await client.connect()
    events = []
    try:
        await client.write_event(wc.Detect(names=None).event())
        await client.write_event(wc.AudioStart(rate=rate, width=2, channels=channels).event())
        reader = asyncio.create_task(wc.read_until_info(client, events))
        step = CHUNK_FRAMES * 2 * channels
        data = audio * repetitions
        for i, offset in enumerate(range(0, len(data), step)):
            chunk = wc.AudioChunk(rate=rate, width=2, channels=channels, audio=data[offset:offset + step])
            if i == abort_chunk:
                # Vanish mid-chunk: the header and half the payload, then the socket closes.
                event = chunk.event()
                header = ('{"type": "audio-chunk", "data": {"rate": %d, "width": 2, "channels": %d}, "payload_length": %d}\n'
                          % (rate, channels, len(event.payload))).encode()
                client._writer.write(header + event.payload[:len(event.payload) // 2])
                await client._writer.drain()
                await asyncio.sleep(0.05)   # let detections already sent arrive
                reader.cancel()
                return [(d["name"], d["timestamp"]) for t, d in events if t == "detection"], True
            await client.write_event(chunk.event())
        await client.write_event(wc.AudioStop().event())
        await client.write_event(wc.Describe().event())
        await asyncio.wait_for(reader, 600)
        return [(d["name"], d["timestamp"]) for t, d in events if t == "detection"], False
    finally:
        await client.disconnect()


async def client_loop(index, server, pcm, rows, duration, rate, channels, budget_seconds, rng, tally):
    used = 0.0
    while used < budget_seconds:
        repetitions = rng.randint(1, 6)
        repetitions = max(1, min(repetitions, int(round((budget_seconds - used) / duration)) or 1))
        chunks = (len(pcm) * repetitions) // (CHUNK_FRAMES * 2 * channels)
        abort = rng.randrange(chunks) if rng.random() < 0.25 else None
        detections, aborted = await session(server, pcm, rate, channels, repetitions, abort)
        sent_seconds = (abort * CHUNK_FRAMES / rate) if aborted else duration * repetitions
        used += sent_seconds
        expected = [(w, (r * duration + end) * 1000) for r in range(repetitions) for w, _, end in rows]
        if aborted:
            expected = [(w, t) for w, t in expected if t <= sent_seconds * 1000]
        unmatched = list(expected)
        foreign = 0
        for name, ts in detections:
            match = next((e for e in unmatched if e[0] == name and abs(ts - e[1]) <= wc.TOLERANCE_MS), None)
            if match is None:
                foreign += 1
            else:
                unmatched.remove(match)
        tally["sessions"] += 1
        tally["aborted"] += aborted
        tally["audio_seconds"] += sent_seconds
        tally["detections"] += len(detections)
        tally["foreign"] += foreign
        if not aborted:
            tally["expected"] += len(expected)
            tally["missed"] += len(unmatched)
            if unmatched:
                tally["missed_examples"].append((index, unmatched[:3]))
        if foreign:
            tally["foreign_examples"].append((index, detections[:5]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--earshot", default=os.path.join(wc.REPO, ".build/release/earshot"))
    parser.add_argument("--model", default=os.path.join(wc.REPO, "models/default.earshot"))
    parser.add_argument("--audio-minutes", type=float, default=60.0, help="audio streamed by all clients together")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--work", default=None)
    parser.add_argument("--threshold", type=float, default=0.8,
                        help="the detection threshold this plumbing check runs at (default 0.8, the detector's default): the espeak-ng keywords must all be heard; the default model's stored per-keyword thresholds trade recall for fewer false alarms and are measured in models/MODEL_CARD.md, not here")
    args = parser.parse_args()
    if wc.AsyncTcpClient is None:
        print("skipped: the wyoming package is not installed (.venv/bin/pip install -r tools/requirements.txt)")
        return 0
    if wc.shutil.which("espeak-ng") is None:
        print("skipped: espeak-ng is not installed (tools/setup.sh)")
        return 0
    work = args.work or tempfile.mkdtemp(prefix="earshot-wyoming-soak-")
    os.makedirs(work, exist_ok=True)
    clients = []
    for i, (words, rate, channels) in enumerate(CLIENTS):
        samples, rows = wc.make_audio(work, f"soak{i}", words)
        clients.append((wc.pcm(samples, rate, channels), rows, len(samples) / 16000, rate, channels))

    server = wc.Server(args.earshot, "tcp://127.0.0.1:0", args.model, extra=["--quiet", "--threshold", f"{args.threshold:g}"])
    samples = []
    stop = threading.Event()

    cpu = [0.0]

    def sample_rss():
        while not stop.is_set() and server.alive():
            samples.append((time.monotonic(), rss_kib(server.process.pid)))
            cpu[0] = cpu_seconds(server.process.pid)
            stop.wait(0.5)
        if server.alive():
            cpu[0] = cpu_seconds(server.process.pid)

    sampler = threading.Thread(target=sample_rss, daemon=True)
    sampler.start()
    tally = {k: 0 for k in ("sessions", "aborted", "audio_seconds", "detections", "foreign", "expected", "missed")}
    tally["missed_examples"] = []
    tally["foreign_examples"] = []
    budget = args.audio_minutes * 60 / len(clients)
    start = time.monotonic()

    async def run_all():
        await asyncio.gather(*(
            client_loop(i, server, pcm, rows, duration, rate, channels, budget, random.Random(args.seed * 100 + i), tally)
            for i, (pcm, rows, duration, rate, channels) in enumerate(clients)))

    results = wc.Results()
    try:
        asyncio.run(run_all())
    except Exception as error:
        results.check(False, f"the clients ran without error ({error!r})")
    wall = time.monotonic() - start
    stop.set()
    sampler.join()
    alive = server.alive()
    status = server.stop()
    # How each connection ended, from the server's log. A client that vanishes with our events
    # unread makes its kernel send a reset, which can discard the half chunk before the server
    # reads it: then the server sees a clean close between events ("disconnected").
    ended = [l for l in server.lines if " disconnected (" in l or " closed: " in l]
    # ... or, when it was writing detections to the vanished client, a broken pipe or a reset.
    signs = ("closed the connection while sending", "Broken pipe", "Connection reset")
    vanished = sum(1 for l in ended if any(sign in l for sign in signs))
    other_errors = [l for l in ended if " closed: " in l and not any(sign in l for sign in signs)]

    half = start + wall / 2
    first = [kib for t, kib in samples if t < half]
    second = [kib for t, kib in samples if t >= half]
    print(f"wall {wall:.1f} s for {tally['audio_seconds'] / 60:.1f} min of audio from {len(clients)} clients "
          f"({tally['audio_seconds'] / wall:.1f}x real time); {tally['sessions']} sessions, {tally['aborted']} aborted mid-chunk")
    audio_hours = tally["audio_seconds"] / 3600
    if audio_hours > 0:
        print(f"server CPU: {cpu[0]:.1f} s for {audio_hours * 60:.1f} min of audio = {cpu[0] / audio_hours / 36:.2f} % "
              f"of one core per real-time stream (everything: protocol, downmix, resampling, front end, network)")
    if first and second:
        print(f"RSS: start {samples[0][1] / 1024:.1f} MiB, peak first half {max(first) / 1024:.1f} MiB, "
              f"peak second half {max(second) / 1024:.1f} MiB, end {samples[-1][1] / 1024:.1f} MiB ({len(samples)} samples)")
    print(f"detections: {tally['detections']} received, {tally['expected']} expected in completed sessions, "
          f"{tally['missed']} missed, {tally['foreign']} not in the client's own audio")
    for example in tally["missed_examples"][:3]:
        print("  missed (client, [(word, ms)]):", example)
    for example in tally["foreign_examples"][:3]:
        print("  foreign (client, detections):", example)

    results.check(tally["audio_seconds"] >= budget * len(clients) * 0.95,
                  f"{tally['audio_seconds'] / 60:.1f} of {args.audio_minutes:g} minutes of audio streamed")
    results.check(tally["aborted"] > 0 and tally["sessions"] > len(clients), f"clients dropped and reconnected "
                  f"({tally['sessions']} sessions, {tally['aborted']} vanished mid-chunk)")
    results.check(tally["expected"] > 0 and tally["missed"] == 0,
                  f"every keyword of every completed session delivered ({tally['expected'] - tally['missed']}/{tally['expected']})")
    results.check(tally["foreign"] == 0, f"no detection delivered to the wrong client or at a wrong time ({tally['foreign']})")
    results.check(bool(first and second) and max(second) <= max(first) + 2048,
                  "RSS flat: second-half peak within 2 MiB of the first-half peak")
    results.check(len(ended) == tally["sessions"] and not other_errors and 0 < vanished <= tally["aborted"],
                  f"every connection's end logged ({len(ended)}/{tally['sessions']}; {vanished} of the "
                  f"{tally['aborted']} vanished seen as such, no other error: {other_errors[:2]})")
    results.check(alive and status == 0, f"no crash; SIGTERM stops cleanly (alive {alive}, exit {status})")
    if results.failed:
        print("\n".join("  server: " + l for l in server.lines[-30:]))
    print(f"{results.passed} passed, {results.failed} failed")
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
