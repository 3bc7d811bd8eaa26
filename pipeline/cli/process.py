"""`offrecord run`, `transcribe` and `summarize`: recordings (or a transcript) in, outputs out."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from ..errors import OffrecordError
from .common import FORMATS, Context, config_option, model_store, settings


def sample_path() -> Path:
    """The 30 s two-speaker call that pyannote.audio ships (so no recording lives in our repo)."""
    import importlib.util

    spec = importlib.util.find_spec("pyannote.audio")
    return Path(list(spec.submodule_search_locations)[0]) / "sample" / "sample.wav"


def overrides(language=None, num_speakers=None, min_speakers=None, max_speakers=None, speakers=None, asr_model=None,
              llm_model=None, no_summary=False, no_diarization=False, formats=(), threads=None, seed=None,
              template=None) -> dict:
    """The settings that command-line options give, in config.yaml's shape."""
    o: dict = {"asr": {}, "diarization": {}, "summary": {}}
    if template:
        o["summary"]["template"] = template
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
    if llm_model:
        o["summary"]["model"] = llm_model
    if no_summary:
        o["summary"]["enabled"] = False
    if seed is not None:
        o["summary"]["seed"] = seed
    if formats:
        o["output"] = {"formats": list(formats)}
    if threads is not None:
        o["threads"] = threads
    return o


def parse_speakers(text: str) -> list[str] | dict[str, str]:
    """'Ann,Bob' (in order of appearance) or 'SPEAKER_00=Ann,SPEAKER_01=Bob'."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if parts and all("=" in p for p in parts):
        return dict(tuple(x.strip() for x in p.split("=", 1)) for p in parts)
    return parts


def pipeline_options(f):
    options = [
        config_option,
        click.option("--out", "out", type=click.Path(file_okay=False), default="offrecord-out", show_default=True,
                     help="Output folder; each input gets OUT/NAME/."),
        click.option("--language", help="Force a language code (e.g. en, de); default: detect."),
        click.option("--num-speakers", type=click.IntRange(1), help="Exact number of speakers, when known."),
        click.option("--min-speakers", type=click.IntRange(1)),
        click.option("--max-speakers", type=click.IntRange(1)),
        click.option("--speakers", help="Names: 'Ann,Bob' in order of first appearance, or 'SPEAKER_00=Ann'."),
        click.option("--asr-model", help="Speech model name from `offrecord models list`."),
        click.option("--llm-model", help="Summary model name from `offrecord models list`."),
        click.option("--template", help="Summary template: podcast, meeting, lecture, interview, or a .yaml file."),
        click.option("--no-diarization", is_flag=True, help="Treat the recording as one speaker."),
        click.option("--format", "formats", multiple=True, type=click.Choice(FORMATS),
                     help="Formats to write (repeatable; default: all)."),
        click.option("--threads", type=click.IntRange(0), help="CPU threads (0: all cores)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@click.command()
@click.argument("files", nargs=-1, type=click.Path(readable=False, path_type=Path))
@pipeline_options
@click.option("--no-summary", is_flag=True, help="Transcript only.")
@click.option("--seed", type=int, help="Seed for the summary model (default 0: same input, same summary).")
@click.option("--sample", is_flag=True, help="Also process the bundled 30 s sample call.")
@click.option("--force", is_flag=True, help="Recompute every stage instead of reusing stored results.")
@click.pass_obj
def run(obj: Context, files, config_path, out, language, num_speakers, min_speakers, max_speakers, speakers,
        asr_model, llm_model, template, no_diarization, formats, threads, no_summary, seed, sample, force):
    """Transcribe, diarize and summarise each FILE into OUT/NAME/.

    Stage results are kept in OUT/.offrecord/cache: running again after a crash, or with another
    summary model, redoes only what changed."""
    given = overrides(language, num_speakers, min_speakers, max_speakers, speakers, asr_model, llm_model,
                      no_summary, no_diarization, formats, threads, seed, template)
    sys.exit(run_files(obj, list(files) + ([sample_path()] if sample else []), config_path, Path(out), given, force))


@click.command()
@click.argument("files", nargs=-1, type=click.Path(readable=False, path_type=Path))
@pipeline_options
@click.pass_obj
def transcribe(obj: Context, files, config_path, out, language, num_speakers, min_speakers, max_speakers,
               speakers, asr_model, llm_model, template, no_diarization, formats, threads):
    """Like `run`, without the summary."""
    given = overrides(language, num_speakers, min_speakers, max_speakers, speakers, asr_model, llm_model,
                      True, no_diarization, formats, threads, None)
    sys.exit(run_files(obj, list(files), config_path, Path(out), given))


def run_files(obj: Context, files: list[Path], config_path, out: Path, given: dict, force: bool = False) -> int:
    from ..outputs.files import MODES, STATE_DIR, claim_output
    from ..run.cache import StageCache
    from ..run.models import Models
    from ..run.process import process_file
    from ..run.progress import Reporter
    from ..stages.decode import check_readable

    if not files:
        obj.fail("no input files given (try `offrecord run --sample`)")
        return 2
    cfg = settings(config_path, given)
    models = Models(cfg, model_store(cfg))
    reporter = Reporter(None if obj.quiet else obj.say)
    cache = StageCache(out / STATE_DIR / "cache", read=not force)
    failures = 0
    try:
        for n, path in enumerate(files, 1):
            label = f"[{n}/{len(files)}] {path.name}"
            started = time.perf_counter()
            try:
                # the folder is chosen (and OUT checked writable) before any work on the file
                check_readable(path)
                out_dir = claim_output(out, path, MODES[cfg.output.mode])
                result = process_file(path, out_dir, cfg, models, reporter, label, cache)
            except OffrecordError as e:
                failures += 1
                obj.fail(str(e))
                continue
            except Exception as e:  # a bug or a library failure: still one line, other files go on
                failures += 1
                obj.fail(f"{path}: unexpected failure ({type(e).__name__}: {e}); rerun with -v for details")
                continue
            obj.say(f"{label}: done in {time.perf_counter() - started:.1f}s -> {result.out_dir}")
    finally:
        models.close()
    if len(files) > 1:
        obj.say(f"{len(files) - failures} of {len(files)} recordings processed; outputs in {out}")
    return 1 if failures else 0


@click.command()
@click.argument("transcript_json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@config_option
@click.option("--llm-model", help="Summary model name from `offrecord models list`.")
@click.option("--template", help="podcast, meeting, lecture, interview, or a .yaml template file.")
@click.option("--seed", type=int)
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for summary.json/.md (default: beside the transcript).")
@click.pass_obj
def summarize(obj: Context, transcript_json: Path, config_path, llm_model, template, seed, out):
    """(Re-)summarise a transcript.json without transcribing again."""
    from ..outputs.files import MODES, write_atomic
    from ..outputs.formats import read_transcript, summary_json, summary_md
    from ..run.models import Models
    from ..summary.templates import load_template

    chosen = {k: v for k, v in (("model", llm_model), ("seed", seed), ("template", template)) if v is not None}
    cfg = settings(config_path, {"summary": chosen})
    template_ = load_template(cfg.summary.template)
    transcript = read_transcript(transcript_json)
    models = Models(cfg, model_store(cfg))
    try:
        summary = models.summarizer.summarize(transcript, template_)
    finally:
        models.close()
    folder = out or transcript_json.parent
    modes = MODES[cfg.output.mode]
    write_atomic(folder / "summary.json", summary_json(summary), modes)
    write_atomic(folder / "summary.md", summary_md(summary), modes)
    obj.say(f"summary written to {folder / 'summary.md'}")
