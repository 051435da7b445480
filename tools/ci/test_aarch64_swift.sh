#!/usr/bin/env bash
# The whole Swift program on aarch64: cross-builds .build-aarch64/earshot (tools/build_aarch64.sh)
# and compares it, under qemu-aarch64-static on the CPUs of a Pi Zero 2 W / Pi 3 (cortex-a53), a Pi 4
# (cortex-a72) and a Pi 5 (cortex-a76), with the x86-64 build (tools/checks/aarch64_parity.py: fp32 within
# 1e-5, int8 top-1 identical, front-end features within 1e-5, hostile model files rejected the same
# way, zero allocations per step and per hop), then its listen (ALSA file plugin, libasound from
# Debian's arm64 package in a qemu sysroot: tools/ci/aarch64_alsa_sysroot.sh), detect --stream, profile
# and infer --wav on microWakeWord TFLite models (tools/checks/aarch64_stream_checks.py).
#
#     tools/ci/test_aarch64_swift.sh            (EARSHOT_HOST=path/to/earshot to choose the x86 binary)
#
# Prints "skipped: <reason>" and exits 0 only when the cross tools are missing; the last line is
# otherwise "N passed, M failed". Needs: gcc-aarch64-linux-gnu, libc6-dev-arm64-cross,
# qemu-user-static, libasound2-dev (tools/setup.sh installs them), espeak-ng for the demo recording,
# apt access for libasound2:arm64, and the Swift toolchain.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"

for tool in swiftc aarch64-linux-gnu-gcc qemu-aarch64-static; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "skipped: $tool not found (tools/setup.sh installs gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user-static)"
        exit 0
    fi
done
if [[ ! -f /usr/aarch64-linux-gnu/include/stdio.h ]]; then
    echo "skipped: /usr/aarch64-linux-gnu/include missing (tools/setup.sh installs libc6-dev-arm64-cross)"
    exit 0
fi

host="${EARSHOT_HOST:-.build/debug/earshot}"
if [[ ! -x "$host" ]]; then
    swift build --product earshot || { echo "FAIL: the host build failed"; echo "0 passed, 1 failed"; exit 1; }
    host=.build/debug/earshot
fi
if ! tools/build_aarch64.sh; then
    echo "FAIL: tools/build_aarch64.sh failed"
    echo "0 passed, 1 failed"
    exit 1
fi
file .build-aarch64/earshot 2>/dev/null || true
exec "$repo/.venv/bin/python" tools/checks/aarch64_parity.py --host "$host" --aarch64 .build-aarch64/earshot
