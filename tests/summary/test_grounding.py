from offrecord.data import Speaker, Transcript, Turn, Word
from offrecord.summary.grounding import ground_quote


def turn(speaker, start, text):
    words = [Word(start + i * 0.5, start + i * 0.5 + 0.4, w, 0.9, speaker) for i, w in enumerate(text.split())]
    return Turn(words[0].start, words[-1].end, text, words, speaker)


def transcript(*more: Turn):
    return Transcript(source="x.wav", duration=60.0, language="en", models={},
                      speakers=[Speaker("S0", "Ann"), Speaker("S1", "Bob")],
                      segments=[turn("S0", 0.0, "We should ship the remote control before Christmas, honestly."),
                                turn("S1", 10.0, "I think the budget is far too small for that plan."), *more])


def test_verbatim_quote_takes_text_speaker_and_time_from_the_transcript_to_the_end_of_its_sentence():
    q = ground_quote("we should ship the remote control before christmas", transcript())
    assert q.text == "We should ship the remote control before Christmas, honestly."
    assert q.speaker == "Ann" and q.start == 0.0 and q.end == 4.4


def test_a_quote_cut_short_runs_to_its_sentence_end_in_the_turn_of_the_speaker_the_model_named():
    t = transcript(turn("S1", 20.0, "We should ship the remote control before Easter."))
    assert ground_quote("I think the budget is", t).text == "I think the budget is far too small for that plan."
    # the same opening said by both: the model's speaker decides, not the order of the turns
    assert ground_quote("We should ship the remote", t, "Bob").text.endswith("Easter.")
    assert ground_quote("We should ship the remote", t, "Ann").text.endswith("honestly.")


def test_near_verbatim_quote_is_replaced_by_the_real_words():
    q = ground_quote("I think the budget is far too small for this plan", transcript())
    assert q is not None and q.speaker == "Bob"
    assert q.text in transcript().segments[1].text


def test_invented_and_spliced_quotes_are_dropped():
    assert ground_quote("Our customers love the new yellow design very much", transcript()) is None
    # half from Ann, half from Bob: no single passage covers it
    assert ground_quote("We should ship the remote control, the budget is far too small", transcript()) is None
    assert ground_quote("ship it", transcript()) is None  # too short to be a quote


def test_a_quote_in_a_sentence_that_never_ends_stops_at_a_clause_within_reach():
    run_on = ("so the budget is far too small for the rubber case we wanted, " + "and then we talk on " * 12).strip()
    q = ground_quote("the budget is far too small for the rubber case", transcript(turn("S1", 20.0, run_on)))
    assert q.text == "the budget is far too small for the rubber case we wanted,"
    # no punctuation at all: the quote is what matched, not 45 words of whatever followed
    bare = transcript(turn("S1", 20.0, "so " + "and then we talk on " * 12 + "the budget is far too small for "
                           "the rubber case we wanted " + "and then we talk on " * 12))
    assert ground_quote("the budget is far too small for the rubber case", bare).text == \
        "the budget is far too small for the rubber case"
