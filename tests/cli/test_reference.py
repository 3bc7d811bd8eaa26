"""docs/cli.md, the command reference, is the commands' own --help, and every option has help."""

import subprocess
import sys

import click
from conftest import ROOT

from offrecord.cli import cli


def test_docs_cli_reference_matches_help():
    """docs/cli.md holds what --help prints today (scripts/cli_reference.py rewrites it)."""
    check = subprocess.run([sys.executable, str(ROOT / "scripts" / "cli_reference.py"), "--check"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_every_option_of_every_command_has_help():
    def walk(command, path):
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                yield from walk(sub, f"{path} {name}")
        else:
            yield path, command

    missing = [f"{path} {'/'.join(p.opts)}" for path, command in walk(cli, "offrecord") for p in command.params
               if isinstance(p, click.Option) and not p.help]
    assert missing == []
