"""Which files in a folder are recordings: what `watch` takes from its folder, and `run` and
`transcribe` from a folder given as input. Kept apart from the watcher so that listing a folder
loads none of the stages' libraries."""

from __future__ import annotations

from pathlib import Path

# Names that browsers, copy and sync tools and editors give files still being written, or to
# their locks (compared in lower case).
UNFINISHED_SUFFIXES = (".part", ".partial", ".filepart", ".crdownload", ".download", ".opdownload", ".crswap",
                       ".tmp", ".swp", "~")
UNFINISHED_PREFIXES = ("~$", ".")  # Office lock files; hidden files


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


def recordings_in(folder: Path, extensions: list[str], recursive: bool = True) -> list[Path]:
    """The recordings in `folder` (and in its subfolders when `recursive`), in sorted order."""
    paths = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(path for path in paths if is_recording(path.relative_to(folder), extensions) and path.is_file())
