#!/usr/bin/env python
"""The command reference, docs/cli.md, made from the commands' own --help.

    .venv/bin/python scripts/cli_reference.py          rewrite it in docs/cli.md
    .venv/bin/python scripts/cli_reference.py --check  exit 1 if docs/cli.md is out of date

The reference sits between the markers below; everything else in docs/cli.md (its heading and
the few lines above the markers) is left alone. Run it after changing a command or an option.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import click

from offrecord.cli import cli

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
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


def with_reference(page: str) -> str:
    if START not in page or END not in page:
        raise SystemExit(f"{REFERENCE}: the markers {START} ... {END} are missing")
    head, rest = page.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n\n{reference()}\n{END}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    current = REFERENCE.read_text(encoding="utf-8")
    wanted = with_reference(current)
    if args.check:
        if wanted != current:
            print("docs/cli.md is out of date: run scripts/cli_reference.py", file=sys.stderr)
            return 1
        return 0
    REFERENCE.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
