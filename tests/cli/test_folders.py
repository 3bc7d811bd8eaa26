"""A folder as input to `run` and `transcribe`: the recordings in it, in sorted order, taken as
`watch` takes them (no hidden files, downloads in progress or other files); its subfolders' with
--recursive; a folder without one is a usage error before any model loads."""

from __future__ import annotations

import json
import re
import shutil

from click.testing import CliRunner

from offrecord.cli import cli

TINY = ["--no-diarization", "--asr-model", "whisper-tiny.en"]


def transcribe(*args: str):
    return CliRunner().invoke(cli, ["transcribe", *args, *TINY])


def done_in_order(output: str) -> list[str]:
    """The `[k/n] NAME` labels of the recordings done, as they were done."""
    return re.findall(r"^(\[\d+/\d+\] \S+): done in ", output, flags=re.MULTILINE)


def test_a_folder_is_its_recordings_in_sorted_order_and_its_subfolders_only_when_recursive(tmp_path, shared):
    jfk = shared / "speech/jfk/jfk.wav"
    inbox, out = tmp_path / "in", tmp_path / "out"
    (inbox / "sub").mkdir(parents=True)
    (inbox / ".hidden").mkdir()
    for rel in ("b-second.wav", "a-first.wav", "sub/c-deeper.wav", ".hidden/d.wav", ".e.wav", "f.wav.part"):
        shutil.copy(jfk, inbox / rel)
    (inbox / "notes.txt").write_text("not a recording\n")

    result = transcribe(str(inbox), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert done_in_order(result.output) == ["[1/2] a-first.wav", "[2/2] b-second.wav"]
    assert "2 of 2 recordings processed" in result.output
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["a-first", "b-second", "index.html"]
    transcript = json.loads((out / "a-first" / "transcript.json").read_text())
    assert transcript["source"] == str(inbox / "a-first.wav")
    assert "ask not what your country" in " ".join(s["text"] for s in transcript["segments"]).lower()

    result = transcribe(str(inbox), "--out", str(out), "--recursive")
    assert result.exit_code == 0, result.output
    assert done_in_order(result.output) == ["[1/3] a-first.wav", "[2/3] b-second.wav", "[3/3] c-deeper.wav"]
    assert (out / "c-deeper" / "transcript.json").is_file()
    assert not [p for p in out.iterdir() if p.name in ("d", ".e", "f.wav", "notes")]


def test_a_folder_beside_files_keeps_the_order_given(tmp_path, shared):
    """A file named on purpose is tried as it is, in its place among the inputs."""
    jfk = shared / "speech/jfk/jfk.wav"
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(jfk, inbox / "inside.wav")
    shutil.copy(jfk, tmp_path / "named.wav")
    result = transcribe(str(tmp_path / "named.wav"), str(inbox), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert done_in_order(result.output) == ["[1/2] named.wav", "[2/2] inside.wav"]


def test_a_folder_without_a_recording_is_one_line_and_status_2_before_any_model_loads(tmp_path, sample_wav):
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "notes.txt").write_text("not a recording\n")
    shutil.copy(sample_wav, empty / ".hidden.wav")
    shutil.copy(sample_wav, empty / "call.wav.crdownload")
    for command in ("run", "transcribe"):
        result = CliRunner().invoke(cli, [command, str(sample_wav), str(empty), "--out", str(tmp_path / "out")])
        assert result.exit_code == 2, result.output
        assert result.output.splitlines() == [f"offrecord: error: {empty}: no recording in this folder"]
    assert not (tmp_path / "out").exists()

    # one only in a subfolder: the line says how to take it
    shutil.copy(sample_wav, empty / "sub" / "call.wav")
    result = CliRunner().invoke(cli, ["transcribe", str(empty), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.splitlines() == [f"offrecord: error: {empty}: no recording in this folder; add --recursive "
                                          "for those in its subfolders"]
