"""offrecord as a real package: a wheel built from the checkout, installed into a fresh virtual
environment outside it beside PyPI's unrelated `pipeline` package, imports as `offrecord`, finds its
manifest, keeps models in the user's data folder, and runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow


def test_wheel_installed_outside_the_checkout_runs(tmp_path, shared):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
                    str(ROOT)], check=True, capture_output=True)
    wheel = next(wheels.glob("offrecord-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "offrecord/store/manifest.yaml" in names and "offrecord/summary/templates/meeting.yaml" in names
    # every module of the source folder, under the installed name, and nothing at the top level but it
    modules = {"offrecord/" + p.relative_to(ROOT / "pipeline").as_posix() for p in (ROOT / "pipeline").rglob("*.py")}
    assert modules <= set(names), modules - set(names)
    assert {n.split("/")[0] for n in names if not n.startswith("offrecord-")} == {"offrecord"}, names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # The heavy dependencies (torch, pyannote...) are those of this test run, seen through a path
    # entry (site directories' .pth files, such as the checkout's editable install, are not read).
    site = Path(subprocess.run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps", str(wheel), "pipeline==0.1.0"],
                   check=True, capture_output=True)

    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFFRECORD_")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"))
    work = tmp_path / "elsewhere"
    work.mkdir()

    def offrecord(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([venv / "bin" / "offrecord", *args], capture_output=True, text=True, env=env, cwd=work,
                              timeout=600)

    where = subprocess.run([venv / "bin" / "python", "-c", "import offrecord, pipeline; print(offrecord.__file__); "
                            "print(pipeline.__file__); from offrecord.cli import main"],
                           capture_output=True, text=True, env=env, cwd=work)
    ours, theirs = where.stdout.split()
    assert ours.startswith(str(site / "offrecord")), where  # the wheel's copy, not the checkout's
    assert theirs.startswith(str(site / "pipeline")), where  # PyPI's `pipeline` is untouched by ours
    assert offrecord("--help").returncode == 0
    installed = offrecord("models", "install", "whisper-tiny.en")
    assert installed.returncode == 0, installed.stderr
    store = home / "data" / "offrecord" / "models"
    assert (store / "whisper-tiny.en" / "model.bin").is_file()
    listed = offrecord("models", "list")
    assert f"store: {store}" in listed.stdout
    rows = {r["name"]: r for r in json.loads(offrecord("models", "list", "--json").stdout)}
    assert rows["whisper-tiny.en"]["installed"] and not rows["whisper-base"]["installed"]
    run = offrecord("transcribe", str(shared / "speech/jfk/jfk.wav"), "--asr-model", "whisper-tiny.en",
                    "--no-diarization", "--out", "notes")
    assert run.returncode == 0, run.stderr
    assert "ask not what your country" in (work / "notes" / "jfk" / "transcript.txt").read_text().lower()
