"""`offrecord search` and `offrecord index` after real runs: two recordings (the JFK clip, then
the bundled sample call) processed into one OUT by two `offrecord run`s with the small models."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import FAST

from offrecord.cli import cli


@pytest.fixture(scope="module")
def library_out(tmp_path_factory, shared, sample_wav):
    folder = tmp_path_factory.mktemp("library")
    config = folder / "fast.yaml"
    config.write_text(json.dumps(FAST))  # JSON is YAML
    out = folder / "out"
    shutil.copy(sample_wav, folder / "call.wav")
    for recording in (shared / "speech" / "jfk" / "jfk.wav", folder / "call.wav"):
        result = CliRunner().invoke(cli, ["run", str(recording), "--out", str(out), "--no-summary", "--config", str(config)])
        assert result.exit_code == 0, result.output
    return out


def search(*args):
    return CliRunner().invoke(cli, ["search", *map(str, args)])


def test_search_finds_a_phrase_of_the_second_recording_with_its_time_and_speaker(library_out):
    t = json.loads((library_out / "call" / "transcript.json").read_text())
    names = {s["id"]: s["name"] for s in t["speakers"]}
    # each time "New Jersey" was said: when "New" starts, and who said it
    said = {(a["start"], names[seg["speaker"]]) for seg in t["segments"] for a, b in zip(seg["words"], seg["words"][1:])
            if a["word"].strip(",.").lower() == "new" and b["word"].strip(",.").lower() == "jersey"}
    assert said, "whisper-tiny.en did not hear 'New Jersey' in the sample"
    result = search('"New Jersey"', library_out, "--json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert {(h["start"], h["speaker"]) for h in hits} == said
    assert all(h["folder"] == "call" and "[New Jersey]" in h["snippet"] for h in hits)
    assert hits[0]["report"].endswith("call/report.html")


def test_search_text_output_filters_and_no_matches(library_out):
    result = search("country", library_out)
    assert result.exit_code == 0
    assert result.output.splitlines()[0].startswith("jfk · ") and "[country]" in result.output
    assert "report.html#t=" in result.output
    assert search("country", library_out, "--recording", "call").exit_code == 1
    assert search("country", library_out, "--since", "2000-01-01").exit_code == 0
    none = search("xylophone", library_out)
    assert none.exit_code == 1 and none.output.strip() == "no matches"
    for text in ['"unbalanced', "NEAR(", "AND", "col:on"]:
        assert search(text, library_out).exit_code in (0, 1)
    assert search("(((", library_out).exit_code == 1  # nothing to search for: one line, no traceback
    assert "Traceback" not in search("(((", library_out).output


def test_index_rebuilds_and_the_page_lists_both(library_out):
    (library_out / ".offrecord" / "library.sqlite").write_bytes(b"garbage")
    result = CliRunner().invoke(cli, ["index", str(library_out)])
    assert result.exit_code == 0, result.output
    assert "2 recordings indexed" in result.output
    page = (library_out / "index.html").read_text()
    assert '"call/report.html"' in page and '"jfk/report.html"' in page
    assert search("country", library_out).exit_code == 0


@pytest.mark.slow
def test_summarize_updates_the_library(library_out, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(library_out, out)
    config = tmp_path / "fast.yaml"
    config.write_text(json.dumps(FAST))
    result = CliRunner().invoke(cli, ["summarize", str(out / "jfk" / "transcript.json"), "--config", str(config)])
    assert result.exit_code == 0, result.output
    title = json.loads((out / "jfk" / "summary.json").read_text())["title"]
    hits = json.loads(search(f'"{title}"', out, "--json", "--recording", "jfk").output)
    assert any(h["kind"] == "summary" and h["text"] == title for h in hits)
    assert all(h["title"] == title for h in hits)  # the recording is now known by its summary's title
