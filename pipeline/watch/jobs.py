"""Job state for the watch folder, in SQLite: each recording is processed exactly once.

A job is keyed by the recording's content hash plus the hash of the settings that shape its
outputs, so a renamed or moved copy of a finished recording is skipped, while a changed file or
changed settings make a new job. Claiming a job is one IMMEDIATE transaction, so two watchers on
the same folder never take the same file; a job left 'running' by a process that no longer
exists (killed, machine restarted) is taken over, and one whose watcher was stopped is handed
back as 'pending'. The database is private (0600), as are the files SQLite makes beside it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from ..outputs.files import private_database
from ..system import process_alive

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    key        TEXT PRIMARY KEY,   -- content sha256 ':' settings hash
    content    TEXT NOT NULL,
    path       TEXT NOT NULL,      -- where the recording was last seen
    out_dir    TEXT,
    status     TEXT NOT NULL,      -- running, done, failed, pending (handed back unfinished)
    attempts   INTEGER NOT NULL DEFAULT 0,
    error      TEXT,
    owner      INTEGER,            -- pid of the process working on it
    next_try   REAL NOT NULL DEFAULT 0,
    created    REAL NOT NULL,
    finished   REAL,
    timings    TEXT                -- JSON: stage -> seconds
);
CREATE TABLE IF NOT EXISTS hashes (   -- so unchanged files are not re-read on every scan
    path    TEXT PRIMARY KEY,
    size    INTEGER NOT NULL,
    mtime   REAL NOT NULL,
    content TEXT NOT NULL
);
"""


@dataclass
class Job:
    key: str
    content: str
    path: str
    status: str
    attempts: int
    error: str | None
    out_dir: str | None


class JobStore:
    def __init__(self, path: Path):
        private_database(path)
        self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        # Switching to WAL needs the database to itself and does not wait for a busy lock, so a
        # second watcher opening the folder at the same moment retries instead of failing.
        for attempt in range(300):
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or attempt == 299:
                    raise
                time.sleep(0.1)
        self.db.executescript(SCHEMA)
        self.pid = os.getpid()

    def close(self) -> None:
        self.db.close()

    def known_content(self, path: Path, size: int, mtime: float) -> str | None:
        row = self.db.execute("SELECT content FROM hashes WHERE path=? AND size=? AND mtime=?",
                              (str(path), size, mtime)).fetchone()
        return row[0] if row else None

    def remember_content(self, path: Path, size: int, mtime: float, content: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO hashes VALUES (?, ?, ?, ?)", (str(path), size, mtime, content))

    def claim(self, key: str, content: str, path: Path, max_attempts: int) -> Job | None:
        """Take the job for this recording if nobody has finished it, nobody alive is working on
        it, and (after failures) its retry time has come. Returns None when it is not ours to do."""
        now = time.time()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            row = self.db.execute("SELECT status, attempts, owner, next_try FROM jobs WHERE key=?", (key,)).fetchone()
            if row is None:
                self.db.execute("INSERT INTO jobs (key, content, path, status, attempts, owner, created) "
                                "VALUES (?, ?, ?, 'running', 1, ?, ?)", (key, content, str(path), self.pid, now))
            else:
                status, attempts, owner, next_try = row
                if status == "done" or (status == "running" and owner != self.pid and process_alive(owner)):
                    self.db.execute("ROLLBACK")
                    return None
                if attempts >= max_attempts or (status == "failed" and now < next_try):
                    if status == "running":  # its worker died on the last allowed attempt
                        self.db.execute("UPDATE jobs SET status='failed', owner=NULL, error=? WHERE key=?",
                                        (f"interrupted {attempts} times while processing", key))
                    self.db.execute("COMMIT")
                    return None
                self.db.execute("UPDATE jobs SET status='running', attempts=attempts+1, owner=?, path=? "
                                "WHERE key=?", (self.pid, str(path), key))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return self.get(key)

    def get(self, key: str) -> Job | None:
        row = self.db.execute("SELECT key, content, path, status, attempts, error, out_dir FROM jobs WHERE key=?",
                              (key,)).fetchone()
        return Job(*row) if row else None

    def reserve_out_dir(self, key: str, out_dir: Path) -> None:
        self.db.execute("UPDATE jobs SET out_dir=? WHERE key=?", (str(out_dir), key))

    def done(self, key: str, timings: dict[str, float]) -> None:
        self.db.execute("UPDATE jobs SET status='done', owner=NULL, error=NULL, finished=?, timings=? WHERE key=?",
                        (time.time(), json.dumps(timings), key))

    def failed(self, key: str, error: str, retry_after: float) -> None:
        self.db.execute("UPDATE jobs SET status='failed', owner=NULL, error=?, finished=?, next_try=? WHERE key=?",
                        (error, time.time(), time.time() + retry_after, key))

    def release_mine(self) -> None:
        """Give back the job this process is working on, untouched (it was asked to stop)."""
        self.db.execute("UPDATE jobs SET status='pending', owner=NULL, attempts=attempts-1, next_try=0 "
                        "WHERE status='running' AND owner=?", (self.pid,))

    def forget(self, gone) -> None:
        """Unfinished jobs (failed or pending) of files that no longer exist are deleted, so a
        deleted file does not stay failed forever, and so are the remembered hashes of the paths
        in `gone`. Finished jobs are kept: they make a renamed copy of a done recording be skipped."""
        for key, path in self.db.execute("SELECT key, path FROM jobs WHERE status IN ('failed', 'pending')").fetchall():
            if not os.path.lexists(path):
                self.db.execute("DELETE FROM jobs WHERE key=? AND status IN ('failed', 'pending')", (key,))
        for path in gone:
            self.db.execute("DELETE FROM hashes WHERE path=?", (str(path),))

    def all(self) -> list[Job]:
        rows = self.db.execute("SELECT key, content, path, status, attempts, error, out_dir FROM jobs "
                               "ORDER BY created").fetchall()
        return [Job(*r) for r in rows]
