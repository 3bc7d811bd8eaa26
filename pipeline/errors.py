"""Errors meant for people: each says what went wrong and what to do about it."""


class OffrecordError(Exception):
    """An error the CLI prints as one line (no traceback unless -v)."""


class InputError(OffrecordError):
    """The input recording cannot be used (missing, unreadable, not audio, empty)."""


class ModelMissingError(OffrecordError):
    """A model is not in the local store; the message names the package that provides it."""


class ConfigError(OffrecordError):
    """config.yaml or a CLI flag has a wrong key, type or value."""


class OutputError(OffrecordError):
    """Outputs cannot be written (read-only folder, disk full, folder removed)."""
