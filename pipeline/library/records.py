"""A published output folder read back as what the library keeps of it: the recording's title,
date, duration and speakers, and its moments (short passages of the transcript, and the
summary's items), each with the time it starts."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..data import Evidence, Summary, Transcript
from ..outputs.report import action_fields

# A passage is cut at the first sentence end after MIN_WORDS words, and at MAX_WORDS at the
# latest: a hit then points at the moment, not at the start of a five-minute monologue, and a
# passage still carries enough words for its meaning.
MIN_WORDS, MAX_WORDS = 20, 60
_SENTENCE_END = re.compile(r"[.?!][\"')\]]*$")


@dataclass
class Moment:
    kind: str  # "turn": a passage of the transcript; "summary": an item of summary.json
    text: str
    start: float | None  # None for a summary item that names no time
    end: float | None
    speaker: str = ""  # the speaker's display name (empty for summary items)
    turn: int | None = None  # index of the transcript turn (segment) the passage comes from
    times: list[float] = field(default_factory=list)  # start of each space-separated word of `text`


@dataclass
class Recording:
    folder: str  # the output folder's name inside OUT
    title: str
    source: str
    date: float  # seconds since the epoch: the recording file's modification time
    duration: float
    speakers: list[str]
    about: str  # one line on what it is about (from the summary; empty without one)
    report: bool  # whether the folder has report.html
    moments: list[Moment]


def signature(folder: Path) -> str | None:
    """What changes whenever the folder's outputs do: publishing swaps in a new folder (another
    inode), writing a file renames into it (its mtime), an editor may rewrite a file in place
    (its size and mtime). None when the folder holds no transcript.json to index."""
    try:
        parts = [_stat(folder), _stat(folder / "transcript.json")]
    except OSError:
        return None
    try:
        parts.append(_stat(folder / "summary.json"))
    except OSError:
        pass
    return "|".join(parts)


def _stat(path: Path) -> str:
    st = os.stat(path)
    return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


def read_recording(folder: Path) -> Recording:
    """Raises OSError, ValueError, KeyError or TypeError for a folder that cannot be read."""
    t = Transcript.from_dict(json.loads((folder / "transcript.json").read_text(encoding="utf-8")))
    summary = None
    if (folder / "summary.json").is_file():
        summary = Summary.from_dict(json.loads((folder / "summary.json").read_text(encoding="utf-8")))
    source = Path(t.source)
    try:
        date = source.stat().st_mtime
    except OSError:  # the recording was moved or deleted: when its transcript was written
        date = (folder / "transcript.json").stat().st_mtime
    moments = passages(t) + (summary_items(summary) if summary else [])
    return Recording(folder=folder.name, title=(summary.title if summary and summary.title else source.stem or folder.name),
                     source=t.source, date=date, duration=t.duration, speakers=[s.name for s in t.speakers],
                     about=_about(summary), report=(folder / "report.html").is_file(),
                     moments=moments)


def passages(t: Transcript) -> list[Moment]:
    out = []
    for index, turn in enumerate(t.segments):
        words = [w for w in turn.words if w.word.strip()]
        if not words:
            continue
        name = t.speaker_name(turn.speaker)
        chunk: list = []
        for n, w in enumerate(words):
            chunk.append(w)
            last = n == len(words) - 1
            if last or len(chunk) >= MAX_WORDS or (len(chunk) >= MIN_WORDS and _SENTENCE_END.search(w.word)):
                out.append(Moment("turn", " ".join(x.word.strip() for x in chunk), chunk[0].start, chunk[-1].end,
                                  name, index, [x.start for x in chunk]))
                chunk = []
    return out


def summary_items(s: Summary) -> list[Moment]:
    """The summary's items, each at its time as summary.md shows it: where its first passage
    starts (where it has evidence; what follows may point at words that passage leaves out)."""
    def at(evidence: list[Evidence]) -> float | None:
        return evidence[0].start if evidence else None

    items = [Moment("summary", s.title, None, None)] if s.title else []
    claims = ([s.about] if s.about else []) + s.overview + s.at_a_glance
    items += [Moment("summary", c.text, at(c.evidence), None) for c in claims if c.text]
    items += [Moment("summary", f"{i.title}. {i.text}", at(i.evidence), None) for i in s.ideas]
    items += [Moment("summary", q.text, q.start, q.end, q.speaker) for q in s.quotes]
    items += [Moment("summary", h.text, h.start, None) for h in s.highlights]
    for section in s.sections:
        value = section["value"]
        for v in [value] if isinstance(value, str) else value or []:
            evidence = Evidence.many(v.get("evidence")) if isinstance(v, dict) else []
            if isinstance(v, dict) and "task" in v:
                owner, task, due = action_fields(v)
                v = " ".join(x for x in (owner, task, due and f"(due {due})") if x)
            elif isinstance(v, dict):
                v = v.get("text", "")
            text = str(v)
            if text:
                items.append(Moment("summary", f"{section['title']}: {text}", at(evidence), None))
    unique = {(m.text, m.start): m for m in reversed(items)}  # a small model repeats itself: keep the first
    return list(reversed(unique.values()))


def _about(summary: Summary | None) -> str:
    """The library page's line on what a recording is about."""
    if summary is None:
        return ""
    return first_sentence(summary.about.text if summary.about else summary.overview_text)


def first_sentence(text: str, most: int = 200) -> str:
    text = " ".join(text.split())
    found = re.search(r"[.?!](\s|$)", text)
    line = text[:found.end()].strip() if found else text
    return line if len(line) <= most else line[:most - 1].rstrip() + "…"
