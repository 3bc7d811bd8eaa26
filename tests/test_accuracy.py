"""Recognition accuracy with the default speech model, on public-domain references."""

import re

import pytest

from pipeline.audio import decode
from pipeline.config import load_config
from pipeline.runner import Models
from pipeline.store import ModelStore


def words(text: str) -> list[str]:
    text = text.lower().replace("-", " ")
    return re.findall(r"[a-z0-9']+", text)


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(len(ref), 1)


def test_wer_helper():
    assert wer("the cat sat", "the cat sat") == 0.0
    assert wer("the cat sat", "the bat sat down") == pytest.approx(2 / 3)


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
