"""Output folders made the way a run makes them (publish), from a few lines of speech."""

from __future__ import annotations

import os
from pathlib import Path

from offrecord.data import Speaker, Summary, Transcript, Turn, Word
from offrecord.outputs.files import publish
from offrecord.outputs.formats import Result, render


def transcript(source: Path, lines: list[tuple[str, float, str]], names: dict[str, str] | None = None) -> Transcript:
    """`lines`: (speaker id, start, text); each word lasts 0.4 s."""
    turns = []
    for speaker, start, text in lines:
        words = [Word(start + i * 0.4, start + i * 0.4 + 0.3, w, 0.9, speaker) for i, w in enumerate(text.split())]
        turns.append(Turn(words[0].start, words[-1].end, text, words, speaker))
    ids = list(dict.fromkeys(s for s, _, _ in lines))
    names = names or {}
    return Transcript(str(source), max(t.end for t in turns) + 1.0, "en", {},
                      [Speaker(i, names.get(i, i)) for i in ids], turns)


def publish_recording(out: Path, name: str, t: Transcript, summary: Summary | None = None,
                      date: float | None = None) -> Path:
    """OUT/name/ with transcript.json (and summary, report.html); `date` sets the recording
    file's modification time, which is the recording's date."""
    source = Path(t.source)
    if not source.exists():
        source.write_bytes(b"")
    if date is not None:
        os.utime(source, (date, date))
    folder = out / name
    publish(folder, render(Result(t, None, summary, folder), ["json", "html"]))
    return folder
