"""`offrecord rename`: speakers renamed across every output of a recording, with no model."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import ConfigError, OffrecordError
from .common import Context, config_option, settings


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("changes", nargs=-1, required=True, metavar="'OLD=NEW'...")
@config_option
@click.pass_obj
def rename(obj: Context, folder: Path, changes, config_path):
    """Rename speakers in a recording's outputs: transcript files, summary and report, at once.

    OLD is the name shown today ("Speaker 1") or the speaker's id (SPEAKER_00). The names are
    kept: a later `summarize`, or a rerun into the same folder, uses them.

    \b
    offrecord rename notes/standup "Speaker 1=Ann" "Speaker 2=Bob"
    """
    from .. import library
    from ..data import Summary
    from ..outputs.files import MODES
    from ..outputs.formats import read_transcript, refresh
    from ..stages.naming import renamed

    pairs = {}
    for change in changes:
        old, sep, new = change.partition("=")
        if not sep:
            raise ConfigError(f"'{change}': write each change as OLD=NEW, e.g. \"Speaker 1=Ann\"")
        pairs[old.strip()] = new
    if not (folder / "transcript.json").is_file():
        raise OffrecordError(f"{folder}: no transcript.json here (not an offrecord output folder)")
    transcript = read_transcript(folder / "transcript.json")
    summary = None
    if (folder / "summary.json").exists():
        try:
            summary = Summary.from_dict(json.loads((folder / "summary.json").read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError) as e:
            raise OffrecordError(f"{folder / 'summary.json'}: not an offrecord summary.json ({e})") from None
    transcript, summary = renamed(transcript, summary, pairs)
    cfg = settings(config_path)
    refresh(folder, transcript, summary, modes=MODES[cfg.output.mode])
    library.update(folder.parent, folder, cfg)
    obj.say(f"{folder}: " + ", ".join(f"{s.id} is {s.name}" for s in transcript.speakers))
