#!/usr/bin/env python3
"""Instructions per network step and per front-end hop of the static aarch64 build, counted under
qemu, turned into an ESTIMATED CPU share per Raspberry Pi board. A cost model, not a measurement:
`earshot profile` on the board itself is the measurement.

    python tools/bench/aarch64_cost.py [--earshot .build-aarch64/earshot] [--host .build/debug/earshot]

How it counts: Debian's qemu-user-static has no TCG plugins, so the program runs under
`qemu-aarch64-static -cpu CPU -d in_asm,exec,nochain`: every translated block is logged once with its
instructions (`IN:`) and, with chaining off, every execution of a block is logged (`Trace`); the
executed instructions are the sum over executions of the block's instruction count. Each cost is a
difference of two runs that differ only in the work counted (T2 vs T1 feature rows through `infer`;
through `count-allocations`, which steps a model as `listen` does: windowed models through their
window ring; 2 s vs 1 s of a real clip through `features`), so loading and start-up cancel out.

Assumptions of the board estimate (stated, not measured): instructions per cycle 0.8 on Cortex-A53
(in-order, dual issue), 1.5 on Cortex-A72 and 2.0 on Cortex-A76 for this kind of NEON/scalar code;
one core at the board's published clock (Pi Zero 2 W 1.0 GHz A53, Pi 3 B 1.2 GHz A53, Pi 4 1.5 GHz
A72, Pi 5 2.4 GHz A76); no cache-miss or memory-bandwidth effects (the models fit in L2). The share
is of one core.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

sys.path[:0] = [os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), d) for d in ("lib", "checks", "fixtures", "bench", "export")]
import onnx_models  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_MODEL = os.path.join(REPO, "models", "default.earshot")
CLIPS = os.path.join(REPO, "..", "shared", "data", "speech_commands_v0.02_subset")
BOARDS = [  # name, cpu model, clock GHz, assumed instructions per cycle
    ("Pi Zero 2 W", "cortex-a53", 1.0, 0.8),
    ("Pi 3 B", "cortex-a53", 1.2, 0.8),
    ("Pi 4", "cortex-a72", 1.5, 1.5),
    ("Pi 5", "cortex-a76", 2.4, 2.0),
]
TRACE = re.compile(r"^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/")
INSTRUCTION = re.compile(r"^0x([0-9a-f]+):\s")


def executed_instructions(command: list[str], cpu: str, work: str) -> int:
    log = os.path.join(work, "trace.log")
    result = subprocess.run(["qemu-aarch64-static", "-cpu", cpu, "-d", "in_asm,exec,nochain", "-D", log, *command],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {result.stderr.strip()}")
    sizes: dict[int, int] = {}
    total = 0
    block_start, block_count = None, 0
    with open(log, errors="replace") as handle:
        for line in handle:
            if line.startswith("Trace"):
                match = TRACE.match(line)
                if match:
                    total += sizes.get(int(match.group(1), 16), 0)
            elif line.startswith("IN:"):
                block_start, block_count = None, 0
            elif line.startswith("0x"):
                match = INSTRUCTION.match(line)
                if match:
                    if block_start is None:
                        block_start = int(match.group(1), 16)
                    block_count += 1
                    sizes[block_start] = block_count
    os.remove(log)
    return total


def per_step(earshot: str, model: str, features: int, cpu: str, work: str, rows: tuple[int, int]) -> float:
    counts = []
    rng = np.random.default_rng(3)
    for count in rows:
        x = os.path.join(work, f"x{count}.npy")
        np.save(x, rng.standard_normal((count, features)).astype(np.float32))
        # count-allocations steps the model as listen does: windowed models through their window
        # ring (a run of W frames every K), streaming models one step per frame.
        counts.append(executed_instructions([earshot, "count-allocations", "--model", model, "--features", x],
                                            cpu, work))
    return (counts[1] - counts[0]) / (rows[1] - rows[0])


def per_hop(earshot: str, clip: str, cpu: str, work: str, hop_samples: int) -> float:
    counts = []
    for samples in (16000, 32000):
        counts.append(executed_instructions([earshot, "features", "--model", DEFAULT_MODEL, "--clip-samples",
                                             str(samples), "-o", os.path.join(work, "f.npy"), clip], cpu, work))
    return (counts[1] - counts[0]) / (16000 / hop_samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--earshot", default=os.path.join(REPO, ".build-aarch64", "earshot"))
    parser.add_argument("--host", default=os.path.join(REPO, ".build", "debug", "earshot"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="earshot-cost.") as work:
        onnx_models.build_all(work, seed=18, steps=8, names=["lstm_40_128_dense12", "gru_odd"])
        models = [("default.earshot GRU 10-128 int8, window 49 every 2 (per frame)", DEFAULT_MODEL, 10, (60, 100))]
        for name in ("lstm_40_128_dense12",):
            for weights in ("fp32", "int8"):
                path = os.path.join(work, f"{name}.{weights}.earshot")
                subprocess.run([args.host, "convert", os.path.join(work, f"{name}.onnx"), "-o", path,
                                "--weights", weights], check=True, capture_output=True)
                models.append((f"{name} {weights} (per step)", path, 40, (20, 60)))
        clip_dir = os.path.join(CLIPS, "yes")
        clip = os.path.join(clip_dir, sorted(os.listdir(clip_dir))[0])
        cpus = sorted({board[1] for board in BOARDS})
        costs: dict[tuple[str, str], float] = {}
        for cpu in cpus:
            costs[("frontend tf-mfcc hop (20 ms)", cpu)] = per_hop(args.earshot, clip, cpu, work, 320)
            for label, path, features, rows in models:
                costs[(label, cpu)] = per_step(args.earshot, path, features, cpu, work, rows)
        labels = ["frontend tf-mfcc hop (20 ms)"] + [m[0] for m in models]
        print("Instructions executed (qemu exec trace, difference of two runs):")
        print(f"{'':62}" + "".join(f"{cpu:>14}" for cpu in cpus))
        for label in labels:
            print(f"{label:62}" + "".join(f"{costs[(label, cpu)]:14,.0f}" for cpu in cpus))
        print()
        print("Estimated CPU share of one core for default.earshot listening (front end + network, 50 hops/s):")
        for board, cpu, ghz, ipc in BOARDS:
            per_second = 50 * (costs[("frontend tf-mfcc hop (20 ms)", cpu)] + costs[(labels[1], cpu)])
            share = per_second / (ghz * 1e9 * ipc) * 100
            print(f"  {board:12} {cpu:11} {ghz:.1f} GHz, IPC {ipc} assumed: {per_second / 1e6:6.2f} M instr/s -> ~{share:.2f} %")
        print()
        print("Peers (their published figures, not measured here): openWakeWord's README: \"a single core of a")
        print("Raspberry Pi 3 can run 15-20 openWakeWord models simultaneously in real-time\" (so about 5-7 % of a")
        print("core per model). Porcupine's Pi 3 CPU figure is not quoted: not checked against its source here.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
