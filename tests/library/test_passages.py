"""The passages a question is answered from: search's moments widened to whole turns and their
neighbours, best first, joined where they meet, within a word budget; no model."""

from __future__ import annotations

import pytest
from recordings import publish_recording, transcript

from offrecord.library import passages, synced
from offrecord.library.query import parse
from offrecord.library.search import Filters


@pytest.fixture
def out(tmp_path):
    out = tmp_path / "out"
    publish_recording(out, "standup", transcript(tmp_path / "standup.wav", [
        ("S1", 0.0, "Good morning everyone."),
        ("S2", 3.0, "How long did the new battery last over the weekend?"),
        ("S1", 8.0, "It lasted two days before it needed charging."),
        ("S2", 12.0, "Then we order the rubber case."),
        ("S1", 15.0, "Agreed."),
        ("S2", 17.0, "Next week we test the blue prototype with users."),
    ], {"S1": "Ann", "S2": "Bob"}))
    publish_recording(out, "call", transcript(tmp_path / "call.wav", [
        ("A", 0.0, "Hi, this is Diane. I grew up in Chicago."),
        ("B", 5.0, "I'm Sheila, and the battery of my phone is dead."),
    ], {"A": "Diane", "B": "Sheila"}))
    return out


def found(out, question, **filters):
    index = synced(out, None)
    try:
        return passages.find(index, parse(question), Filters(**filters), None)
    finally:
        index.close()


def test_a_moment_comes_with_the_turns_either_side_in_order(out):
    found_passages, hits = found(out, '"lasted two days"')
    first = found_passages[0]
    assert first.recording == "standup" and hits[0].folder == "standup"
    # the answer, the question before it and the reply after it, in the order they were said
    assert [turn.start for turn in first.transcript.segments] == [3.0, 8.0, 12.0]
    assert [s.name for s in first.transcript.speakers] == ["Ann", "Bob"]


def test_moments_that_meet_are_one_passage_and_other_recordings_their_own(out):
    found_passages, _ = found(out, "battery")
    by_recording = {p.recording: p for p in found_passages}
    assert set(by_recording) == {"standup", "call"}
    turns = [(p.recording, turn.start) for p in found_passages for turn in p.transcript.segments]
    assert len(turns) == len(set(turns))  # no turn twice


def test_the_word_budget_and_a_long_turn_cut_around_its_moment(out, tmp_path, monkeypatch):
    long_turn = " ".join(f"word{i}" for i in range(300)) + " the secret code is seven " + \
        " ".join(f"more{i}" for i in range(300))
    publish_recording(out, "lecture", transcript(tmp_path / "lecture.wav", [("L", 0.0, long_turn)], {"L": "Lee"}))
    monkeypatch.setattr(passages, "MOST_WORDS", 150)
    found_passages, _ = found(out, '"secret code"')
    text = found_passages[0].transcript.segments[0].text
    assert len(text.split()) == passages.TURN_WORDS and "the secret code is seven" in text
    assert sum(len(t.words) for p in found_passages for t in p.transcript.segments) <= 150


def test_a_speaker_filter_keeps_that_speakers_turns_only(out):
    found_passages, _ = found(out, "battery", speaker="bob")
    assert found_passages and {turn.speaker for p in found_passages for turn in p.transcript.segments} == {"S2"}
