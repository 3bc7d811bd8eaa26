"""The library: every recording in an output folder, searchable by words and by meaning.

`update` is called each time an output folder is published; it brings the index in
OUT/.offrecord/library.sqlite up to date with the folders and writes OUT/index.html again.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..config import Config
from ..errors import OutputError
from ..outputs.files import MODES, PRIVATE, Modes
from .index import Index, damaged
from .meaning import Embedder, embedder_for
from .page import write_page


def update(out_root: Path, folder: Path, cfg: Config) -> None:
    """After `folder` (inside `out_root`) was published or changed."""
    if not (Path(folder) / "transcript.json").is_file():
        return  # a summary written somewhere else, or outputs without a transcript.json: nothing to index
    synced(out_root, embedder_for(cfg), force=(Path(folder).name,), page=True, modes=MODES[cfg.output.mode]).close()


def synced(out_root: Path, embedder: Embedder | None, force: tuple[str, ...] = (), page: bool = False,
           rebuild: bool = False, modes: Modes = PRIVATE) -> Index:
    """The index, caught up with the folders (or emptied and filled again: `rebuild`); the page is
    written again when anything changed, or when `page` or `rebuild` asks for it."""
    index = Index(out_root)

    def catch_up() -> bool:
        if rebuild:
            index.rebuild(embedder)
            return True
        return index.sync(embedder, force)

    try:
        changed = catch_up()
    except sqlite3.DatabaseError as e:
        if not damaged(e):
            raise OutputError(f"{index.path}: cannot update the library index ({e})") from None
        index.discard(e)
        changed = catch_up()
    if changed or page:
        write_page(out_root, index, modes)
    return index
