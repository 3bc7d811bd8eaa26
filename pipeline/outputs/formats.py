"""Every output format, in one registry: the transcript as json, md, txt, srt, vtt; who spoke
when as RTTM; the summary as json and md; the report page. Text from outside (speaker names, file
names, template titles, what was said) is escaped as each format needs."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Callable

from pydantic import TypeAdapter, ValidationError

from ..data import Diarization, Summary, Transcript
from ..errors import InputError
from ..text import clock, one_line
from .embed import embedded_in
from .files import PRIVATE, Modes, update
from .report import action_fields, report_html
from .subtitles import cues


@dataclass
class Result:
    """What a recording's outputs are made from."""

    transcript: Transcript
    diarization: Diarization | None  # None when only the summary is being redone
    summary: Summary | None
    out_dir: Path
    audio_src: str | None = None  # what report.html plays: an embedded recording, or by default a link


def transcript_json(t: Transcript) -> str:
    return json.dumps(t.to_dict(), ensure_ascii=False, indent=1)


def read_transcript(path: Path) -> Transcript:
    """A transcript.json, which may have been edited by hand: every field is checked, and a
    problem is one line naming the field."""
    def finite(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"{text} is not a finite number")
        return value

    def refuse(name: str):
        raise ValueError(f"{name} is not a number")

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"), parse_float=finite, parse_constant=refuse)
        return TypeAdapter(Transcript).validate_python(data)
    except OSError as e:
        raise InputError(f"{path}: cannot read the transcript ({e.strerror or e})") from None
    except ValidationError as e:
        from ..config import explain  # here, not above: config.py takes OUTPUT_FORMATS from this module

        raise InputError(explain(e, f"{path}: not an offrecord transcript.json")) from None
    except ValueError as e:  # not JSON, not UTF-8
        raise InputError(f"{path}: not an offrecord transcript.json ({e})") from None


def _no_html(markdown: str) -> str:
    """Markdown with no HTML of its own: a name or title such as `<img onerror=...>` is shown as
    text, not run by the viewer. (The Markdown written here never uses < or & itself.)"""
    return markdown.replace("&", "&amp;").replace("<", "&lt;")


def transcript_md(t: Transcript) -> str:
    lines = [f"# Transcript: {one_line(Path(t.source).name)}", "",
             f"Duration {clock(t.duration)} · language `{t.language}` · speakers: "
             + ", ".join(one_line(s.name) for s in t.speakers), ""]
    for seg in t.segments:
        text = _mark_overlap(seg)
        lines += [f"**[{clock(seg.start)}] {t.speaker_name(seg.speaker)}:** {text}", ""]
    return _no_html("\n".join(lines))


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


def transcript_srt(t: Transcript) -> str:
    blocks = []
    for n, cue in enumerate(cues(t, prefix_names=True), 1):
        blocks.append(f"{n}\n{clock(cue.start, True, ',')} --> {clock(cue.end, True, ',')}\n" + "\n".join(cue.lines) + "\n")
    return "\n".join(blocks)


def transcript_vtt(t: Transcript) -> str:
    blocks = ["WEBVTT\n"]
    for cue in cues(t):
        # WebVTT cue text and voice names take & < > only as character references
        blocks.append(f"{clock(cue.start, True)} --> {clock(cue.end, True)}\n<v {_vtt(cue.speaker)}>"
                      + "\n".join(map(_vtt, cue.lines)) + "</v>\n")
    return "\n".join(blocks)


def _vtt(text: str) -> str:
    return escape(one_line(text), quote=False)


def speakers_rttm(uri: str, spans) -> str:
    return "".join(f"SPEAKER {_field(uri)} 1 {t.start:.3f} {t.end - t.start:.3f} <NA> <NA> {_field(t.speaker)} <NA> <NA>\n"
                   for t in spans)


def _field(text: str) -> str:
    """One field of a whitespace-separated line (RTTM): no spaces, tabs or newlines."""
    return one_line(text).replace(" ", "_") or "_"


def summary_json(s: Summary) -> str:
    return json.dumps(s.to_dict(), ensure_ascii=False, indent=1)


