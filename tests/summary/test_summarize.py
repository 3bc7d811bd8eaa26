"""The summary with the real tokenizer and the real small model: read once and asked several
questions, or in parts when the transcript outgrows the context; every claim it keeps carries
evidence that holds up against the transcript."""

from __future__ import annotations

import dataclasses

import llama_cpp
import pytest
from conftest import check_summary, meeting, sample_reference

from offrecord.config import SummaryConfig, load_config
from offrecord.data import Speaker, Transcript, Turn, Word
from offrecord.store import ModelStore
from offrecord.summary.summarize import (
    ANSWER_ROOM,
    CONTEXT_STEP,
    RESERVED_TOKENS,
    Shape,
    Summarizer,
    _first_person,
    _line,
    _new_usage,
    _said,
)
from offrecord.summary.templates import load_template
from offrecord.summary.verify import Checker, near_duplicate, nothing_new, sentences


def load(cfg: SummaryConfig) -> Summarizer:
    return Summarizer(ModelStore().file(cfg.model, "model.gguf"), cfg, 2)


@pytest.fixture(scope="module")
def summarizer(fast_config):
    """In this process, to look at its parts; the pipeline runs it in a child process."""
    summarizer = load(fast_config.summary)
    yield summarizer
    summarizer.close()


def test_three_hour_transcript_is_read_in_parts_that_fit_the_context(shared, summarizer):
    t = meeting(shared, times=12)
    assert t.duration > 3 * 3600
    chunks = summarizer.chunks(t)
    sizes = [summarizer._tokens("\n".join(_line(t, s) for s in chunk)) for chunk in chunks]
    assert len(chunks) >= 2 and max(sizes) <= summarizer.budget() < summarizer.cfg.n_ctx
    # nothing said is dropped, nothing repeated, order kept: the chunks are the transcript less its "mm-hmm"s
    assert [w for chunk in chunks for s in chunk for w in s.words] == [w for s in t.segments if _said(s) for w in s.words]
    assert min(sizes) > max(sizes) * 0.8  # even parts, no stub at the end


@pytest.mark.slow
def test_a_short_call_is_one_model_call_and_every_claim_has_evidence():
    """By the default model: every claim the 0.5B test model writes about this call is false."""
    summarizer = load(load_config(None, {}).summary)
    try:
        t = sample_reference()
        s = summarizer.summarize(t, load_template("podcast"))
        assert summarizer.usage["calls"] == 1
        assert summarizer.llm.n_ctx() == CONTEXT_STEP  # a 30 s call needs no more than the smallest context
    finally:
        summarizer.close()
    assert check_summary(s.to_dict(), t.to_dict()), "nothing the transcript supports was kept"
    assert len(s.at_a_glance) <= 2 and len(s.overview) <= 2 and not s.ideas  # 30 s: no outline of an hour


def test_a_highlight_keeps_its_moment_when_the_prose_repeats_it(summarizer):
    """Ideas and sections are written with the highlights as their outline, and a small model
    copies what it reads anywhere: the copy in the prose is the repeat that goes, the highlight
    at its time stays."""
    t = sample_reference()
    repeated = "Diane is in New Jersey now, though she is originally from Chicago."
    other = "Sheila lives in Texas and is originally from Chicago."
    answers = {"title": "Two women from Chicago", "overview": repeated, "at_a_glance": [repeated, other],
               "highlights": {"Part 1": repeated}}
    summarizer.usage = _new_usage()
    s = summarizer._checked(answers, t, load_template("podcast"), Shape.of(t), Checker(t))
    assert [h.text for h in s.highlights] == [repeated] and s.highlights[0].evidence
    assert [c.text for c in s.overview + s.at_a_glance] == [other]
    assert summarizer.usage["duplicates_dropped"] == 2


def test_a_claim_shows_its_passage_and_then_points_at_what_the_passage_leaves_out(shared, summarizer):
    """ES2011d's sentence (see test_verify): in summary.json its evidence is the battery case's
    passage, whose time summary.md shows, and after it the designer's "fruit designs"."""
    t = meeting(shared, name="ES2011d")
    claim = "The project team also discussed the fruit designs and the need for a battery case."
    answers = {"title": "Detailed design", "overview": claim}
    summarizer.usage = _new_usage()
    s = summarizer._checked(answers, t, load_template("meeting"), Shape.of(t), Checker(t))
    fruit = next(turn for turn in t.segments if "fruit designs" in turn.text)
    case = next(turn for turn in t.segments if "battery case" in turn.text)
    [kept] = s.overview
    assert kept.text == claim and case.start <= kept.evidence[0].start <= case.end
    assert fruit.start <= kept.evidence[-1].start < kept.evidence[-1].end <= fruit.end
    assert fruit.start < case.start  # the pointer is earlier, yet comes after


