"""Subtitle cues as subtitlers make them: at most two lines of about 42 characters, on screen
for 1 to 7 seconds, cut where the speaker ends a sentence or pauses, never leaving one word on
its own, and a new cue whenever the speaker changes.

Each turn is cut by dynamic programming over its words: every possible cue is priced by where
it ends (a sentence end costs nothing, a pause or a comma a little, the middle of a clause more)
and by how far it strays from a comfortable length; the cheapest cutting wins.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..data import Transcript, Turn, Word
from ..text import one_line

LINE = 42  # characters a line holds
LINES = 2
MIN_SECONDS, MAX_SECONDS = 1.0, 7.0
PAUSE = 0.5  # seconds of silence between words that make a natural cut
MAX_WORDS = 30  # no cue holds more (bounds the search)


@dataclass
class Cue:
    start: float
    end: float
    speaker: str  # the display name
    lines: list[str]


def cues(t: Transcript, prefix_names: bool = False) -> list[Cue]:
    """The transcript's cues in time order. With `prefix_names` the first line starts with
    "Name: " (SRT has no voice tags), and its length counts."""
    out: list[Cue] = []
    for turn in t.segments:
        name = one_line(t.speaker_name(turn.speaker))  # a name or word with a line break cannot split a cue
        prefix = f"{name}: " if prefix_names else ""
        for words in _cut(turn, prefix):
            text = one_line(" ".join(w.word for w in words))
            lines = _lines(prefix + text, len(prefix))
            out.append(Cue(words[0].start, words[-1].end, name, lines))
    _hold_long_enough(out)
    return out


def _cut(turn: Turn, prefix: str) -> list[list[Word]]:
    words = turn.words
    n = len(words)
    best = [0.0] + [float("inf")] * n  # best[j]: cost of cutting words[:j] into cues
    back = [0] * (n + 1)
    for j in range(1, n + 1):
        for i in range(max(0, j - MAX_WORDS), j):
            cost = best[i] + _price(words, i, j, n, prefix)
            if cost < best[j]:
                best[j], back[j] = cost, i
    pieces, j = [], n
    while j > 0:
        pieces.append(words[back[j]:j])
        j = back[j]
    return pieces[::-1]


def _price(words: list[Word], i: int, j: int, n: int, prefix: str) -> float:
    seconds = words[j - 1].end - words[i].start
    if j - i > 1 and (seconds > MAX_SECONDS or not _fits(prefix + " ".join(w.word for w in words[i:j]), len(prefix))):
        return float("inf")
    cost = 1.0  # each cue: fewer, fuller cues are easier to read
    if j - i == 1 and n > 1:
        cost += 20  # one word alone
    last = words[j - 1].word
    if j < n:
        gap = words[j].start - words[j - 1].end
        if last.endswith((".", "?", "!")):
            cost += 0
        elif gap >= PAUSE:
            cost += 1
        elif last.endswith((",", ";", ":", "—")):
            cost += 3
        else:
            cost += 8
    if seconds < MIN_SECONDS:
        cost += 4 * (MIN_SECONDS - seconds)
    return cost


def _fits(text: str, keep: int = 0) -> bool:
    lines = _lines(text, keep)
    return len(lines) <= LINES and all(len(line) <= LINE for line in lines)


def _lines(text: str, keep: int = 0) -> list[str]:
    """One line if it fits, else two, cut at the space that balances them best, never within
    the first `keep` characters (the speaker's "Name: " stays whole on the first line)."""
    if len(text) <= LINE:
        return [text]
    spaces = [k for k, c in enumerate(text) if c == " " and k >= keep - 1]
    if not spaces:
        return [text]
    cut = min(spaces, key=lambda k: (max(k, len(text) - k - 1) > LINE, abs(len(text) - 2 * k)))
    return [text[:cut], text[cut + 1:]]


def _hold_long_enough(cues_: list[Cue]) -> None:
    """A cue shorter than a second stays up longer, until the next cue starts at the latest."""
    for k, cue in enumerate(cues_):
        if cue.end - cue.start < MIN_SECONDS:
            following = cues_[k + 1].start if k + 1 < len(cues_) else float("inf")
            cue.end = max(cue.end, min(cue.start + MIN_SECONDS, following))
