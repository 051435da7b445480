#!/usr/bin/env bash
# Unpacks Debian's aarch64 libasound (libasound2:arm64, with its configuration files) into a
# sysroot, so the static aarch64 build's `listen` finds libasound.so.2 under qemu:
#
#     tools/ci/aarch64_alsa_sysroot.sh [DIR]        (default .build-aarch64/sysroot; prints DIR)
#     qemu-aarch64-static -L DIR .build-aarch64/earshot listen ...
#
# The sysroot also gets the cross glibc's shared libraries (libc6-arm64-cross, which
# libc6-dev-arm64-cross pulls in): libasound.so.2 needs libc.so.6 and ld-linux-aarch64.so.1.
# Downloads with `apt-get download`, which needs the arm64 architecture known to apt; when it is
# not, it is added (`dpkg --add-architecture arm64`, then `apt-get update`: needs root).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
sysroot="${1:-$repo/.build-aarch64/sysroot}"
if [[ -f "$sysroot/usr/lib/aarch64-linux-gnu/libasound.so.2" && -f "$sysroot/lib/ld-linux-aarch64.so.1" ]]; then
    echo "$sysroot"
    exit 0
fi
cross=/usr/aarch64-linux-gnu/lib
[[ -f "$cross/libc.so.6" ]] || { echo "aarch64_alsa_sysroot: $cross/libc.so.6 missing (apt-get install libc6-arm64-cross)" >&2; exit 1; }

downloads="$(mktemp -d)"
trap 'rm -rf "$downloads"' EXIT
if ! (cd "$downloads" && apt-get download libasound2:arm64 libasound2-data >/dev/null 2>&1); then
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
        echo "aarch64_alsa_sysroot: adding the arm64 architecture to apt (dpkg --add-architecture arm64)" >&2
        dpkg --add-architecture arm64
    fi
    apt-get update >/dev/null
    (cd "$downloads" && apt-get download libasound2:arm64 libasound2-data >/dev/null 2>&1) || {
        echo "aarch64_alsa_sysroot: apt-get download libasound2:arm64 failed" >&2
        exit 1
    }
fi
mkdir -p "$sysroot/lib"
for package in "$downloads"/*.deb; do
    dpkg-deb -x "$package" "$sysroot"
done
# The cross glibc where the aarch64 dynamic loader looks for it.
cp -a "$cross"/ld-linux-aarch64.so.1 "$cross"/libc.so.6 "$cross"/libm.so.6 "$cross"/libdl.so.2 \
    "$cross"/libpthread.so.0 "$cross"/librt.so.1 "$sysroot/lib/"
[[ -f "$sysroot/usr/lib/aarch64-linux-gnu/libasound.so.2" ]] || { echo "aarch64_alsa_sysroot: no libasound.so.2 in the package" >&2; exit 1; }
echo "$sysroot"
