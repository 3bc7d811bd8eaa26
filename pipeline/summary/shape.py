"""How much of each part of a summary a recording can fill."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..data import Transcript
from .templates import PARTS


@dataclass
class Shape:
    """How much of each part a recording can fill. The seeds' hour of talk has about five of
    each and a highlight every few minutes; a 30-second call has a sentence or two and a point
    or two, and no ideas; a 45-minute meeting, read window by window, has room for seven points,
    four ideas and five quotes."""

    overview: int
    bullets: int
    ideas: int
    quotes: int
    highlights: int
    items: int  # per template list
    one_call: bool

    @classmethod
    def of(cls, t: Transcript, parts: Iterable[str] = PARTS) -> "Shape":
        """`parts`: those of the optional parts that the template asks for; the others get none."""
        words = sum(len(s.words) for s in t.segments)
        minutes = words / 150  # of speech, at a common speaking pace
        asked = set(parts)
        short = minutes < 8  # asked in one call; a longer recording window by window, with room for more
        return cls(overview=2 if minutes < 3 else 4 if minutes < 20 else 5,
                   bullets=(min(5, 2 + int(minutes // 15)) if short else min(10, 3 + int(minutes // 10)))
                   if "at_a_glance" in asked else 0,
                   ideas=0 if minutes < 3 or "ideas" not in asked else 1 if short else min(6, 2 + int(minutes // 20)),
                   quotes=(1 if short else min(8, 2 + int(minutes // 12))) if "quotes" in asked else 0,
                   # one per four minutes: by windows, one per window and more where a window's
                   # highlight leaves a long stretch to the next (review.py)
                   highlights=min(15, max(1, round(t.duration / 240))) if "highlights" in asked else 0,
                   items=min(4, 1 + int(minutes // 15)),
                   one_call=short)

    def spans(self, duration: float) -> dict[str, tuple[float, float]]:
        """Where each part's highlight must be said: around its mark, reaching into the next part."""
        part = duration / max(1, self.highlights)
        return {label: (start - part / 2, start + part * 1.5) for label, start in self.marks(duration).items()}

    def marks(self, duration: float) -> dict[str, float]:
        """Where each highlight's part of the recording starts, by the label the model reads and
        answers under: "Part 2" costs 7 tokens a highlight to write, a time ("00:04:51") 12."""
        return {f"Part {i + 1}": i * duration / self.highlights for i in range(self.highlights)}
