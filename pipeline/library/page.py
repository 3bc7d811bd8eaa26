"""OUT/index.html: every recording, newest first, and a search box over all their transcripts.

The page needs no server and works from file://: the recordings and their passages are embedded
in it as JSON and searched by its own script. A result opens the recording's report.html at the
moment (report.html#t=SECONDS seeks its player there).
"""

from __future__ import annotations

import json
import time
from html import escape
from pathlib import Path
from urllib.parse import quote

from ..outputs.files import PRIVATE, Modes, write_atomic
from ..text import clock
from .index import Index

STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem} input{font-size:1.1rem;width:100%;padding:.4rem;box-sizing:border-box}
table{border-collapse:collapse;width:100%;margin-top:1.5rem} td,th{text-align:left;padding:.35rem .5rem;vertical-align:top}
tr+tr td{border-top:1px solid #eee} .meta,.about{color:#666;font-size:.9rem} .about{display:block}
#results li{margin:.5rem 0} mark{background:#ffe58a} .t{font:13px monospace;color:#555}
"""

SCRIPT = r"""
const data = JSON.parse(document.getElementById('library').textContent);
const box = document.getElementById('q'), list = document.getElementById('results'), count = document.getElementById('count');
const clock = s => new Date(s * 1000).toISOString().slice(11, 19);
const WORD = /[\p{L}\p{N}]+/gu, SEP = '[^\\p{L}\\p{N}]+';
const esc = s => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
function patterns(query) {
  // "a phrase" matches those words in a row; any other word matches the start of a word
  const out = [];
  for (const m of query.matchAll(/"([^"]*)"?|(\S+)/g)) {
    const words = ((m[1] !== undefined ? m[1] : m[2]).toLowerCase().match(WORD) || []).map(esc);
    if (words.length) out.push(new RegExp('(?<![\\p{L}\\p{N}])' + words.join(SEP), 'giu'));
  }
  return out;
}
function marked(text, found) {
  const span = document.createElement('span');
  let at = 0;
  for (const [start, end] of found) {
    if (start < at) continue;
    span.append(text.slice(at, start));
    const mark = document.createElement('mark');
    mark.textContent = text.slice(start, end);
    span.append(mark);
    at = end;
  }
  span.append(text.slice(at));
  return span;
}
function run() {
  const res = patterns(box.value);
  list.replaceChildren();
  if (!res.length) { count.textContent = ''; return; }
  let shown = 0, total = 0;
  for (const [r, start, speaker, text] of data.moments) {
    const found = [];
    if (!res.every(re => { re.lastIndex = 0; let m, any = false;
        while ((m = re.exec(text))) { found.push([m.index, m.index + m[0].length]); any = true; }
        return any; })) continue;
    total++;
    if (shown >= 200) continue;
    shown++;
    const rec = data.recordings[r], li = document.createElement('li');
    const head = document.createElement(rec.report ? 'a' : 'span');
    if (rec.report) head.href = rec.report + '#t=' + start.toFixed(2);
    head.textContent = rec.title + ' · ' + clock(start) + (speaker ? ' · ' + speaker : '');
    head.className = 'hit';
    li.append(head, document.createElement('br'), marked(text, found.sort((a, b) => a[0] - b[0])));
    list.append(li);
  }
  const more = total > shown ? ', the first ' + shown + ' shown' : '';
  count.textContent = total ? total + ' moment' + (total > 1 ? 's' : '') + more : 'no matches';
}
box.addEventListener('input', run);
run();
"""


# Inside <script> the HTML parser ends the element at "</script" and changes state at "<!--", so
# no "<" may reach it; "&", ">" and the two line separators (which end a line in older JavaScript)
# go too. The escapes are JSON's own: JSON.parse reads back exactly the value.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def script_json(value) -> str:
    """`value` as JSON that can sit inside a <script> element whatever its strings hold."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_SAFE)


def write_page(out_root: Path, index: Index, modes: Modes = PRIVATE) -> None:
    write_atomic(Path(out_root) / "index.html", page_html(index), modes)


def page_html(index: Index) -> str:
    recordings, numbers = [], {}
    rows = index.db.execute("SELECT id, folder, title, date, duration, speakers, about, report FROM recordings "
                            "ORDER BY date DESC, folder").fetchall()
    for n, (rid, folder, title, date, duration, speakers, about, report) in enumerate(rows):
        numbers[rid] = n
        recordings.append({"title": title, "date": time.strftime("%Y-%m-%d %H:%M", time.localtime(date)),
                           "duration": clock(duration), "speakers": json.loads(speakers), "about": about,
                           "report": f"{quote(folder)}/report.html" if report else None})
    moments = [[numbers[rid], round(start, 2), speaker, text] for rid, start, speaker, text in index.db.execute(
        "SELECT recording, start, speaker, text FROM moments WHERE kind = 'turn' ORDER BY recording, start")]
    data = script_json({"recordings": recordings, "moments": moments})
    table = "".join(
        "<tr><td>" + (f'<a href="{escape(r["report"])}">{escape(r["title"])}</a>' if r["report"] else escape(r["title"]))
        + (f'<span class="about">{escape(r["about"])}</span>' if r["about"] else "")
        + f'</td><td class="meta">{r["date"]}</td><td class="meta">{r["duration"]}</td>'
        f'<td class="meta">{escape(", ".join(r["speakers"]))}</td></tr>' for r in recordings)
    return "\n".join([
        '<!doctype html><html><head><meta charset="utf-8"><title>Recordings</title>',
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Recordings</h1><p class=\"meta\">{len(recordings)} recording{'s' if len(recordings) != 1 else ''}, "
        "searched in this page: nothing leaves this computer.</p>",
        '<input id="q" type="search" placeholder="Search every transcript: words, &quot;a phrase&quot;" autofocus>',
        '<p id="count" class="meta"></p><ol id="results"></ol>',
        '<table id="recordings"><tr><th>Recording</th><th>Date</th><th>Length</th><th>Speakers</th></tr>',
        table, "</table>",
        f'<script type="application/json" id="library">{data}</script>',
        f"<script>{SCRIPT}</script></body></html>"])
