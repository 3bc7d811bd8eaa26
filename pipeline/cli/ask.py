"""`offrecord ask`: questions answered from every recording of an output folder, each sentence of
an answer checked against what was said and cited to its moment."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from ..errors import QuestionError
from ..text import clock, value_excerpt
from .common import Context, config_option, model_store, settings
from .library import DEFAULT_OUT, filter_options, filters, moment_row, open_library, show_moments

NOT_FOUND = "not found in these recordings"
CLOSEST = 5  # moments shown with an answer not found


@click.command()
@click.argument("arguments", nargs=-1, required=True, metavar="QUESTION... [OUT]")
@filter_options
@click.option("--llm-model", help="Model name from `offrecord models list` (default: the summary model).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question, one a line.")
@config_option
@click.pass_obj
def ask(obj: Context, arguments, speaker, since, until, recording, llm_model, as_json, config_path):
    """Answer QUESTION in a few sentences from the recordings of OUT (default: offrecord-out).

    Every sentence is checked against what was said and cited to its moment (the recording, the
    time, who said it). Several questions load the model once: give each (with two arguments or
    more, the last is OUT when it is a folder or a path with a /), or QUESTION - for one a line on
    standard input. When nothing said
    answers a question: "not found in these recordings", the closest moments, and exit status 1."""
    from ..library.meaning import embedder_for
    from ..library.passages import find
    from ..library.query import parse
    from ..library.search import search
    from ..run.check import check_model
    from ..run.models import Models
    from ..summary.answer import answer, search_text

    questions, out = questions_and_out(arguments)
    if not questions:
        raise QuestionError("no question given (with -, one a line on standard input)")
    queries = [parse(q) for q in questions]
    for question, query in zip(questions, queries):
        if query is None:
            raise QuestionError(f"nothing to ask in {value_excerpt(question)}: give a question in words")
    cfg = settings(config_path, {"summary": {"model": llm_model}} if llm_model else None)
    store = model_store(cfg)
    check_model(store, cfg.summary.model, "llm", "--llm-model")
    embedder = embedder_for(cfg)
    index = open_library(out, cfg, embedder)
    # a plain line, not run's live bars: those would share the terminal with the answers
    models = Models(cfg, store, on_load=lambda what: obj.say(f"loading the {what} model"))
    unanswered = 0
    try:
        people = index.speakers()
        chosen = filters(speaker, since, until, recording)
        for question, as_asked in zip(questions, queries):
            # quotes or a star ask for those words: the question is searched as written
            query = as_asked if as_asked.literal else parse(search_text(question, people))
            passages, hits = find(index, query, chosen, None if query.literal else embedder)
            # the model's process starts with the first question that has passages to read
            result = answer(question, passages, lambda system, asks: models.summarizer.complete(system, asks))
            unanswered += not result.found
            if not hits:  # what the question is about was never said: the moments nearest its words
                hits = search(index, as_asked, chosen, None if as_asked.literal else embedder, CLOSEST)
            if as_json:
                click.echo(json.dumps({"question": question, "found": result.found,
                                       "answer": [asdict(s) for s in result.sentences],
                                       "moments": [moment_row(h, out) for h in hits[:CLOSEST]]}, ensure_ascii=False))
            else:
                show(result, hits[:CLOSEST], out, len(questions) > 1)
    finally:
        models.close()
        index.close()
    sys.exit(1 if unanswered else 0)


def questions_and_out(arguments: tuple[str, ...]) -> tuple[list[str], Path]:
    """The questions (those of standard input for "-") and OUT: the last of two arguments or more
    when it is a folder or written as a path, so that `ask "Who?" "Why?"` asks two questions."""
    given, out = arguments, Path(DEFAULT_OUT)
    if len(arguments) > 1 and (Path(arguments[-1]).is_dir() or "/" in arguments[-1]):
        given, out = arguments[:-1], Path(arguments[-1])
    questions = []
    for q in given:
        questions += [line.strip() for line in click.get_text_stream("stdin") if line.strip()] if q == "-" else [q]
    return questions, out


def show(result, moments, out: Path, several: bool) -> None:
    """Each sentence, then where it was said: on a terminal each citation is a link that plays
    the moment in the recording's report.html; elsewhere the link is written out."""
    if several:
        click.echo(f"? {result.question}")
    if not result.found:
        click.echo(NOT_FOUND)
        if moments:
            click.echo("closest moments:")
            show_moments(moments, out)
        return
    tty = sys.stdout.isatty()
    for sentence in result.sentences:
        click.echo(sentence.text)
        for c in sentence.evidence:
            where = f"{c.recording} · {clock(c.start)} · {c.speaker}"
            report = out / c.recording / "report.html"
            if not report.is_file():
                click.echo(f"    {where}")
            elif tty:  # OSC 8: the terminal shows `where`, and opens the link
                click.echo(f"    \x1b]8;;{report.resolve().as_uri()}#t={c.start:.1f}\x1b\\{where}\x1b]8;;\x1b\\")
            else:
                click.echo(f"    {where}  ({report}#t={c.start:.1f})")
