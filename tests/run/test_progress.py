"""Signs of life during a run: live bars on a terminal, plain lines in a log, JSON events."""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time

import pytest
import yaml
from conftest import FAST

from offrecord.config import load_config
from offrecord.run.models import Models
from offrecord.run.process import Shared, process_file
from offrecord.run.progress import Reporter
from offrecord.store import ModelStore

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.mark.slow
def test_a_run_on_a_terminal_shows_bars_before_the_stages_end(tmp_path, shared):
    config = tmp_path / "fast.yaml"
    config.write_text(yaml.safe_dump({**FAST, "summary": {"enabled": False}}))
    main, side = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "offrecord", "run", str(shared / "meeting-ami-es2004a/ES2004a-750-810.wav"),
                             "--out", str(tmp_path / "out"), "--config", str(config)],
                            stdin=side, stdout=side, stderr=side, env={**os.environ, "COLUMNS": "120"})
    os.close(side)
    screen = b""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            screen += chunk
        elif proc.poll() is not None:
            break
    proc.wait(30)
    text = ANSI.sub("", screen.decode("utf-8", "replace")).replace("\r", "\n")
    assert proc.returncode == 0, text[-2000:]
    bar = re.search(r"transcribe [━╸╺ ]+ (\d\d:\d\d:\d\d) / 00:01:00", text)
    finished = re.search(r"transcribe +\d+\.\ds", text)
    assert bar and finished and bar.start() < finished.start(), text[-3000:]
    assert bar.group(1) != "00:01:00"  # caught part way
    assert re.search(r"diarize [━╸╺ ]+ \d\d:\d\d:\d\d / 00:01:00", text)
    assert re.search(r"done in .* · 00:01:00 of audio · \d speakers · \d+ words ->", text)


def test_progress_is_reported_as_json_events_and_plain_lines(tmp_path, shared):
    cfg = load_config(None, {**FAST, "summary": {"enabled": False}, "parallel_stages": False})
    models = Models(cfg, ModelStore())
    events: list[str] = []
    process_file(shared / "meeting-ami-es2004a/ES2004a-750-810.wav", tmp_path / "a",
                 Shared(cfg, models, Reporter(events.append, as_json=True)))
    progress = [json.loads(e) for e in events if json.loads(e)["event"] == "progress"]
    for stage in ("transcribe", "diarize"):
        done = [p["done"] for p in progress if p["stage"] == stage]
        assert len(done) >= 3 and done == sorted(done) and done[-1] <= 60.1, (stage, done)
        assert all(p["total"] == 60.0 for p in progress if p["stage"] == stage)
    lines: list[str] = []
    process_file(shared / "meeting-ami-es2004a/ES2004a-750-810.wav", tmp_path / "b", Shared(cfg, models, Reporter(lines.append)),
                 label="meeting")
    shares = [int(m[1]) for line in lines if (m := re.match(r"meeting: transcribe +(\d+)% \(00:00:\d\d of 00:01:00\)", line))]
    assert shares and shares == sorted(shares)
    assert not [line for line in lines if "attribute" in line or "transcribe+diarize" in line]  # no noise
