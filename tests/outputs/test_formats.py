"""The output formats on a hand-built transcript."""

from pipeline.data import Span, Speaker, Transcript, Turn, Word
from pipeline.outputs.formats import speakers_rttm, transcript_srt, transcript_vtt
from pipeline.text import clock


def small():
    w = [Word(0.5, 1.0, "Hello", 0.9, "S0"), Word(1.0, 1.5, "there.", 0.9, "S0", overlap=True)]
    return Transcript("a.wav", 2.0, "en", {}, [Speaker("S0", "Ann")], [Turn(0.5, 1.5, "Hello there.", w, "S0")])


def test_clock_formats():
    assert clock(3725.5) == "01:02:05" and clock(3725.5, True, ",") == "01:02:05,500"


def test_srt_and_vtt_cues():
    assert transcript_srt(small()) == "1\n00:00:00,500 --> 00:00:01,500\nAnn: Hello there.\n"
    vtt = transcript_vtt(small())
    assert vtt.startswith("WEBVTT\n") and "<v Ann>Hello there.</v>" in vtt


def test_rttm_lines():
    assert speakers_rttm("my file", [Span(1.0, 2.5, "S0")]) == \
        "SPEAKER my_file 1 1.000 1.500 <NA> <NA> S0 <NA> <NA>\n"
