"""Mistakes in options are caught before any stage starts (no model library loaded, no audio
decoded), with a suggestion from the right list."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from offrecord.run.check import english_only
from offrecord.store import ModelStore

# Runs the CLI, then reports which heavy libraries the process had loaded by the time it failed.
PROBE = """
import json, sys
from offrecord.cli import cli
try:
    cli(sys.argv[1:], prog_name="offrecord")
except SystemExit as e:
    code = e.code
print(json.dumps([m for m in ("torch", "pyannote.audio", "llama_cpp") if m in sys.modules]))
sys.exit(code)
"""


@pytest.mark.parametrize("option,message", [
    (["--template", "meting"], "unknown summary template 'meting'; did you mean meeting?"),
    (["--llm-model", "qwen-0.5b"], "unknown summary model 'qwen-0.5b'; did you mean qwen2.5-coder-0.5b-instruct?"),
    (["--llm-model", "whisper-base"], "'whisper-base' is a speech recognition model, not a summary model"),
    (["--asr-model", "whisper-bse"], "unknown speech recognition model 'whisper-bse'; did you mean whisper-base?"),
    (["--language", "english"], "unknown language code 'english'; did you mean en?"),
    (["--language", "de", "--asr-model", "whisper-tiny.en"], "whisper-tiny.en only knows English"),
])
def test_a_bad_option_fails_before_any_stage(tmp_path, shared, option, message):
    run = subprocess.run([sys.executable, "-c", PROBE, "run", str(shared / "speech/jfk/jfk.wav"), "--out",
                          str(tmp_path), *option], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("offrecord: error:") and message in lines[0], run.stderr
    assert json.loads(run.stdout) == []  # no stage's library was even loaded
    assert not list(tmp_path.iterdir())


def test_english_only_models_are_told_from_their_vocabulary():
    store = ModelStore()
    assert english_only(store.path("whisper-tiny.en")) and not english_only(store.path("whisper-base"))
