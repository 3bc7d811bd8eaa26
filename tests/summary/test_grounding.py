from pipeline.data import Segment, Speaker, Transcript, Word
from pipeline.grounding import ground_quote


def transcript():
    def turn(speaker, start, text):
        words = [Word(start + i * 0.5, start + i * 0.5 + 0.4, w, 0.9, speaker) for i, w in enumerate(text.split())]
        return Segment(words[0].start, words[-1].end, text, words, speaker)
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


def test_strings_cut_by_the_grammar_end_on_a_whole_sentence_or_word():
    from pipeline.summarize import _tidy

    schema = {"type": "object", "properties": {
        "overview": {"type": "string", "maxLength": 40},
        "notes": {"type": "array", "items": {"type": "string", "maxLength": 24}}}}
    out = _tidy({"overview": "Ann chairs the meeting today. Bob then ta", "notes": ["Bob agrees.", "Ann asks Bob to send the"]},
                schema)
    assert out == {"overview": "Ann chairs the meeting today.", "notes": ["Bob agrees.", "Ann asks Bob to send…"]}


def test_placeholder_items_are_dropped_and_repeats_kept_once():
    from pipeline.summarize import _distinct

    items = ["None specified", "N/A", "No decisions were made in this part.", "Nothing.",
             "No remote should have more than ten buttons, the group agreed.",
             "Ann will send the slides.", "ann will send the slides"]
    assert _distinct(items) == ["No remote should have more than ten buttons, the group agreed.",
                                "Ann will send the slides."]
