"""The transcript as the model reads it: a line per speaker's stretch, without the backchannels
("yeah", "mm-hmm") and fillers that cost tokens and say nothing, and without the words the
recogniser barely heard (the checker would drop a claim built on them anyway)."""

from __future__ import annotations

from ..data import Transcript, Turn
from ..text import normalise
from .verify import heard
from .vocabulary import BACKCHANNEL, FILLER


def said(turn: Turn) -> bool:
    """Does the turn carry more than a backchannel ("yeah", "mm-hmm")?"""
    return any(w not in BACKCHANNEL for w in normalise(turn.text))


def render(t: Transcript, turns: list[Turn], marks: dict[str, float]) -> str:
    """The transcript as the model reads it: a line per speaker's stretch; backchannels and
    fillers left out (they cost tokens and say nothing); words the recogniser barely heard shown
    as "…" (a summary built on them would be dropped by the checker anyway), except the
    speakers' names; no times but a mark where each highlight's part starts (the evidence
    brings the times)."""
    names = {w for s in t.speakers for w in normalise(s.name)}
    lines: list[tuple[str | None, list[str]]] = []
    pending = sorted(marks.items(), key=lambda mark: mark[1])
    for turn in turns:
        if not said(turn):
            continue
        while pending and pending[0][1] <= turn.start:
            lines.append((None, [f"[{pending.pop(0)[0]}]"]))
        words: list[str] = []
        for w, clear in zip(turn.words, heard(turn)):
            tokens = set(normalise(w.word))
            if tokens & FILLER:
                continue
            if clear or tokens & names:
                words.append(w.word)
            elif not words or words[-1] != "…":
                words.append("…")
        if lines and lines[-1][0] == turn.speaker:
            lines[-1][1].extend(words)
        else:
            lines.append((turn.speaker, words))
    return "\n".join(f"{t.speaker_name(speaker)}: {' '.join(words)}" if speaker else words[0] for speaker, words in lines)


def line(t: Transcript, seg: Turn) -> str:
    return f"{t.speaker_name(seg.speaker)}: {seg.text}"


def split_turn(seg: Turn, budget: int, size: int) -> list[Turn]:
    pieces = max(2, -(-size * 2 // budget))
    step = -(-len(seg.words) // pieces)
    out = []
    for i in range(0, len(seg.words), step):
        words = seg.words[i:i + step]
        out.append(Turn(start=words[0].start, end=words[-1].end, speaker=seg.speaker,
                        text=" ".join(w.word for w in words), words=words))
    return out