def test_a_point_the_overview_already_made_is_not_made_again(summarizer):
    """What the 1.5B model wrote for the bundled call: the bullet says half the overview's sentence."""
    t = sample_reference()
    overview = "Sheila is from Chicago and Texas, while Diane is in New Jersey."
    answers = {"title": "Two women from Chicago", "overview": overview,
               "at_a_glance": ["Sheila is from Chicago and Texas.", "Sheila says they call her a Yankee down in Texas."]}
    summarizer.usage = _new_usage()
    s = summarizer._checked(answers, t, load_template("podcast"), Shape.of(t), Checker(t))
    assert [c.text for c in s.overview] == [overview]
    assert [c.text for c in s.at_a_glance] == ["Sheila says they call her a Yankee down in Texas."]
    assert summarizer.usage["duplicates_dropped"] == 1


def test_a_highlight_within_the_one_line_gist_stays(summarizer):
    """The gist sums up what the items say, in their words: an item is not dropped as saying
    nothing new because the gist already holds its words (it is, after any other item)."""
    t = sample_reference()
    gist = "Diane is in New Jersey now, though she is originally from Chicago."
    moment = "Diane is in New Jersey now."
    answers = {"title": "Two women from Chicago", "about": gist, "highlights": {"Part 1": moment},
               "at_a_glance": [moment]}
    summarizer.usage = _new_usage()
    s = summarizer._checked(answers, t, load_template("podcast"), Shape.of(t), Checker(t))
    assert nothing_new(moment, gist, ["Diane", "Sheila"])
    assert s.about.text == gist and [h.text for h in s.highlights] == [moment] and s.at_a_glance == []


def test_the_gist_or_a_highlight_gives_way_to_an_overview_sentence_naming_more_of_the_people(summarizer):
    """The 60 s ES2004a clip's summary, in the words of the bundled call: the one line and the
    overview's sentence said the same, the overview with the speakers' names. (ES2011d: a
    highlight on what the Industrial Designer presented, the overview on what all four discussed,
    in the same words.)"""
    t = sample_reference()
    gist = "A call about being originally from Chicago and now in New Jersey."
    said = "Diane is originally from Chicago and in New Jersey now."
    other = "Sheila says they call her a Yankee down in Texas."
    answers = {"title": "Two women from Chicago", "about": gist, "overview": f"{said} {other}"}
    summarizer.usage = _new_usage()
    s = summarizer._checked(answers, t, load_template("podcast"), Shape.of(t), Checker(t))
    assert s.about is None and [c.text for c in s.overview] == [said, other]
    # a gist the overview does not repeat stays, and later items are still held to it
    answers = {"title": "Two women from Chicago", "about": gist, "overview": other, "at_a_glance": [gist]}
    s = summarizer._checked(answers, t, load_template("podcast"), Shape.of(t), Checker(t))
    assert s.about.text == gist and [c.text for c in s.overview] == [other] and s.at_a_glance == []
    both = "Sheila and Diane are both originally from Chicago."
    answers = {"title": "Two women from Chicago", "highlights": {"Part 1": "Diane is originally from Chicago."},
               "overview": both, "at_a_glance": ["Diane is originally from Chicago."]}
    summarizer.usage = _new_usage()
    s = summarizer._checked(answers, t, load_template("podcast"), Shape.of(t), Checker(t))
    assert s.highlights == [] and [c.text for c in s.overview] == [both] and s.at_a_glance == []
    assert summarizer.usage["duplicates_dropped"] == 2 and summarizer.usage["claims_kept"] == 1
    # an item that gives way to a sentence stays if that sentence goes as another item's repeat
    gist, wider, narrower = ("A call about Chicago and New Jersey.",
                             "Sheila and Diane talk about Chicago, New Jersey, Texas and being called a Yankee.",
                             "Diane talks about Chicago and New Jersey.")
    answers = {"title": "Two women from Chicago", "about": gist, "overview": f"{wider} {narrower}"}
    summarizer.usage = _new_usage()
    s = summarizer._checked(answers, t, load_template("podcast"), Shape.of(t), Checker(t))
    assert s.about.text == gist and [c.text for c in s.overview] == [wider]
    assert summarizer.usage["duplicates_dropped"] == 1 and summarizer.usage["claims_kept"] == 2
    # a sentence that says who is not a repeat of a title that names no one; one without names is
    title = "Originally from Chicago, in New Jersey now"
    s = summarizer._checked({"title": title, "overview": said}, t, load_template("podcast"), Shape.of(t), Checker(t))
    assert s.title == title and [c.text for c in s.overview] == [said]
    s = summarizer._checked({"title": title, "at_a_glance": ["Originally from Chicago and in New Jersey now."]},
                            t, load_template("podcast"), Shape.of(t), Checker(t))
    assert s.title == title and s.at_a_glance == []
    titled = "Diane: originally from Chicago, in New Jersey now"
    s = summarizer._checked({"title": titled, "overview": said}, t, load_template("podcast"), Shape.of(t), Checker(t))
    assert s.title == titled and s.overview == []  # the title already said who
    # only the sentences shown are held against what follows
    answers = {"title": "Two women from Chicago", "overview": f"{other} {said} {both}", "at_a_glance": [said]}
    s = summarizer._checked(answers, t, load_template("podcast"), dataclasses.replace(Shape.of(t), overview=1), Checker(t))
    assert [c.text for c in s.overview] == [other] and [c.text for c in s.at_a_glance] == [said]


