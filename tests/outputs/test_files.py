import os
import subprocess

import pytest

from offrecord.errors import OutputError
from offrecord.outputs.files import clear_leftovers, publish, write_atomic


def test_publish_replaces_whole_folder_and_leaves_no_temp(tmp_path):
    out = tmp_path / "rec"
    publish(out, {"a.txt": "one", "b.txt": "two"})
    publish(out, {"a.txt": "new"})
    assert sorted(os.listdir(out)) == ["a.txt"] and (out / "a.txt").read_text() == "new"
    assert os.listdir(tmp_path) == ["rec"]


def dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_leftovers_of_a_run_killed_while_publishing_are_cleared(tmp_path):
    dead, alive = dead_pid(), os.getpid()
    (tmp_path / f".rec.{dead}.k3x_9a.partial").mkdir()
    (tmp_path / f".rec.{dead}.k3x_9a.partial" / "a.txt").write_text("half")
    (tmp_path / f".rec.{alive}.z8q1w2.partial").mkdir()  # another run's, still writing
    (tmp_path / ".other.1.abc.partial").mkdir()  # not this output's
    publish(tmp_path / "rec", {"a.txt": "new"})
    assert sorted(os.listdir(tmp_path)) == [".other.1.abc.partial", f".rec.{alive}.z8q1w2.partial", "rec"]


def test_old_result_is_put_back_when_the_kill_came_between_the_renames(tmp_path):
    old = tmp_path / f".rec.old-{dead_pid()}"
    old.mkdir()
    (old / "a.txt").write_text("previous")
    clear_leftovers(tmp_path / "rec")
    assert os.listdir(tmp_path) == ["rec"] and (tmp_path / "rec" / "a.txt").read_text() == "previous"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_read_only_output_folder_is_a_clear_error(tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="cannot"):
            write_atomic(tmp_path / "x" / "t.txt", "x")
    finally:
        tmp_path.chmod(0o700)


def test_many_processes_publishing_one_folder_never_fail_nor_leave_folders_behind(tmp_path):
    """8 processes publish the same output 30 times each, as two runs (or watchers) finishing the
    same recording at once would: every publish succeeds and the folder is always one whole result."""
    import sys

    script = ("import sys\nfrom pathlib import Path\nfrom offrecord.outputs.files import publish\n"
              "for i in range(30):\n"
              "    who = f'{sys.argv[2]}-{i}'\n"
              "    publish(Path(sys.argv[1]), {'a.txt': who, 'b.txt': who, 'c.txt': who})\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "rec"), str(n)],
                              stderr=subprocess.PIPE, text=True) for n in range(8)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, [e for e in errors if e][:1]
    assert os.listdir(tmp_path) == ["rec"]  # no .rec.old-PID or staging folders left
    values = {(tmp_path / "rec" / name).read_text() for name in ("a.txt", "b.txt", "c.txt")}
    assert len(values) == 1 and values.pop().endswith("-29")  # one publisher's complete last result


def modes_of(root) -> dict[str, str]:
    return {str(p.relative_to(root)): oct(p.stat().st_mode & 0o777) for p in sorted(root.rglob("*"))}


