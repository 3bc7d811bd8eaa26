"""`offrecord run`, `transcribe` and `summarize`: recordings (or a transcript) in, outputs out."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from ..errors import OffrecordError
from .common import Context, config_option, model_store, settings
from .options import model_options, overrides, summary_options, transcript_options


def sample_path() -> Path:
    """The 30 s two-speaker call that pyannote.audio ships (so no recording lives in our repo)."""
    import importlib.util

    spec = importlib.util.find_spec("pyannote.audio")
    return Path(list(spec.submodule_search_locations)[0]) / "sample" / "sample.wav"


@click.command()
@click.argument("files", nargs=-1, type=click.Path(readable=False, path_type=Path))
@transcript_options
@summary_options
@click.option("--sample", is_flag=True, help="Also process the bundled 30 s sample call.")
@click.pass_obj
def run(obj: Context, files, sample, config_path, out, force, cluster, **options):
    """Transcribe, diarize and summarise each FILE into OUT/NAME/.

    Stage results are kept in OUT/.offrecord/cache: running again after a crash, or with another
    summary model, redoes only what changed."""
    sys.exit(run_files(obj, list(files) + ([sample_path()] if sample else []), config_path, Path(out),
                       overrides(**options), force, cluster))


@click.command()
@click.argument("files", nargs=-1, type=click.Path(readable=False, path_type=Path))
@transcript_options
@click.pass_obj
def transcribe(obj: Context, files, config_path, out, force, cluster, **options):
    """Like `run`, without the summary."""
    sys.exit(run_files(obj, list(files), config_path, Path(out), overrides(**options, no_summary=True), force,
                       cluster))


def run_files(obj: Context, files: list[Path], config_path, out: Path, given: dict, force: bool = False,
              cluster: str | None = None) -> int:
    from ..outputs.files import MODES, STATE_DIR, claim_output
    from ..run.check import check_settings

    if not files:
        obj.fail("no input files given (try `offrecord run --sample`)")
        return 2
    cfg = settings(config_path, given)
    check_settings(cfg, model_store(cfg))  # before the stages' libraries load: a typo costs a second
    modes = MODES[cfg.output.mode]
    labels = [f"[{n}/{len(files)}] {path.name}" for n, path in enumerate(files, 1)]
    if cluster:
        from .cluster import run_on_cluster

        jobs = [(path, claim_output(out, path, modes), label) for path, label in zip(files, labels)]
        return run_on_cluster(obj, jobs, cfg, out, force, cluster)
    from ..run.cache import StageCache
    from ..run.models import Models
    from ..run.process import transcribe_file
    from ..stages.decode import check_readable

    reporter = obj.reporter()
    models = Models(cfg, model_store(cfg), on_load=reporter.loading)
    cache = StageCache(out / STATE_DIR / "cache", read=not force)
    failures = 0

    def failed(path: Path, e: Exception) -> None:
        nonlocal failures
        failures += 1
        if isinstance(e, OffrecordError):
            obj.fail(str(e), reporter)
        else:  # a bug or a library failure: still one line, other files go on
            obj.fail(f"{path}: unexpected failure ({type(e).__name__}: {e}); rerun with -v for details", reporter)

    try:
        # stage by stage: every transcript, then every summary, so each stage's models load once
        # and never share the memory with the other's
        pending = []
        for path, label in zip(files, labels):
            started = time.perf_counter()
            try:
                # the folder is chosen (and OUT checked writable) before any work on the file
                check_readable(path)
                out_dir = claim_output(out, path, modes)
                pending.append((path, label, transcribe_file(path, out_dir, cfg, models, reporter, label, cache),
                                time.perf_counter() - started))
            except Exception as e:
                failed(path, e)
        for path, label, part, spent in pending:
            started = time.perf_counter()
            try:
                result = part.finish()
            except Exception as e:
                failed(path, e)
                continue
            reporter.done(label, result, spent + time.perf_counter() - started)
    finally:
        models.close()
        reporter.close()
    if len(files) > 1:
        obj.say(f"{len(files) - failures} of {len(files)} recordings processed; outputs in {out}")
    return 1 if failures else 0


@click.command()
@click.argument("transcript_json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@config_option
@model_options
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the summary and report (default: the transcript's own folder).")
@click.pass_obj
def summarize(obj: Context, transcript_json: Path, config_path, llm_model, template, seed, out):
    """(Re-)summarise a transcript.json without transcribing again.

    summary.json, summary.md and report.html are rewritten together."""
    from .. import library
    from ..outputs.files import MODES
    from ..outputs.formats import read_transcript, refresh
    from ..run.check import check_model
    from ..run.models import Models
    from ..summary.templates import load_template

    chosen = {k: v for k, v in (("model", llm_model), ("seed", seed), ("template", template)) if v is not None}
    cfg = settings(config_path, {"summary": chosen})
    check_model(model_store(cfg), cfg.summary.model, "llm", "--llm-model")
    template_ = load_template(cfg.summary.template)
    transcript = read_transcript(transcript_json)
    models = Models(cfg, model_store(cfg))
    try:
        summary = models.summarizer.summarize(transcript, template_)
    finally:
        models.close()
    folder = out or transcript_json.parent
    refresh(folder, transcript, summary, ["html"], MODES[cfg.output.mode])
    library.update(folder.parent, folder, cfg)
    obj.say(f"summary written to {folder / 'summary.md'} (and {folder / 'report.html'})")
