import os
import subprocess

import pytest

from pipeline.errors import OutputError
from pipeline.outputs.files import clear_leftovers, publish, write_atomic


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
