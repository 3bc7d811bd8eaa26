"""Quotes the user sees are the transcript's own words, never the model's.

The model proposes a quote; we find the passage in one speaker's turn that shares the longest
run of words with it. If that run covers most of the proposal the transcript's words, speaker
and times are shown; otherwise (invented, paraphrased, spliced from two places) it is dropped.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from .data import Quote, Transcript

MIN_COVERAGE = 0.8  # share of the proposed quote's words found in one contiguous passage
MIN_WORDS = 5
_TOKEN = re.compile(r"[\w']+")


def normalise(text: str) -> list[str]:
    return [t.lower().strip("'") for t in _TOKEN.findall(text)]


def ground_quote(proposal: str, transcript: Transcript) -> Quote | None:
    wanted = normalise(proposal)
    if len(wanted) < MIN_WORDS:
        return None
    best = None  # (matched tokens, segment, first word, last word)
    for seg in transcript.segments:
        # Map each token back to the word it came from, so the shown text is whole words.
        tokens, owner = [], []
        for i, w in enumerate(seg.words):
            for tok in normalise(w.word):
                tokens.append(tok)
                owner.append(i)
        if not tokens:
            continue
        m = SequenceMatcher(None, wanted, tokens, autojunk=False).find_longest_match(0, len(wanted), 0, len(tokens))
        if m.size and (best is None or m.size > best[0]):
            best = (m.size, seg, owner[m.b], owner[m.b + m.size - 1])
    if best is None or best[0] < MIN_WORDS or best[0] / len(wanted) < MIN_COVERAGE:
        return None
    _, seg, first, last = best
    words = seg.words[first:last + 1]
    return Quote(text=" ".join(w.word for w in words), speaker=transcript.speaker_name(seg.speaker),
                 start=words[0].start, end=words[-1].end)
