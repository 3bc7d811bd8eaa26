"""Recordings through the stages in this process, a batch at a time: what `run` and `transcribe`,
`watch` and a cluster worker share.

Stage by stage: every transcript first, then every summary, so each stage's models load once and
never share the memory with the other's. Whatever goes wrong with one recording is one line
(errors.failure_line), and the others go on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import failure_line
from ..stages.decode import check_readable
from .process import Shared, transcribe_file
from .progress import FileResult


@dataclass
class Input:
    path: Path
    label: str
    source: str | None = None  # the file's sha256, when the caller knows it


def run_batch(inputs: list[Input], shared: Shared, out_dir: Callable[[Path], Path],
              done: Callable[[Input, FileResult, float], None], failed: Callable[[Input, str], None]) -> int:
    """Each input's transcript, then each one's summary and outputs; returns how many failed.

    out_dir(path) chooses a recording's output folder once the file is known to be readable (a
    missing file claims no folder), and before any work on it (an OUT that cannot be written
    fails the file at once). done(input, result, seconds) is told each finished recording;
    failed(input, line) each failure, while its exception is being handled (-v shows its traceback)."""
    pending, finished = [], 0
    for item in inputs:
        started = time.perf_counter()
        try:
            check_readable(item.path)
            part = transcribe_file(item.path, out_dir(item.path), shared, item.label, item.source)
        except Exception as e:
            failed(item, failure_line(e, item.path))
            continue
        pending.append((item, part, time.perf_counter() - started))
    for item, part, spent in pending:
        started = time.perf_counter()
        try:
            result = part.finish()
        except Exception as e:
            failed(item, failure_line(e, item.path))
            continue
        done(item, result, spent + time.perf_counter() - started)
        finished += 1
    return len(inputs) - finished
