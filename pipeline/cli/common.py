"""What every command shares: the settings, the options that several commands take, how a
message reaches the person at the terminal, and the one way an error or a stop is shown."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from .. import interrupt
from ..config import Config, default_config_path, load_config
from ..errors import OffrecordError
from ..store import ModelStore
from ..system import available_cores
from ..text import printable

log = logging.getLogger("offrecord")
FORMATS = ["json", "md", "txt", "srt", "vtt", "rttm", "html"]


class Context:
    def __init__(self, verbose: int, quiet: bool):
        self.verbose = verbose
        self.quiet = quiet

    def say(self, message: str) -> None:
        if not self.quiet:
            echo(message)

    def fail(self, message: str) -> None:
        """One line on stderr for a failure that does not end the command (one file of many)."""
        echo(f"offrecord: error: {message}")
        if self.verbose:
            log.exception("details")


def echo(line: str) -> None:
    """A line on stderr; a file name in it cannot break it in two or forge another."""
    click.echo(printable(line), err=True)


class Group(click.Group):
    """Every command's OffrecordError ends as one line and the error's exit status; a traceback
    only with -v. Ctrl-C and SIGTERM stop it at the next safe point with one line and status
    130 or 143; no command leaves a core dump (it would hold recordings and transcripts)."""

    def invoke(self, ctx: click.Context):
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        try:
            with interrupt.handled():
                return super().invoke(ctx)
        except interrupt.Interrupted as e:
            echo("offrecord: interrupted; finished stages kept, rerun to resume")
            sys.exit(e.exit_code)
        except OffrecordError as e:
            echo(f"offrecord: error: {e}")
            if ctx.find_object(Context) and ctx.find_object(Context).verbose:
                log.exception("details")
            sys.exit(e.exit_code)


def configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not verbose:
        import warnings
        warnings.filterwarnings("ignore")  # library chatter (torchcodec, lightning) is not for users


def settings(config_path, overrides: dict | None = None) -> Config:
    cfg = load_config(Path(config_path) if config_path else default_config_path(), overrides or {})
    if cfg.threads > available_cores():
        echo(f"offrecord: warning: threads {cfg.threads} is more than the {available_cores()} cores available; "
             f"using {available_cores()}")
    return cfg


def model_store(cfg: Config) -> ModelStore:
    return ModelStore(cfg.models.store, cfg.models.paths)


def finite(value: float | None, param) -> float | None:
    """Click lets `nan` through a FloatRange (it compares false with both bounds)."""
    if value is not None and value != value:
        raise click.BadParameter("must be a number", param=param)
    return value


config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                             help="A config.yaml (default: ~/.config/offrecord/config.yaml if present).")
