from pipeline.data import Speaker, Transcript, Turn, Word
from pipeline.summary.grounding import ground_quote


def transcript():
    def turn(speaker, start, text):
        words = [Word(start + i * 0.5, start + i * 0.5 + 0.4, w, 0.9, speaker) for i, w in enumerate(text.split())]
        return Turn(words[0].start, words[-1].end, text, words, speaker)
    return Transcript(source="x.wav", duration=60.0, language="en", models={},
                      speakers=[Speaker("S0", "Ann"), Speaker("S1", "Bob")],
                      segments=[turn("S0", 0.0, "We should ship the remote control before Christmas, honestly."),
                                turn("S1", 10.0, "I think the budget is far too small for that plan.")])


def test_verbatim_quote_takes_text_speaker_and_time_from_the_transcript():
    q = ground_quote("we should ship the remote control before christmas", transcript())
    assert q.text == "We should ship the remote control before Christmas,"
    assert q.speaker == "Ann" and q.start == 0.0 and q.end == 3.9


def test_near_verbatim_quote_is_replaced_by_the_real_words():
    q = ground_quote("I think the budget is far too small for this plan", transcript())
    assert q is not None and q.speaker == "Bob"
    assert q.text in transcript().segments[1].text


def test_invented_and_spliced_quotes_are_dropped():
    assert ground_quote("Our customers love the new yellow design very much", transcript()) is None
    # half from Ann, half from Bob: no single passage covers it
    assert ground_quote("We should ship the remote control, the budget is far too small", transcript()) is None
    assert ground_quote("ship it", transcript()) is None  # too short to be a quote