def test_an_idea_whose_title_is_about_something_else_is_dropped(shared, summarizer):
    """Both titles' words were said in the meeting; only one where its idea's text was said."""
    t = meeting(shared)
    text = "Couches should be designed with the remote control in the side arm."
    answers = {"title": "Remote control design", "ideas": [{"title": "Selling price goal", "text": text},
                                                           {"title": "Remote in the couch arm", "text": text}]}
    summarizer.usage = _new_usage()
    s = summarizer._checked(answers, t, load_template("podcast"), Shape.of(t), Checker(t))
    assert Checker(t).check("Selling price goal").supported
    assert [i.title for i in s.ideas] == ["Remote in the couch arm"] and s.ideas[0].evidence


def test_an_idea_that_with_its_title_repeats_a_highlight_is_dropped(shared, summarizer):
    """Read alone its sentence says less than the highlight; with its title it says the same."""
    t = meeting(shared)
    highlight = "Couches should have the remote control in the side arm."
    idea = {"title": "Remote control in the couch arm", "text": "Couches could be designed with a side arm."}
    answers = {"title": "A meeting", "highlights": {"Part 1": highlight}, "ideas": [idea]}
    summarizer.usage = _new_usage()
    s = summarizer._checked(answers, t, load_template("podcast"), dataclasses.replace(Shape.of(t), highlights=1),
                            Checker(t))
    assert [h.text for h in s.highlights] == [highlight]
    assert not near_duplicate(idea["text"], highlight) and near_duplicate(f"{idea['title']}. {idea['text']}", highlight)
    assert s.ideas == []
    # the same idea beside another highlight is kept: it was dropped as a repeat, not as unsupported
    answers["highlights"] = {"Part 1": "Speaker says the remote control needs a screen."}
    s = summarizer._checked(answers, t, load_template("podcast"), dataclasses.replace(Shape.of(t), highlights=1),
                            Checker(t))
    assert [i.title for i in s.ideas] == [idea["title"]]


def test_an_idea_that_another_idea_read_whole_already_says_is_dropped(shared, summarizer):
    """ES2011c: "Design of the Remote Control. UI discusses the design of the remote control."
    after an idea whose two sentences together said all of it; each sentence alone did not."""
    t = meeting(shared)
    first = {"title": "Couch arm remote", "text": "Couches could be designed with the remote control in the side arm. "
             "The remote control could have a call button to find it under the sofa."}
    later = {"title": "Remote control button", "text": "Couches could have the remote control button."}
    assert not any(nothing_new(f"{later['title']}. {later['text']}", part) for part in sentences(first["text"]))
    answers = {"title": "A meeting", "ideas": [first, later]}
    summarizer.usage = _new_usage()
    s = summarizer._checked(answers, t, load_template("podcast"), dataclasses.replace(Shape.of(t), ideas=2), Checker(t))
    assert [i.title for i in s.ideas] == [first["title"]]