def summary_md(s: Summary) -> str:
    """Every claim is followed by the time of the passage that supports it."""
    lines = [f"# {s.title}", ""]
    if s.about:
        lines += [f"**What it's really about:** {_claim(s.about)}", ""]
    if s.overview:
        lines += [" ".join(_claim(c) for c in s.overview), ""]
    if s.at_a_glance:
        lines += ["## At a glance", ""] + [f"- {_claim(b)}" for b in s.at_a_glance] + [""]
    if s.ideas:
        lines += ["## Ideas worth remembering", ""]
        for idea in s.ideas:
            lines += [f"**{idea.title}**", "", _claim(idea), ""]
    for section in s.sections:
        value = section["value"]
        if not value:
            continue
        lines += [f"## {section['title']}", ""]
        if isinstance(value, str):
            lines += [value + _when(section.get("evidence")), ""]
        else:
            lines += [f"- {_item(v)}" for v in value] + [""]
    if s.quotes:
        lines += ["## Words worth saving", ""]
        for q in s.quotes:
            lines += [f"> {q.text}", ">", f"> — {q.speaker} [{clock(q.start)}]", ""]
    if s.highlights:
        lines += ["## Highlights", ""] + [f"- **{clock(h.start)}** {h.text}" for h in s.highlights] + [""]
    return _no_html("\n".join(lines))


def _when(evidence) -> str:
    """ [hh:mm:ss] of the first supporting passage (evidence as dataclasses or as summary.json dicts)."""
    if not evidence:
        return ""
    first = evidence[0]
    return f" [{clock(first['start'] if isinstance(first, dict) else first.start)}]"


def _claim(claim) -> str:
    return claim.text + _when(claim.evidence)


def _item(value) -> str:
    """A list item of a template section: text, or an action item."""
    if isinstance(value, dict):
        if "task" not in value:
            return value["text"] + _when(value.get("evidence"))
        owner, task, due = action_fields(value)
        return (f"**{owner}**: " if owner else "") + task + (f" (due {due})" if due else "") + _when(value.get("evidence"))
    return str(value)


# Every output file, by the format name that config.yaml's output.formats uses. The summary's
# files come with every summary; the others only when their format is asked for.
FORMATS: dict[str, list[tuple[str, Callable[[Result], str]]]] = {
    "json": [("transcript.json", lambda r: transcript_json(r.transcript))],
    "md": [("transcript.md", lambda r: transcript_md(r.transcript))],
    "txt": [("transcript.txt", lambda r: transcript_txt(r.transcript))],
    "srt": [("transcript.srt", lambda r: transcript_srt(r.transcript))],
    "vtt": [("transcript.vtt", lambda r: transcript_vtt(r.transcript))],
    "rttm": [("speakers.rttm", lambda r: speakers_rttm(Path(r.transcript.source).stem, r.diarization.spans))],
    "summary": [("summary.json", lambda r: summary_json(r.summary)), ("summary.md", lambda r: summary_md(r.summary))],
    "html": [("report.html", lambda r: report_html(r.transcript, r.summary, r.out_dir, r.audio_src))],
}
# The formats one may ask for (config.yaml's output.formats, --format): the summary's come with it.
OUTPUT_FORMATS = tuple(fmt for fmt in FORMATS if fmt != "summary")


def refresh(folder: Path, transcript: Transcript, summary: Summary | None, formats: list[str] | None = None,
            modes: Modes = PRIVATE) -> None:
    """Rewrite a published folder's outputs from an edited transcript or a new summary, in one
    swap: the formats given (default: every one already there), the summary's files when there is
    a summary. speakers.rttm is kept as it is (it names speakers by id, and the diarization
    behind it is not stored in the folder); an embedded recording stays embedded."""
    folder = Path(folder)
    there = [fmt for fmt, files in FORMATS.items() if fmt not in ("rttm", "summary")
             and all((folder / name).exists() for name, _ in files)]
    result = Result(transcript, None, summary, folder, embedded_in(folder / "report.html"))
    update(folder, render(result, there if formats is None else formats), modes)


def render(result: Result, formats: list[str]) -> dict[str, str]:
    """File name -> text of every output of `result` in the asked formats."""
    wanted = set(formats) | ({"summary"} if result.summary else set())
    if result.diarization is None:
        wanted.discard("rttm")
    return {name: write(result) for fmt, files in FORMATS.items() if fmt in wanted for name, write in files}
