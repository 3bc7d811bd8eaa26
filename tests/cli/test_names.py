"""Hostile input names through `offrecord run`: no name can reach OUT itself, a parent, the state
folder or a folder that offrecord did not make for that recording, and nothing else in OUT is
touched. The output folder OUT starts as a user has it: another recording's outputs, the stage
cache (holding this clip's stages, so each run here does no model work), a job database, and the
user's own folder and file."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import FAST

from offrecord.cli import cli
from offrecord.watch.jobs import JobStore


@pytest.fixture(scope="module")
def template(tmp_path_factory, shared):
    root = tmp_path_factory.mktemp("names")
    config = root / "fast.yaml"
    config.write_text(yaml.safe_dump({**FAST, "summary": {"enabled": False}}))
    clip = root / "earlier.wav"
    shutil.copy(shared / "speech/jfk/jfk.wav", clip)
    out = root / "out"
    result = CliRunner().invoke(cli, ["run", str(clip), "--out", str(out), "--config", str(config)])
    assert result.exit_code == 0, result.output
    jobs = JobStore(out / ".offrecord" / "jobs.sqlite")
    jobs.claim("key", "content", clip, 3)
    jobs.close()
    (out / "notes").mkdir()
    (out / "notes" / "mine.txt").write_text("the user's own notes")
    (out / "readme.txt").write_text("the user's own file")
    return clip, config, out


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


LIBRARY = {".offrecord/library.sqlite", "index.html"}

# (path of the input under the inbox, the output folder it must get; None: any new one)
HOSTILE = [
    ("..wav", "wav"),  # stem "." was OUT itself: everything in it was replaced
    ("...wav", "wav"),  # stem ".." would be OUT's parent
    (".offrecord.wav", "offrecord"),  # was the stage cache and job database
    (".wav", "wav"),
    (". .wav", "wav"),
    ("sub/../..wav", "wav"),  # a path with slashes
    (".earlier.old-1.wav", "earlier.old-1"),  # the hidden name a publish moves `earlier` aside to
    ("a\nb.wav", "a b"),  # a newline
    ("\x1b[31mred\x07.wav", "[31mred"),  # terminal escapes, a bell
    ("x" * 232 + ".wav", "x" * 200),  # too long for the hidden names it is published through
    ("x" * 251 + ".wav", "x" * 200),  # the longest name a file can have
    ("é" * 120 + ".wav", "é" * 100),  # long, in two-byte characters
    ("notes.wav", "notes.wav"),  # OUT/notes is the user's own folder
    ("readme.txt.wav", "readme.txt.wav"),  # OUT/readme.txt is the user's own file
    ("other/earlier.wav", "earlier.wav"),  # another recording's outputs are in OUT/earlier
]


@pytest.mark.parametrize("name,folder", HOSTILE, ids=[ascii(n)[1:-1][:24] for n, _ in HOSTILE])
def test_no_input_name_reaches_other_outputs(template, tmp_path, name, folder):
    clip, config, original = template
    out = tmp_path / "out"
    shutil.copytree(original, out)
    before = snapshot(out)
    inbox = tmp_path / "in"
    source = inbox / name
    source.resolve().parent.mkdir(parents=True, exist_ok=True)
    (inbox / "sub").mkdir(exist_ok=True)
    shutil.copy(clip, source)
    result = CliRunner().invoke(cli, ["run", str(source), "--out", str(out), "--config", str(config)])
    assert result.exit_code == 0, result.output
    # every line is this file's, however its name is made (none forged, no escape reaches the terminal)
    assert all(line.startswith("[1/1] ") for line in result.output.splitlines()), result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    after = snapshot(out)
    # the library (search index and page) gains the recording; every other output stays byte
    # for byte, cache and jobs included
    assert {k: after.get(k) for k in before if k not in LIBRARY} == {k: v for k, v in before.items() if k not in LIBRARY}
    assert {k for k in after if k in LIBRARY} == LIBRARY
    assert "earlier" in (out / "index.html").read_text()
    new = {str(Path(k).parts[0]) for k in set(after) - set(before)} - {".offrecord"}
    assert new == {folder}, new
    assert set(after) - set(before) - {k for k in after if k.startswith(folder + "/")} == \
        {f".offrecord/outputs/{folder}.json"}
    transcript = json.loads((out / folder / "transcript.json").read_text())
    assert transcript["source"] == str(source) and "fellow Americans" in transcript["segments"][0]["text"]
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".offrecord"]
    # run again: the same recording goes to the same folder, replacing its own earlier result
    again = CliRunner().invoke(cli, ["run", str(source), "--out", str(out), "--config", str(config)])
    assert again.exit_code == 0 and again.output.rstrip().endswith(f"-> {out / folder}")


@pytest.mark.parametrize("umask,mode,modes", [(0o022, "private", ("0o700", "0o600")), (0o077, "private", ("0o700", "0o600")),
                                              (0o022, "everyone", ("0o755", "0o644"))],
                         ids=["umask022", "umask077", "shared-on-purpose"])
def test_run_outputs_are_private_unless_shared_on_purpose(template, tmp_path, umask, mode, modes):
    clip, config, _ = template
    settings = yaml.safe_load(config.read_text())
    shared_config = tmp_path / "c.yaml"
    shared_config.write_text(yaml.safe_dump({**settings, "output": {"mode": mode}}))
    previous = os.umask(umask)
    try:
        result = CliRunner().invoke(cli, ["run", str(clip), "--out", str(tmp_path / "out"), "--config",
                                          str(shared_config)])
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    found = {str(p.relative_to(tmp_path)): oct(p.stat().st_mode & 0o777) for p in out.rglob("*")}
    found["out"] = oct(out.stat().st_mode & 0o777)
    for path, got in found.items():
        private = path.startswith("out/.offrecord")  # the stage cache and job database always are
        folder, file = ("0o700", "0o600") if private else modes
        assert got == (folder if (tmp_path / path).is_dir() else file), (path, got)
