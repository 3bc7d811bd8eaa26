"""Speech recognition and diarization side by side (parallel_stages), with the real models on a
real AMI meeting clip: same result as one after the other, truly overlapped, and a failure in
the diarization thread loses nothing."""

from __future__ import annotations

import json

import pytest
from conftest import FAST

from offrecord.config import load_config
from offrecord.run.cache import StageCache
from offrecord.run.models import Models
from offrecord.run.process import Shared, process_file, transcribe_file
from offrecord.run.progress import Reporter
from offrecord.store import ModelStore

SETTINGS = {**FAST, "summary": {"enabled": False}}


def run(clip, out, parallel: bool, cache=None, models=None):
    cfg = load_config(None, {**SETTINGS, "parallel_stages": parallel, "threads": 2})
    models = models or Models(cfg, ModelStore())
    lines: list[str] = []
    result = process_file(clip, out, Shared(cfg, models, Reporter(lines.append), cache))
    return result, json.loads((out / "transcript.json").read_text()), lines


@pytest.fixture(scope="module")
def clip(shared):
    return shared / "meeting-ami-es2004a" / "ES2004a-750-810.wav"


@pytest.mark.slow
def test_side_by_side_gives_the_same_transcript_and_overlaps(clip, tmp_path):
    together, transcript, _ = run(clip, tmp_path / "together", parallel=True)
    apart, expected, _ = run(clip, tmp_path / "apart", parallel=False)

    assert transcript == expected
    assert len(transcript["speakers"]) >= 2
    assert (tmp_path / "together" / "speakers.rttm").read_text() == (tmp_path / "apart" / "speakers.rttm").read_text()

    stages = {s.stage: s for s in together.stages}
    pair = stages["transcribe+diarize"]
    # Both ran inside the pair's time, at once: one after the other would take their sum.
    assert max(stages["transcribe"].seconds, stages["diarize"].seconds) <= pair.seconds
    assert pair.seconds < 0.9 * (stages["transcribe"].seconds + stages["diarize"].seconds)
    # CPU time of overlapping stages cannot be split, so it is only given for the pair.
    assert stages["transcribe"].cpu_seconds is None and stages["diarize"].cpu_seconds is None
    assert pair.cpu_seconds > 0
    assert "transcribe+diarize" not in {s.stage for s in apart.stages}


@pytest.mark.slow
def test_diarization_failure_beside_asr_keeps_the_transcription(clip, tmp_path, monkeypatch):
    cfg = load_config(None, {**SETTINGS, "threads": 2})
    models = Models(cfg, ModelStore())
    cache = StageCache(tmp_path / "cache")

    def broken(*args, **kwargs):
        raise RuntimeError("diarization broke")

    # A failure that real inputs here cannot provoke on demand, injected into the real diarizer.
    monkeypatch.setattr(models.diarizer, "diarize", broken)
    with pytest.raises(RuntimeError, match="diarization broke"):
        run(clip, tmp_path / "out", parallel=True, cache=cache, models=models)
    assert not (tmp_path / "out").exists()
    assert len(list((tmp_path / "cache").rglob("transcribe-*.json"))) == 1
    assert not list((tmp_path / "cache").rglob("diarize-*.json"))

    monkeypatch.undo()
    result, transcript, lines = run(clip, tmp_path / "out", parallel=True, cache=cache, models=models)
    assert any("transcribe" in line and "reused from the stage cache" in line for line in lines)
    stages = {s.stage: s for s in result.stages}
    assert "transcribe" not in stages and "transcribe+diarize" not in stages
    assert stages["diarize"].cpu_seconds is not None  # ran alone, with every thread
    assert len(transcript["speakers"]) >= 2 and transcript["segments"]


