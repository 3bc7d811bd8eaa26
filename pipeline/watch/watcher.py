"""The watch folder: every recording that lands in IN_DIR is processed once into OUT_DIR.

A file is taken only once it is stable: the same size and modification time for
`watch.settle_seconds` in a row, so a recording still being copied is never read half-written.
Job state lives in OUT_DIR/.offrecord/jobs.sqlite (jobs.py) and stage results in the stage
cache, so a watcher killed at any moment resumes where it stopped. A file that fails is retried
with growing pauses, `watch.max_attempts` times in all, then left as failed with its reason;
it never blocks the others. Inputs are only read, unless --move-done is given.
"""

from __future__ import annotations

import shutil
import signal
import threading
import time
from pathlib import Path

from ..config import Config
from ..errors import OffrecordError
from ..outputs.files import STATE_DIR
from ..run.cache import StageCache, settings_hash
from ..run.models import Models
from ..run.process import output_settings, process_file
from ..run.progress import Reporter
from ..system import sha256_of
from .jobs import Job, JobStore

# Names that copy tools and editors use for files still being written.
UNFINISHED_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", ".swp", "~")
SAFETY_RESCAN_SECONDS = 60.0  # even with file events, look again now and then (missed events)


def job_settings_hash(cfg: Config) -> str:
    return settings_hash(output_settings(cfg))[:16]


