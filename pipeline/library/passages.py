"""The passages of a library that may answer a question: search's best moments (by words and by
meaning, fused), each widened to the whole turn it is in and the turns either side of it (an
answer is often the reply to what was asked just before, or leads to it), best first, a few
hundred words in all. A small model answers best from a few short passages, and every word it
reads costs time: the 1.5B model reads about 70 tokens a second on 2 cores.
"""

from __future__ import annotations

from dataclasses import replace

from ..data import Passage, Transcript, Turn
from ..outputs.formats import read_transcript
from .index import Index
from .meaning import Embedder
from .query import Query
from .search import Filters, Hit, search

MOMENTS = 8  # search's best moments, each widened in turn while the words allow
NEIGHBOURS = 1  # turns either side of a moment's own
MOST_WORDS = 350  # of all the passages of a question
TURN_WORDS = 120  # of one turn: a longer one is cut around its moment (a neighbour at its end nearest the moment)


def find(index: Index, query: Query, filters: Filters, embedder: Embedder | None) -> tuple[list[Passage], list[Hit]]:
    """The passages, best first, and the moments search found (the closest ones, when the
    passages turn out not to answer)."""
    hits = search(index, query, filters, embedder, MOMENTS)
    transcripts: dict[str, Transcript] = {}
    spans: list[tuple[str, dict[int, Turn]]] = []  # (folder, {turn index: the turn as shown})
    words = 0
    for hit in hits:
        if hit.kind != "turn" or hit.turn is None:
            continue  # the summary's items are the model's words, not what was said
        if hit.folder not in transcripts:
            transcripts[hit.folder] = read_transcript(index.out_root / hit.folder / "transcript.json")
        t = transcripts[hit.folder]
        taken = set().union(*(turns for folder, turns in spans if folder == hit.folder))
        added = {i: _cut(t.segments[i], hit.start, i - hit.turn)
                 for i in range(hit.turn - NEIGHBOURS, hit.turn + NEIGHBOURS + 1)
                 if 0 <= i < len(t.segments) and i not in taken and
                 (not filters.speaker or t.speaker_name(t.segments[i].speaker).lower() == filters.speaker.lower())}
        more = sum(len(turn.words) for turn in added.values())
        if not added or (spans and words + more > MOST_WORDS):
            continue
        words += more
        # a passage that meets one already taken joins it: one stretch of talk, read in order
        joined = next((turns for folder, turns in spans if folder == hit.folder
                       and any(i - 1 in turns or i + 1 in turns for i in added)), None)
        if joined is None:
            spans.append((hit.folder, added))
        else:
            joined.update(added)
    return [Passage(folder, replace(transcripts[folder], segments=[turns[i] for i in sorted(turns)]))
            for folder, turns in spans], hits


def _cut(turn: Turn, at: float | None, side: int) -> Turn:
    """The turn, or TURN_WORDS of it: from a third of them before the moment at `at`; a turn
    before the moment's (`side` < 0) keeps its end, one after it its start."""
    if len(turn.words) <= TURN_WORDS:
        return turn
    if side < 0:
        first = len(turn.words) - TURN_WORDS
    elif side > 0 or at is None:
        first = 0
    else:
        at_word = next((i for i, w in enumerate(turn.words) if w.start >= at), len(turn.words) - 1)
        first = min(max(at_word - TURN_WORDS // 3, 0), len(turn.words) - TURN_WORDS)
    words = turn.words[first:first + TURN_WORDS]
    return Turn(words[0].start, words[-1].end, " ".join(w.word for w in words), words, turn.speaker)
