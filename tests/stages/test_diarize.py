"""Diarization with the real models on a real AMI meeting clip."""

from pipeline.config import load_config
from pipeline.run.models import Models
from pipeline.stages.decode import decode
from pipeline.store import ModelStore


def test_speaker_count_options_are_honoured(shared):
    cfg = load_config(None, {})
    diarizer = Models(cfg, ModelStore()).diarizer
    meeting = decode(shared / "meeting-ami-es2004a/ES2004a-750-810.wav")

    def count(**bounds):
        return len({t.speaker for t in diarizer.diarize(meeting, **bounds).spans})

    assert count(num_speakers=4) == 4
    assert count(max_speakers=2) <= 2
    assert count(num_speakers=1) == 1