def test_an_idea_sentence_that_points_back_to_one_not_shown_goes_with_it(shared, summarizer):
    """ES2011b, from the 1.5B model: the idea's first sentence repeated the overview, and "This
    information will be used to design the remote control." was shown alone."""
    t = meeting(shared, name="ES2011b")
    first = ("The project manager discussed functional requirements for the remote control, including user needs, "
             "technical effects, and the working design.")
    idea = {"title": "Functional Requirements", "text": f"{first} This information will be used to design the remote control."}
    shape = dataclasses.replace(Shape.of(t), ideas=1)
    summarizer.usage = _new_usage()
    s = summarizer._checked({"title": "A meeting", "ideas": [idea]}, t, load_template("meeting"), shape, Checker(t))
    assert [i.text for i in s.ideas] == [idea["text"]]  # both hold, and read together
    s = summarizer._checked({"title": "A meeting", "overview": first, "ideas": [idea]}, t, load_template("meeting"),
                            shape, Checker(t))
    assert [c.text for c in s.overview] == [first] and s.ideas == []


def test_a_sentence_that_goes_on_about_someone_is_put_to_them(summarizer):
    """"She" is Sheila: Diane, not Sheila, said New Jersey, so the second sentence goes, though
    its words alone were said."""
    t = sample_reference()
    text = "Sheila lives in Texas and is originally from Chicago. She is in New Jersey now."
    assert Checker(t).check("She is in New Jersey now.").supported
    answers = {"title": "Two women", "ideas": [{"title": "Texas and Chicago", "text": text}]}
    summarizer.usage = _new_usage()
    shape = dataclasses.replace(Shape.of(t), ideas=1)
    s = summarizer._checked(answers, t, load_template("podcast"), shape, Checker(t))
    assert [i.text for i in s.ideas] == ["Sheila lives in Texas and is originally from Chicago."]


def test_the_summary_model_holds_as_many_answers_as_it_writes_side_by_side(summarizer):
    summarizer._fit(0, 0)  # loaded as for a short call, if no test before loaded it
    # loaded otherwise, the context holds one sequence and every answer waits for the one before
    assert llama_cpp.llama_n_seq_max(summarizer.llm.ctx) == summarizer.decoder.sequences == \
        summarizer.cfg.answers_at_once > 1


def test_an_idea_read_whole_must_not_put_words_to_someone_who_did_not_say_them(summarizer):
    """Each sentence holds alone; together, the second (Diane's beep in New Jersey) reads as
    Sheila's, and goes."""
    t = sample_reference()
    first, second = "Sheila lives in Texas and is originally from Chicago.", "A beep was heard in New Jersey."
    checker = Checker(t)
    assert checker.check(first).supported and checker.check(second).supported
    whole = checker.check(f"Texas and Chicago. {first} {second}")
    assert whole.corrected or whole.wrong_names or not whole.supported  # read whole, it is not Sheila's
    answers = {"title": "Two women", "ideas": [{"title": "Texas and Chicago", "text": f"{first} {second}"}]}
    summarizer.usage = _new_usage()
    shape = dataclasses.replace(Shape.of(t), ideas=1)
    s = summarizer._checked(answers, t, load_template("podcast"), shape, checker)
    assert [i.text for i in s.ideas] == [first]


def test_a_sentence_in_a_speakers_voice_is_dropped(summarizer):
    """"We're going to design a furry remote." (ES2011a) says neither who said it nor whether it
    was only proposed."""
    t = sample_reference()
    answers = {"title": "Two women from Chicago",
               "at_a_glance": ["We are originally from Chicago.", "Sheila lives in Texas and is originally from Chicago."]}
    assert Checker(t).check(answers["at_a_glance"][0]).supported  # its words were said
    summarizer.usage = _new_usage()
    s = summarizer._checked(answers, t, load_template("podcast"), Shape.of(t), Checker(t))
    assert [c.text for c in s.at_a_glance] == [answers["at_a_glance"][1]]


