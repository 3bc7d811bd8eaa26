"""Transcript and summary files. Each is written to a temporary file and renamed into place, so
a reader (or a crash) never sees a half-written output."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .data import Summary, Transcript
from .errors import OutputError


def write_atomic(path: Path, text: str) -> None:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as e:
        raise OutputError(f"{path}: cannot write output ({e.strerror or e}); check the folder "
                          "exists, is writable and the disk has space") from None


def clock(seconds: float, millis: bool = False, sep: str = ".") -> str:
    total_ms = int(round(max(seconds, 0.0) * 1000))
    h, rem = divmod(total_ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}" if millis else f"{h:02d}:{m:02d}:{s:02d}"


def transcript_json(t: Transcript) -> str:
    return json.dumps(t.to_dict(), ensure_ascii=False, indent=1)


def transcript_md(t: Transcript) -> str:
    lines = [f"# Transcript: {Path(t.source).name}", "",
             f"Duration {clock(t.duration)} · language `{t.language}` · speakers: "
             + ", ".join(s.name for s in t.speakers), ""]
    for seg in t.segments:
        text = _mark_overlap(seg)
        lines += [f"**[{clock(seg.start)}] {t.speaker_name(seg.speaker)}:** {text}", ""]
    return "\n".join(lines)


def _mark_overlap(seg) -> str:
    """Words said over another speaker appear between ⟨ and ⟩ in Markdown."""
    out, inside = [], False
    for w in seg.words:
        if w.overlap and not inside:
            out.append("⟨" + w.word)
            inside = True
        elif not w.overlap and inside:
            out[-1] += "⟩"
            out.append(w.word)
            inside = False
        else:
            out.append(w.word)
    if inside:
        out[-1] += "⟩"
    return " ".join(out)


def transcript_txt(t: Transcript) -> str:
    return "\n\n".join(f"[{clock(s.start)}] {t.speaker_name(s.speaker)}: {s.text}" for s in t.segments) + "\n"


def _cues(t: Transcript, max_words: int = 14):
    """Subtitle cues: a speaker's turn cut into short lines."""
    for seg in t.segments:
        for i in range(0, len(seg.words), max_words):
            words = seg.words[i:i + max_words]
            yield words[0].start, words[-1].end, t.speaker_name(seg.speaker), " ".join(w.word for w in words)


def transcript_srt(t: Transcript) -> str:
    blocks = []
    for n, (start, end, name, text) in enumerate(_cues(t), 1):
        blocks.append(f"{n}\n{clock(start, True, ',')} --> {clock(end, True, ',')}\n{name}: {text}\n")
    return "\n".join(blocks)


def transcript_vtt(t: Transcript) -> str:
    blocks = ["WEBVTT\n"]
    for start, end, name, text in _cues(t):
        name = name.replace(">", "")
        blocks.append(f"{clock(start, True)} --> {clock(end, True)}\n<v {name}>{text}</v>\n")
    return "\n".join(blocks)


def speakers_rttm(uri: str, turns) -> str:
    uri = uri.replace(" ", "_")
    return "".join(f"SPEAKER {uri} 1 {t.start:.3f} {t.end - t.start:.3f} <NA> <NA> {t.speaker} <NA> <NA>\n"
                   for t in turns)


def summary_json(s: Summary) -> str:
    return json.dumps(s.to_dict(), ensure_ascii=False, indent=1)


def summary_md(s: Summary) -> str:
    lines = [f"# {s.title}", "", s.overview, ""]
    if s.at_a_glance:
        lines += ["## At a glance", ""] + [f"- {b}" for b in s.at_a_glance] + [""]
    if s.ideas:
        lines += ["## Ideas worth remembering", ""]
        for idea in s.ideas:
            lines += [f"**{idea.title}**", "", idea.text, ""]
    for section in s.sections:
        value = section["value"]
        if not value:
            continue
        lines += [f"## {section['title']}", ""]
        if isinstance(value, str):
            lines += [value, ""]
        else:
            lines += [f"- {_item(v)}" for v in value] + [""]
    if s.quotes:
        lines += ["## Words worth saving", ""]
        for q in s.quotes:
            lines += [f"> {q.text}", ">", f"> — {q.speaker} [{clock(q.start)}]", ""]
    if s.highlights:
        lines += ["## Highlights", ""] + [f"- **{clock(h.start)}** {h.text}" for h in s.highlights] + [""]
    return "\n".join(lines)


def action_fields(item: dict) -> tuple[str | None, str, str | None]:
    """(owner or None when unassigned, task, due date or None) of an action item."""
    owner = None if item["owner"] == "unassigned" else item["owner"]
    return owner, item["task"], item.get("due") or None


def _item(value) -> str:
    """A list item of a template section: text, or an action item."""
    if isinstance(value, dict):
        owner, task, due = action_fields(value)
        return (f"**{owner}**: " if owner else "") + task + (f" (due {due})" if due else "")
    return str(value)


TRANSCRIPT_WRITERS = {
    "json": ("transcript.json", transcript_json),
    "md": ("transcript.md", transcript_md),
    "txt": ("transcript.txt", transcript_txt),
    "srt": ("transcript.srt", transcript_srt),
    "vtt": ("transcript.vtt", transcript_vtt),
}
