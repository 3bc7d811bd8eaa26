"""Every command shows a mistake the same way: one line, the right exit status, no traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pipeline.cli import cli

COMMANDS = [
    ["run", "x.wav"], ["transcribe", "x.wav"], ["summarize", "{transcript}"], ["watch", "{folder}", "--once"],
    ["models", "list"], ["models", "install"], ["models", "verify"], ["models", "pull", "whisper-small"],
    ["speakers", "list"], ["speakers", "forget", "Ann"], ["speakers", "enroll", "Ann", "x.wav"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_bad_config_is_one_line_for_every_command(tmp_path, command):
    bad = tmp_path / "bad.yaml"
    bad.write_text("asr:\n  modle: whisper-base\n")
    transcript = tmp_path / "transcript.json"
    transcript.write_text("{}")
    args = [a.format(transcript=transcript, folder=tmp_path) for a in command]
    result = CliRunner().invoke(cli, [*args, "--config", str(bad)])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert lines == [f"offrecord: error: {bad}: unknown key 'asr.modle'"]


def test_status_of_a_folder_without_jobs_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["status", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"offrecord: error: {tmp_path}: no job database here (not an `offrecord watch` output folder)"]