@pytest.mark.parametrize("text, voice", [
    ("We are from Chicago.", True), ("Ann thinks I should go.", True), ("They told us.", True),
    ("Our plan is good.", True), ("I’m here.", True), ("Ann and I went.", True),
    ("It launches in the US market.", False), ("Type I errors are rare.", False), ("Part I covers it, i.e. the start.", False),
    ("Ann asked “what is our plan?” and Bob answered.", False), ("A gold mine.", False)])
def test_a_speakers_voice_is_told_from_numerals_countries_and_quotes(text, voice):
    assert _first_person(text) == voice


def test_a_decision_is_listed_only_where_the_transcript_says_it_was_settled(summarizer):
    lines = [("Ann", "I'm thinking we should make the case furry and water resistant."),
             ("Bob", "The rubber case costs less than the titanium one."),
             ("Ann", "Okay, so we'll go with the rubber case then.")]
    turns, now = [], 0.0
    for who, text in lines:
        words = [Word(now + i * 0.4, now + i * 0.4 + 0.3, w, 1.0, who) for i, w in enumerate(text.split())]
        turns.append(Turn(words[0].start, words[-1].end, text, words, who))
        now = words[-1].end + 1.0
    t = Transcript("talk.wav", now, "en", {}, [Speaker("Ann", "Ann"), Speaker("Bob", "Bob")], turns)
    proposed, settled = "The case will be furry and water resistant.", "The case will be a rubber one."
    answers = {"title": "The case", "decisions": [proposed, settled], "open_questions": [proposed]}
    summarizer.usage = _new_usage()
    s = summarizer._checked(answers, t, load_template("meeting"), Shape.of(t), Checker(t))
    sections = {sec["name"]: [item["text"] for item in sec["value"]] for sec in s.sections}
    # a list that says nothing of decisions keeps what was said
    assert sections["decisions"] == [settled] and sections["open_questions"] == [proposed]


@pytest.mark.slow
def test_a_meeting_is_read_once_and_asked_many_questions(shared, fast_config):
    t = meeting(shared, turns=150)  # its first nine minutes
    summarizer = load(fast_config.summary)
    try:
        assert summarizer.llm is None  # not loaded before a transcript says what context it needs
        s = summarizer.summarize(t, load_template("meeting"))
        transcript_tokens = summarizer._tokens("\n".join(_line(t, seg) for seg in t.segments))
        n_ctx = summarizer.llm.n_ctx()
    finally:
        summarizer.close()
    usage = summarizer.usage
    # loaded once, at the context the transcript needs, which holds it and no more
    assert summarizer.loads == 1 and usage["load_ms"] > 0
    side = (summarizer.cfg.answers_at_once - 1) * ANSWER_ROOM  # room for the answers written beside the first
    assert transcript_tokens < n_ctx <= transcript_tokens + RESERVED_TOKENS + side + CONTEXT_STEP
    assert n_ctx > CONTEXT_STEP  # first loaded at the smallest context, the model would have loaded twice
    assert usage["calls"] >= 3
    # the transcript was evaluated once, not once per question
    assert usage["prompt_evaluated"] < transcript_tokens * 1.3 < usage["prompt_tokens"]
    # the cost per phase adds up to the whole, and the transcript is paid for by the first question
    phases = usage["phases"]
    assert set(phases) == {"headline", "points", "quotes", "highlights", "ideas", "sections"}
    for key in ("calls", "prompt_evaluated", "generated"):
        assert sum(p[key] for p in phases.values()) == usage[key]
    assert phases["headline"]["prompt_evaluated"] > transcript_tokens * 0.9
    assert check_summary(s.to_dict(), t.to_dict())
    starts = [h.start for h in s.highlights]
    assert starts == sorted(starts) and all(b - a >= t.duration / 4 for a, b in zip(starts, starts[1:]))


@pytest.mark.slow
def test_a_brief_summary_asks_for_neither_ideas_nor_quotes(shared, fast_config):
    t = meeting(shared, turns=150)
    summarizer = load(fast_config.summary)
    try:
        s = summarizer.summarize(t, load_template("brief"))
    finally:
        summarizer.close()
    # not asked, rather than asked and hidden: writing them is what the template saves
    phases = summarizer.usage["phases"]
    assert set(phases) == {"headline", "points", "highlights"} and all(p["generated"] for p in phases.values())
    assert s.ideas == [] and s.quotes == []
    assert check_summary(s.to_dict(), t.to_dict())