def test_a_quiet_meeting_still_has_its_speakers(shared, tmp_path):
    """AMI trn02: one far-field voice, about 40 dB below full scale, says "I am" at 20.7-21.4 s.
    Who spoke when must not hang on the recogniser finding words, and the voice the
    diarization hears must reach the recogniser."""
    cfg = load_config(None, SETTINGS)
    process_file(shared / "meeting-ami-clips" / "trn02.wav", tmp_path / "out", Shared(cfg, Models(cfg, ModelStore()),
                                                                                      Reporter(None)))
    turns = [line.split() for line in (tmp_path / "out" / "speakers.rttm").read_text().splitlines()]
    assert turns, "speakers.rttm is empty"
    spoken = [(float(t[3]), float(t[3]) + float(t[4])) for t in turns]
    assert any(start < 21.4 and end > 20.7 for start, end in spoken), spoken
    transcript = json.loads((tmp_path / "out" / "transcript.json").read_text())
    assert transcript["speakers"] and transcript["segments"]
    assert all(20.0 <= w["start"] <= 22.5 for s in transcript["segments"] for w in s["words"])


def test_a_file_that_changes_while_read_is_read_again_never_cached_under_other_bytes(tmp_path, shared):
    """The recording is rewritten longer between being hashed and being decoded (a copy still
    arriving): the run says so, starts over on the new bytes, and every stored result lies
    under the hash of the bytes it was computed from."""
    import hashlib

    import soundfile as sf

    from offrecord.stages.decode import decode

    samples = decode(shared / "speech/jfk/jfk.wav").samples
    src = tmp_path / "growing.wav"
    sf.write(src, samples[: 16000 * 5], 16000)
    first = hashlib.sha256(src.read_bytes()).hexdigest()
    cache = StageCache(tmp_path / "cache")
    run(src, tmp_path / "out", parallel=True, cache=cache)
    for stored in (tmp_path / "cache").rglob("diarize-*.json"):
        stored.unlink()  # speech recognition is stored, diarization is not: the file is decoded again

    def grow(line: str) -> None:  # shown between hashing and decoding
        if "transcribe" in line and "reused" in line and len(sf.read(src)[0]) < len(samples):
            sf.write(src, samples, 16000)

    cfg = load_config(None, {**SETTINGS, "threads": 2})
    lines: list[str] = []
    process_file(src, tmp_path / "out", Shared(cfg, Models(cfg, ModelStore()),
                                               Reporter(lambda line: (lines.append(line), grow(line))), cache))
    whole = hashlib.sha256(src.read_bytes()).hexdigest()
    assert any("warning: the file changed while it was being read; reading it again" in line for line in lines), lines
    assert json.loads((tmp_path / "out" / "transcript.json").read_text())["duration"] == 11.0
    stored = {(p.parent.name, p.name.split("-")[0]) for p in (tmp_path / "cache").rglob("*.json")}
    assert stored == {(first, "transcribe"), (whole, "transcribe"), (whole, "diarize")}


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


@pytest.mark.slow
def test_one_stage_of_models_at_a_time(sample_wav, tmp_path):
    """The recogniser and diarizer are gone (and their memory given back) while the summary model
    runs; they come back, and the summary model's process stops, when a transcript is needed again.
    `keep_models_loaded` keeps all three."""
    cfg = load_config(None, {**FAST, "threads": 2})
    models = Models(cfg, ModelStore())
    try:
        pending = transcribe_file(sample_wav, tmp_path / "a", Shared(cfg, models, Reporter(None)))
        assert models._asr is not None and models._diarizer is not None and models._summarizer is None
        # the transcript is on disk before the summary model starts
        assert (tmp_path / "a" / "transcript.json").is_file() and not (tmp_path / "a" / "summary.json").exists()
        with_transcript_models = rss_mb()
        pending.finish()
        assert models._asr is None and models._diarizer is None and models._summarizer._proc is not None
        assert (tmp_path / "a" / "summary.json").is_file()
        assert rss_mb() < with_transcript_models - 50
        worker = models._summarizer
        models.asr  # noqa: B018
        assert models._summarizer is None and worker._proc is None
    finally:
        models.close()

    cfg = load_config(None, {**FAST, "threads": 2, "keep_models_loaded": True})
    models = Models(cfg, ModelStore())
    try:
        transcribe_file(sample_wav, tmp_path / "b", Shared(cfg, models, Reporter(None))).finish()
        assert models._asr is not None and models._diarizer is not None and models._summarizer is not None
    finally:
        models.close()
