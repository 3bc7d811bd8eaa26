"""Errors meant for people: each says what went wrong and what to do about it."""

from __future__ import annotations

from pathlib import Path

# What to do about a model that is installed and still will not load (damaged or mismatched files).
CHECK_MODEL = "check it with `offrecord models verify`"


class OffrecordError(Exception):
    """An error the CLI prints as one line (no traceback unless -v), exiting with `exit_code`."""

    exit_code = 1


class InputError(OffrecordError):
    """The input recording cannot be used (missing, unreadable, not audio, empty)."""


class ModelMissingError(OffrecordError):
    """A model is not in the local store; the message names the package that provides it."""


class ConfigError(OffrecordError):
    """config.yaml or a CLI flag has a wrong key, type or value: a usage error, caught before any work."""

    exit_code = 2


class OutputError(OffrecordError):
    """Outputs cannot be written (read-only folder, disk full, folder removed)."""


class LibraryError(OffrecordError):
    """An output folder holds nothing to search or ask: no such folder, no index and no
    recordings, or an index with no recordings left in it."""


class QuestionError(OffrecordError):
    """A question with no word to look for: a usage error, caught before any model loads."""

    exit_code = 2


class SummaryCrashed(OffrecordError):
    """The summary model's process died: a signal (segfault, abort, the OOM killer) or an exit
    without an answer."""

    def __init__(self, signal_number: int | None, exit_status: int):
        self.signal_number = signal_number
        if signal_number == 9:
            reason = "the summary model was killed (signal 9; the machine may have run out of memory)"
        elif signal_number:
            reason = f"the summary model crashed (signal {signal_number})"
        else:
            reason = f"the summary model stopped without an answer (exit status {exit_status})"
        super().__init__(reason)


def failure_line(e: Exception, path: Path | str | None = None) -> str:
    """What went wrong, in one line: an OffrecordError's own message (it names its file), anything
    else (a bug, a library's failure) as an unexpected failure of `path`, its traceback left to -v."""
    if isinstance(e, OffrecordError):
        return str(e)
    where = f"{path}: " if path is not None else ""
    return f"{where}unexpected failure ({type(e).__name__}: {e}); rerun with -v for details"
