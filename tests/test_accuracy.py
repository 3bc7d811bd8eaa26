"""Recognition accuracy with the default speech model, on public-domain references."""

import pytest

from pipeline.audio import decode
from pipeline.config import load_config
from pipeline.metrics import word_error_rate as wer
from pipeline.runner import Models
from pipeline.store import ModelStore


def test_wer_helper():
    assert wer("the cat sat", "the cat sat") == 0.0
    assert wer("the cat sat", "the bat sat down") == pytest.approx(2 / 3)
    assert wer("Mr. Smith-Jones, hello!", "mister smith jones hello") == 0.0


@pytest.fixture(scope="module")
def default_asr():
    cfg = load_config(None, {})
    return Models(cfg, ModelStore()).asr


def test_jfk_with_the_default_model(shared, default_asr):
    rows = [line.split("\t") for line in (shared / "speech/jfk/reference.tsv").read_text().splitlines()]
    reference = next(r[1] for r in rows if r[0] == "jfk.wav")
    result = default_asr.transcribe(decode(shared / "speech/jfk/jfk.wav"))
    hypothesis = " ".join(s.text for s in result.segments)
    assert result.language == "en"
    assert wer(reference, hypothesis) <= 0.15, (reference, hypothesis)


def test_silence_gives_an_empty_transcript(default_asr, tmp_path):
    import numpy as np

    from pipeline.data import Audio
    silence = Audio("silence.wav", np.zeros(16000 * 8, dtype=np.float32), 16000)
    assert default_asr.transcribe(silence).segments == []
