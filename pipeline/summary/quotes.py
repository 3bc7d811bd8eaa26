"""Quotes chosen from the transcript: the code finds the candidates, the model only picks.

A candidate is one whole sentence of one speaker, as the recogniser heard it clearly: long
enough to stand alone, short enough to read, no stumbles ("I d well tha that"), few fillers, and
dense in content words; an opinion, a proposal or a reason ("I think", "we should", "because")
ranks higher. Each part of the recording offers its best few to the model, which names the one
most worth keeping; a quote is the transcript's words, so it can never be ungrounded, and a part
whose answer names none still has its best candidate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..data import Quote, Transcript, Turn
from ..stages.naming import SELF_INTRODUCTION
from ..text import normalise
from .grounding import SENTENCE_END
from .verify import content_stems, heard
from .vocabulary import FILLER, GREETING, OPINION, hanging

LEAST_WORDS, MOST_WORDS = 8, 40
LEAST_CONTENT = 5  # distinct content words: "I'll just put the cable in" says nothing worth saving
MOST_FILLERS = 1
STATEMENT_END = re.compile(r"[.!][\"')\]]*$")  # a question is not kept as a quote



@dataclass
class Candidate:
    quote: Quote
    score: float


def candidates(t: Transcript, turns: list[Turn], most: int = 3) -> list[Candidate]:
    """The `most` best sentences of these turns to quote, best first."""
    found = [c for turn in turns for c in _sentences(t, turn)]
    found.sort(key=lambda c: -c.score)
    chosen: list[Candidate] = []
    for c in found:
        if len(chosen) < most and not any(_same(c.quote, o.quote) for o in chosen):
            chosen.append(c)
    return chosen


def _sentences(t: Transcript, turn: Turn) -> list[Candidate]:
    out, first = [], 0
    clear = heard(turn)
    for i, w in enumerate(turn.words):
        if SENTENCE_END.search(w.word) or i == len(turn.words) - 1:
            words, ok = turn.words[first:i + 1], clear[first:i + 1]
            first = i + 1
            if STATEMENT_END.search(w.word) and all(ok) and (c := _candidate(t, turn, words)):
                out.append(c)
    return out


def _candidate(t: Transcript, turn: Turn, words: list) -> Candidate | None:
    text = " ".join(w.word for w in words)
    tokens = normalise(text)
    if not LEAST_WORDS <= len(tokens) <= MOST_WORDS or not text[:1].isupper():
        return None
    if sum(tok in FILLER for tok in tokens) > MOST_FILLERS or _stumbles(tokens) or hanging(tokens):
        return None  # "... and Um.": the speaker went on in the next sentence
    if GREETING.search(" ".join(tokens)) or SELF_INTRODUCTION.search(text):
        return None  # "I'm the Project Manager Christa Pavlov and okay let's begin."
    content = set(content_stems(text))
    if len(content) < LEAST_CONTENT:
        return None
    score = len(content) / len(tokens) * 10 + len(content) / 2 + (3 if OPINION.search(" ".join(tokens)) else 0)
    return Candidate(Quote(text=text, speaker=t.speaker_name(turn.speaker), start=words[0].start, end=words[-1].end),
                     score)


def _stumbles(tokens: list[str]) -> bool:
    """A word said twice in a row ("the the"), or a word broken off ("tha", "d") before its
    restart: speech as it came out, not a sentence worth keeping."""
    return any(a == b for a, b in zip(tokens, tokens[1:])) or \
        any(len(a) < len(b) and b.startswith(a) and a not in ("a", "i") for a, b in zip(tokens, tokens[1:])) or \
        any(len(tok) == 1 and tok not in ("a", "i") and not tok.isdigit() for tok in tokens)


def _same(a: Quote, b: Quote) -> bool:
    return a.start < b.end and b.start < a.end
