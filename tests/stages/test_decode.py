import random
import shutil
import wave

import av
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offrecord.errors import InputError
from offrecord.stages.decode import SAMPLE_RATE, decode

FORMATS = [
    "formats/one-two-three/audio-mono-16-bit-44100Hz.wav",
    "formats/one-two-three/audio-stereo-8-bit-44100Hz.wav",
    "formats/one-two-three/audio-stereo-24-bit-44100Hz.flac",
    "formats/one-two-three/audio-mono-32-bit-44100Hz.wav",
    "formats/one-two-three/audio-stereo-16-bit-44100Hz.aiff",
    "formats/edge/format_test.m4a",
    "formats/edge/wrong_extension.aac",
    "formats/edge/test5.webm",
    "formats/edge/bach.ogg",
    "formats/edge/creative_common.mp4",
    "formats/edge/test1-8bit.wav",
    "formats/lhotse/stereo.opus",
    "formats/lhotse/stereo.sph",
    "formats/lhotse/common_voice_en_651325.mp3",
    "speech/jfk/jfk.mp3",
    "speech/ljspeech/LJ001-0001.flac",
]


@pytest.mark.parametrize("rel", FORMATS)
def test_decodes_real_formats_to_16k_mono(shared, rel):
    audio = decode(shared / rel)
    assert audio.sample_rate == SAMPLE_RATE
    assert audio.samples.ndim == 1 and audio.samples.dtype == np.float32
    assert audio.duration > 0.4
    assert 0.01 < np.abs(audio.samples).max() <= 1.0


def test_same_recording_in_every_container_has_the_same_length(shared):
    folder = shared / "formats/one-two-three"
    durations = {p.name: decode(p).duration for p in folder.iterdir() if p.suffix in (".wav", ".flac", ".aiff")}
    assert max(durations.values()) - min(durations.values()) < 0.01, durations


def test_wav_with_zero_samples_is_refused(shared):
    with pytest.raises(InputError, match="no audio samples"):
        decode(shared / "formats/edge/test1_empty.wav")


@pytest.mark.parametrize("content,reason", [
    (b"", "empty"),
    (b"this is a text file, not audio\n" * 20, "not a recognised audio"),
])
def test_non_audio_is_refused_with_the_file_named(tmp_path, content, reason):
    bad = tmp_path / "recording.wav"
    bad.write_bytes(content)
    with pytest.raises(InputError) as e:
        decode(bad)
    assert str(bad) in str(e.value) and reason in str(e.value)


def test_damaged_audio_that_passes_for_video_is_called_damaged(tmp_path):
    # These bytes after an MP3 frame header are probed as raw H.263 video; the watch folder's
    # test once met such a file and was told "no audio track", which sends a user looking for a
    # missing track in what is in fact a broken .mp3.
    damaged = tmp_path / "call.mp3"
    damaged.write_bytes(b"\xff\xfb\x90\x00" + random.Random(3011).randbytes(3000))
    with av.open(str(damaged)) as probed:  # if another FFmpeg probes these otherwise, pick other bytes
        assert [s.type for s in probed.streams] == ["video"], "these bytes no longer pass for video"
    with pytest.raises(InputError) as e:
        decode(damaged)
    assert str(e.value).startswith(f"{damaged}: not a recognised audio or video file (its bytes read as ")
    assert str(e.value).endswith("with no sound; the file may be damaged)")
    video = tmp_path / "call.mp4"
    video.write_bytes(damaged.read_bytes())
    with pytest.raises(InputError, match="no audio track"):
        decode(video)


def test_missing_path_and_folder_are_refused(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        decode(tmp_path / "nope.wav")
    with pytest.raises(InputError, match="is a folder"):
        decode(tmp_path)


def test_truncated_wav_keeps_what_was_there(tmp_path, shared):
    src = shared / "speech/jfk/jfk.wav"
    cut = tmp_path / "cut.wav"
    data = src.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    audio = decode(cut)
    assert 4.0 < audio.duration < 6.5


def test_input_is_not_modified(tmp_path, shared):
    copy = tmp_path / "jfk.mp3"
    shutil.copy(shared / "speech/jfk/jfk.mp3", copy)
    before = copy.read_bytes()
    decode(copy)
    assert copy.read_bytes() == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(min_size=1, max_size=4096), st.sampled_from([".wav", ".mp3", ".m4a", ".flac", ".ogg"]))
def test_fuzzed_bytes_never_crash_the_decoder(tmp_path, blob, ext):
    path = tmp_path / f"fuzz{ext}"
    path.write_bytes(blob)
    try:
        audio = decode(path)
    except InputError as e:
        assert str(path) in str(e)
    else:
        assert audio.samples.size > 0


def test_silence_decodes(tmp_path):
    path = tmp_path / "silence.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 8000 * 3)
    audio = decode(path)
    assert abs(audio.duration - 3.0) < 0.01 and not audio.samples.any()
