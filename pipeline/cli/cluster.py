"""`offrecord run --cluster`: the batch on Dask workers instead of this process."""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..errors import OffrecordError
from .common import Context


def open_cluster(obj: Context, address: str, inputs: list[Path], out: Path, cfg: Config):
    """Connected, and checked before any work: workers that see `inputs` and OUT, with the models."""
    try:
        from ..cluster.batch import Cluster
    except ImportError:
        raise OffrecordError("--cluster needs Dask: pip install 'offrecord[cluster]' "
                             "(or bash scripts/setup.sh --cluster)") from None
    cluster = Cluster(address)
    try:
        workers = cluster.check(inputs, out.resolve(), cfg)
    except BaseException:
        cluster.close()
        raise
    where = f"dashboard {cluster.dashboard}" if cluster.dashboard else "no dashboard (pip install bokeh)"
    obj.say(f"cluster {address}: {workers} worker(s), {where}")
    return cluster


def run_on_cluster(obj: Context, jobs: list[tuple[Path, Path, str]], cfg: Config, out: Path, force: bool,
                   address: str) -> int:
    """jobs: (input, output folder, label) for each recording. Returns how many failed."""
    from ..cluster.batch import BatchProgress
    from ..stages.decode import stated_duration

    cluster = open_cluster(obj, address, [path for path, _, _ in jobs], out, cfg)
    tasks = [cluster.task(path, out_dir, label) for path, out_dir, label in jobs]
    try:
        progress = BatchProgress(tasks, {t.path: stated_duration(t.path) for t in tasks})

        def report(outcome) -> None:
            batch = progress.add(outcome)
            if not outcome.ok:
                obj.fail(outcome.error)
            eta = f", about {batch['eta_seconds']} s left" if batch["eta_seconds"] is not None else ""
            state = f"done in {outcome.seconds:.1f}s on {outcome.worker} -> {outcome.task.out_dir}" if outcome.ok \
                else "failed"
            obj.say(f"{outcome.task.label}: {state} ({batch['files_done']} of {batch['files']} files, "
                    f"{batch['audio_hours_done']:.2f} of {batch['audio_hours']:.2f} h of audio, "
                    f"{batch['speed']:.1f}x real time{eta})")

        outcomes = cluster.run(tasks, cfg, out.resolve(), force, report)
    finally:
        cluster.close()
    return sum(not o.ok for o in outcomes)
