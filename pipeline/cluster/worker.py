"""What runs on a Dask worker: one recording per task, with the worker's models loaded once.

A worker offers the resource `offrecord=1`, so it runs one recording at a time, and gives that
recording all of its threads (`--nthreads`). Its models live in a worker plugin for as long as
the worker does; they are loaded the first time a task needs them, like a local run's.
"""

from __future__ import annotations

import os
import socket
import traceback
from pathlib import Path

from distributed import WorkerPlugin, get_worker

from ..config import Config
from ..outputs.files import STATE_DIR
from ..run.batch import Input, run_batch
from ..run.cache import StageCache
from ..run.models import Models
from ..run.process import Shared
from ..run.progress import Reporter
from ..store import ModelStore

RESOURCE = "offrecord"
PLUGIN = "offrecord-models"


class ModelsPlugin(WorkerPlugin):
    """The worker's Models, one set per configuration a batch uses, closed with the worker."""

    def setup(self, worker):
        self.models: dict[str, Models] = {}

    def teardown(self, worker):
        for models in self.models.values():
            models.close()

    def get(self, cfg: Config) -> Models:
        key = cfg.model_dump_json()
        if key not in self.models:
            self.models[key] = Models(cfg, ModelStore(cfg.models.store, cfg.models.paths))
        return self.models[key]


def process_task(path: str, out_dir: str, cfg_json: str, label: str, out_root: str, force: bool) -> dict:
    """One recording on this worker. A failure of the recording is returned, not raised: Dask
    would otherwise count it against the worker, while it is the file's."""
    worker = get_worker()
    cfg = Config.model_validate_json(cfg_json)
    cfg = cfg.model_copy(update={"threads": worker.state.nthreads})
    models = worker.plugins[PLUGIN].get(cfg)
    cache = StageCache(Path(out_root) / STATE_DIR / "cache", read=not force)
    reply = {"worker": worker.address}

    def done(_, result, seconds: float) -> None:
        reply.update(ok=True, duration=result.duration, seconds=seconds)

    def failed(_, line: str) -> None:
        # the traceback stays on the worker unless it travels with the reply (the client shows it with -v)
        reply.update(ok=False, error=line, details=traceback.format_exc())

    run_batch([Input(Path(path), label)], Shared(cfg, models, Reporter(None), cache, index=False),
              out_dir=lambda _: Path(out_dir), done=done, failed=failed)
    return reply


def what_this_worker_lacks(paths: list[str], probe: str, model_names: list[str], store_json: str) -> list[str]:
    """Run on every worker before a batch: inputs and OUT must be on storage the worker sees,
    and its models installed. Returns the problems, one line each."""
    problems = []
    if not Path(probe).is_file():
        problems.append(f"cannot see the output folder's probe file {probe}")
    unseen = [p for p in paths if not os.access(p, os.R_OK)]
    if unseen:
        problems.append(f"cannot read {len(unseen)} input(s), e.g. {unseen[0]}")
    cfg = Config.model_validate_json(store_json)
    store = ModelStore(cfg.models.store, cfg.models.paths)
    missing = [name for name in model_names if name not in store.overrides and not store.is_installed(name)]
    if missing:
        problems.append(f"lacks the model(s) {', '.join(missing)} (run `offrecord models install` there)")
    return [f"on {socket.gethostname()} {p}" for p in problems]
