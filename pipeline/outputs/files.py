"""How outputs reach the disk: every file written beside its place and renamed into it, and a
recording's folder swapped in whole, so a reader (or a crash) never sees half of either.

Outputs are private unless the user shares them on purpose (`output.mode`): folders 0700 and
files 0600 whatever the umask, and a folder or file the user has made stricter stays so when it
is written again. A recording's folder is named from its file name, but never so that it could
be OUT itself, a parent, a hidden folder or one that offrecord did not make for that recording.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import stat
import tempfile
from contextlib import contextmanager
from itertools import count
from pathlib import Path
from typing import NamedTuple

from ..errors import OutputError
from ..interrupt import deferred, hold
from ..system import process_alive
from ..text import one_line

STATE_DIR = ".offrecord"  # inside the output folder: stage cache, job database, folder owners
OWNERS = "outputs"  # in STATE_DIR: which recording each output folder belongs to


class Modes(NamedTuple):
    folder: int
    file: int


MODES = {"private": Modes(0o700, 0o600), "group": Modes(0o750, 0o640), "everyone": Modes(0o755, 0o644)}
PRIVATE = MODES["private"]

# An output folder's name, in bytes: room is left within the 255 a name may have for the
# hidden names it is published through (".NAME.PID.RANDOM.partial", ".NAME.old-PID").
NAME_BYTES = 200
TEMP_NAME_BYTES = 100


def make_dirs(path: Path, mode: int) -> None:
    """Create `path` and its missing parents with `mode`, whatever the umask; folders that exist
    are left as they are."""
    missing = []
    path = Path(path)
    while not path.exists():
        missing.append(path)
        if path.parent == path:
            break
        path = path.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, mode)
        except FileExistsError:  # another process made it first: theirs stands
            continue
        os.chmod(folder, mode)


def private_dir(path: Path) -> None:
    """A folder only this user may enter (the state folder): made so, or made so again if an
    older offrecord left it open."""
    make_dirs(path, PRIVATE.folder)
    os.chmod(path, PRIVATE.folder)


def private_database(path: Path) -> None:
    """An SQLite database file only this user may read, in a private folder. SQLite gives the
    -journal, -wal and -shm files it makes the database file's permissions; files an older
    offrecord made readable by all are made private too."""
    private_dir(Path(path).parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE.file))
    for made in (str(path), f"{path}-journal", f"{path}-wal", f"{path}-shm"):
        if os.path.exists(made):
            os.chmod(made, PRIVATE.file)


def _kept(mode: int, existing: Path) -> int:
    """`mode`, less whatever the user has taken away from the file or folder it replaces."""
    try:
        return mode & stat.S_IMODE(os.lstat(existing).st_mode)
    except OSError:
        return mode


def _clip(name: str, limit: int) -> str:
    """At most `limit` bytes of `name` in UTF-8, cut between characters."""
    return name.encode("utf-8", "surrogatepass")[:limit].decode("utf-8", "ignore")


def write_atomic(path: Path, text: str, modes: Modes = PRIVATE) -> None:
    path = Path(path)
    try:
        make_dirs(path.parent, modes.folder)
        fd, tmp = tempfile.mkstemp(prefix=f".{_clip(path.name, TEMP_NAME_BYTES)}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fchmod(f.fileno(), _kept(modes.file, path))
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as e:
        raise OutputError(f"{path}: cannot write output ({e.strerror or e}); check the folder "
                          "exists, is writable and the disk has space") from None


def output_names(path: Path):
    """Folder names for the recording at `path`, best first: its name without the extension,
    its whole name, then numbered. One line, no leading dot (so never `.`, `..`, `.offrecord`
    or a hidden publishing name), at most NAME_BYTES."""

    def safe(name: str, limit: int = NAME_BYTES) -> str:
        return _clip(one_line(name).lstrip(". "), limit).rstrip()

    base = safe(path.stem) or safe(path.name) or "recording"
    yield base
    if safe(path.name) not in ("", base):
        yield safe(path.name)
    for n in count(2):
        yield f"{safe(base, NAME_BYTES - 12)}-{n}"


def claim_output(out_root: Path, path: Path, modes: Modes = PRIVATE) -> Path:
    """The folder in `out_root` that the recording at `path` publishes into, chosen before any
    work. A name is this recording's when OUT/.offrecord/outputs holds its record for it (made
    here, atomically, the first time), or when the folder is an older offrecord result of the
    same file; a name in use by anything else is passed over for the next."""
    source = str(Path(path).resolve())
    owners = Path(out_root) / STATE_DIR / OWNERS
    try:
        make_dirs(out_root, modes.folder)
        private_dir(owners.parent)
        make_dirs(owners, PRIVATE.folder)
        return next(Path(out_root) / name for name in output_names(Path(path))
                    if _claim(owners / f"{name}.json", Path(out_root) / name, source))
    except OSError as e:
        raise OutputError(f"{out_root}: cannot create the output folder ({e.strerror or e})") from None


def _claim(record: Path, folder: Path, source: str) -> bool:
    owner = _owner(record)
    return owner == source or (owner is None and _usable(folder, source) and _record(record, source))


def _owner(record: Path) -> str | None:
    try:
        return json.loads(record.read_text(encoding="utf-8"))["source"]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return ""  # unreadable: not ours, and not free


def _usable(folder: Path, source: str) -> bool:
    """Whether a name without a record may be taken: nothing is there, or an offrecord result of
    this same recording (written before records were kept)."""
    if not os.path.lexists(folder):
        return True
    if folder.is_symlink() or not folder.is_dir():
        return False
    try:
        written_from = json.loads((folder / "transcript.json").read_text(encoding="utf-8"))["source"]
        return str(Path(written_from).resolve()) == source
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _record(record: Path, source: str) -> bool:
    """Claim a name for `source`; False if another process claimed it first."""
    fd, tmp = tempfile.mkstemp(prefix=".claim.", dir=record.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"source": source}, f)
        os.link(tmp, record)  # fails if the record exists: one claimant wins
        return True
    except FileExistsError:
        return _owner(record) == source
    finally:
        os.unlink(tmp)


@contextmanager
def _locked(folder: Path):
    """Only one process at a time swaps folders in `folder` (an advisory lock on the folder)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def publish(out_dir: Path, files: dict[str, str], modes: Modes = PRIVATE) -> None:
    """Write every output into a hidden sibling folder, then swap it into place in one rename,
    so the folder a user sees is either the complete old result or the complete new one."""
    out_dir = Path(out_dir)
    try:
        make_dirs(out_dir.parent, modes.folder)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.{os.getpid()}.", suffix=".partial", dir=out_dir.parent))
    except OSError as e:
        raise OutputError(f"{out_dir.parent}: cannot create the output folder ({e.strerror or e})") from None
    try:
        for name, text in files.items():
            write_atomic(staging / name, text, modes._replace(file=_kept(modes.file, out_dir / name)))
        # The swap is one step for signals (never left half done) and for other processes
        # publishing the same folder (never "Directory not empty").
        with _locked(out_dir.parent), deferred():
            clear_leftovers(out_dir)
            os.chmod(staging, _kept(modes.folder, out_dir))
            old = None
            if os.path.lexists(out_dir):
                old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
                os.replace(out_dir, old)
            hold("publish")
            os.replace(staging, out_dir)
            if old is not None:
                _remove(old)
    except OSError as e:
        raise OutputError(f"{out_dir}: cannot write outputs ({e.strerror or e})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def update(out_dir: Path, files: dict[str, str], modes: Modes = PRIVATE) -> None:
    """Replace some files of a published folder, keeping the others, in one swap (summarize and
    rename rewrite the summary, the report and the transcript files together)."""
    try:
        kept = {p.name: p.read_text(encoding="utf-8") for p in Path(out_dir).iterdir() if p.is_file() and p.name not in files} \
            if Path(out_dir).exists() else {}
    except OSError as e:
        raise OutputError(f"{out_dir}: cannot read the outputs there ({e.strerror or e})") from None
    publish(out_dir, {**kept, **files}, modes)


def _remove(folder: Path) -> None:
    if folder.is_symlink() or not folder.is_dir():
        folder.unlink()
        return
    os.chmod(folder, 0o700)  # a folder the user made read-only still goes
    shutil.rmtree(folder, ignore_errors=True)


def clear_leftovers(out_dir: Path) -> None:
    """Tidy up after an earlier run that was killed while publishing this output: its staging
    folder goes, and its old result goes back in place if the new one never arrived. Each
    carries its process id; a live process's folders are left alone."""
    name = re.escape(out_dir.name)
    pattern = re.compile(rf"\.{name}\.(?:(\d+)\.\w+\.partial|old-(\d+))")
    for path in out_dir.parent.iterdir():
        found = pattern.fullmatch(path.name)
        if not found or process_alive(int(found[1] or found[2])):
            continue
        if found[2] and not out_dir.exists():
            os.replace(path, out_dir)
        else:
            _remove(path)
