"""Errors meant for people: each says what went wrong and what to do about it."""


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
