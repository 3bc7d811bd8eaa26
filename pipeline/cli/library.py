"""`offrecord search` (moments across every recording of an output folder) and `offrecord index`."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import click

from ..config import Config
from ..errors import LibraryError, OffrecordError
from ..outputs.files import MODES
from ..text import clock
from .common import config_option, settings

DEFAULT_OUT = "offrecord-out"
out_argument = click.argument("out", required=False, default=DEFAULT_OUT,
                              type=click.Path(file_okay=False, path_type=Path))


def filter_options(f):
    """Which recordings and speakers a search (or a question) covers: `search`'s and `ask`'s."""
    for option in reversed([
        click.option("--speaker", help="Only what this speaker said (their name in the transcript)."),
        click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Recordings made on or after this day (YYYY-MM-DD)."),
        click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Recordings made on or before this day."),
        click.option("--recording", help="Only recordings whose folder name or title contains this."),
    ]):
        f = option(f)
    return f


def filters(speaker, since, until, recording):
    """The filter options as search takes them: --until's whole day included."""
    from ..library.search import Filters

    return Filters(speaker, since.timestamp() if since else None,
                   (until + timedelta(days=1)).timestamp() if until else None, recording)


def open_library(out: Path, cfg: Config, embedder):
    """OUT's library index, caught up with its folders; a LibraryError when there is nothing in
    it to search."""
    from ..library import synced
    from ..library.index import index_path, recording_folders

    if not out.is_dir():
        raise LibraryError(f"{out}: no such output folder (give the folder that `offrecord run --out` wrote to)")
    if not (index_path(out).exists() or recording_folders(out)):
        raise LibraryError(f"{out}: no library here (no index, and no recordings with a transcript.json)")
    index = synced(out, embedder, modes=MODES[cfg.output.mode])
    if not index.db.execute("SELECT count(*) FROM recordings").fetchone()[0]:
        index.close()
        raise LibraryError(f"{out}: the library is empty (no recordings with a transcript.json here)")
    return index


def moment_row(h, out: Path) -> dict:
    """A moment as --json shows it."""
    from ..library.search import MARK_END, MARK_START

    return dict(h.__dict__, snippet=h.snippet.replace(MARK_START, "[").replace(MARK_END, "]"),
                date=datetime.fromtimestamp(h.date).isoformat(timespec="seconds"),
                report=str(out / h.folder / "report.html") if h.report else None)


def show_moments(hits, out: Path) -> None:
    """Each moment in two lines: where (with a link to its time in report.html), then the
    passage with its matched words marked (in bold on a terminal)."""
    from ..library.search import MARK_END, MARK_START

    tty = sys.stdout.isatty()
    start, end = (click.style("", bold=True, reset=False), click.style("", reset=True)) if tty else ("[", "]")
    for h in hits:
        at = clock(h.start) if h.start is not None else "--:--:--"
        who = h.speaker or ("summary" if h.kind == "summary" else "")
        click.echo(f"{h.title} · {time.strftime('%Y-%m-%d', time.localtime(h.date))} · {at}"
                   + (f" · {who}" if who else "") + (f"  ({out / h.folder / 'report.html'}#t={h.start:.1f})"
                                                      if h.report and h.start is not None else ""))
        click.echo("    " + h.snippet.replace(MARK_START, start).replace(MARK_END, end))


@click.command()
@click.argument("query")
@out_argument
@filter_options
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True, help="Show at most this many moments.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@config_option
def search(query, out, speaker, since, until, recording, limit, as_json, config_path):
    """Moments where QUERY was said (or meant) in any recording of OUT (default: offrecord-out).

    Words match any form ("discuss" finds "discussed"); "a phrase" matches those words in a row;
    batt* matches words starting with "batt". Plain words are also searched by meaning."""
    from ..library.meaning import embedder_for
    from ..library.query import parse
    from ..library.search import search as find

    parsed = parse(query)
    if parsed is None:
        raise OffrecordError(f"nothing to search for in {query!r}: give a word or a \"phrase\"")
    cfg = settings(config_path)
    embedder = None if parsed.literal else embedder_for(cfg)
    index = open_library(out, cfg, embedder)
    try:
        hits = find(index, parsed, filters(speaker, since, until, recording), embedder, limit)
    finally:
        index.close()
    if not hits:
        click.echo("no matches", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps([moment_row(h, out) for h in hits], indent=1, ensure_ascii=False))
    else:
        show_moments(hits, out)


@click.command("index")
@out_argument
@config_option
def index(out, config_path):
    """Rebuild OUT's library index (OUT/.offrecord/library.sqlite) and OUT/index.html from its folders."""
    from ..library import synced
    from ..library.meaning import embedder_for

    if not out.is_dir():
        raise LibraryError(f"{out}: no such output folder")
    started = time.perf_counter()
    cfg = settings(config_path)
    index = synced(out, embedder_for(cfg), rebuild=True, modes=MODES[cfg.output.mode])
    try:
        count = index.db.execute("SELECT count(*) FROM recordings").fetchone()[0]
    finally:
        index.close()
    click.echo(f"{count} recording{'s' if count != 1 else ''} indexed in {time.perf_counter() - started:.1f}s; "
               f"open {out / 'index.html'}", err=True)
