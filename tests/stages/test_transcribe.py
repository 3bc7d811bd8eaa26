"""Recognition accuracy with the default speech model, on public-domain references."""

import pytest

from offrecord.config import load_config
from offrecord.metrics import word_error_rate as wer
from offrecord.run.models import Models
from offrecord.stages.decode import decode
from offrecord.store import ModelStore


@pytest.fixture(scope="module")
def default_asr():
    cfg = load_config(None, {})
    return Models(cfg, ModelStore()).asr


def test_jfk_with_the_default_model(shared, default_asr):
    rows = [line.split("\t") for line in (shared / "speech/jfk/reference.tsv").read_text().splitlines()]
    reference = next(r[1] for r in rows if r[0] == "jfk.wav")
    result = default_asr.transcribe(decode(shared / "speech/jfk/jfk.wav"))
    hypothesis = " ".join(s.text for s in result.phrases)
    assert result.language == "en"
    assert wer(reference, hypothesis) <= 0.15, (reference, hypothesis)


def test_silence_gives_an_empty_transcript(default_asr, tmp_path):
    import numpy as np

    from offrecord.data import Audio
    silence = Audio("silence.wav", np.zeros(16000 * 8, dtype=np.float32), 16000)
    assert default_asr.transcribe(silence).phrases == []


def test_language_is_detected_after_a_long_silent_start(shared, default_asr):
    import numpy as np

    from offrecord.data import Audio
    speech = decode(shared / "speech/jfk/jfk.wav")
    padded = Audio("late.wav", np.concatenate([np.zeros(40 * 16000, np.float32), speech.samples]), 16000)
    result = default_asr.transcribe(padded)
    assert result.language == "en"
    assert result.phrases and result.phrases[0].start >= 39.0
    assert "ask not what your country" in " ".join(s.text for s in result.phrases).lower()


def test_long_audio_is_cut_in_silence_and_covers_everything():
    import numpy as np

    from offrecord.stages.transcribe import _windows
    rate = 16000
    rng = np.random.default_rng(0)
    tone = lambda s: (0.5 * rng.standard_normal(int(s * rate))).astype(np.float32)  # noqa: E731
    samples = np.concatenate([tone(590), np.zeros(rate, np.float32), tone(300), np.zeros(rate, np.float32), tone(700)])
    pieces = list(_windows(samples, rate))
    assert sum(len(p) for _, p in pieces) == len(samples)
    assert all(len(p) <= 600 * rate for _, p in pieces)
    offsets = [o for o, _ in pieces]
    assert 590 <= offsets[1] <= 591  # the first cut falls in the first silence
    assert all(b > a for a, b in zip(offsets, offsets[1:]))


def test_windowed_transcription_keeps_times_and_words(shared, monkeypatch, fast_config):
    import numpy as np

    from offrecord.data import Audio
    from offrecord.stages import transcribe
    monkeypatch.setattr(transcribe, "WINDOW_SECONDS", 12)
    monkeypatch.setattr(transcribe, "CUT_SEARCH_SECONDS", 4)
    jfk = decode(shared / "speech/jfk/jfk.wav").samples
    twice = Audio("twice.wav", np.concatenate([jfk, np.zeros(8000, np.float32), jfk]), 16000)
    result = Models(fast_config, ModelStore()).asr.transcribe(twice)
    words = [w for s in result.phrases for w in s.words]
    text = " ".join(w.word for w in words).lower()
    assert text.count("ask not what your country") == 2
    assert all(b.start >= a.start for a, b in zip(words, words[1:]))
    assert words[-1].end > 20.0 and words[-1].end <= twice.duration + 0.1
