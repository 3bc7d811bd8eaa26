"""report.html: the summary and the full transcript in one self-contained page.

Speakers are coloured; every timestamp (highlights, quotes, transcript turns) seeks the embedded
<audio> player, which points at the original recording by a relative path, so the page works
offline and the recording is never copied.
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path
from urllib.parse import quote

from ..data import Summary, Transcript
from ..text import clock

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]

STYLE = """
body{font:16px/1.55 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem;margin-bottom:.3rem} h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
audio{width:100%;position:sticky;top:0;background:#fff;padding:.4rem 0;z-index:1}
a.t{font:13px monospace;color:#555;text-decoration:none;background:#f2f2f2;border-radius:3px;padding:0 .3rem;cursor:pointer}
a.t:hover{background:#dde}
blockquote{margin:1rem 0;padding-left:1rem;border-left:4px solid #ccc}
.turn{margin:.5rem 0} .who{font-weight:600} .overlap{background:#fff3c4}
.meta{color:#666;font-size:.9rem}
"""

SCRIPT = r"""
const player = document.getElementById('player');
function seek(t) {
  const go = () => { player.currentTime = t; player.play().catch(() => {}); };
  if (player.readyState >= 1) go(); else { player.addEventListener('loadedmetadata', go, {once: true}); player.load(); }
}
document.addEventListener('click', e => {
  const link = e.target.closest('[data-t]');
  if (!link) return;
  e.preventDefault();
  seek(parseFloat(link.dataset.t));
});
// report.html#t=754 (a search result in the library page) opens the recording at that moment
function seekToHash() {
  const found = /^#t=(\d+(?:\.\d+)?)$/.exec(location.hash);
  if (!found) return;
  const t = parseFloat(found[1]);
  const before = [...document.querySelectorAll('#transcript [data-t]')].filter(a => parseFloat(a.dataset.t) <= t + 0.01);
  if (before.length) before[before.length - 1].scrollIntoView({block: 'center'});
  seek(t);
}
window.addEventListener('hashchange', seekToHash);
seekToHash();
"""


def action_fields(item: dict) -> tuple[str | None, str, str | None]:
    """(owner or None when unassigned, task, due date or None) of an action item."""
    owner = None if item["owner"] == "unassigned" else item["owner"]
    return owner, item["task"], item.get("due") or None


def _stamp(seconds: float) -> str:
    return f'<a class="t" href="#" data-t="{seconds:.3f}">{clock(seconds)}</a>'


def audio_src(source: str, out_dir: Path) -> str:
    """The recording as seen from the report's folder: relative if possible, else a file URI."""
    src = Path(source).resolve()
    try:
        return quote(os.path.relpath(src, Path(out_dir).resolve()))
    except ValueError:  # another drive (Windows)
        return src.as_uri()


def report_html(t: Transcript, s: Summary | None, out_dir: Path, src: str | None = None) -> str:
    """The page; `src` is what the player plays (an embedded recording's data: URI), by default
    the recording itself, by a path relative to `out_dir`."""
    colour = {sp.id: COLOURS[i % len(COLOURS)] for i, sp in enumerate(t.speakers)}
    title = s.title if s else f"Transcript: {Path(t.source).name}"
    parts = [f"<!doctype html><html lang=\"{escape(t.language)}\"><head><meta charset=\"utf-8\">",
             f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{escape(title)}</h1>",
             f"<p class=\"meta\">{escape(Path(t.source).name)} · {clock(t.duration)} · "
             + ", ".join(f'<span style="color:{colour[sp.id]}">{escape(sp.name)}</span>' for sp in t.speakers) + "</p>",
             f'<audio id="player" controls preload="metadata" src="{escape(src or audio_src(t.source, out_dir))}"></audio>']
    if s:
        # every claim links to the passage that supports it
        if s.about:
            parts.append(f'<p class="about"><b>What it\'s really about:</b> {_claim(s.about.text, s.about.evidence)}</p>')
        if s.overview:
            parts.append("<p>" + " ".join(_claim(c.text, c.evidence) for c in s.overview) + "</p>")
        if s.at_a_glance:
            parts.append("<h2>At a glance</h2><ul>" + "".join(f"<li>{_claim(b.text, b.evidence)}</li>"
                                                              for b in s.at_a_glance) + "</ul>")
        if s.ideas:
            parts.append("<h2>Ideas worth remembering</h2>"
                         + "".join(f"<p><b>{escape(i.title)}</b><br>{_claim(i.text, i.evidence)}</p>" for i in s.ideas))
        for section in s.sections:
            if section["value"]:
                parts.append(f"<h2>{escape(section['title'])}</h2>" + _section(section["value"], section.get("evidence")))
        if s.quotes:
            parts.append("<h2>Words worth saving</h2>" + "".join(
                f"<blockquote>{escape(q.text)}<br>— {escape(q.speaker)} {_stamp(q.start)}</blockquote>"
                for q in s.quotes))
        if s.highlights:
            parts.append('<h2>Highlights</h2><ul id="highlights">' + "".join(
                f"<li>{_stamp(h.start)} {escape(h.text)}</li>" for h in s.highlights) + "</ul>")
    parts.append('<h2>Transcript</h2><p class="meta">Words <span class="overlap">marked like this</span> were said '
                 'while someone else was speaking.</p><div id="transcript">')
    for seg in t.segments:
        words = " ".join(f'<span class="overlap">{escape(w.word)}</span>' if w.overlap else escape(w.word)
                         for w in seg.words)
        parts.append(f'<p class="turn">{_stamp(seg.start)} <span class="who" style="color:{colour.get(seg.speaker, "#000")}">'
                     f"{escape(t.speaker_name(seg.speaker))}</span>: {words}</p>")
    parts.append(f"</div><script>{SCRIPT}</script></body></html>")
    return "\n".join(parts)


def _claim(text: str, evidence) -> str:
    """A claim and a link to its first supporting passage (evidence as dataclasses or as dicts)."""
    if not evidence:
        return escape(text)
    first = evidence[0]
    return f"{escape(text)} {_stamp(first['start'] if isinstance(first, dict) else first.start)}"


def _section(value, evidence=None) -> str:
    if isinstance(value, str):
        return f"<p>{_claim(value, evidence)}</p>"
    items = []
    for v in value:
        if isinstance(v, dict) and "task" in v:
            owner, task, due = action_fields(v)
            items.append("<li>" + (f"<b>{escape(owner)}</b>: " if owner else "")
                         + _claim(task + (f" (due {due})" if due else ""), v.get("evidence")) + "</li>")
        elif isinstance(v, dict):
            items.append(f"<li>{_claim(v['text'], v.get('evidence'))}</li>")
        else:
            items.append(f"<li>{escape(str(v))}</li>")
    return "<ul>" + "".join(items) + "</ul>"
