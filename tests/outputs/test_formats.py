"""The output formats on a hand-built transcript."""

import pytest

from offrecord.data import Claim, Span, Speaker, Summary, Transcript, Turn, Word
from offrecord.outputs.formats import (
    speakers_rttm,
    summary_md,
    transcript_json,
    transcript_md,
    transcript_srt,
    transcript_txt,
    transcript_vtt,
)
from offrecord.text import clock


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


def hostile():
    """A transcript whose names and words carry markup, control characters and line breaks."""
    name = "<img src=x onerror=alert(1)> & Co\nSPEAKER evil 1 0 1"
    w = [Word(0.5, 1.0, "a<b", 0.9, "S0"), Word(1.0, 1.5, "&amp;", 0.9, "S0"), Word(1.5, 2.0, "-->", 0.9, "S0")]
    return Transcript("dir/my\nfile\t<b>.wav", 2.0, "en", {}, [Speaker("S0", name)],
                      [Turn(0.5, 2.0, "a<b &amp; -->", w, "S0")])


def test_vtt_escapes_markup_in_cue_text_and_voice_names():
    vtt = transcript_vtt(hostile())
    cue = vtt.split("\n\n")[1]
    assert cue == ("00:00:00.500 --> 00:00:02.000\n<v &lt;img src=x onerror=alert(1)&gt; &amp; Co SPEAKER evil 1 0 1>"
                   "a&lt;b &amp;amp; --&gt;</v>\n")


def test_rttm_fields_have_no_whitespace_whatever_the_names():
    rttm = speakers_rttm("my\nfile\t<b>", [Span(1.0, 2.5, "S 0\n")])
    assert rttm == "SPEAKER my_file_<b> 1 1.000 1.500 <NA> <NA> S_0 <NA> <NA>\n"
    assert all(len(line.split()) == 10 for line in rttm.splitlines())


def test_markdown_and_text_carry_no_html_and_names_stay_on_their_line():
    t = hostile()
    md = transcript_md(t)
    assert "<" not in md and "&lt;img src=x onerror=alert(1)>" in md and "a&lt;b &amp;amp;" in md
    assert md.count("\n**[") == 1 and "\nSPEAKER evil" not in md
    for text in (transcript_txt(t), transcript_srt(t)):
        assert "\nSPEAKER evil" not in text
    summary = Summary(title="<script>x()</script>", overview=[Claim("o & <b>")], at_a_glance=[Claim("<i>")], ideas=[],
                      quotes=[], highlights=[], template="t",
                      sections=[{"name": "s", "title": "<img src=x onerror=y>", "kind": "list",
                                 "value": [{"text": "<a href=z>", "evidence": []}]}])
    md = summary_md(summary)
    assert "<" not in md and md.startswith("# &lt;script>x()&lt;/script>") and "## &lt;img src=x onerror=y>" in md


def test_a_crafted_transcript_json_is_refused_field_by_field(tmp_path):
    from offrecord.errors import InputError
    from offrecord.outputs.formats import read_transcript

    good = transcript_json(small())
    path = tmp_path / "transcript.json"
    path.write_text(good)
    assert read_transcript(path) == small()
    for text, needle in [
        (good.replace('"start": 0.5', '"start": "abc"', 1), "'segments.0.start': Input should be a valid number"),
        (good.replace('"speakers"', '"people"'), "'speakers': Field required"),
        (good.replace('"start": 0.5', '"start": NaN', 1), "NaN is not a number"),
        (good.replace('"start": 0.5', '"start": 1e999', 1), "1e999 is not a finite number"),
        ('["not", "a", "transcript"]', "Input should be a dictionary"),
        ("{", "Expecting property name"),
    ]:
        path.write_text(text)
        with pytest.raises(InputError) as e:
            read_transcript(path)
        assert str(e.value).startswith(f"{path}: not an offrecord transcript.json") and needle in str(e.value), e.value