@pytest.mark.slow
def test_a_transcript_longer_than_the_context_is_summarised_in_parts(shared, fast_config):
    cfg = fast_config.summary.model_copy(update={"n_ctx": 4096, "max_chunk_tokens": 800})
    summarizer = load(cfg)
    try:
        t = meeting(shared, turns=100)
        assert len(summarizer.chunks(t)) >= 2
        s = summarizer.summarize(t, load_template("podcast"))
        assert summarizer.usage["calls"] > len(summarizer.chunks(t))
        assert check_summary(s.to_dict(), t.to_dict())
        # the parts are still asked for points, which the overview is written from, but a brief
        # summary shows none, and no part is asked for ideas or quotes
        brief = summarizer.summarize(t, load_template("brief"))
        assert not [p for p in summarizer.usage["phases"] if "ideas" in p or "quotes" in p]
        assert any("points" in p for p in summarizer.usage["phases"])
        assert brief.at_a_glance == brief.ideas == brief.quotes == []
    finally:
        summarizer.close()


def test_strings_cut_by_the_grammar_end_on_a_whole_sentence_or_word():
    from offrecord.summary.summarize import _sentence, _sentences, _tidy

    def at_bound(sentence: str) -> dict:  # a sentence as long as its pattern allows: the grammar ended it
        return _sentence(len(sentence) - 2)

    schema = {"type": "object", "properties": {
        "overview": {"type": "string", "maxLength": 40},
        "notes": {"type": "array", "items": {"type": "string", "maxLength": 24}},
        "story": _sentences(2, 26)}}
    out = _tidy({"overview": "Ann chairs the meeting today. Bob then ta", "notes": ["Bob agrees.", "Ann asks Bob to send the"],
                 "story": "Ann chairs the meeting. Bob agrees to send the slid."}, schema)
    assert out == {"overview": "Ann chairs the meeting today.", "notes": ["Bob agrees.", "Ann asks Bob to send…"],
                   "story": "Ann chairs the meeting. Bob agrees to send the slid…"}
    # a sentence the pattern let end on its own is kept whole
    assert _tidy("Bob agrees to send it.", _sentence(40)) == "Bob agrees to send it."
    # one cut off after a comma keeps what stands before it as a sentence, and only that
    cut = "Ann recommends a rubber case for the remote, since titanium is hea."
    assert _tidy(cut, at_bound(cut)) == "Ann recommends a rubber case for the remote."
    cut = "Ann looked at fashion trends in phones and cars, and found that a fancy,."
    assert _tidy(cut, at_bound(cut)) == "Ann looked at fashion trends in phones and cars."
    for kept_as_cut in ("If the budget allows it next year, Bob will add a scre.",  # an opening
                        "Ann wants a remote with a wheel and a, button and a screen to fi.",  # a dangling word
                        "Ann chairs the meeting, since the budget is tight and the time is sho.",  # too short
                        "Ann agreed to a screen on the remote, but only if it is cheaper than te.",  # a condition
                        "According to Ann and her notes of today, the case is rubber and blue a."):  # an opening
        assert _tidy(kept_as_cut, at_bound(kept_as_cut)) == kept_as_cut[:-1] + "…", kept_as_cut
    loop = "Ann wants a rubber case in fruit colours, and Bob wants the same, the sam…"
    assert _tidy(loop, at_bound(loop)) == loop
    # in a paragraph, each sentence is its own: the one the grammar ended, wherever it stands
    cut = "Bob agrees to send the slides today, since the time is sho."
    assert _tidy(f"Ann chairs. {cut}", _sentences(2, len(cut) - 2)) == "Ann chairs. Bob agrees to send the slides today."
    assert _tidy(f"{cut} Ann chairs.", _sentences(2, len(cut) - 2)) == "Bob agrees to send the slides today. Ann chairs."


def test_placeholders_for_nothing_are_recognised():
    from offrecord.summary.summarize import _placeholder
    from offrecord.text import normalise

    assert all(_placeholder(normalise(x)) for x in ["None specified", "N/A", "No decisions were made in this part."])
    assert not _placeholder(normalise("No remote should have more than ten buttons, the group agreed."))
