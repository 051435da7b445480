#!/usr/bin/env python3
"""The step loop makes no system call: `SyscallProbeTests` traced with strace.

    python tools/checks/syscall_check.py [--scratch-path .build]

Runs `swift test --skip-build --filter SyscallProbeTests` under `strace -f -ff` (one trace file per
thread). The test steps an LSTM 40->128 + dense 12 + softmax 10,000 times (fp32, fp16, int8) from
the first step after load, between two marker calls (write(2) to fd -1, which strace prints), and
first makes one getppid(2) between control markers. Checks, for each weight type:
  - the control region holds at least one system call (the trace sees the thread), and
  - the steps region holds none.
Prints one line per check and "N passed, M failed"; exits 1 on any failure. Needs strace and a
debug test build (`swift build --build-tests`); without strace it prints "skipped: ..." and exits 0
(tools/test.sh fails the section in CI).
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MARK = re.compile(r'^write\(-1, "earshot-syscall-probe (control|steps)-(begin|end)"')
SYSCALL = re.compile(r"^(<\.\.\. )?[a-z_0-9]+[( ]")


def regions(lines):
    """(kind, number of system calls strictly between begin and end) for each marker pair."""
    found, open_kind, count = [], None, 0
    for line in lines:
        mark = MARK.match(line)
        if mark:
            kind, edge = mark.groups()
            if edge == "begin":
                open_kind, count = kind, 0
            elif open_kind == kind:
                found.append((kind, count))
                open_kind = None
        elif open_kind and SYSCALL.match(line) and not line.startswith("<..."):
            count += 1
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scratch-path", help="swift build scratch path (default .build)")
    args = parser.parse_args()
    strace = shutil.which("strace")
    if not strace:
        print("skipped: strace is not installed (apt-get install strace)")
        return 0
    work = tempfile.mkdtemp(prefix="earshot-syscalls-")
    try:
        command = ["swift", "test", "--skip-build", "--filter", "SyscallProbeTests"]
        if args.scratch_path:
            command += ["--scratch-path", args.scratch_path]
        result = subprocess.run([strace, "-f", "-ff", "-qq", "-s", "64", "-o", os.path.join(work, "trace"), *command],
                                cwd=REPO, capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stdout[-3000:], result.stderr[-3000:])
            print("FAIL swift test under strace exited", result.returncode)
            print("0 passed, 1 failed")
            return 1
        found = []
        for path in glob.glob(os.path.join(work, "trace.*")):
            with open(path, errors="replace") as handle:
                found += regions(handle.read().splitlines())
        passed = failed = 0
        controls = [count for kind, count in found if kind == "control"]
        steps = [count for kind, count in found if kind == "steps"]
        for name, counts, expected in (("control (one getppid)", controls, ">= 1"), ("10,000 steps", steps, "== 0")):
            if len(counts) != 3:
                print(f"FAIL {name}: {len(counts)} traced regions, expected 3 (fp32, fp16, int8)")
                failed += 1
                continue
            for count in counts:
                ok = count >= 1 if expected == ">= 1" else count == 0
                print(f"{'ok' if ok else 'FAIL':4} {name}: {count} system call(s) on the stepping thread ({expected})")
                passed += ok
                failed += not ok
        print(f"{passed} passed, {failed} failed")
        return 0 if failed == 0 else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
