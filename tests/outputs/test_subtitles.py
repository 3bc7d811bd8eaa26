"""Subtitles that follow common practice, on hand-built turns and on a real meeting's transcript."""

from __future__ import annotations

import json

import pytest
from conftest import FAST

from offrecord.config import load_config
from offrecord.data import Speaker, Transcript, Turn, Word
from offrecord.outputs.subtitles import LINE, MAX_SECONDS, MIN_SECONDS, cues
from offrecord.run.models import Models
from offrecord.run.process import Shared, process_file
from offrecord.run.progress import Reporter
from offrecord.store import ModelStore


def turn(speaker: str, start: float, text: str, pace: float = 0.3, pauses: dict | None = None) -> Turn:
    words, now = [], start
    for k, w in enumerate(text.split()):
        now += (pauses or {}).get(k, 0.0)
        words.append(Word(now, now + pace * 0.9, w, 0.9, speaker))
        now += pace
    return Turn(words[0].start, words[-1].end, text, words, speaker)


def check(t: Transcript, prefix_names: bool) -> list:
    made = cues(t, prefix_names)
    speakers = {s.name for s in t.speakers}
    for cue in made:
        assert cue.speaker in speakers
        assert 1 <= len(cue.lines) <= 2 and all(len(line) <= LINE for line in cue.lines), cue
        assert cue.end - cue.start <= MAX_SECONDS + 1e-6, cue
    return made


def test_long_turn_is_cut_at_sentence_ends_into_short_two_line_cues():
    text = ("We looked at the remote control market last week. Most people lose their remote somewhere in the "
            "living room, so a locator would help. The batteries should last a year. Any questions?")
    t = Transcript("a.wav", 60, "en", {}, [Speaker("S0", "Ann")], [turn("S0", 0.0, text)])
    made = check(t, prefix_names=True)
    texts = [" ".join(c.lines).removeprefix("Ann: ") for c in made]
    assert " ".join(texts) == text  # nothing lost, nothing repeated, in order
    assert sum(x.endswith((".", "?")) for x in texts) >= 3  # cuts land on sentence ends
    assert all(len(x.split()) > 1 for x in texts)  # never one word alone


def test_a_pause_is_preferred_to_the_middle_of_a_clause():
    text = "so the plan is that we ship in spring and then we see what the market says about it all"
    t = Transcript("a.wav", 60, "en", {}, [Speaker("S0", "Ann")], [turn("S0", 0.0, text, pace=0.4, pauses={9: 1.2})])
    made = check(t, prefix_names=False)
    assert len(made) >= 2 and made[0].lines[-1].endswith("spring")


def test_speaker_change_starts_a_new_cue_and_a_short_reply_stays_up_a_second():
    t = Transcript("a.wav", 60, "en", {}, [Speaker("S0", "Ann"), Speaker("S1", "Bob")],
                   [turn("S0", 0.0, "Shall we start with the budget?"), turn("S1", 3.0, "Yes."),
                    turn("S0", 5.0, "Good, then the numbers.")])
    made = check(t, prefix_names=True)
    assert [c.speaker for c in made] == ["Ann", "Bob", "Ann"]
    assert made[1].lines == ["Bob: Yes."] and made[1].end - made[1].start == pytest.approx(MIN_SECONDS)


def test_real_meeting_subtitles_hold_the_limits(tmp_path, shared):
    cfg = load_config(None, {**FAST, "summary": {"enabled": False}, "output": {"formats": ["json", "srt", "vtt"]}})
    process_file(shared / "meeting-ami-es2004a/ES2004a-750-810.wav", tmp_path / "m",
                 Shared(cfg, Models(cfg, ModelStore()), Reporter(None)))
    t = Transcript.from_dict(json.loads((tmp_path / "m" / "transcript.json").read_text()))
    for prefix in (True, False):
        made = check(t, prefix)
        short = [c for c in made if c.end - c.start < MIN_SECONDS - 1e-6]
        assert len(short) <= 1, short  # only where the next cue leaves no room
        words = sum(len(turn.words) for turn in t.segments)
        shown = sum(len(" ".join(c.lines).split()) for c in made) - (sum(len(f"{c.speaker}:".split()) for c in made)
                                                                     if prefix else 0)
        assert shown == words
    srt = (tmp_path / "m" / "transcript.srt").read_text()
    assert max(len(line) for line in srt.splitlines()) <= LINE
