"""A crash in the summary model costs the summary, never the transcript: the real pipeline on
the bundled call, with a segfault, an abort and an ordinary error injected where llama.cpp runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml
from conftest import FAST

TRANSCRIPT_FILES = {"transcript.json", "transcript.md", "transcript.txt", "transcript.srt", "transcript.vtt",
                    "speakers.rttm", "report.html"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crash")
    (folder / "fast.yaml").write_text(yaml.safe_dump(FAST))
    return folder


def offrecord(workdir, *args, fault=None):
    env = {**os.environ, **({"OFFRECORD_FAULT": fault} if fault else {})}
    return subprocess.run([sys.executable, "-m", "offrecord", *args, "--config", str(workdir / "fast.yaml")],
                          capture_output=True, text=True, env=env, timeout=600)


@pytest.mark.parametrize("fault,reason", [
    ("summary:segv", "the summary model crashed (signal 11)"),
    pytest.param("summary:abort", "the summary model crashed (signal 6)", marks=pytest.mark.slow),
    pytest.param("summary:error", "unexpected failure (RuntimeError: injected failure)", marks=pytest.mark.slow),
])
def test_summary_failure_publishes_the_transcript_and_says_one_line(workdir, sample_wav, fault, reason):
    out = workdir / "out"
    run = offrecord(workdir, "run", str(sample_wav), "--out", str(out), fault=fault)
    folder = out / "sample"
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if "error" in line.lower() or "Traceback" in line]
    assert errors == [f"offrecord: error: {sample_wav}: summary failed: {reason}; transcript written to {folder}; "
                      f"retry with offrecord summarize {folder / 'transcript.json'}"], run.stderr
    assert {p.name for p in folder.iterdir()} == TRANSCRIPT_FILES
    assert json.loads((folder / "transcript.json").read_text())["segments"]
    assert "Words worth saving" not in (folder / "report.html").read_text()


@pytest.mark.slow
def test_the_suggested_retry_writes_the_summary(workdir, sample_wav):
    folder = workdir / "out" / "sample"
    if not (folder / "transcript.json").exists():
        offrecord(workdir, "run", str(sample_wav), "--out", str(workdir / "out"), fault="summary:segv")
    retry = offrecord(workdir, "summarize", str(folder / "transcript.json"))
    assert retry.returncode == 0, retry.stderr
    assert json.loads((folder / "summary.json").read_text())["title"]
