"""Words get speakers; speaker turns are rebuilt from the words.

Each word goes to the speaker whose exclusive (one-at-a-time) diarization turn overlaps it
most, so a phrase that spans two speakers is split at the word where the voice
changes. Where both voices are active at a change, the exclusive cut is arbitrary, so the
overlapped words go with the side they are spoken without a pause to. One- or two-word islands
that the diarization barely supports are folded back into the surrounding speaker; islands it
clearly supports (a "yeah" over the other's talk) stay.
"""

from __future__ import annotations

import bisect

from ..data import Diarization, Phrase, Span, Turn, Word

NEAREST_TURN_MAX_GAP = 1.0  # seconds: a word outside every turn borrows the nearest one within this
ISLAND_MAX_WORDS = 2
# An overlapped boundary moves only when the words run straight into the other speaker (a gap
# of at most RUN_ON) after a pause at least PAUSE_MARGIN longer.
RUN_ON = 0.1
PAUSE_MARGIN = 0.3
ISLAND_MIN_SUPPORT = 0.5  # share of an island's duration its own speaker's turns must cover to stay
TURN_BREAK_GAP = 2.0  # seconds of silence that start a new paragraph for the same speaker
TURN_MAX_SECONDS = 60.0  # long monologues are split at a sentence end after this


class _Timeline:
    """Diarization spans sorted by start, for quick overlap queries."""

    def __init__(self, spans: list[Span]):
        self.turns = sorted(spans, key=lambda t: t.start)
        self.starts = [t.start for t in self.turns]
        self.longest = max((t.end - t.start for t in self.turns), default=0.0)

    def overlapping(self, start: float, end: float) -> list[tuple[Span, float]]:
        lo = bisect.bisect_left(self.starts, start - self.longest)
        hi = bisect.bisect_right(self.starts, end)
        found = []
        for t in self.turns[lo:hi]:
            overlap = min(end, t.end) - max(start, t.start)
            if overlap > 0:
                found.append((t, overlap))
        return found

    def nearest(self, time: float) -> tuple[Span | None, float]:
        best, gap = None, float("inf")
        i = bisect.bisect_left(self.starts, time)
        for t in self.turns[max(0, i - 50):i + 2]:
            d = max(t.start - time, time - t.end, 0.0)
            if d < gap:
                best, gap = t, d
        return best, gap

    def support(self, speaker: str, start: float, end: float) -> float:
        return sum(o for t, o in self.overlapping(start, end) if t.speaker == speaker)


def attribute(phrases: list[Phrase], diarization: Diarization) -> list[Turn]:
    words = [w for p in phrases for w in p.words]
    exclusive = _Timeline(diarization.exclusive)
    everyone = _Timeline(diarization.spans)
    for w in words:
        w.speaker = _speaker_of(w, exclusive)
        w.overlap = len({t.speaker for t, _ in everyone.overlapping(w.start, w.end)}) > 1
    _fill_unassigned(words)
    _move_overlapped_boundaries(words, everyone)
    _smooth_islands(words, exclusive)
    return _turns_from_words(words, sentence_ends=_sentence_ends(phrases))


def _speaker_of(word: Word, timeline: _Timeline) -> str | None:
    # A zero-length word still has a position: widen it a little to find its turn.
    start, end = word.start, max(word.end, word.start + 0.02)
    overlaps: dict[str, float] = {}
    for t, o in timeline.overlapping(start, end):
        overlaps[t.speaker] = overlaps.get(t.speaker, 0.0) + o
    if overlaps:
        return max(overlaps, key=overlaps.get)
    turn, gap = timeline.nearest((start + end) / 2)
    return turn.speaker if turn is not None and gap <= NEAREST_TURN_MAX_GAP else None


def _fill_unassigned(words: list[Word]) -> None:
    """Words far from any turn take the previous word's speaker (or the next one's)."""
    last = None
    for w in words:
        if w.speaker is None:
            w.speaker = last
        last = w.speaker
    following = None
    for w in reversed(words):
        if w.speaker is None:
            w.speaker = following
        following = w.speaker
    for w in words:
        if w.speaker is None:  # no diarization at all: one speaker
            w.speaker = "SPEAKER_00"


def _move_overlapped_boundaries(words: list[Word], everyone: _Timeline) -> None:
    """At each change A -> B, overlapped words at the end of A's run move to B when B is active
    over them and they run straight into B's words after a clear pause (and the mirror case
    for overlapped words at the start of B's run)."""
    runs = _runs(words)
    for (a_lo, a_hi), (b_lo, b_hi) in zip(runs, runs[1:]):
        a, b = words[a_lo].speaker, words[b_lo].speaker

        def movable(i: int, to: str) -> bool:
            w = words[i]
            return w.overlap and to in {t.speaker for t, _ in everyone.overlapping(w.start, max(w.end, w.start + 0.02))}

        tail = a_hi
        while tail > a_lo + 1 and movable(tail - 1, b):
            tail -= 1
        if tail < a_hi:
            before = words[tail].start - words[tail - 1].end
            after = words[b_lo].start - words[a_hi - 1].end
            if after <= RUN_ON and before >= after + PAUSE_MARGIN:
                for w in words[tail:a_hi]:
                    w.speaker = b
                continue
        head = b_lo
        while head < b_hi - 1 and movable(head, a):
            head += 1
        if head > b_lo:
            before = words[b_lo].start - words[a_hi - 1].end
            after = words[head].start - words[head - 1].end
            if before <= RUN_ON and after >= before + PAUSE_MARGIN:
                for w in words[b_lo:head]:
                    w.speaker = a


def _smooth_islands(words: list[Word], timeline: _Timeline) -> None:
    runs = _runs(words)
    for i in range(1, len(runs) - 1):
        before, (lo, hi), after = runs[i - 1], runs[i], runs[i + 1]
        outer = words[before[0]].speaker
        if hi - lo > ISLAND_MAX_WORDS or words[after[0]].speaker != outer:
            continue
        island = words[lo:hi]
        duration = max(island[-1].end - island[0].start, 1e-3)
        if timeline.support(island[0].speaker, island[0].start, island[-1].end) / duration < ISLAND_MIN_SUPPORT:
            for w in island:
                w.speaker = outer


def _runs(words: list[Word]) -> list[tuple[int, int]]:
    runs, start = [], 0
    for i in range(1, len(words) + 1):
        if i == len(words) or words[i].speaker != words[start].speaker:
            runs.append((start, i))
            start = i
    return runs


def _sentence_ends(phrases: list[Phrase]) -> set[int]:
    ends, count = set(), 0
    for p in phrases:
        count += len(p.words)
        ends.add(count - 1)
    return ends


def _turns_from_words(words: list[Word], sentence_ends: set[int]) -> list[Turn]:
    turns: list[Turn] = []
    current: list[Word] = []

    def close():
        if current:
            turns.append(Turn(start=current[0].start, end=current[-1].end, speaker=current[0].speaker,
                                 text=" ".join(w.word for w in current), words=list(current)))
            current.clear()

    for i, w in enumerate(words):
        if current:
            changed = w.speaker != current[-1].speaker
            paused = w.start - current[-1].end > TURN_BREAK_GAP
            long_enough = (current[-1].end - current[0].start > TURN_MAX_SECONDS
                           and (i - 1) in sentence_ends)
            if changed or paused or long_enough:
                close()
        current.append(w)
    close()
    return turns
