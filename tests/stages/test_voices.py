import json

import pytest
import soundfile as sf
from click.testing import CliRunner

from offrecord.cli import cli
from offrecord.errors import ConfigError
from offrecord.stages.decode import decode
from offrecord.stages.voices import VoiceBook


def test_match_is_one_to_one_and_respects_the_threshold(tmp_path):
    book = VoiceBook(tmp_path / "voices.json")
    book.enroll("Ann", [1.0, 0.0, 0.0], "a.wav")
    book.enroll("Bob", [0.0, 1.0, 0.0], "b.wav")
    centroids = {"S0": [0.9, 0.1, 0.0], "S1": [0.8, 0.3, 0.0], "S2": [0.0, 0.0, 1.0]}
    # S0 and S1 both resemble Ann: only the closer one gets the name; S1 is not Bob enough
    assert book.match(centroids, 0.65) == {"S0": "Ann"}
    assert book.match(centroids, 0.2) == {"S0": "Ann", "S1": "Bob"}


def test_profiles_persist_average_and_can_be_forgotten(tmp_path):
    path = tmp_path / "voices.json"
    VoiceBook(path).enroll("Ann", [1.0, 0.0], "one.wav")
    VoiceBook(path).enroll("Ann", [0.0, 2.0], "two.wav")
    book = VoiceBook(path)
    assert [c["clip"] for c in book.voices["Ann"]["clips"]] == ["one.wav", "two.wav"]
    assert book.match({"S": [1.0, 1.0]}, 0.99) == {"S": "Ann"}  # the average of both clips
    assert book.forget("Ann") and not VoiceBook(path).voices and not book.forget("Ann")


def test_damaged_profiles_file_is_a_clear_error(tmp_path):
    path = tmp_path / "voices.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="damaged"):
        VoiceBook(path)


def test_enrolled_voice_names_the_speaker_in_another_recording(tmp_path, sample_wav, monkeypatch):
    """Enrol Diane from the first half of the call; she is recognised in the second half."""
    monkeypatch.setenv("OFFRECORD_HOME", str(tmp_path / "home"))
    audio = decode(sample_wav)
    cut = int(14.7 * audio.sample_rate)
    first, second = tmp_path / "first-half.wav", tmp_path / "second-half.wav"
    sf.write(first, audio.samples[:cut], audio.sample_rate)
    sf.write(second, audio.samples[cut:], audio.sample_rate)
    runner = CliRunner()
    enrolled = runner.invoke(cli, ["speakers", "enroll", "Diane", str(first)])
    assert enrolled.exit_code == 0, enrolled.output
    assert "Diane" in runner.invoke(cli, ["speakers", "list"]).output
    result = runner.invoke(cli, ["run", str(second), "--out", str(tmp_path / "out"), "--no-summary",
                                 "--asr-model", "whisper-tiny.en"])
    assert result.exit_code == 0, result.output
    t = json.loads((tmp_path / "out" / "second-half" / "transcript.json").read_text())
    by_name = {s["name"]: s for s in t["speakers"]}
    assert by_name["Diane"]["name_source"] == "voice"
    assert len(t["speakers"]) == 2
    # Diane speaks 18.05-21.49 s of the original (pyannote's reference), 3.35-6.79 s here
    diane_words = [w for seg in t["segments"] if seg["speaker"] == by_name["Diane"]["id"] for w in seg["words"]]
    inside = [w for w in diane_words if 2.85 <= w["start"] <= 7.3 or w["start"] >= 13.1]
    assert diane_words and len(inside) / len(diane_words) > 0.8
    assert runner.invoke(cli, ["speakers", "forget", "Diane"]).exit_code == 0
    assert runner.invoke(cli, ["speakers", "forget", "Diane"]).exit_code == 1
