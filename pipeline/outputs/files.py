"""How outputs reach the disk: every file written beside its place and renamed into it, and a
recording's folder swapped in whole, so a reader (or a crash) never sees half of either."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from ..errors import OutputError
from ..system import process_alive

STATE_DIR = ".offrecord"  # inside the output folder: stage cache, job database


def write_atomic(path: Path, text: str) -> None:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as e:
        raise OutputError(f"{path}: cannot write output ({e.strerror or e}); check the folder "
                          "exists, is writable and the disk has space") from None


def publish(out_dir: Path, files: dict[str, str]) -> None:
    """Write every output into a hidden sibling folder, then swap it into place in one rename,
    so the folder a user sees is either the complete old result or the complete new one."""
    out_dir = Path(out_dir)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        clear_leftovers(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.{os.getpid()}.", suffix=".partial", dir=out_dir.parent))
    except OSError as e:
        raise OutputError(f"{out_dir.parent}: cannot create the output folder ({e.strerror or e})") from None
    try:
        os.chmod(staging, 0o755)
        for name, text in files.items():
            write_atomic(staging / name, text)
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            os.replace(out_dir, old)
        os.replace(staging, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as e:
        raise OutputError(f"{out_dir}: cannot write outputs ({e.strerror or e})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def update(out_dir: Path, files: dict[str, str]) -> None:
    """Replace some files of a published folder, keeping the others, in one swap (summarize and
    rename rewrite the summary, the report and the transcript files together)."""
    try:
        kept = {p.name: p.read_text(encoding="utf-8") for p in Path(out_dir).iterdir() if p.is_file() and p.name not in files} \
            if Path(out_dir).exists() else {}
    except OSError as e:
        raise OutputError(f"{out_dir}: cannot read the outputs there ({e.strerror or e})") from None
    publish(out_dir, {**kept, **files})


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
            shutil.rmtree(path, ignore_errors=True)
