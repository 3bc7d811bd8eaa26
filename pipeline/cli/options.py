"""The options several commands share, in groups, and how they become settings.

`run` takes the transcript and the summary options, `transcribe` only the transcript ones,
`watch` both; each option turns into the config.yaml key it overrides, so a flag and the file
mean the same thing.
"""

from __future__ import annotations

import click

from ..config import MAX_SPEAKERS
from ..outputs.formats import OUTPUT_FORMATS
from ..summary.templates import builtin_names


def _apply(options: list, f):
    for option in reversed(options):
        f = option(f)
    return f


def transcript_options(f):
    return _apply([
        click.option("--config", "config_path", type=click.Path(dir_okay=False),
                     help="A config.yaml (default: ~/.config/offrecord/config.yaml if present)."),
        click.option("--out", "out", type=click.Path(file_okay=False), default="offrecord-out", show_default=True,
                     help="Output folder; each input gets OUT/NAME/."),
        click.option("--language", help="Language code of the speech (en, de, fr, ...); default: detect it."),
        click.option("--num-speakers", type=click.IntRange(1, MAX_SPEAKERS),
                     help=f"Exact number of speakers, when known (at most {MAX_SPEAKERS})."),
        click.option("--min-speakers", type=click.IntRange(1, MAX_SPEAKERS),
                     help=f"At least this many speakers (at most {MAX_SPEAKERS})."),
        click.option("--max-speakers", type=click.IntRange(1, MAX_SPEAKERS),
                     help=f"At most this many speakers (at most {MAX_SPEAKERS})."),
        click.option("--speakers", help="Names: 'Ann,Bob' in order of first appearance, or 'SPEAKER_00=Ann'."),
        click.option("--asr-model", help="Speech model name from `offrecord models list`."),
        click.option("--no-diarization", is_flag=True, help="Treat the recording as one speaker."),
        click.option("--format", "formats", multiple=True, type=click.Choice(OUTPUT_FORMATS),
                     help="Formats to write (repeatable; default: all)."),
        click.option("--embed-audio", is_flag=True, default=None,
                     help="Put the recording (compressed) inside report.html, so the page plays anywhere."),
        click.option("--threads", type=click.IntRange(0), help="CPU threads (0: all cores)."),
        click.option("--force", is_flag=True, help="Recompute every stage instead of reusing stored results."),
        click.option("--cluster", metavar="ADDRESS",
                     help="Run each recording as a task on a Dask cluster: tcp://scheduler:8786, or local:N for N "
                          "worker processes here (needs offrecord[cluster])."),
    ], f)


def model_options(f):
    """How the summary is written: for `run`, `watch` and `summarize`."""
    return _apply([
        click.option("--llm-model", help="Summary model name from `offrecord models list`."),
        click.option("--template", help=f"Summary template: {', '.join(builtin_names())}, or a .yaml file."),
        click.option("--seed", type=int, help="Seed for the summary model (default 0: same input, same summary)."),
    ], f)


def summary_options(f):
    return _apply([click.option("--no-summary", is_flag=True, help="Transcript only.")], model_options(f))


def overrides(language=None, num_speakers=None, min_speakers=None, max_speakers=None, speakers=None, asr_model=None,
              no_diarization=False, formats=(), embed_audio=None, threads=None, no_summary=False, llm_model=None,
              template=None, seed=None) -> dict:
    """The settings that command-line options give, in config.yaml's shape."""
    o: dict = {"asr": {}, "diarization": {}, "summary": {}, "output": {}}
    if language:
        o["asr"]["language"] = language
    if asr_model:
        o["asr"]["model"] = asr_model
    for key, value in (("num_speakers", num_speakers), ("min_speakers", min_speakers), ("max_speakers", max_speakers)):
        if value is not None:
            o["diarization"][key] = value
    if no_diarization:
        o["diarization"]["enabled"] = False
    if speakers:
        o["speakers"] = {"names": parse_speakers(speakers)}
    if formats:
        o["output"]["formats"] = list(formats)
    if embed_audio:
        o["output"]["embed_audio"] = True
    if threads is not None:
        o["threads"] = threads
    if no_summary:
        o["summary"]["enabled"] = False
    if llm_model:
        o["summary"]["model"] = llm_model
    if template:
        o["summary"]["template"] = template
    if seed is not None:
        o["summary"]["seed"] = seed
    return o


def parse_speakers(text: str) -> list[str] | dict[str, str]:
    """'Ann,Bob' (in order of appearance) or 'SPEAKER_00=Ann,SPEAKER_01=Bob'."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if parts and all("=" in p for p in parts):
        return dict(tuple(x.strip() for x in p.split("=", 1)) for p in parts)
    return parts
