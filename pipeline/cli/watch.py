"""`offrecord watch` (a folder processed as recordings land in it) and `offrecord status`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..outputs.files import STATE_DIR
from ..text import printable
from .cluster import open_cluster
from .common import Context, finite, model_store, settings
from .options import overrides, summary_options, transcript_options


@click.command()
@click.argument("in_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@transcript_options
@summary_options
@click.option("--once", is_flag=True, help="Process what is there now, then exit (for cron or systemd timers).")
@click.option("--poll", type=click.FloatRange(min=0.1, max=86400), metavar="SECONDS",
              callback=lambda ctx, param, value: finite(value, param),
              help="Rescan every SECONDS instead of using file events (network filesystems).")
@click.option("--move-done", type=click.Path(file_okay=False, path_type=Path),
              help="Move each input here once processed (default: inputs are never touched).")
@click.option("--log-json", is_flag=True, help="Progress as JSON lines on stderr.")
@click.pass_obj
def watch(obj: Context, in_dir, config_path, out, force, cluster, once, poll, move_done, log_json, **options):
    """Process every recording that lands in IN_DIR into OUT, exactly once, until stopped.

    With --once, the exit status is 1 when a recording failed in this pass."""
    from ..run.check import check_settings
    from ..run.models import Models
    from ..watch.watcher import Watcher

    cfg = settings(config_path, overrides(**options))
    check_settings(cfg, model_store(cfg))
    reporter = obj.reporter(as_json=log_json)
    models = Models(cfg, model_store(cfg), on_load=reporter.loading)
    workers = open_cluster(obj, cluster, [in_dir], Path(out), cfg) if cluster else None
    watcher = Watcher(in_dir, Path(out), cfg, models, reporter, move_done=move_done, force=force, cluster=workers)
    if not once:
        obj.say(f"watching {watcher.in_dir} -> {watcher.out_dir} (Ctrl-C to stop)")
    try:
        watcher.run(once=once, poll=poll)
    finally:
        models.close()
        watcher.jobs.close()
        reporter.close()
        if workers is not None:
            workers.close()
    sys.exit(1 if once and watcher.failed_this_run else 0)


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
