"""Quote candidates: whole sentences of one speaker, found by code."""

from __future__ import annotations

from offrecord.data import Speaker, Transcript, Turn, Word
from offrecord.summary.quotes import candidates


def one_turn(text: str) -> tuple[Transcript, Turn]:
    words = [Word(i * 0.4, i * 0.4 + 0.3, w, 1.0, "S1") for i, w in enumerate(text.split())]
    turn = Turn(0.0, words[-1].end, text, words, "S1")
    return Transcript("talk.wav", words[-1].end + 1, "en", {}, [Speaker("S1", "Marketing")], [turn]), turn


def test_a_sentence_the_speaker_left_hanging_is_no_quote():
    # Bro011's highlights quoted "... to wear the pellets and Um."
    for hanging in ("I think the rubber case should come in bright fruit colours and um.",
                    "I think the rubber case should come in bright fruit colours for a."):
        t, turn = one_turn(hanging)
        assert candidates(t, [turn]) == [], hanging
    t, turn = one_turn("I think the rubber case should come in bright fruit colours.")
    [kept] = candidates(t, [turn])
    assert kept.quote.text == "I think the rubber case should come in bright fruit colours."
    assert kept.quote.speaker == "Marketing"
