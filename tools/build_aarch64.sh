#!/usr/bin/env bash
# Cross-builds .build-aarch64/earshot: one static aarch64 Linux executable (no Swift runtime,
# Foundation or ICU needed on the board) from this x86-64 machine.
#
#     tools/build_aarch64.sh
#
# - The Swift core (Kernels, Frontend, SystemFile, JSON, Model, Runtime, Spotter, WAVFile, NumPyFile)
#   and Timing, Pipeline, Audio, Listener, Profiler (every *.swift of each module directory) are compiled by the installed Swift toolchain in Embedded Swift
#   mode for aarch64-none-none-elf, one whole module at a time, with the internal Clang reading
#   Debian's aarch64 glibc headers (-clang-target aarch64-unknown-linux-gnu).
# - Aarch64/Glibc stands in for the toolchain's Glibc overlay (Embedded Swift has none), so the
#   core's `import Glibc` files compile unchanged.
# - The command line is Aarch64/earshot plus the host CLI's shared files (no ArgumentParser).
# - libasound is not linked: Aarch64/Support/alsa_loader.c dlopen()s libasound.so.2 when `listen`
#   opens a device (the board's glibc must be the one linked, 2.36: Debian / Raspberry Pi OS bookworm).
# - The C kernels (Sources/CKernels/*.c: NEON, SDOT, runtime dispatch) are the host build's files,
#   compiled by aarch64-linux-gnu-gcc; its driver links everything with glibc, -static, through
#   the Swift toolchain's lld. Modules are rebuilt only when their sources changed.
# Aarch64/Support/allocation_counter.c is linked in with --wrap=malloc,...: the hidden subcommand
# `earshot count-allocations` proves the per-step paths allocation-free in this build too.
# Needs: swiftc (Swift 6.3), gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, libasound2-dev (for the
# headers; tools/setup.sh installs them).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
out="$repo/.build-aarch64"
objects="$out/objects"
modules="$out/modules"
mkdir -p "$objects" "$modules"

for tool in swiftc aarch64-linux-gnu-gcc; do
    command -v "$tool" >/dev/null 2>&1 || { echo "build_aarch64: $tool not found (tools/setup.sh installs the cross tools)" >&2; exit 1; }
done
sysroot=/usr/aarch64-linux-gnu
[[ -f "$sysroot/include/stdio.h" ]] || { echo "build_aarch64: $sysroot/include missing (apt-get install libc6-dev-arm64-cross)" >&2; exit 1; }
toolchain_bin="$(dirname "$(readlink -f "$(command -v swiftc)")")"
swift_lib="$toolchain_bin/../lib/swift/embedded/aarch64-none-none-elf"

# The C kernels as a Clang module for Swift (the SwiftPM build generates the same from include/).
cat >"$modules/CKernels.modulemap" <<EOF
module CKernels {
    header "$repo/Sources/CKernels/include/CKernels.h"
    export *
}
EOF

# libasound's headers (architecture-independent; Debian's libasound2-dev) for the Audio module.
# The library itself is not linked: Aarch64/Support/alsa_loader.c loads libasound.so.2 at run time.
alsa_headers=/usr/include/alsa
[[ -f "$alsa_headers/asoundlib.h" ]] || { echo "build_aarch64: $alsa_headers missing (apt-get install libasound2-dev)" >&2; exit 1; }
mkdir -p "$out/alsa-include"
ln -sfn "$alsa_headers" "$out/alsa-include/alsa"
# CALSA as the host's module map has it, minus `link "asound"`.
cat >"$modules/CALSA.modulemap" <<EOF
module CALSA [system] {
    header "$repo/Sources/CALSA/shim.h"
    export *
}
EOF
cat >"$modules/CListenerShims.modulemap" <<EOF
module CListenerShims {
    header "$repo/Sources/CListenerShims/include/CListenerShims.h"
    export *
}
EOF

