"""Quotes the user sees are the transcript's own words, never the model's.

The model proposes a quote; we find the passage in one speaker's turn that shares the most words
with it, in order. If that run covers most of the proposal the transcript's words, speaker and
times are shown, to the end of the sentence the passage ends in (the model's copy is often cut
off by its length bound, or stops mid-sentence); otherwise (invented, paraphrased, spliced from
two places) it is dropped.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from ..data import Quote, Transcript
from ..text import normalise

MIN_COVERAGE = 0.8  # share of the proposed quote's words found, in order, in one passage
MAX_SPAN = 1.5  # that passage may be at most this much longer than the proposal
MIN_WORDS = 5
MAX_WORDS = 45  # a quote runs to its sentence's end, but no further than this many words
SENTENCE_END = re.compile(r"[.!?][\"')\]]*$")
CLAUSE_END = re.compile(r"[,;:][\"')\]]*$")


def ground_quote(proposal: str, transcript: Transcript, speaker: str | None = None) -> Quote | None:
    """The passage `proposal` copies, to the end of its sentence. A passage said by `speaker`,
    the one the model named, wins a tie: the same words can be said more than once."""
    wanted = normalise(proposal)
    if len(wanted) < MIN_WORDS:
        return None
    best = None  # ((coverage, by the named speaker), segment, first word, last word)
    for seg in transcript.segments:
        # Map each token back to the word it came from, so the shown text is whole words.
        tokens, owner = [], []
        for i, w in enumerate(seg.words):
            for tok in normalise(w.word):
                tokens.append(tok)
                owner.append(i)
        blocks = [b for b in SequenceMatcher(None, wanted, tokens, autojunk=False).get_matching_blocks()
                  if b.size >= 2]  # lone shared words ("the") are not evidence
        if not blocks:
            continue
        first, last = blocks[0].b, blocks[-1].b + blocks[-1].size
        if last - first > MAX_SPAN * len(wanted):
            continue  # the words are scattered over a long turn, not one passage
        score = (sum(b.size for b in blocks) / len(wanted), transcript.speaker_name(seg.speaker) == speaker)
        if best is None or score > best[0]:
            best = (score, seg, owner[first], owner[last - 1])
    if best is None or best[0][0] < MIN_COVERAGE:
        return None
    _, seg, first, last = best
    words = seg.words[first:_sentence_end(seg.words, first, last) + 1]
    if len(words) < MIN_WORDS:
        return None
    return Quote(text=" ".join(w.word for w in words), speaker=transcript.speaker_name(seg.speaker),
                 start=words[0].start, end=words[-1].end)


def _sentence_end(words: list, first: int, last: int) -> int:
    """The word that ends the sentence the match ends in: the first full stop from `last` on, or
    the turn's end, within MAX_WORDS of `first`; failing both, the last clause's end before that,
    or the match's own end (an unpunctuated transcript)."""
    reach = min(len(words), first + max(MAX_WORDS, last - first + 1)) - 1
    for i in range(last, reach + 1):
        if SENTENCE_END.search(words[i].word):
            return i
    if reach == len(words) - 1:
        return reach
    return next((i for i in range(reach, last - 1, -1) if CLAUSE_END.search(words[i].word)), last)
