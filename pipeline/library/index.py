"""The library index: OUT/.offrecord/library.sqlite, an SQLite FTS5 index of every output
folder's moments, with each recording's title, date, duration and speakers.

The folders are the truth; the index is only ever a copy of them. Each time it is opened it is
compared with the folders (a stat of each, no reading): a folder that changed is read again, one
the user removed drops out. An index from another schema version is emptied and refilled; one
that SQLite cannot read is deleted and built again. Every change to one recording is one SQLite
transaction, so a process killed at any moment (kill -9 included) leaves the old rows or the new
ones, never half of either, and the next opening catches up with whatever was published.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from pathlib import Path

import numpy as np

from ..errors import OutputError
from ..outputs.files import STATE_DIR, private_database
from .meaning import Embedder
from .records import Recording, read_recording, signature

log = logging.getLogger("offrecord.library")

INDEX_NAME = "library.sqlite"
# Raise when the tables or what goes into them change: older indexes are then rebuilt.
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE recordings (
    id INTEGER PRIMARY KEY, folder TEXT NOT NULL UNIQUE, title TEXT NOT NULL, source TEXT NOT NULL,
    date REAL NOT NULL, duration REAL NOT NULL, speakers TEXT NOT NULL, about TEXT NOT NULL,
    report INTEGER NOT NULL, signature TEXT NOT NULL, embedded_with TEXT);
CREATE TABLE moments (
    id INTEGER PRIMARY KEY, recording INTEGER NOT NULL REFERENCES recordings(id), kind TEXT NOT NULL,
    start REAL, "end" REAL, speaker TEXT NOT NULL, text TEXT NOT NULL, turn INTEGER, times TEXT NOT NULL,
    vector BLOB);
CREATE INDEX moments_of_recording ON moments(recording);
CREATE VIRTUAL TABLE moments_fts USING fts5(text, content='moments', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2');
"""
TABLES = ("moments_fts", "moments", "recordings")


def index_path(out_root: Path) -> Path:
    return Path(out_root) / STATE_DIR / INDEX_NAME


def recording_folders(out_root: Path) -> dict[str, str]:
    """Folder name -> signature of every output folder directly inside OUT."""
    found = {}
    try:
        entries = list(os.scandir(out_root))
    except OSError:
        return found
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
            continue  # hidden: the state folder, and folders being published or replaced
        sig = signature(Path(entry.path))
        if sig is not None:
            found[entry.name] = sig
    return found


# SQLite's answers that say the machine is in the way (busy, full, read-only), not the file:
# those are reported; any other error means the file cannot be trusted, and it is rebuilt.
_ENVIRONMENT = {"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN",
                "SQLITE_PERM", "SQLITE_NOMEM", "SQLITE_INTERRUPT"}


def damaged(e: sqlite3.DatabaseError) -> bool:
    name = getattr(e, "sqlite_errorname", "")  # Python 3.11+
    return not any(name.startswith(n) for n in _ENVIRONMENT) and "locked" not in str(e)


class Index:
    def __init__(self, out_root: Path):
        self.out_root = Path(out_root)
        self.path = index_path(out_root)
        try:
            self._connect()
            self._check_schema()
        except OSError as e:
            raise OutputError(f"{self.path}: cannot open the library index ({e.strerror or e})") from None
        except sqlite3.DatabaseError as e:
            if not damaged(e):
                raise OutputError(f"{self.path}: cannot open the library index ({e})") from None
            self.discard(e)

    def discard(self, reason: Exception) -> None:
        """Delete an index SQLite cannot read and start an empty one (the next sync fills it)."""
        log.warning("%s: unreadable library index (%s); rebuilding it from the folders", self.path, reason)
        self.db.close()
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self._connect()
        self._check_schema()

    def _connect(self) -> None:
        private_database(self.path)
        # Autocommit mode: each change below opens its own transaction and commits it whole.
        self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self.db.execute("PRAGMA synchronous=FULL")  # on a file that is no database, this raises

    def _check_schema(self) -> None:
        db = self.db
        if db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return
        with _transaction(db):
            if db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
                return  # another process rebuilt it while this one waited
            for table in TABLES:
                db.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in SCHEMA.split(";"):  # not executescript: it would commit half-way
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        self.db.close()

    # -- keeping up with the folders ----------------------------------------------------------

    def sync(self, embedder: Embedder | None = None, force: tuple[str, ...] = ()) -> bool:
        """Read again every folder that changed (and those in `force`), drop the ones that are
        gone. True if the index changed."""
        on_disk = recording_folders(self.out_root)
        indexed = {folder: (rid, sig, embedded) for rid, folder, sig, embedded
                   in self.db.execute("SELECT id, folder, signature, embedded_with FROM recordings")}
        changed = False
        for folder, (rid, _, _) in indexed.items():
            if folder not in on_disk:
                with _transaction(self.db):
                    self._delete(rid)
                changed = True
        want = embedder.name if embedder else None
        for folder, sig in sorted(on_disk.items()):
            old = indexed.get(folder)
            if old and old[1] == sig and folder not in force and (old[2] == want or want is None):
                continue
            try:
                recording = read_recording(self.out_root / folder)
            except (OSError, ValueError, KeyError, TypeError) as e:
                log.warning("%s: not indexed, its transcript.json cannot be read (%s)", self.out_root / folder, e)
                if old:
                    with _transaction(self.db):
                        self._delete(old[0])
                    changed = True
                continue
            self._store(recording, sig, embedder)
            changed = True
        return changed

    def _delete(self, rid: int) -> None:
        self.db.execute("INSERT INTO moments_fts(moments_fts, rowid, text) "
                        "SELECT 'delete', id, text FROM moments WHERE recording = ?", (rid,))
        self.db.execute("DELETE FROM moments WHERE recording = ?", (rid,))
        self.db.execute("DELETE FROM recordings WHERE id = ?", (rid,))

    def _store(self, r: Recording, sig: str, embedder: Embedder | None) -> None:
        # Embedded before the transaction: the index is locked only while rows are written.
        vectors = embedder.embed([m.text for m in r.moments]).astype(np.float16) if embedder else None
        with _transaction(self.db):
            old = self.db.execute("SELECT id FROM recordings WHERE folder = ?", (r.folder,)).fetchone()
            if old:
                self._delete(old[0])
            rid = self.db.execute(
                "INSERT INTO recordings (folder, title, source, date, duration, speakers, about, report, signature, "
                "embedded_with) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (r.folder, r.title, r.source, r.date, r.duration, json.dumps(r.speakers), r.about, int(r.report), sig,
                 embedder.name if embedder else None)).lastrowid
            self.db.executemany(
                'INSERT INTO moments (recording, kind, start, "end", speaker, text, turn, times, vector) '
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(rid, m.kind, m.start, m.end, m.speaker, m.text, m.turn, json.dumps(m.times),
                  vectors[i].tobytes() if vectors is not None else None) for i, m in enumerate(r.moments)])
            self.db.execute("INSERT INTO moments_fts(rowid, text) SELECT id, text FROM moments WHERE recording = ?",
                            (rid,))

    def speakers(self) -> set[str]:
        """Every speaker's shown name, of every recording."""
        return {name for (names,) in self.db.execute("SELECT speakers FROM recordings") for name in json.loads(names)}

    def rebuild(self, embedder: Embedder | None = None) -> None:
        """Emptied and every folder read again."""
        with _transaction(self.db):
            self.db.execute("PRAGMA user_version=0")
        self._check_schema()
        self.sync(embedder)


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on an exception): one writer at a time, waiting
    for another process's transaction rather than failing."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind, value, tb):
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
