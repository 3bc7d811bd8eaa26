"""The `offrecord` command line.

offrecord run FILE... --out DIR      transcript, speakers and summary for each recording
offrecord transcribe FILE...         the same without the summary
offrecord summarize transcript.json  (re-)summarise an existing transcript
offrecord rename OUT/X "Speaker 1=Ann"     rename speakers in every output, no model needed
offrecord watch IN_DIR --out OUT     process whatever lands in IN_DIR, exactly once
offrecord status OUT                 done / failed / pending recordings of a watch folder
offrecord search QUERY [OUT]         moments across every recording in OUT, by words and by meaning
offrecord ask QUESTION [OUT]         an answer in a few sentences, each checked and cited to its moment
offrecord index OUT                  rebuild OUT's search index and its index.html page
offrecord models list|install|verify|pull
offrecord speakers enroll|list|forget     voice profiles for naming speakers
"""

from __future__ import annotations

import click

from .. import __version__
from . import ask, library, models, process, rename, speakers, watch
from .common import Context, Group, add_verbosity, configure_logging


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="offrecord")
@click.option("-v", "--verbose", count=True, help="More detail; -v shows tracebacks, -vv debug logs.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.pass_context
def cli(ctx, verbose, quiet):
    """Private recordings to speaker-labelled transcripts and summaries, entirely on this machine."""
    configure_logging(verbose, quiet)
    ctx.obj = Context(verbose, quiet)


for command in (process.run, process.transcribe, process.summarize, rename.rename, watch.watch, watch.status,
                library.search, ask.ask, library.index, models.models, speakers.speakers):
    add_verbosity(command)
    cli.add_command(command)


def main() -> None:
    cli(prog_name="offrecord")
