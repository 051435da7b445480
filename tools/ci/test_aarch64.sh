#!/usr/bin/env bash
# The aarch64 kernels (Sources/CKernels), proven on x86-64: cross-compiled and run under qemu-user
# against the portable C reference, on the CPUs of a Raspberry Pi 4 and a Raspberry Pi 5.
#
#     tools/ci/test_aarch64.sh
#
# Builds tools/ci/aarch64_kernel_test.c with the kernels twice: with Debian's aarch64-linux-gnu-gcc
# (-ffp-contract=off, as KernelMath.h asks of GCC builds) and, when the Swift toolchain's clang is
# found, with that clang (--target=aarch64-linux-gnu: the compiler that builds Earshot on a Pi),
# statically linked. Each binary runs under
#     qemu-aarch64-static -cpu cortex-a72   Raspberry Pi 4: NEON, no dot product -> dispatch must pick "aarch64 neon"
#     qemu-aarch64-static -cpu cortex-a76   Raspberry Pi 5: NEON + SDOT          -> "aarch64 neon+dotprod"
# and compares every path the CPU has with the generic C kernels (int8 bit for bit, floats within
# stated bounds). Prints which path dispatch chose on each CPU, and a last line "N passed, M failed".
# Needs: gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user-static (tools/setup.sh installs them).
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
work="$(mktemp -d "${TMPDIR:-/tmp}/earshot-aarch64.XXXXXX")"
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
fail() { printf 'FAIL: %s\n' "$*"; failed=$((failed + 1)); }

for tool in aarch64-linux-gnu-gcc qemu-aarch64-static; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        fail "$tool not found (tools/setup.sh installs gcc-aarch64-linux-gnu and qemu-user-static)"
    fi
done
if ((failed > 0)); then
    printf '%d passed, %d failed\n' "$passed" "$failed"
    exit 1
fi

sources=(Sources/CKernels/*.c tools/ci/aarch64_kernel_test.c)
flags=(-O2 -std=c11 -Wall -Wextra -Werror -I Sources/CKernels/include)

# 1. GCC.
builds=()
if aarch64-linux-gnu-gcc "${flags[@]}" -ffp-contract=off "${sources[@]}" -static -lm -o "$work/test-gcc"; then
    builds+=("gcc:$work/test-gcc")
else
    fail "aarch64-linux-gnu-gcc could not build the kernels"
fi

# 2. The Swift toolchain's clang, compiling; GCC's driver links (it knows the cross libc).
clang=""
if command -v swift >/dev/null 2>&1; then
    candidate="$(dirname "$(readlink -f "$(command -v swift)")")/clang"
    [[ -x "$candidate" ]] && clang="$candidate"
fi
if [[ -n "$clang" ]]; then
    objects=()
    ok=1
    for source in "${sources[@]}"; do
        object="$work/$(basename "$source" .c).clang.o"
        "$clang" --target=aarch64-linux-gnu "${flags[@]}" -c "$source" -o "$object" || ok=0
        objects+=("$object")
    done
    if ((ok)) && aarch64-linux-gnu-gcc -static "${objects[@]}" -lm -o "$work/test-clang"; then
        builds+=("clang:$work/test-clang")
    else
        fail "$clang --target=aarch64-linux-gnu could not build the kernels"
    fi
else
    printf 'note: no Swift toolchain clang found; testing the GCC build only\n'
fi

# 3. Run each build on a CPU without and with the dot-product instructions.
for build in "${builds[@]}"; do
    compiler="${build%%:*}"
    binary="${build#*:}"
    for pair in "cortex-a72:aarch64 neon" "cortex-a76:aarch64 neon+dotprod"; do
        cpu="${pair%%:*}"
        expected="${pair#*:}"
        log="$work/$compiler-$cpu.log"
        qemu-aarch64-static -cpu "$cpu" "$binary" --expect-path "$expected" >"$log" 2>&1
        status=$?
        chose="$(sed -nE 's/^dispatch chose: //p' "$log")"
        counts="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)"
        printf '%-6s %-11s dispatch chose "%s" (expected "%s"): %s\n' "$compiler" "$cpu" "$chose" "$expected" \
            "${counts:-no result}"
        grep -E '^FAIL' "$log" | head -20
        p=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$counts")
        f=$(sed -nE 's/.* ([0-9]+) failed$/\1/p' <<<"$counts")
        passed=$((passed + ${p:-0}))
        failed=$((failed + ${f:-0}))
        if ((status != 0)) && ((${f:-0} == 0)); then
            fail "$compiler on $cpu exited $status"
            tail -5 "$log"
        fi
    done
done

printf '%d passed, %d failed\n' "$passed" "$failed"
((failed == 0))
