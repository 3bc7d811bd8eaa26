import os
import subprocess

import pytest

from pipeline.data import Segment, Speaker, Transcript, Turn, Word
from pipeline.errors import OutputError
from pipeline.runner import _clear_leftovers, publish
from pipeline.writers import clock, speakers_rttm, transcript_srt, transcript_vtt, write_atomic


def small():
    w = [Word(0.5, 1.0, "Hello", 0.9, "S0"), Word(1.0, 1.5, "there.", 0.9, "S0", overlap=True)]
    return Transcript("a.wav", 2.0, "en", {}, [Speaker("S0", "Ann")], [Segment(0.5, 1.5, "Hello there.", w, "S0")])


def test_clock_formats():
    assert clock(3725.5) == "01:02:05" and clock(3725.5, True, ",") == "01:02:05,500"


def test_srt_and_vtt_cues():
    assert transcript_srt(small()) == "1\n00:00:00,500 --> 00:00:01,500\nAnn: Hello there.\n"
    vtt = transcript_vtt(small())
    assert vtt.startswith("WEBVTT\n") and "<v Ann>Hello there.</v>" in vtt


def test_rttm_lines():
    assert speakers_rttm("my file", [Turn(1.0, 2.5, "S0")]) == \
        "SPEAKER my_file 1 1.000 1.500 <NA> <NA> S0 <NA> <NA>\n"


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
    _clear_leftovers(tmp_path / "rec")
    assert os.listdir(tmp_path) == ["rec"] and (tmp_path / "rec" / "a.txt").read_text() == "previous"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_read_only_output_folder_is_a_clear_error(tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="cannot"):
            write_atomic(tmp_path / "x" / "t.txt", "x")
    finally:
        tmp_path.chmod(0o700)
