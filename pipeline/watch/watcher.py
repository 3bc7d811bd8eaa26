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

import shutil
import threading
import time
from pathlib import Path

from ..config import Config
from ..errors import ConfigError, OffrecordError
from ..outputs.files import MODES, STATE_DIR, claim_output
from ..run.cache import StageCache, settings_hash
from ..run.models import Models
from ..run.process import output_settings, process_file
from ..run.progress import Reporter
from ..system import sha256_of
from .jobs import Job, JobStore

# Names that browsers, copy and sync tools and editors give files still being written, or to
# their locks (compared in lower case).
UNFINISHED_SUFFIXES = (".part", ".partial", ".filepart", ".crdownload", ".download", ".opdownload", ".crswap",
                       ".tmp", ".swp", "~")
UNFINISHED_PREFIXES = ("~$", ".")  # Office lock files; hidden files
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
        for path in sorted(self.in_dir.rglob("*")):
            rel = path.relative_to(self.in_dir)
            if not is_recording(rel, self.cfg.watch.extensions):
                continue
            if (self.move_done and (path == self.move_done or self.move_done in path.parents)) or not path.is_file():
                continue
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
        try:
            out = self._out_dir_for(job, path)
            if self.cluster is not None:
                task = self.cluster.task(path, out, path.name)
                self.pending[self.cluster.submit(task, self.cfg, self.out_dir, self.force)] = (job, path)
                return
            result = process_file(path, out, self.cfg, self.models, self.reporter, path.name, self.cache,
                                  source=job.content)
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
        """Until nothing is still arriving (`once`) or until stopped. Stopped by Ctrl-C or SIGTERM
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


def is_recording(rel: Path, extensions: list[str]) -> bool:
    """Whether a file at `rel` (inside the watch folder) is taken as a recording: not hidden, not
    in a hidden folder, not named as a download or copy in progress or a lock, and (unless
    `extensions` is empty) with one of those extensions. Case does not matter."""
    name = rel.name.lower()
    if any(part.startswith(".") for part in rel.parts[:-1]):
        return False
    if name.startswith(UNFINISHED_PREFIXES) or name.endswith(UNFINISHED_SUFFIXES):
        return False
    return not extensions or rel.suffix.lower().lstrip(".") in extensions


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
