"""The library index: kept current with the output folders, searched by words and by meaning
(the real WordLlama model from the store), rebuilt when it cannot be trusted, and whole after a
kill -9 in the middle of publishing."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from conftest import ROOT
from recordings import publish_recording, transcript

from offrecord import library
from offrecord.config import load_config
from offrecord.data import Claim, Highlight, Summary
from offrecord.library.index import SCHEMA_VERSION, Index, index_path
from offrecord.library.meaning import embedder_for
from offrecord.library.query import parse
from offrecord.library.search import MARK_END, MARK_START, Filters, search

DAY = 86400.0
LINES = [("S0", 2.0, "Welcome everybody, today we look at the new remote control."),
         ("S1", 9.0, "I checked the numbers and the power supply lasts two days before it needs charging."),
         ("S0", 20.0, "Good. What about the buttons? Marketing says people lose the remote all the time."),
         ("S1", 31.0, "We could add a finder button that makes it beep.")]


@pytest.fixture(scope="module")
def cfg():
    return load_config(None, {})


@pytest.fixture(scope="module")
def embedder(cfg):
    found = embedder_for(cfg)
    assert found is not None, "the meaning model is not installed: offrecord models install wordllama-l2-supercat"
    return found


@pytest.fixture
def out(tmp_path, cfg):
    out = tmp_path / "out"
    names = {"S0": "Ann", "S1": "Bob"}
    meeting = publish_recording(out, "meeting", transcript(tmp_path / "meeting.wav", LINES, names), date=1_700_000_000)
    library.update(out, meeting, cfg)
    call = publish_recording(out, "call", transcript(tmp_path / "call.wav", [
        ("A", 1.0, "Hello, this is Diane in New Jersey."), ("B", 5.0, "And I'm Sheila from Texas, talking about pricing.")],
        {"A": "Diane", "B": "Sheila"}), date=1_700_000_000 + 3 * DAY)
    library.update(out, call, cfg)
    return out


def find(out, text, embedder=None, **filters):
    index = Index(out)
    try:
        return search(index, parse(text), Filters(**filters), embedder)
    finally:
        index.close()


def test_update_indexes_moments_with_the_time_of_the_matched_word_and_the_speaker(out):
    hits = find(out, "charging")
    assert [(h.folder, h.speaker, h.kind, h.found_by) for h in hits] == [("meeting", "Bob", "turn", "words")]
    # "charging" is the 15th word of Bob's turn, which starts at 9.0 s; a word every 0.4 s
    assert hits[0].start == pytest.approx(9.0 + 14 * 0.4)
    assert f"{MARK_START}charging{MARK_END}." in hits[0].snippet
    assert (out / "index.html").is_file()


def test_words_match_any_form_phrases_in_a_row_and_prefixes(out):
    assert [h.folder for h in find(out, "checking numbers")] == ["meeting"]  # porter stemming
    assert [h.speaker for h in find(out, '"finder button"')] == ["Bob"]
    assert find(out, '"button finder"') == []
    assert [h.speaker for h in find(out, "Jers*")] == ["Diane"]
    # moments with every word first, then those with any
    hits = find(out, "control remote")
    assert hits[0].text.startswith("Welcome") and "lose the remote" in hits[1].text and len(hits) == 2


@pytest.mark.parametrize("text", ['power AND', '"unbalanced', "NEAR(a b)", "col:umn", "^start", "-minus +plus",
                                  "a OR", "(((", "*", "\"\"", "x' OR 1=1 --", "NOT power"])
def test_fts_syntax_in_a_query_never_crashes(out, text):
    parsed = parse(text)
    if parsed is not None:
        find(out, text)


def test_meaning_finds_what_was_said_in_other_words(out, embedder):
    hits = find(out, "battery issues", embedder)
    assert hits and hits[0].speaker == "Bob" and "power supply" in hits[0].text
    assert hits[0].found_by == "meaning"
    assert find(out, "battery issues") == []  # by words alone: nothing
    assert find(out, "quantum chromodynamics", embedder) == []


def test_filters(out):
    assert {h.folder for h in find(out, "remote OR pricing")} == {"meeting", "call"}
    assert {h.folder for h in find(out, "remote OR pricing", recording="cal")} == {"call"}
    assert {h.speaker for h in find(out, "remote OR pricing", speaker="ann")} == {"Ann"}
    assert {h.folder for h in find(out, "remote OR pricing", since=1_700_000_000 + DAY)} == {"call"}
    assert {h.folder for h in find(out, "remote OR pricing", until=1_700_000_000 + DAY)} == {"meeting"}


def test_a_republished_folder_is_read_again_and_a_removed_one_drops_out(out, tmp_path, cfg):
    publish_recording(out, "call", transcript(tmp_path / "call.wav", [("A", 3.0, "Now we talk about the weather.")]))
    library.update(out, out / "call", cfg)
    assert find(out, "pricing") == [] and [h.folder for h in find(out, "weather")] == ["call"]
    for f in (out / "meeting").iterdir():
        f.unlink()
    (out / "meeting").rmdir()
    assert find(out, "charging") != []  # the index alone still holds it until it looks at the folders
    library.synced(out, None).close()
    assert find(out, "charging") == []
    assert "charging" not in (out / "index.html").read_text()


def test_a_folder_changed_behind_the_index_is_caught_up_on_opening(out, tmp_path):
    # a run killed between publishing and updating the index
    publish_recording(out, "late", transcript(tmp_path / "late.wav", [("A", 0.5, "The marmalade arrived late.")]))
    library.synced(out, None).close()
    assert [h.folder for h in find(out, "marmalade")] == ["late"]
    assert "marmalade" in (out / "index.html").read_text()


def test_an_index_from_another_schema_version_or_damaged_is_rebuilt(out):
    path = index_path(out)
    db = sqlite3.connect(path)
    db.execute("DELETE FROM recordings")  # what an older version would have got wrong
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION - 1}")
    db.commit()
    db.close()
    library.synced(out, None).close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert [h.folder for h in find(out, "charging")] == ["meeting"]

    with open(path, "r+b") as f:  # the file's header and first pages overwritten
        f.write(random.Random(0).randbytes(8192))
    library.synced(out, None).close()
    assert [h.folder for h in find(out, "charging")] == ["meeting"]

    path.write_bytes(b"not a database at all")
    library.synced(out, None).close()
    assert [h.folder for h in find(out, "charging")] == ["meeting"]


def test_summary_items_are_indexed_after_what_was_said(tmp_path, cfg):
    out = tmp_path / "out"
    summary = Summary("Remote control kickoff", [Claim("The team plans a remote that never gets lost."), Claim("It beeps.")],
                      [], [], [], [Highlight(31.0, "A finder button")], template="meeting",
                      sections=[{"name": "action_items", "title": "Action items", "kind": "actions",
                                 "value": [{"owner": "Bob", "task": "price the finder button", "due": "Friday",
                                            # its passage, then a pointer to a word it leaves out
                                            "evidence": [{"start": 35.0, "end": 37.5, "speaker": "Bob"},
                                                         {"start": 20.0, "end": 21.0, "speaker": "Ann"}]}]}])
    folder = publish_recording(out, "kickoff", transcript(tmp_path / "k.wav", LINES, {"S0": "Ann", "S1": "Bob"}), summary)
    library.update(out, folder, cfg)
    hits = find(out, "finder")
    assert hits[0].kind == "turn" and hits[0].start == pytest.approx(31.0 + 4 * 0.4)
    assert {(h.text, h.start) for h in hits if h.kind == "summary"} == {
        ("A finder button", 31.0), ("Action items: Bob price the finder button (due Friday)", 35.0)}  # its passage
    page = (out / "index.html").read_text()
    assert "Remote control kickoff" in page and "The team plans a remote that never gets lost." in page


KILLER = """
import sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from recordings import publish_recording, transcript
from offrecord import library
from offrecord.config import load_config
cfg = load_config(None, {{}})
out, source = Path(sys.argv[1]), Path(sys.argv[2])
print("ready", flush=True)
for generation in range(10**6):
    lines = [("S%d" % (i % 3), i * 20.0, "generation %d line %d of a long meeting " % (generation, i) + "word " * 40)
             for i in range(1500)]
    folder = publish_recording(out, "long", transcript(source, lines))
    library.update(out, folder, cfg)
"""


@pytest.mark.slow
def test_the_index_survives_kill_9_during_publishing(tmp_path, cfg):
    out = tmp_path / "out"
    rng = random.Random(17)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = KILLER.format(tests=str(ROOT / "tests" / "library"))
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", script, str(out), str(tmp_path / "long.wav")], env=env,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(1.0, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        index = library.synced(out, embedder_for(cfg))
        try:
            assert index.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            folders = [f for (f,) in index.db.execute("SELECT folder FROM recordings")]
            if (out / "long" / "transcript.json").is_file():
                on_disk = json.loads((out / "long" / "transcript.json").read_text())["segments"][-1]["text"]
                generation = on_disk.split()[1]
                assert folders == ["long"]
                hits = search(index, parse(f'"generation {generation} line 1499"'), Filters())
                assert len(hits) == 1 and hits[0].turn == 1499
            else:  # killed between moving the old folder aside and the new one in: the next run restores it
                assert folders == []
        finally:
            index.close()
