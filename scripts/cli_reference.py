#!/usr/bin/env python
"""The README's command reference, made from the commands' own --help.

    .venv/bin/python scripts/cli_reference.py          rewrite it in README.md
    .venv/bin/python scripts/cli_reference.py --check  exit 1 if README.md is out of date

The reference sits between the markers below; everything else in the README is left alone.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import click

from offrecord.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- cli-reference: made by scripts/cli_reference.py -->", "<!-- cli-reference end -->"


def commands(group: click.Group, prefix: list[str]):
    for name in sorted(group.commands):
        command = group.commands[name]
        yield [*prefix, name], command
        if isinstance(command, click.Group):
            yield from commands(command, [*prefix, name])


def reference() -> str:
    parts = []
    for path, command in commands(cli, ["offrecord"]):
        with click.Context(command, info_name=" ".join(path), terminal_width=100, max_content_width=100) as ctx:
            parts.append(f"### `{' '.join(path)}`\n\n```\n{command.get_help(ctx)}\n```\n")
    return "\n".join(parts)


def with_reference(readme: str) -> str:
    if START not in readme or END not in readme:
        raise SystemExit(f"{README}: the markers {START} ... {END} are missing")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n\n{reference()}\n{END}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    current = README.read_text(encoding="utf-8")
    wanted = with_reference(current)
    if args.check:
        if wanted != current:
            print("README.md's command reference is out of date: run scripts/cli_reference.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
