"""Per-stage results kept beside the outputs, so work is never done twice.

Each expensive stage's result (speech recognition, diarization, summary) is stored under a key
made of what it was computed from: the recording's content hash (or, for the summary, the
transcript's) and the settings that stage depends on. A crashed run resumes at the first stage
without a result; changing only the summary model re-summarises without transcribing again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..outputs.files import write_atomic


def settings_hash(settings) -> str:
    """A stable hash of JSON-able settings (dicts, lists, strings, numbers)."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()


# Raised whenever the shape of a stored result changes, so older results are recomputed rather
# than misread.
FORMAT = 3


class StageCache:
    def __init__(self, root: Path, read: bool = True):
        self.root = Path(root)
        self.read = read  # False (--force): recompute everything, still store the results

    def _path(self, stage: str, source: str, settings) -> Path:
        key = settings_hash({"format": FORMAT, "settings": settings})[:16]
        return self.root / source[:2] / source / f"{stage}-{key}.json"

    def load(self, stage: str, source: str, settings) -> dict | None:
        if not self.read:
            return None
        try:
            return json.loads(self._path(stage, source, settings).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # absent, or damaged by a crash mid-write of an old version
            return None

    def save(self, stage: str, source: str, settings, value: dict) -> None:
        write_atomic(self._path(stage, source, settings), json.dumps(value))
