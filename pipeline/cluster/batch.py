"""A batch of recordings on a Dask cluster, seen from the client (this process).

Each recording is one task. Workers read the inputs and publish the outputs on storage that
every machine sees, exactly as a local run would (atomically, with the stage cache in
OUT/.offrecord); this process only submits, waits and keeps the record of what is done and what
failed, so the job database (watch) has one writer and is never written over a network
filesystem by workers. A worker killed mid-task leaves no partial output, and Dask runs the task
again elsewhere; after `distributed.scheduler.allowed-failures` deaths it is given up as failed.
The library index (search) is SQLite too: this process updates it as each recording is done.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .. import library
from ..config import Config
from ..errors import ConfigError, OffrecordError
from ..outputs.files import STATE_DIR, write_atomic
from .worker import PLUGIN, RESOURCE, ModelsPlugin, process_task, what_this_worker_lacks

log = logging.getLogger("offrecord.cluster")


@dataclass
class Task:
    path: Path  # absolute: workers do not share this process's working folder
    out_dir: Path
    label: str


@dataclass
class Outcome:
    task: Task
    ok: bool
    error: str | None = None
    duration: float = 0.0  # seconds of audio
    seconds: float = 0.0  # on the worker
    worker: str | None = None
    details: str | None = None  # a failure's traceback on the worker


class Cluster:
    """A client of a running scheduler (`tcp://host:8786`) or of a LocalCluster this process
    starts (`local:N`: N worker processes sharing this machine's cores)."""

    def __init__(self, address: str):
        from distributed import Client, LocalCluster

        if not logging.getLogger("offrecord").isEnabledFor(logging.INFO):
            logging.getLogger("distributed").setLevel(logging.ERROR)  # Dask's own chatter, unless -v
        self.local = None
        if address.startswith("local:"):
            try:
                n = int(address.removeprefix("local:"))
            except ValueError:
                n = 0
            if n < 1:
                raise ConfigError(f"--cluster {address}: expected local:N with N worker processes, e.g. local:2")
            dashboard = "127.0.0.1:0" if importlib.util.find_spec("bokeh") else None
            self.local = LocalCluster(n_workers=n, threads_per_worker=max(1, (os.cpu_count() or 1) // n),
                                      processes=True, host="127.0.0.1", dashboard_address=dashboard,
                                      resources={RESOURCE: 1}, silence_logs=logging.ERROR)
            self.client = Client(self.local)
        else:
            try:
                self.client = Client(address, timeout=20)
            except (OSError, TimeoutError) as e:
                raise OffrecordError(f"--cluster {address}: cannot reach the scheduler ({e})") from None
        self.client.register_plugin(ModelsPlugin(), name=PLUGIN)
        self._tasks: dict = {}  # future -> Task

    @staticmethod
    def task(path: Path, out_dir: Path, label: str) -> Task:
        # absolute, but through the same links as given: the transcript names the source as a
        # local run of the same paths does
        return Task(Path(os.path.abspath(path)), Path(os.path.abspath(out_dir)), label)

    @property
    def dashboard(self) -> str | None:
        """Dask's dashboard, when the scheduler serves one (it needs bokeh)."""
        return self.client.dashboard_link if self.client.scheduler_info().get("services", {}).get("dashboard") else None

    def close(self) -> None:
        self.client.close()
        if self.local is not None:
            self.local.close()

    def check(self, inputs: list[Path], out_root: Path, cfg: Config) -> int:
        """Before any work: workers that can run offrecord, that see every input (file or folder)
        and OUT, and that have the models. Returns the number of workers."""
        workers = self.client.scheduler_info(n_workers=-1)["workers"]
        able = [w for w in workers.values() if w.get("resources", {}).get(RESOURCE)]
        if not able:
            raise OffrecordError(f"no worker offers the resource {RESOURCE}=1 ({len(workers)} connected): start "
                                 f"workers with `dask worker SCHEDULER --resources {RESOURCE}=1 --nthreads CORES`")
        probe = out_root / STATE_DIR / f"cluster-probe-{uuid.uuid4().hex}"
        write_atomic(probe, "offrecord checks that every worker sees this folder\n")
        models = [cfg.asr.model]
        if cfg.diarization.enabled:
            models += [cfg.diarization.segmentation_model, cfg.diarization.embedding_model]
        if cfg.summary.enabled:
            models.append(cfg.summary.model)
        # an input missing here fails on its own, as in a local run; the others must be seen by all
        seen_here = [str(Path(p).resolve()) for p in inputs if Path(p).exists()]
        try:
            found = self.client.run(what_this_worker_lacks, seen_here, str(probe), models, cfg.model_dump_json(),
                                    workers=[a for a, w in workers.items() if w in able])
        finally:
            probe.unlink(missing_ok=True)
        problems = [f"worker {address} {line}" for address, lines in found.items() for line in lines]
        if problems:
            raise OffrecordError("the cluster cannot run this batch: " + "; ".join(problems[:3])
                                 + ("; ..." if len(problems) > 3 else "")
                                 + "; inputs and OUT must be on storage every worker sees (a shared filesystem)")
        return len(able)

    def submit(self, task: Task, cfg: Config, out_root: Path, force: bool):
        """One recording as a task on a worker that offers the offrecord resource (one at a time)."""
        future = self.client.submit(process_task, str(task.path), str(task.out_dir), cfg.model_dump_json(), task.label,
                                    str(out_root), force, resources={RESOURCE: 1}, pure=False,
                                    key=f"offrecord-{uuid.uuid4().hex}")
        self._tasks[future] = task
        return future

    def outcome(self, future, cfg: Config, out_root: Path) -> Outcome:
        """What became of a finished task's recording (the library told of it when it is done)."""
        from distributed.scheduler import KilledWorker

        task = self._tasks.pop(future)
        try:
            reply = future.result()
        except KilledWorker:
            reply = {"ok": False, "error": f"{task.path}: the workers processing it died repeatedly "
                                           "(out of memory, or killed); not tried again"}
        except Exception as e:  # the task could not run at all (a worker without our package, say)
            reply = {"ok": False, "error": f"{task.path}: could not run on the cluster ({type(e).__name__}: {e})"}
        outcome = Outcome(task, **reply)
        if outcome.ok:
            library.update(out_root, task.out_dir, cfg)
        elif outcome.details:
            log.info("details, on %s:\n%s", outcome.worker, outcome.details.rstrip())
        return outcome

    def run(self, tasks: list[Task], cfg: Config, out_root: Path, force: bool,
            on_done: Callable[[Outcome], None]) -> list[Outcome]:
        from distributed import as_completed

        outcomes = []
        for future in as_completed([self.submit(t, cfg, out_root, force) for t in tasks]):
            outcomes.append(self.outcome(future, cfg, out_root))
            on_done(outcomes[-1])
        return outcomes


class BatchProgress:
    """Files done of all, hours of audio done, throughput and time left, for a batch."""

    def __init__(self, tasks: Iterable[Task], durations: dict[Path, float | None]):
        self.tasks = list(tasks)
        self.total_audio = sum(d or 0.0 for d in durations.values())
        self.started = time.perf_counter()
        self.done = self.failed = 0
        self.audio_done = 0.0

    def add(self, outcome: Outcome) -> dict:
        self.done += 1
        self.failed += not outcome.ok
        self.audio_done += outcome.duration
        elapsed = time.perf_counter() - self.started
        speed = self.audio_done / elapsed if elapsed > 0 else 0.0
        left = self.total_audio - self.audio_done
        return {"files_done": self.done, "files": len(self.tasks), "failed": self.failed,
                "audio_hours_done": round(self.audio_done / 3600, 3), "audio_hours": round(self.total_audio / 3600, 3),
                "speed": round(speed, 2), "eta_seconds": round(left / speed) if speed > 0 and left > 0 else None}
