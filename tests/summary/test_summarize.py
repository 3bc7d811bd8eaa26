"""A long recording's summary is planned to fit the model's context, with the real tokenizer
and the real small model: a 3-hour transcript (AMI ES2011a's human transcript twelve times
over, at a steady speaking pace) and an 8k context."""

from __future__ import annotations

import json
import re

import pytest

from pipeline.data import Speaker, Transcript, Turn, Word
from pipeline.store import ModelStore
from pipeline.summary.summarize import REDUCE_RESERVED_TOKENS, RESERVED_TOKENS, Summarizer, _line
from pipeline.summary.templates import load_template


def three_hours_of_meeting(shared) -> Transcript:
    turns = json.loads((shared / "meeting-ami-es2011a" / "qmsum-ES2011a.json").read_text())["meeting_transcripts"]
    texts = [(turn["speaker"], re.sub(r"\{\w+\}|\s+(?=[.,?!'])", "", turn["content"]).split()) for turn in turns]
    names = sorted({speaker for speaker, _ in texts})
    segments, now = [], 0.0
    for _ in range(12):
        for speaker, words in texts:
            if not words:
                continue
            ws = [Word(now + i * 0.35, now + i * 0.35 + 0.3, w, 1.0, speaker) for i, w in enumerate(words)]
            segments.append(Turn(ws[0].start, ws[-1].end, " ".join(words), ws, speaker))
            now = ws[-1].end + 0.3
    return Transcript(source="three-hours.wav", duration=now, language="en", models={},
                      speakers=[Speaker(n, n) for n in names], segments=segments)


@pytest.fixture(scope="module")
def summarizer(fast_config):
    """In this process, to look at its parts; the pipeline runs it in a child process."""
    gguf = ModelStore().file(fast_config.summary.model, "model.gguf")
    summarizer = Summarizer(gguf, fast_config.summary, 2)
    yield summarizer
    summarizer.llm.close()


def test_three_hour_transcript_is_cut_into_chunks_that_fit_an_8k_context(shared, summarizer):
    t = three_hours_of_meeting(shared)
    assert t.duration > 3 * 3600 and summarizer.cfg.n_ctx == 8192
    chunks = summarizer.chunks(t)
    budget = summarizer.cfg.n_ctx - RESERVED_TOKENS
    sizes = [summarizer._tokens("\n".join(_line(t, s) for s in chunk)) for chunk in chunks]
    assert max(sizes) <= budget and sum(sizes) > 10 * budget  # many chunks, none over the budget
    # nothing dropped, nothing repeated, order kept: the chunks are the transcript
    assert [w for chunk in chunks for s in chunk for w in s.words] == [w for s in t.segments for w in s.words]
    assert min(sizes) > summarizer.cfg.max_chunk_tokens // 4  # no stub chapters


@pytest.mark.slow
def test_notes_of_three_hours_are_condensed_to_fit_the_reduce_prompt(summarizer):
    # as many notes as a 3-hour recording's map phase makes (about 35 chunks, 5 notes each)
    notes = [f"In part {i // 5 + 1}, the Project Manager asked Marketing to check the cost of item {i}, "
             f"and the Industrial Designer said the case could be made of rubber to keep it light." for i in range(175)]
    condensed = summarizer._condense(notes, load_template("meeting"))
    assert 1 <= len(condensed) < len(notes)
    assert sum(summarizer._tokens(n) + 3 for n in condensed) <= (summarizer.cfg.n_ctx - REDUCE_RESERVED_TOKENS) // 2


def test_a_long_list_is_merged_down_to_a_readable_length(summarizer):
    from pipeline.summary.summarize import MAX_LIST_ITEMS

    decisions = load_template("meeting").sections[0]
    items = [f"The group agreed that remote model {n} gets a {part}." for n, part in
             enumerate(["rubber case", "screen", "locator beep", "clip", "solar cell", "bigger buttons",
                        "water seal", "backlight", "voice control", "kinetic charger", "charging dock", "strap"])]
    merged = summarizer._merge(decisions, items)
    assert 1 <= len(merged) <= MAX_LIST_ITEMS
    assert summarizer._merge(decisions, items[:3]) == items[:3]  # short lists are left as they are


def test_strings_cut_by_the_grammar_end_on_a_whole_sentence_or_word():
    from pipeline.summary.summarize import _tidy

    schema = {"type": "object", "properties": {
        "overview": {"type": "string", "maxLength": 40},
        "notes": {"type": "array", "items": {"type": "string", "maxLength": 24}}}}
    out = _tidy({"overview": "Ann chairs the meeting today. Bob then ta", "notes": ["Bob agrees.", "Ann asks Bob to send the"]},
                schema)
    assert out == {"overview": "Ann chairs the meeting today.", "notes": ["Bob agrees.", "Ann asks Bob to send…"]}


def test_placeholder_items_are_dropped_and_repeats_kept_once():
    from pipeline.summary.summarize import _distinct

    items = ["None specified", "N/A", "No decisions were made in this part.", "Nothing.",
             "No remote should have more than ten buttons, the group agreed.",
             "Ann will send the slides.", "ann will send the slides"]
    assert _distinct(items) == ["No remote should have more than ten buttons, the group agreed.",
                                "Ann will send the slides."]
