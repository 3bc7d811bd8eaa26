"""Every command shows a mistake the same way: one line, the right exit status, no traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from offrecord.cli import cli

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


@pytest.mark.parametrize("change", [
    {"start": "abc"}, {"start": None}, {"words": "none"}, {"speaker": ["S0"]},
], ids=lambda c: str(c))
def test_a_crafted_transcript_is_one_line_in_summarize(tmp_path, change):
    """Checked before the summary model loads: one line naming the field, status 1."""
    import json

    segment = {"start": 0.5, "end": 1.0, "text": "Hello.", "speaker": "S0",
               "words": [{"start": 0.5, "end": 1.0, "word": "Hello.", "probability": 0.9, "speaker": "S0"}]}
    crafted = {"source": "a.wav", "duration": 2.0, "language": "en", "models": {},
               "speakers": [{"id": "S0", "name": "Ann"}], "segments": [{**segment, **change}]}
    path = tmp_path / "transcript.json"
    path.write_text(json.dumps(crafted))
    result = CliRunner().invoke(cli, ["summarize", str(path)])
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"offrecord: error: {path}: not an offrecord transcript.json: 'segments.0."), line


def test_a_newline_in_a_file_name_cannot_forge_a_line(tmp_path):
    forged = tmp_path / "x.wav\n[1/1] y.wav: done in 1.0s -> out/y\x1b[2K"
    result = CliRunner().invoke(cli, ["run", str(forged), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"offrecord: error: {tmp_path}/x.wav\\n[1/1] y.wav: done in 1.0s -> "
                                          "out/y\\u001b[2K: no such file"]


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_poll_must_be_a_finite_number(tmp_path, value):
    result = CliRunner().invoke(cli, ["watch", str(tmp_path), "--out", str(tmp_path / "out"), "--poll", value])
    assert result.exit_code == 2 and "--poll" in result.output and "Traceback" not in result.output


def test_threads_are_capped_at_the_cores_available(tmp_path):
    from offrecord.config import load_config
    from offrecord.run.models import Models
    from offrecord.store import ModelStore
    from offrecord.system import available_cores

    cfg = load_config(None, {"threads": 10000})
    models = Models(cfg, ModelStore())
    assert cfg.cpu_threads == available_cores()
    assert models.asr_threads + models.diarize_threads_beside <= available_cores()
    result = CliRunner().invoke(cli, ["run", str(tmp_path / "missing.wav"), "--out", str(tmp_path / "out"),
                                      "--threads", "10000"])
    assert result.output.splitlines()[0] == (f"offrecord: warning: threads 10000 is more than the {available_cores()} "
                                             f"cores available; using {available_cores()}")


def test_a_huge_bad_value_is_echoed_as_a_short_excerpt(tmp_path):
    """A template that is a YAML alias expanded seven levels deep was refused in one 'line' of
    392,040 bytes: the message printed the expanded value."""
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 8)]
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("aliases:\n" + "\n".join("  " + line for line in levels) + "\nsummary:\n  template: *a7\n")
    result = CliRunner().invoke(cli, ["run", "x.wav", "--config", str(bomb)])
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert "summary.template" in line and len(line) < len(str(bomb)) + 400, len(line)


@pytest.mark.parametrize("option", ["--num-speakers", "--min-speakers", "--max-speakers"])
def test_a_speaker_count_beyond_what_diarization_represents_is_refused_before_work(tmp_path, option):
    """--num-speakers 100000 used to fail after decoding, as an OverflowError of a uint8."""
    from offrecord.config import MAX_SPEAKERS

    recording = tmp_path / "call.wav"
    recording.write_bytes(b"RIFF")
    result = CliRunner().invoke(cli, ["run", str(recording), "--out", str(tmp_path / "out"), option, "100000"])
    assert result.exit_code == 2 and f"1<=x<={MAX_SPEAKERS}" in result.output, result.output
    assert not (tmp_path / "out").exists()  # refused before any work
    help_text = CliRunner().invoke(cli, ["run", "--help"]).output
    assert f"at most {MAX_SPEAKERS}" in " ".join(help_text.split())
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"diarization:\n  {option[2:].replace('-', '_')}: {MAX_SPEAKERS + 1}\n")
    result = CliRunner().invoke(cli, ["run", str(recording), "--out", str(tmp_path / "out"), "--config", str(bad)])
    assert result.exit_code == 2 and f"less than or equal to {MAX_SPEAKERS}" in result.output, result.output