@pytest.fixture(params=[0o022, 0o077], ids=["umask022", "umask077"])
def umask(request):
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def test_outputs_cache_jobs_and_voices_are_private_whatever_the_umask(tmp_path, umask, monkeypatch):
    from offrecord.config import voices_path
    from offrecord.outputs.files import claim_output
    from offrecord.run.cache import StageCache
    from offrecord.stages.voices import VoiceBook
    from offrecord.watch.jobs import JobStore

    out = tmp_path / "out"
    folder = claim_output(out, tmp_path / "call.wav")
    publish(folder, {"transcript.json": "{}", "report.html": "<p>"})
    StageCache(out / ".offrecord" / "cache").save("transcribe", "ab" * 32, {}, {"text": "what was said"})
    jobs = JobStore(out / ".offrecord" / "jobs.sqlite")
    jobs.claim("k", "c", tmp_path / "call.wav", 3)  # a write: SQLite makes its -wal and -shm files
    monkeypatch.setenv("OFFRECORD_HOME", str(tmp_path / "home" / "offrecord"))
    from offrecord.config import load_config

    VoiceBook(voices_path(load_config(None))).enroll("Ann", [1.0, 0.0], "ann.wav")
    found = {**modes_of(out), **modes_of(tmp_path / "home")}
    jobs.close()
    assert {"call", "call/report.html", ".offrecord/jobs.sqlite-wal", ".offrecord/jobs.sqlite-shm",
            "offrecord/voices.json"} <= set(found)
    for path, mode in found.items():
        is_dir = (out / path).is_dir() or (tmp_path / "home" / path).is_dir()
        assert mode == ("0o700" if is_dir else "0o600"), (path, mode)


def test_shared_outputs_on_purpose_and_a_users_stricter_choice_is_kept(tmp_path, umask):
    from offrecord.outputs.files import MODES

    folder = tmp_path / "rec"
    publish(folder, {"a.txt": "1", "b.txt": "1"}, MODES["everyone"])
    assert modes_of(tmp_path) == {"rec": "0o755", "rec/a.txt": "0o644", "rec/b.txt": "0o644"}
    folder.chmod(0o700)
    (folder / "a.txt").chmod(0o600)
    publish(folder, {"a.txt": "2", "b.txt": "2"}, MODES["everyone"])
    assert modes_of(tmp_path) == {"rec": "0o700", "rec/a.txt": "0o600", "rec/b.txt": "0o644"}
    folder.chmod(0o500)  # read-only: still replaced, and still read-only
    publish(folder, {"a.txt": "3"}, MODES["everyone"])
    assert modes_of(tmp_path) == {"rec": "0o500", "rec/a.txt": "0o600"}
    assert (folder / "a.txt").read_text() == "3"
    folder.chmod(0o700)


def test_a_signal_while_publishing_waits_until_the_folder_is_in_place(tmp_path):
    """SIGTERM while the old result has been moved aside and the new one is not yet in: the
    swap finishes first, then the process stops (the signal arrives at a held point there)."""
    import signal
    import sys

    script = ("from pathlib import Path\nfrom offrecord import interrupt\nfrom offrecord.outputs.files import publish\n"
              "with interrupt.handled():\n"
              f"    publish(Path({str(tmp_path / 'rec')!r}), {{'a.txt': 'new'}})\n")
    publish(tmp_path / "rec", {"a.txt": "old"})
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OFFRECORD_HOLD": "publish"})
    assert proc.stderr.readline().strip() == "offrecord: holding at publish"
    assert not (tmp_path / "rec").exists()  # moved aside, the new one not yet in place
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "Interrupted: SIGTERM" in err  # raised after the swap, not during it
    assert os.listdir(tmp_path) == ["rec"] and (tmp_path / "rec" / "a.txt").read_text() == "new"


def test_state_left_open_by_an_older_version_is_made_private(tmp_path):
    from offrecord.outputs.files import claim_output
    from offrecord.watch.jobs import JobStore

    state = tmp_path / "out" / ".offrecord"
    (state / "cache").mkdir(parents=True)
    for name in ("jobs.sqlite", "jobs.sqlite-wal", "jobs.sqlite-shm"):
        (state / name).touch()
    os.chmod(state, 0o755)
    for path in state.iterdir():
        path.chmod(0o644)
    JobStore(state / "jobs.sqlite").close()
    claim_output(tmp_path / "out", tmp_path / "call.wav")
    assert oct(state.stat().st_mode & 0o777) == "0o700"
    assert {oct(p.stat().st_mode & 0o777) for p in state.glob("jobs.sqlite*")} == {"0o600"}
