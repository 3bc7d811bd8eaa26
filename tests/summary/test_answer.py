"""An answer's sentences against its passages, with the model's replies given: the checker
keeps what was said, writes again once what was not, and drops what still is not; an answer
about something else is no answer. The real model answers in tests/cli/test_ask.py."""

from __future__ import annotations

from dataclasses import replace

from offrecord.data import Passage, Speaker, Transcript, Turn, Word
from offrecord.summary.answer import answer


def turn(speaker: str, start: float, text: str) -> Turn:
    words = [Word(start + i * 0.4, start + i * 0.4 + 0.3, w, 0.9, speaker) for i, w in enumerate(text.split())]
    return Turn(words[0].start, words[-1].end, text, words, speaker)


STANDUP = Transcript("standup.wav", 30.0, "en", {}, [Speaker("S1", "Ann"), Speaker("S2", "Bob")], [
    turn("S2", 3.0, "How long did the new battery last over the weekend?"),
    turn("S1", 8.0, "It lasted two days before it needed charging."),
    turn("S2", 12.0, "Then we order the rubber case."),
])
CALL = Transcript("call.wav", 10.0, "en", {}, [Speaker("A", "Diane"), Speaker("B", "Sheila")], [
    turn("A", 0.0, "Hi, this is Diane. I grew up in Chicago."),
])
PASSAGES = [Passage("standup", STANDUP), Passage("call", CALL)]


class Model:
    """Replies in turn, and the prompts it was given."""

    def __init__(self, *replies: list[dict]):
        self.replies, self.prompts = list(replies), []

    def __call__(self, system: str, asks: list[tuple[str, dict, int]]) -> list[dict]:
        self.prompts.append([prompt for prompt, _, _ in asks])
        return self.replies.pop(0)


def test_a_sentence_said_in_the_passages_is_kept_with_its_citation():
    model = Model([{"answer": "Ann said the battery lasted two days before it needed charging."}])
    a = answer("How long did the battery last?", PASSAGES, model)
    assert a.found and len(model.prompts) == 1
    (sentence,) = a.sentences
    assert [(c.recording, c.speaker) for c in sentence.evidence] == [("standup", "Ann")]
    assert STANDUP.segments[1].start <= sentence.evidence[0].start < sentence.evidence[0].end <= STANDUP.segments[1].end
    prompt = model.prompts[0][0]
    assert "Ann: It lasted two days" in prompt and "Diane: Hi, this is Diane." in prompt


def test_what_the_passages_do_not_say_is_written_again_once_then_dropped():
    """Without the checker the model's answer, from its general knowledge, would be shown."""
    model = Model([{"answer": "The tickets cost forty euros at the door."}],
                  [{"sentence": "The tickets cost forty euros."}])
    a = answer("How much are the tickets?", PASSAGES, model)
    assert not a.found and a.sentences == [] and (a.proposed, a.rewritten) == (1, 1)
    assert len(model.prompts) == 2


def test_a_sentence_written_again_against_its_nearest_passage_can_be_kept():
    model = Model([{"answer": "The battery lasted two weeks in the cold."}],
                  [{"sentence": "The battery lasted two days before it needed charging."}])
    a = answer("How long did the battery last?", PASSAGES, model)
    assert [s.text for s in a.sentences] == ["The battery lasted two days before it needed charging."]
    (rewrite,) = model.prompts[1]
    assert "It lasted two days" in rewrite and "Chicago" not in rewrite  # the nearest passage alone
    assert "A sentence of the answer: The battery lasted two weeks in the cold." in rewrite


def test_words_put_to_the_wrong_person_and_a_speakers_voice_are_not_kept_as_written():
    model = Model([{"answer": "Bob said the battery lasted two days. I grew up in Chicago."}],
                  [{"sentence": "I grew up in Chicago."}])
    a = answer("How long did the battery last, and where did Diane grow up?", PASSAGES, model)
    # the name is corrected to the one who said it; the first person is never shown
    assert [s.text for s in a.sentences] == ["Ann said the battery lasted two days."]


def test_a_cut_off_sentence_is_dropped_without_writing_it_again():
    model = Model([{"answer": "The battery lasted two days before it needed charging. The case…"}])
    a = answer("How long did the battery last?", PASSAGES, model)
    assert len(a.sentences) == 1 and a.rewritten == 0 and len(model.prompts) == 1


def test_a_supported_sentence_about_something_else_is_no_answer():
    model = Model([{"answer": "Diane grew up in Chicago."}])
    a = answer("What is the budget for the rubber case?", PASSAGES, model)
    assert not a.found and a.off_topic
    # what was asked is in the cited turn: "Where did Diane grow up?" asks only who
    assert answer("Where did Diane grow up?", PASSAGES, Model([{"answer": "Diane grew up in Chicago."}])).found


def test_the_model_saying_there_is_no_answer_is_not_found_without_writing_again():
    model = Model([{"answer": "No answer is given in these passages."}])
    a = answer("What is the budget?", PASSAGES, model)
    assert not a.found and a.rewritten == 0 and len(model.prompts) == 1


def test_a_sentence_must_rest_on_the_passages_not_on_the_rest_of_the_recording():
    only_question = [Passage("standup", replace(STANDUP, segments=STANDUP.segments[:1]))]
    model = Model([{"answer": "The battery lasted two days before it needed charging."}],
                  [{"sentence": "The battery lasted two days."}])
    assert not answer("How long did the battery last?", only_question, model).found
    assert answer("How long did the battery last?", [], Model()).sentences == []
