"""`offrecord watch` (a folder processed as recordings land in it) and `offrecord status`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..outputs.files import STATE_DIR
from ..text import printable
from .common import Context, finite, model_store, settings
from .process import overrides, pipeline_options


@click.command()
@click.argument("in_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@pipeline_options
@click.option("--no-summary", is_flag=True, help="Transcript only.")
@click.option("--once", is_flag=True, help="Process what is there now, then exit (for cron or systemd timers).")
@click.option("--poll", type=click.FloatRange(min=0.1, max=86400), callback=lambda ctx, param, value: finite(value, param),
              help="Rescan every SECONDS instead of using file events (network filesystems).")
@click.option("--move-done", type=click.Path(file_okay=False, path_type=Path),
              help="Move each input here once processed (default: inputs are never touched).")
@click.option("--force", is_flag=True, help="Recompute every stage instead of reusing stored results.")
@click.option("--log-json", is_flag=True, help="Progress as JSON lines on stderr.")
@click.pass_obj
def watch(obj: Context, in_dir, config_path, out, language, num_speakers, min_speakers, max_speakers, speakers,
          asr_model, llm_model, template, no_diarization, formats, threads, no_summary, once, poll, move_done, force,
          log_json):
    """Process every recording that lands in IN_DIR into OUT, exactly once, until stopped."""
    from ..run.models import Models
    from ..run.progress import Reporter
    from ..watch.watcher import Watcher

    cfg = settings(config_path, overrides(language, num_speakers, min_speakers, max_speakers, speakers, asr_model,
                                          llm_model, no_summary, no_diarization, formats, threads, None, template))
    models = Models(cfg, model_store(cfg))
    watcher = Watcher(in_dir, Path(out), cfg, models, Reporter(None if obj.quiet else obj.say, log_json),
                      move_done=move_done, force=force)
    if not once:
        obj.say(f"watching {watcher.in_dir} -> {watcher.out_dir} (Ctrl-C to stop)")
    try:
        watcher.run(once=once, poll=poll)
    finally:
        models.close()
        watcher.jobs.close()


@click.command()
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(out_dir, as_json):
    """What a watch folder's output holds: done, failed (with the reason), in progress."""
    from ..errors import OffrecordError
    from ..watch.jobs import JobStore

    db = out_dir / STATE_DIR / "jobs.sqlite"
    if not db.exists():
        raise OffrecordError(f"{out_dir}: no job database here (not an `offrecord watch` output folder)")
    jobs = JobStore(db).all()
    if as_json:
        click.echo(json.dumps([j.__dict__ for j in jobs], indent=1))
        return
    counts = {state: sum(j.status == state for j in jobs) for state in ("done", "failed", "running", "pending")}
    click.echo(f"{counts['done']} done, {counts['failed']} failed, {counts['running']} in progress, "
               f"{counts['pending']} waiting")
    for j in jobs:
        if j.status != "done":
            click.echo(printable(f"{j.status:<8} {j.path} (attempt {j.attempts}){': ' + j.error if j.error else ''}"))
