"""The watch folder with real processes: partial copies, a corrupt file, a duplicate under
another name, the watcher killed with SIGKILL mid-job and restarted."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import FAST, ROOT

from offrecord.cli import cli
from offrecord.watch.jobs import JobStore

TRANSCRIPT_FILES = {"transcript.json", "transcript.md", "transcript.txt", "transcript.srt", "transcript.vtt",
                    "speakers.rttm", "report.html"}


def watcher(inbox: Path, out: Path, config: Path, log: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "offrecord", "watch", str(inbox), "--out", str(out),
                             "--config", str(config), "--no-summary", "--log-json", *extra],
                            stdout=subprocess.DEVNULL, stderr=open(log, "w"))


def events(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def copy_slowly(src: Path, dst: Path, pieces: int = 6, pause: float = 0.4) -> None:
    """Like a recorder syncing over a slow link: the file grows in steps."""
    data = src.read_bytes()
    step = len(data) // pieces + 1
    with open(dst, "wb") as f:
        for i in range(0, len(data), step):
            f.write(data[i:i + step])
            f.flush()
            time.sleep(pause)


@pytest.mark.slow
def test_watch_processes_each_recording_exactly_once_through_a_kill(tmp_path, shared):
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    config = tmp_path / "watch.yaml"
    config.write_text(yaml.safe_dump({**FAST, "watch": {"settle_seconds": 1.5, "max_attempts": 3, "retry_seconds": 0}}))
    sources = {
        "meeting.wav": shared / "meeting-ami-es2004a/ES2004a-750-810.wav",
        "jfk.wav": shared / "speech/jfk/jfk.wav",
        "austen.wav": shared / "speech/librivox/sense_and_sensibility_01_austen_64kb-0870.wav",
    }
    log1 = tmp_path / "watch1.log"
    first = watcher(inbox, out, config, log1)
    try:
        copy_slowly(sources["meeting.wav"], inbox / "meeting.wav")
        copy_slowly(sources["jfk.wav"], inbox / "jfk.wav")
        (inbox / "corrupt.mp3").write_bytes(b"\xff\xfb\x90\x00" + random.Random(0).randbytes(30000))
        # kill -9 while the meeting is being processed (decoded, not yet finished)
        wait_for(lambda: any(e["file"] == "meeting.wav" and e.get("stage") == "decode" for e in events(log1)),
                 120, "the watcher to start on the meeting")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert not any(e["file"] == "meeting.wav" and e["event"] == "done" for e in events(log1))
    assert not (out / "meeting").exists() or TRANSCRIPT_FILES <= {p.name for p in (out / "meeting").iterdir()}

    # more files arrive while nothing watches: a duplicate under another name, another recording
    (inbox / "copy of jfk.wav").write_bytes(sources["jfk.wav"].read_bytes())
    (inbox / "austen.wav").write_bytes(sources["austen.wav"].read_bytes())
    log2 = tmp_path / "watch2.log"
    second = watcher(inbox, out, config, log2, "--once")
    assert second.wait(300) == 1, log2.read_text()  # --once says so when a recording failed (the corrupt one)

    # every good recording: complete outputs, exactly once
    folders = sorted(p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert len(folders) == 3 and {"meeting", "austen"} <= set(folders), folders
    assert set(folders) - {"meeting", "austen"} <= {"jfk", "copy of jfk"}
    for name in folders:
        assert {p.name for p in (out / name).iterdir()} == TRANSCRIPT_FILES
        t = json.loads((out / name / "transcript.json").read_text())
        assert t["segments"]
    jfk_folder = next(n for n in folders if "jfk" in n)
    jfk = json.loads((out / jfk_folder / "transcript.json").read_text())
    assert jfk["duration"] > 10.5  # the slowly copied file was read whole, not half-written
    # the corrupt file is failed with its reason; nothing else is
    jobs = JobStore(out / ".offrecord" / "jobs.sqlite").all()
    assert sorted(j.status for j in jobs) == ["done", "done", "done", "failed"]
    failed = next(j for j in jobs if j.status == "failed")
    assert failed.path.endswith("corrupt.mp3") and "not a recognised audio" in failed.error
    meeting_job = next(j for j in jobs if j.path.endswith("meeting.wav"))
    assert meeting_job.attempts == 2  # the killed attempt, then the one that finished
    # inputs untouched, nothing half-written left behind
    for name, src in sources.items():
        assert (inbox / name).read_bytes() == src.read_bytes()
    leftovers = [p for p in out.rglob("*") if p.name.endswith((".tmp", ".partial")) or ".old-" in p.name]
    assert leftovers == []
    status = CliRunner().invoke(cli, ["status", str(out)])
    assert status.exit_code == 0 and status.output.startswith("3 done, 1 failed, 0 in progress")
    assert "corrupt.mp3" in status.output


def test_watch_moves_done_files_only_when_asked(tmp_path, shared):
    inbox, out, done = tmp_path / "in", tmp_path / "out", tmp_path / "done"
    inbox.mkdir()
    config = tmp_path / "watch.yaml"
    config.write_text(yaml.safe_dump({**FAST, "watch": {"settle_seconds": 0.5}}))
    (inbox / "jfk.wav").write_bytes((shared / "speech/jfk/jfk.wav").read_bytes())
    result = CliRunner().invoke(cli, ["watch", str(inbox), "--out", str(out), "--once", "--no-summary",
                                      "--config", str(config), "--move-done", str(done)])
    assert result.exit_code == 0, result.output
    assert not (inbox / "jfk.wav").exists() and (done / "jfk.wav").exists()
    assert (out / "jfk" / "transcript.json").exists()


def test_systemd_units_and_cron_line_are_well_formed():
    import configparser
    import re

    root = ROOT / "scripts" / "systemd"
    # systemd specifiers such as %h are not configparser interpolation
    service, timer = (configparser.ConfigParser(interpolation=None) for _ in range(2))
    service.read(root / "offrecord-watch.service")
    timer.read(root / "offrecord-watch.timer")
    assert service["Service"]["Type"] == "oneshot"
    assert "watch" in service["Service"]["ExecStart"] and "--once" in service["Service"]["ExecStart"]
    assert timer["Timer"]["Unit"] == "offrecord-watch.service" and timer["Timer"]["OnUnitActiveSec"]
    assert timer["Install"]["WantedBy"] == "timers.target"
    cron = (root / "crontab.txt").read_text().strip().splitlines()[-1]
    fields = cron.split(None, 5)
    assert all(re.fullmatch(r"[\d*/,-]+", f) for f in fields[:5]) and "watch" in fields[5] and "--once" in fields[5]


def test_systemd_units_pass_systemd_analyze(tmp_path):
    import shutil



    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    root = ROOT / "scripts" / "systemd"
    offrecord = Path(sys.executable).parent / "offrecord"
    for name in ("offrecord-watch.service", "offrecord-watch.timer"):
        text = (root / name).read_text().replace("%h/offrecord/.venv/bin/offrecord", str(offrecord))
        (tmp_path / name).write_text(text)
    check = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "offrecord-watch.service"),
                            str(tmp_path / "offrecord-watch.timer")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


@pytest.mark.slow
def test_two_watchers_on_one_folder_never_do_the_same_file(tmp_path, shared):
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    config = tmp_path / "watch.yaml"
    config.write_text(yaml.safe_dump({**FAST, "watch": {"settle_seconds": 0.5}}))
    clips = sorted((shared / "speech/ljspeech").glob("*.wav"))[:6]
    for clip in clips:
        (inbox / clip.name).write_bytes(clip.read_bytes())
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [watcher(inbox, out, config, log, "--once") for log in logs]
    assert [p.wait(300) for p in procs] == [0, 0], [log.read_text()[-2000:] for log in logs]
    done = [e["file"] for log in logs for e in events(log) if e["event"] == "done"]
    assert sorted(done) == sorted(c.name for c in clips)  # each exactly once, between the two
    assert sorted(p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")) == sorted(c.stem for c in clips)
    page = (out / "index.html").read_text()  # both watchers updated the one library: every recording is in it
    assert all(f'"{c.stem}/report.html"' in page for c in clips)


def test_finished_files_are_skipped_until_the_file_or_the_settings_change(tmp_path, shared):
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    config = tmp_path / "watch.yaml"
    config.write_text(yaml.safe_dump({**FAST, "watch": {"settle_seconds": 0.3}}))
    (inbox / "jfk.wav").write_bytes((shared / "speech/jfk/jfk.wav").read_bytes())
    runner = CliRunner()

    def once(*extra: str) -> list[str]:
        result = runner.invoke(cli, ["watch", str(inbox), "--out", str(out), "--once", "--no-summary",
                                     "--config", str(config), "--log-json", *extra])
        assert result.exit_code == 0, result.output
        return [json.loads(line)["file"] for line in result.output.splitlines()
                if line.startswith("{") and json.loads(line)["event"] == "done"]

    assert once() == ["jfk.wav"]
    assert once() == []  # done: skipped
    (inbox / "jfk.wav").rename(inbox / "renamed.wav")
    assert once() == []  # the same recording under another name: skipped
    assert once("--no-diarization") == ["renamed.wav"]  # other settings: redone
    with open(inbox / "renamed.wav", "ab") as f:
        f.write(b"\0\0" * 16000)  # the recording changed
    assert once("--no-diarization") == ["renamed.wav"]


SKIPPED_NAMES = ["movie.wav.crswap", "talk.m4a.opdownload", "call.wav.filepart", "CALL2.WAV.PART", "x.wav.partial",
                 "y.mp3.Crdownload", "z.wav.download", "t.wav.tmp", ".t.wav.swp", "~$z.wav", "backup.wav~",
                 ".hidden.wav", "notes.txt", "cover.jpg", "README"]


def test_downloads_locks_hidden_and_non_media_files_are_never_taken(tmp_path, shared):
    """None of these is a recording ready to read: the watcher leaves them alone (no job, no
    model loaded), whatever the case of their names."""
    inbox, out = tmp_path / "in", tmp_path / "out"
    (inbox / ".sync").mkdir(parents=True)
    wav = (shared / "speech/jfk/jfk.wav").read_bytes()
    for name in SKIPPED_NAMES:
        (inbox / name).write_bytes(wav if "." in name[1:] and not name.endswith((".txt", ".jpg")) else b"text")
    (inbox / ".sync" / "inside-hidden-folder.wav").write_bytes(wav)
    config = tmp_path / "watch.yaml"
    config.write_text(yaml.safe_dump({**FAST, "watch": {"settle_seconds": 0.1}}))
    result = CliRunner().invoke(cli, ["watch", str(inbox), "--out", str(out), "--once", "--no-summary",
                                      "--config", str(config), "--log-json"])
    assert result.exit_code == 0, result.output
    assert JobStore(out / ".offrecord" / "jobs.sqlite").all() == [] and result.output == ""


def test_other_extensions_are_taken_when_configured():
    from offrecord.watch.inputs import is_recording

    assert not is_recording(Path("notes.txt"), ["wav"]) and is_recording(Path("notes.TXT"), ["txt"])
    assert is_recording(Path("sub/Call.WAV"), ["wav"]) and is_recording(Path("anything"), [])
    assert not is_recording(Path("a.wav.part"), []) and not is_recording(Path(".a/b.wav"), [])


def test_a_failed_file_that_is_deleted_is_forgotten(tmp_path):
    """Two files failed for good (as a corrupt file does); one is deleted: its job goes, instead
    of showing as failed forever."""
    from offrecord.config import load_config
    from offrecord.system import sha256_of
    from offrecord.watch.watcher import job_settings_hash

    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    config = tmp_path / "watch.yaml"
    config.write_text(yaml.safe_dump({"watch": {"settle_seconds": 0.1, "max_attempts": 1}}))
    settings = job_settings_hash(load_config(config))
    gone, kept = inbox / "gone.wav", inbox / "kept.wav"
    jobs = JobStore(out / ".offrecord" / "jobs.sqlite")
    for path in (gone, kept):
        path.write_bytes(f"{path.name}: not audio".encode())
        content = sha256_of(path)
        jobs.claim(f"{content}:{settings}", content, path, 1)
        jobs.failed(f"{content}:{settings}", f"{path}: not a recognised audio or video file", retry_after=3600)
    jobs.close()
    gone.unlink()
    result = CliRunner().invoke(cli, ["watch", str(inbox), "--out", str(out), "--once", "--config", str(config)])
    assert result.exit_code == 0, result.output
    status = CliRunner().invoke(cli, ["status", str(out)])
    assert status.output.splitlines() == ["0 done, 1 failed, 0 in progress, 0 waiting",
                                          f"failed   {kept} (attempt 1): {kept}: not a recognised audio or video file"]


@pytest.mark.parametrize("where", ["same", "inside", "around"])
def test_an_output_folder_that_is_or_holds_the_watch_folder_is_refused(tmp_path, where):
    inbox = tmp_path / "in"
    out = {"same": inbox, "inside": inbox / "notes", "around": tmp_path}[where]
    inbox.mkdir()
    (inbox / "jfk.wav").write_bytes(b"x")
    result = CliRunner().invoke(cli, ["watch", str(inbox), "--out", str(out), "--once"])
    assert result.exit_code == 2
    assert result.output.splitlines() == [f"offrecord: error: --out {out} and the watch folder {inbox} must be apart: "
                                          "neither the same folder nor one inside the other"]
    assert not list(tmp_path.rglob(".offrecord"))  # refused before anything was made
