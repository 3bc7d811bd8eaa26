"""`offrecord run`, `transcribe` and `summarize`: recordings (or a transcript) in, outputs out."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import ConfigError, InputError
from .common import Context, config_option, model_store, settings
from .options import model_options, overrides, summary_options, transcript_options


def sample_path() -> Path:
    """The 30 s two-speaker call that pyannote.audio ships (so no recording lives in our repo)."""
    import importlib.util

    spec = importlib.util.find_spec("pyannote.audio")
    return Path(list(spec.submodule_search_locations)[0]) / "sample" / "sample.wav"


recursive_option = click.option("--recursive", is_flag=True,
                                help="For a FILE that is a folder, take the recordings in its subfolders too.")


@click.command()
@click.argument("files", nargs=-1, type=click.Path(readable=False, path_type=Path))
@transcript_options
@summary_options
@recursive_option
@click.option("--sample", is_flag=True, help="Also process the bundled 30 s sample call.")
@click.pass_obj
def run(obj: Context, files, recursive, sample, config_path, out, force, cluster, **options):
    """Transcribe, diarize and summarise each FILE into OUT/NAME/.

    A FILE that is a folder stands for the recordings in it, taken as `watch` takes them, in
    sorted order. Stage results are kept in OUT/.offrecord/cache: running again after a crash, or
    with another summary model, redoes only what changed."""
    sys.exit(run_files(obj, list(files) + ([sample_path()] if sample else []), config_path, Path(out),
                       overrides(**options), force, cluster, recursive))


@click.command()
@click.argument("files", nargs=-1, type=click.Path(readable=False, path_type=Path))
@transcript_options
@recursive_option
@click.pass_obj
def transcribe(obj: Context, files, recursive, config_path, out, force, cluster, **options):
    """Like `run`, without the summary."""
    sys.exit(run_files(obj, list(files), config_path, Path(out), overrides(**options, no_summary=True), force,
                       cluster, recursive))


def recordings(inputs: list[Path], extensions: list[str], recursive: bool) -> list[Path]:
    """Each folder among `inputs` as the recordings in it (those `watch` would take, sorted), each
    other path as given: a file named on purpose is tried whatever its name."""
    from ..watch.inputs import recordings_in

    files = []
    for path in inputs:
        if not path.is_dir():
            files.append(path)
            continue
        try:
            found = recordings_in(path, extensions, recursive)
        except OSError as e:
            raise InputError(f"{path}: cannot read the folder ({e.strerror or e})") from None
        if not found:
            deeper = not recursive and recordings_in(path, extensions, recursive=True)
            raise ConfigError(f"{path}: no recording in this folder"
                              + ("; add --recursive for those in its subfolders" if deeper else ""))
        files += found
    return files


def run_files(obj: Context, inputs: list[Path], config_path, out: Path, given: dict, force: bool = False,
              cluster: str | None = None, recursive: bool = False) -> int:
    from ..outputs.files import MODES, STATE_DIR, claim_output
    from ..run.check import check_settings

    if not inputs:
        obj.fail("no input files given (try `offrecord run --sample`)")
        return 2
    cfg = settings(config_path, given)
    files = recordings(inputs, cfg.watch.extensions, recursive)
    check_settings(cfg, model_store(cfg))  # before the stages' libraries load: a typo costs a second
    modes = MODES[cfg.output.mode]
    labels = [f"[{n}/{len(files)}] {path.name}" for n, path in enumerate(files, 1)]
    if cluster:
        from .cluster import run_on_cluster

        jobs = [(path, claim_output(out, path, modes), label) for path, label in zip(files, labels)]
        failures = run_on_cluster(obj, jobs, cfg, out, force, cluster)
    else:
        from ..run.batch import Input, run_batch
        from ..run.cache import StageCache
        from ..run.models import Models
        from ..run.process import Shared

        reporter = obj.reporter()
        models = Models(cfg, model_store(cfg), on_load=reporter.loading)
        try:
            shared = Shared(cfg, models, reporter, StageCache(out / STATE_DIR / "cache", read=not force))
            failures = run_batch([Input(path, label) for path, label in zip(files, labels)], shared,
                                 out_dir=lambda path: claim_output(out, path, modes),
                                 done=lambda item, result, seconds: reporter.done(item.label, result, seconds),
                                 failed=lambda _, line: obj.fail(line, reporter))
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
    from ..run.check import check_model, summary_template
    from ..run.models import Models

    chosen = {k: v for k, v in (("model", llm_model), ("seed", seed), ("template", template)) if v is not None}
    cfg = settings(config_path, {"summary": chosen})
    check_model(model_store(cfg), cfg.summary.model, "llm", "--llm-model")
    template_ = summary_template(cfg.summary.template)
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