class Watcher:
    def __init__(self, in_dir: Path, out_dir: Path, cfg: Config, models: Models, reporter: Reporter,
                 move_done: Path | None = None, force: bool = False, cluster=None):
        self.in_dir = Path(in_dir).resolve()
        self.out_dir = Path(out_dir).resolve()
        self.cfg = cfg
        self.models = models
        self.reporter = reporter
        self.move_done = Path(move_done).resolve() if move_done else None
        state = self.out_dir / STATE_DIR
        self.jobs = JobStore(state / "jobs.sqlite")
        self.cache = StageCache(state / "cache", read=not force)
        self.force = force
        self.cluster = cluster  # a cluster.batch.Cluster: recordings become tasks on its workers
        self.pending: dict = {}  # cluster future -> (job, path)
        self.settings = job_settings_hash(cfg)
        self.seen: dict[Path, tuple[int, float, float]] = {}  # path -> (size, mtime, unchanged since)
        self.failed_this_run = 0

    def _candidates(self):
        skip = [d for d in (self.out_dir, self.move_done) if d is not None]
        for path in sorted(self.in_dir.rglob("*")):
            rel = path.relative_to(self.in_dir)
            if any(part.startswith(".") for part in rel.parts) or path.name.endswith(UNFINISHED_SUFFIXES):
                continue
            if any(path == d or d in path.parents for d in skip) or not path.is_file():
                continue
            yield path

    def scan(self) -> bool:
        """Process every stable file that has no finished job. True while files are still settling."""
        settling = False
        now = time.monotonic()
        for path in self._candidates():
            try:
                st = path.stat()
            except OSError:
                continue  # gone, or unreadable between listing and looking
            signature = (st.st_size, st.st_mtime)
            previous = self.seen.get(path)
            if previous is None or previous[:2] != signature:
                self.seen[path] = (*signature, now)
                settling = True
                continue
            if now - previous[2] < self.cfg.watch.settle_seconds:
                settling = True
                continue
            self._consider(path, *signature)
        return settling

    def _consider(self, path: Path, size: int, mtime: float) -> None:
        content = self.jobs.known_content(path, size, mtime)
        if content is None:
            try:
                content = sha256_of(path)
            except OSError as e:
                self.reporter.event(path.name, "skipped", reason=f"cannot read ({e.strerror})")
                return
            self.jobs.remember_content(path, size, mtime, content)
        job = self.jobs.claim(f"{content}:{self.settings}", content, path, self.cfg.watch.max_attempts)
        if job is not None:
            self._process(job, path)

    def _out_dir_for(self, job: Job, path: Path) -> Path:
        if job.out_dir:
            return Path(job.out_dir)
        out = self.out_dir / path.stem
        if self.jobs.out_dir_taken(out, job.content, path):  # another recording with the same name
            out = self.out_dir / f"{path.stem}-{job.content[:8]}"
        self.jobs.reserve_out_dir(job.key, out)
        return out

    def _process(self, job: Job, path: Path) -> None:
        out = self._out_dir_for(job, path)
        if self.cluster is not None:
            task = self.cluster.task(path, out, path.name)
            self.pending[self.cluster.submit(task, self.cfg, self.out_dir, self.force)] = (job, path)
            return
        try:
            result = process_file(path, out, self.cfg, self.models, self.reporter, path.name, self.cache,
                                  source=job.content)
        except (KeyboardInterrupt, SystemExit):
            self.jobs.release(job.key)
            raise
        except Exception as e:  # any failure is this file's, never the watcher's
            self._failed(job, path, str(e) if isinstance(e, OffrecordError)
                         else f"{path}: unexpected failure ({type(e).__name__}: {e})")
            return
        self._done(job, path, out, {s.stage: round(s.seconds, 3) for s in result.stages})

    def collect(self, wait: bool = False) -> None:
        """Record the cluster tasks that have finished (every one, when asked to wait). Only this
        process writes the job database; workers never do."""
        if wait and self.pending:
            from distributed import wait as all_of

            all_of(list(self.pending))
        for future in [f for f in self.pending if f.done()]:
            job, path = self.pending.pop(future)
            outcome = self.cluster.outcome(future, self.cfg, self.out_dir)
            if outcome.ok:
                self._done(job, path, outcome.task.out_dir, {"on the cluster": round(outcome.seconds, 3)})
            else:
                self._failed(job, path, outcome.error)

    def _done(self, job: Job, path: Path, out: Path, timings: dict[str, float]) -> None:
        self.jobs.done(job.key, timings)
        self.reporter.event(path.name, "done", out_dir=str(out))
        if self.move_done:
            self._move(path)

    def _failed(self, job: Job, path: Path, reason: str) -> None:
        retry_after = self.cfg.watch.retry_seconds * 2 ** (job.attempts - 1)
        self.jobs.failed(job.key, reason, retry_after)
        self.failed_this_run += 1
        final = job.attempts >= self.cfg.watch.max_attempts
        self.reporter.failed(path.name, reason, job.attempts, None if final else retry_after)

    def _move(self, path: Path) -> None:
        target = self.move_done / path.relative_to(self.in_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target = target.with_name(f"{target.stem}-{int(time.time())}{target.suffix}")
        shutil.move(str(path), str(target))

    def run(self, once: bool = False, poll: float | None = None) -> None:
        try:
            if once:
                while self.scan():  # until nothing is still arriving
                    time.sleep(min(1.0, self.cfg.watch.settle_seconds / 2 or 0.1))
                self.collect(wait=True)
                return
            self._watch(poll)
        finally:
            for job, _ in self.pending.values():  # stopped with tasks still on the cluster
                self.jobs.release(job.key)

    def _watch(self, poll: float | None) -> None:
        wake = threading.Event()
        observer = None
        if poll is None:
            observer = _start_observer(self.in_dir, wake)
        # systemd and kill send SIGTERM: stop like Ctrl-C, handing back the job in progress
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            while True:
                settling = self.scan()
                self.collect()
                wait = self.cfg.watch.settle_seconds / 2 if settling else (poll or SAFETY_RESCAN_SECONDS)
                if self.pending:
                    wait = min(wait, 1.0)
                wake.wait(timeout=max(wait, 0.1))
                wake.clear()
        finally:
            if observer is not None:
                observer.stop()
                observer.join()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _start_observer(folder: Path, wake: threading.Event):
    """File events from the OS (inotify on Linux) through watchdog: new files are seen at once."""
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    class Wake(FileSystemEventHandler):
        def on_any_event(self, event):
            wake.set()

    observer = Observer()
    observer.schedule(Wake(), str(folder), recursive=True)
    observer.start()
    return observer