swift_flags=(-package-name Earshot 
    -target aarch64-none-none-elf -clang-target aarch64-unknown-linux-gnu
    -enable-experimental-feature Embedded -wmo -O
    -module-cache-path "$out/module-cache"
    -I "$modules"
    -Xcc -fmodule-map-file="$modules/CKernels.modulemap"
    -Xcc -fmodule-map-file="$repo/Aarch64/CGlibc/module.modulemap"
    -Xcc -fmodule-map-file="$modules/CALSA.modulemap"
    -Xcc -fmodule-map-file="$modules/CListenerShims.modulemap"
    -Xcc -isystem -Xcc "$out/alsa-include"
    -Xcc -isystem -Xcc "$sysroot/include"
)

rebuilt_any=0
# compile_module NAME FILES...: one whole module -> modules/NAME.swiftmodule + objects/NAME.o
compile_module() {
    local name="$1"
    shift
    # Up to date when nothing before it was rebuilt and the object is newer than its sources,
    # and the glibc module map (modules are compiled in dependency order; after changing the
    # flags below, remove .build-aarch64).
    if ((!rebuilt_any)) && [[ -f "$objects/$name.o" ]] \
        && [[ -z "$(find "$@" Aarch64/CGlibc -newer "$objects/$name.o" | head -1)" ]]; then
        return
    fi
    rebuilt_any=1
    echo "swiftc $name ($# files)"
    nice -n 10 swiftc "${swift_flags[@]}" -parse-as-library -module-name "$name" \
        -emit-module -emit-module-path "$modules/$name.swiftmodule" \
        -c -o "$objects/$name.o" "$@"
    touch "$objects/$name.o"   # swiftc keeps an unchanged object's old time
}

module_files() { find "Sources/$1" -name '*.swift' | sort; }

compile_module Kernels $(module_files Kernels)
compile_module Glibc Aarch64/Glibc/*.swift
compile_module SystemFile $(module_files SystemFile)
compile_module JSON $(module_files JSON)
compile_module Model $(module_files Model)
compile_module Frontend $(module_files Frontend)
compile_module Runtime $(module_files Runtime)
compile_module Spotter $(module_files Spotter)
compile_module WAVFile $(module_files WAVFile)
compile_module NumPyFile $(module_files NumPyFile)
compile_module Timing $(module_files Timing)
compile_module Pipeline $(module_files Pipeline)
compile_module Audio $(module_files Audio)
compile_module Listener $(module_files Listener)
compile_module Profiler $(module_files Profiler)
# The host CLI's files that hold no ArgumentParser/Foundation code, shared so the output is the same.
shared_cli=(CLIError ModelSummary ModelSummary+Thresholds FrontendConfig+Summary ScoreFormat ClipClassifier AudioClip FeatureInference
    QuantizedGraphModels StreamDetect ListenRun ProfileRun VADRequest StreamPipeline)
shared_cli=("${shared_cli[@]/#/Sources/earshot/}")
compile_module earshot Aarch64/earshot/*.swift "${shared_cli[@]/%/.swift}"

c_flags=(-O2 -std=c11 -Wall -Wextra -Werror -ffp-contract=off -I Sources/CKernels/include
    -I Sources/CListenerShims/include -isystem "$out/alsa-include")
c_objects=()
for source in Sources/CKernels/*.c Sources/CListenerShims/*.c Aarch64/Support/*.c; do
    object="$objects/c-$(basename "$source" .c).o"
    echo "aarch64-linux-gnu-gcc $source"
    nice -n 10 aarch64-linux-gnu-gcc "${c_flags[@]}" -c "$source" -o "$object"
    c_objects+=("$object")
done

swift_objects=("$objects"/{Kernels,Frontend,Glibc,SystemFile,JSON,Model,Runtime,Spotter,WAVFile,NumPyFile}.o
    "$objects"/{Timing,Pipeline,Audio,Listener,Profiler,earshot}.o)
wraps="--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=posix_memalign,--wrap=aligned_alloc"
# The toolchain's lld: GNU ld refuses the ADRP references to Embedded Swift's weak protected
# metadata symbols ("copy relocation against non-copyable protected symbol"). Not PIE: Swift
# emits static-relocation code for *-none-elf.
aarch64-linux-gnu-gcc -B "$toolchain_bin" -fuse-ld=lld -static -no-pie -Wl,"$wraps" -o "$out/earshot" \
    "${swift_objects[@]}" "${c_objects[@]}" "$swift_lib/libswiftUnicodeDataTables.a" -lm
echo "built $out/earshot"
