"""The watch folder: every recording that lands in IN_DIR is processed once into OUT_DIR.

A file is taken only once it is stable: the same size and modification time for
`watch.settle_seconds` in a row, so a recording still being copied is never read half-written.
Job state lives in OUT_DIR/.offrecord/jobs.sqlite (jobs.py) and stage results in the stage
cache, so a watcher killed at any moment resumes where it stopped. A file that fails is retried
with growing pauses, `watch.max_attempts` times in all, then left as failed with its reason;
it never blocks the others, and it is forgotten once it is deleted. Only recordings are taken
(`watch.extensions`); hidden files and files still being downloaded or copied never are. Inputs
are only read, unless --move-done is given.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path

from ..config import Config
from ..errors import ConfigError, failure_line
from ..outputs.files import MODES, STATE_DIR, claim_output
from ..run.batch import Input, run_batch
from ..run.cache import StageCache, settings_hash
from ..run.models import Models
from ..run.process import Shared, output_settings
from ..run.progress import Reporter
from ..system import sha256_of
from .inputs import recordings_in
from .jobs import Job, JobStore

log = logging.getLogger("offrecord.watch")

SAFETY_RESCAN_SECONDS = 60.0  # even with file events, look again now and then (missed events)


def job_settings_hash(cfg: Config) -> str:
    return settings_hash(output_settings(cfg))[:16]


class Watcher:
    def __init__(self, in_dir: Path, out_dir: Path, cfg: Config, models: Models, reporter: Reporter,
                 move_done: Path | None = None, force: bool = False, cluster=None):
        self.in_dir = Path(in_dir).resolve()
        self.out_dir = Path(out_dir).resolve()
        check_folders(self.in_dir, self.out_dir)
        self.cfg = cfg
        self.reporter = reporter
        self.move_done = Path(move_done).resolve() if move_done else None
        state = self.out_dir / STATE_DIR
        self.jobs = JobStore(state / "jobs.sqlite")
        self.shared = Shared(cfg, models, reporter, StageCache(state / "cache", read=not force))
        self.force = force
        self.cluster = cluster  # a cluster.batch.Cluster: recordings become tasks on its workers
        self.pending: dict = {}  # cluster future -> (job, path)
        self.settings = job_settings_hash(cfg)
        self.seen: dict[Path, tuple[int, float, float]] = {}  # path -> (size, mtime, unchanged since)
        self.failed_this_run = 0

    def _candidates(self):
        for path in recordings_in(self.in_dir, self.cfg.watch.extensions):
            if not (self.move_done and (path == self.move_done or self.move_done in path.parents)):
                yield path

    def scan(self) -> bool:
        """Process every stable file that has no finished job. True while files are still settling."""
        settling = False
        now = time.monotonic()
        present = set()
        for path in self._candidates():
            try:
                st = path.stat()
            except OSError:
                continue  # gone, or unreadable between listing and looking
            present.add(path)
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
        self.jobs.forget([path for path in self.seen if path not in present])
        self.seen = {path: seen for path, seen in self.seen.items() if path in present}
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
        if job.out_dir:  # chosen by an earlier attempt of this job
            return Path(job.out_dir)
        out = claim_output(self.out_dir, path, MODES[self.cfg.output.mode])
        self.jobs.reserve_out_dir(job.key, out)
        return out

    def _process(self, job: Job, path: Path) -> None:
        def failed(_, line: str) -> None:  # called while the exception is handled: -v shows its traceback
            log.info("details", exc_info=True)
            self._failed(job, path, line)

        if self.cluster is None:
            run_batch([Input(path, path.name, job.content)], self.shared, out_dir=lambda p: self._out_dir_for(job, p),
                      done=lambda _, result, seconds: self._done(job, path, result.out_dir,
                                                                 {s.stage: round(s.seconds, 3) for s in result.stages}),
                      failed=failed)
            return
        try:
            task = self.cluster.task(path, self._out_dir_for(job, path), path.name)
            self.pending[self.cluster.submit(task, self.cfg, self.out_dir, self.force)] = (job, path)
        except Exception as e:  # any failure is this file's, never the watcher's
            failed(None, failure_line(e, path))

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
        """Until nothing is still arriving (`once`) or until stopped. Stopped by Ctrl-C, SIGTERM or SIGHUP
        (systemd, kill), the job in progress is handed back for the next run."""
        try:
            if once:
                while self.scan():
                    time.sleep(min(1.0, self.cfg.watch.settle_seconds / 2 or 0.1))
                self.collect(wait=True)
            else:
                self._watch(poll)
        finally:
            # stopped: the job in progress here, and any still on the cluster, go back untouched
            self.jobs.release_mine()

    def _watch(self, poll: float | None) -> None:
        wake = threading.Event()
        observer = None
        if poll is None:
            observer = _start_observer(self.in_dir, wake)
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


def check_folders(in_dir: Path, out_dir: Path) -> None:
    """Refuse an output folder that is the watch folder, inside it or around it: outputs would
    be taken as new recordings, or the job database watched as one."""
    if in_dir == out_dir or in_dir in out_dir.parents or out_dir in in_dir.parents:
        raise ConfigError(f"--out {out_dir} and the watch folder {in_dir} must be apart: neither the same "
                          "folder nor one inside the other")


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
