"""Words to speakers to turns, on hand-built timelines where the right answer is known."""

from offrecord.data import Diarization, Phrase, Span, Word
from offrecord.stages.attribute import attribute
from offrecord.stages.naming import introductions, name_speakers


def seg(*words):
    ws = [Word(start=s, end=e, word=t, probability=0.9) for s, e, t in words]
    return Phrase(start=ws[0].start, end=ws[-1].end, text=" ".join(w.word for w in ws), words=ws)


def test_a_segment_spanning_two_speakers_is_split_at_the_change():
    asr = [seg((0.0, 0.5, "Hello"), (0.5, 1.0, "there."), (1.2, 1.6, "Hi,"), (1.6, 2.0, "Bob."))]
    d = Diarization(spans=[Span(0, 1.1, "A"), Span(1.1, 2.2, "B")],
                    exclusive=[Span(0, 1.1, "A"), Span(1.1, 2.2, "B")])
    turns = attribute(asr, d)
    assert [(t.speaker, t.text) for t in turns] == [("A", "Hello there."), ("B", "Hi, Bob.")]


def test_weakly_supported_one_word_island_is_smoothed():
    # "so" barely touches B's turn: the diarization is not confident, so it stays with A.
    asr = [seg((0, .4, "We"), (.4, .8, "should"), (.8, 1.2, "so"), (1.2, 1.6, "ship"), (1.6, 2.0, "it."))]
    exclusive = [Span(0, 0.95, "A"), Span(0.95, 1.05, "B"), Span(1.05, 2.0, "A")]
    turns = attribute(asr, Diarization(spans=exclusive, exclusive=exclusive))
    assert len(turns) == 1 and turns[0].speaker == "A"


def test_clear_backchannel_stays_its_own_turn():
    asr = [seg((0, 1, "I"), (1, 2, "think"), (2.1, 2.5, "yeah"), (2.6, 3.5, "it"), (3.5, 4.0, "works."))]
    exclusive = [Span(0, 2.05, "A"), Span(2.05, 2.55, "B"), Span(2.55, 4.0, "A")]
    everyone = [Span(0, 4.0, "A"), Span(2.05, 2.55, "B")]
    turns = attribute(asr, Diarization(spans=everyone, exclusive=exclusive))
    assert [t.speaker for t in turns] == ["A", "B", "A"]
    assert turns[1].text == "yeah" and turns[1].words[0].overlap


def test_overlapped_words_follow_the_speaker_they_run_into():
    # "And I'm" is spoken over the end of A's turn, after a pause, running straight into "Sheila".
    asr = [seg((12.5, 13.1, "Diane"), (13.1, 13.9, "here."), (14.38, 14.5, "And"), (14.5, 14.76, "I'm"),
               (14.76, 15.08, "Sheila."))]
    everyone = [Span(10.4, 14.75, "A"), Span(14.3, 17.9, "B")]
    exclusive = [Span(10.4, 14.75, "A"), Span(14.75, 17.9, "B")]
    turns = attribute(asr, Diarization(spans=everyone, exclusive=exclusive))
    assert [(t.speaker, t.text) for t in turns] == [("A", "Diane here."), ("B", "And I'm Sheila.")]
    # without the pause the cut stays where the diarization put it
    asr = [seg((12.5, 13.1, "Diane"), (13.1, 14.38, "here"), (14.38, 14.5, "and"), (14.5, 14.76, "so"),
               (14.9, 15.08, "yes."))]
    turns = attribute(asr, Diarization(spans=everyone, exclusive=exclusive))
    assert [t.speaker for t in turns] == ["A", "B"] and turns[0].text == "Diane here and so"


def test_words_outside_every_turn_borrow_a_neighbour():
    asr = [seg((0, 1, "one"), (5, 6, "two"))]
    d = Diarization(spans=[Span(0, 1, "A")], exclusive=[Span(0, 1, "A")])
    assert {w.speaker for t in attribute(asr, d) for w in t.words} == {"A"}


def test_names_from_introductions_and_from_the_user():
    asr = [seg((0, 1, "Hi,"), (1, 2, "this"), (2, 3, "is"), (3, 4, "Diane.")),
           seg((5, 6, "And"), (6, 7, "I'm"), (7, 8, "Sheila."))]
    d = Diarization(spans=[Span(0, 4.5, "S0"), Span(4.5, 9, "S1")],
                    exclusive=[Span(0, 4.5, "S0"), Span(4.5, 9, "S1")])
    turns = attribute(asr, d)
    assert introductions(turns) == {"S0": "Diane", "S1": "Sheila"}
    named = name_speakers(turns, [])
    assert [(s.name, s.name_source) for s in named] == [("Diane", "introduction"), ("Sheila", "introduction")]
    assert [s.name for s in name_speakers(turns, ["Ann"])] == ["Ann", "Sheila"]
    assert [s.name for s in name_speakers(turns, {"S1": "Bob"})] == ["Diane", "Bob"]


def test_no_name_from_ordinary_phrases():
    asr = [seg((0, 1, "I'm"), (1, 2, "Sorry,"), (2, 3, "this"), (3, 4, "is"), (4, 5, "Great."))]
    d = Diarization(spans=[Span(0, 5, "S0")], exclusive=[Span(0, 5, "S0")])
    speakers = name_speakers(attribute(asr, d), [])
    assert speakers[0].name == "Speaker 1" and speakers[0].name_source == "default"


def test_naming_authority_user_then_voice_then_introduction():
    asr = [seg((0, 1, "I'm"), (1, 2, "Diane.")), seg((5, 6, "I'm"), (6, 7, "Sheila."))]
    d = Diarization(spans=[Span(0, 3, "S0"), Span(4, 8, "S1")], exclusive=[Span(0, 3, "S0"), Span(4, 8, "S1")])
    turns = attribute(asr, d)
    by_voice = name_speakers(turns, [], {"S1": "Maria"})
    assert [(s.name, s.name_source) for s in by_voice] == [("Diane", "introduction"), ("Maria", "voice")]
    by_user = name_speakers(turns, {"S1": "Bob"}, {"S1": "Maria"})
    assert [(s.name, s.name_source) for s in by_user] == [("Diane", "introduction"), ("Bob", "user")]
    # a voice name already given by the user is not given twice
    assert [s.name for s in name_speakers(turns, {"S0": "Maria"}, {"S1": "Maria"})] == ["Maria", "Sheila"]
