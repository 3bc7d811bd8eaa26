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


class Context:
    def __init__(self, verbose: int, quiet: bool):
        self.verbose = verbose
        self.quiet = quiet

    def say(self, message: str) -> None:
        if not self.quiet:
            echo(message)

    def fail(self, message: str, reporter=None) -> None:
        """One line on stderr for a failure that does not end the command (one file of many),
        above the progress bars when they are showing."""
        line = printable(f"offrecord: error: {message}")
        if reporter is not None and reporter.bars:
            reporter.bars.print(line)
        else:
            click.echo(line, err=True)
        if self.verbose:
            log.exception("details")

    def reporter(self, as_json: bool = False):
        """Progress for this command: live bars when stderr is a terminal, plain lines otherwise."""
        from ..run.progress import Reporter

        return Reporter(None if self.quiet else self.say, as_json, live=sys.stderr.isatty() and not as_json)


def echo(line: str) -> None:
    """A line on stderr; a file name in it cannot break it in two or forge another."""
    click.echo(printable(line), err=True)


class Group(click.Group):
    """Every command's OffrecordError ends as one line and the error's exit status; a traceback
    only with -v. Ctrl-C, SIGTERM and SIGHUP stop it at the next safe point with one line and
    status 130, 143 or 129; no command leaves a core dump (it would hold recordings and
    transcripts)."""

    def invoke(self, ctx: click.Context):
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        try:
            with interrupt.handled():
                return super().invoke(ctx)
        except interrupt.Interrupted as e:
            try:
                echo("offrecord: interrupted; finished stages kept, rerun to resume")
            except OSError:  # after a hangup the terminal may be gone; the exit status still tells
                pass
            sys.exit(e.exit_code)
        except OffrecordError as e:
            echo(f"offrecord: error: {e}")
            if ctx.find_object(Context) and ctx.find_object(Context).verbose:
                log.exception("details")
            sys.exit(e.exit_code)


def configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    # the libraries' own warnings (pyannote, lightning, speechbrain...) only with -v
    logging.getLogger().setLevel(level if verbose else logging.ERROR)
    log.setLevel(level)
    import warnings

    # library chatter (torchcodec, lightning) is not for users, unless they ask for detail
    warnings.resetwarnings()
    if not verbose:
        warnings.filterwarnings("ignore")


def add_verbosity(command: click.Command) -> None:
    """-v and -q after the command too (`offrecord run -v x.wav`), not only before it."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_verbosity(sub)
        return

    def louder(ctx, param, value):
        if value:
            obj = ctx.find_object(Context)
            obj.verbose += value
            configure_logging(obj.verbose, obj.quiet)

    def quieter(ctx, param, value):
        if value:
            obj = ctx.find_object(Context)
            obj.quiet = True
            configure_logging(obj.verbose, obj.quiet)

    command.params += [
        click.Option(["-v", "--verbose"], count=True, expose_value=False, callback=louder, is_eager=True,
                     help="More detail; -v shows tracebacks, -vv debug logs."),
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, callback=quieter, is_eager=True,
                     help="Only errors."),
    ]


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
