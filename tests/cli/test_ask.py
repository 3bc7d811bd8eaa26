"""`offrecord ask` on a library of two recordings made from a few lines of speech (as a run
publishes them, without speech recognition), answered by the small summary model in its own
process: sentences with citations where the answer was said, "not found" where it never was,
the model loaded once for several questions, and one line for what cannot be asked."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FAST
from library.recordings import publish_recording, transcript

from offrecord.cli import cli
from offrecord.cli.ask import NOT_FOUND, show
from offrecord.summary.answer import Answer, Citation, Sentence

ANSWERED = "How long did the battery last?"
NEVER_SAID = "How much do the concert tickets cost?"


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ask")
    out = folder / "out"
    publish_recording(out, "standup", transcript(folder / "standup.wav", [
        ("S1", 0.0, "Good morning. I tested the new battery over the weekend."),
        ("S2", 5.0, "How long did it last?"),
        ("S1", 8.0, "The battery lasted two days before it needed charging."),
        ("S2", 13.0, "Great. Then I will order the rubber case from the supplier."),
    ], {"S1": "Ann", "S2": "Bob"}))
    publish_recording(out, "call", transcript(folder / "call.wav", [
        ("A", 0.0, "Hi, this is Diane. I live in New Jersey now but I grew up in Chicago."),
        ("B", 6.0, "I'm Sheila, and I moved to Texas ten years ago."),
    ], {"A": "Diane", "B": "Sheila"}))
    config = folder / "fast.yaml"
    config.write_text(json.dumps(FAST))  # JSON is YAML
    return out, config


def ask(*args, **kwargs):
    return CliRunner().invoke(cli, ["ask", *map(str, args)], **kwargs)


def said_by(out, evidence: dict) -> str:
    """The shown name of who said the words the evidence points at; it must lie in one turn."""
    t = json.loads((out / evidence["recording"] / "transcript.json").read_text())
    names = {s["id"]: s["name"] for s in t["speakers"]}
    (turn,) = [seg for seg in t["segments"] if seg["start"] <= evidence["start"] < evidence["end"] <= seg["end"]]
    return names[turn["speaker"]]


def test_several_questions_from_standard_input_as_json_one_model_load(library):
    out, config = library
    # three questions, two with passages for the model to read (the third's subject was never said)
    result = ask("-", out, "--json", "--config", config, input=f"{ANSWERED}\n\nWhere does Diane live?\n{NEVER_SAID}\n")
    assert result.exit_code == 1, result.stderr  # a question not found
    assert result.stderr.count("loading the summary model") == 1
    answered, diane, never = [json.loads(line) for line in result.stdout.splitlines()]
    assert diane["question"] == "Where does Diane live?" and diane["moments"][0]["folder"] == "call"
    for obj in (answered, diane, never):
        assert set(obj) == {"question", "found", "answer", "moments"}
    assert answered["question"] == ANSWERED and answered["found"] and answered["answer"]
    for sentence in answered["answer"]:
        assert set(sentence) == {"text", "evidence"} and sentence["evidence"]
        for e in sentence["evidence"]:
            assert set(e) == {"recording", "start", "end", "speaker"}
            assert e["recording"] == "standup" and e["speaker"] == said_by(out, e) == "Ann"
    assert "two days" in " ".join(s["text"] for s in answered["answer"])
    # never said: no answer, whatever the model wrote; the closest moments instead
    assert never == {**never, "question": NEVER_SAID, "found": False, "answer": []}
    assert never["moments"] and {"folder", "start", "speaker", "snippet", "report"} <= set(never["moments"][0])


def test_text_answer_cites_recording_time_and_speaker_with_a_link(library):
    out, config = library
    result = ask(ANSWERED, out, "--config", config)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines and not lines[0].startswith(" ")
    citations = [line for line in lines if line.startswith("    ")]
    assert citations and all(line.startswith("    standup · 00:00:") and " · Ann  (" in line for line in citations)
    assert f"({out / 'standup' / 'report.html'}#t=" in citations[0]


def test_a_question_about_something_never_said_is_not_found(library):
    out, config = library
    result = ask(NEVER_SAID, out, "--recording", "call", "--config", config)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == NOT_FOUND


def test_citations_are_terminal_links_on_a_terminal(tmp_path, capsys, monkeypatch):
    (tmp_path / "standup").mkdir()
    (tmp_path / "standup" / "report.html").write_text("")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    show(Answer("q", [Sentence("Ann said the battery lasted two days.", [Citation("standup", 8.0, 9.9, "Ann")])]),
         [], tmp_path, several=False)
    link = (tmp_path / "standup" / "report.html").resolve().as_uri()
    assert capsys.readouterr().out.splitlines()[1] == \
        f"    \x1b]8;;{link}#t=8.0\x1b\\standup · 00:00:08 · Ann\x1b]8;;\x1b\\"


def test_what_cannot_be_asked_is_one_line(library, tmp_path):
    out, config = library
    empty = tmp_path / "empty"
    empty.mkdir()
    gone = tmp_path / "gone"
    publish_recording(gone, "x", transcript(tmp_path / "x.wav", [("A", 0.0, "Hello there.")]))
    assert CliRunner().invoke(cli, ["index", str(gone)]).exit_code == 0
    shutil.rmtree(gone / "x")  # indexed, then deleted
    for args, status, message in [
        (["", out], 2, "nothing to ask in ''"),
        (["?!", out], 2, "nothing to ask in '?!'"),
        (["-", out], 2, "no question given"),
        ([ANSWERED, empty], 1, "no library here"),
        ([ANSWERED, tmp_path / "missing"], 1, "no such output folder"),
        ([ANSWERED, gone], 1, "the library is empty"),
    ]:
        result = ask(*args, "--config", config, input="\n")
        assert result.exit_code == status, (args, result.stderr)
        assert result.stdout == ""
        assert result.stderr.startswith("offrecord: error: ") and len(result.stderr.splitlines()) == 1, result.stderr
        assert message in result.stderr


def test_a_crash_of_the_model_is_one_line(library):
    out, config = library
    result = ask(ANSWERED, out, "--config", config, env={"OFFRECORD_FAULT": "summary:segv"})
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "offrecord: error: the summary model crashed (signal 11)"
    assert "Traceback" not in result.stderr


def test_the_last_argument_is_out_only_when_it_is_a_folder_or_a_path(tmp_path, monkeypatch):
    from offrecord.cli.ask import questions_and_out

    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes").mkdir()
    assert questions_and_out(("Who?", "Why?")) == (["Who?", "Why?"], Path("offrecord-out"))
    assert questions_and_out(("Who?", "notes")) == (["Who?"], Path("notes"))
    assert questions_and_out(("Who?", "elsewhere/out")) == (["Who?"], Path("elsewhere/out"))
    assert questions_and_out(("notes",)) == (["notes"], Path("offrecord-out"))  # one argument: a question
