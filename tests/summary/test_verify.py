"""The checker every summary sentence goes through, on the bundled call's real transcript: the
human one shipped with pyannote (sample.stm), and the same call as Whisper heard it, with the
low-confidence words it misheard ("I need the design" for "Neither did I")."""

from __future__ import annotations

import json
import re

import pytest
from conftest import meeting, sample_reference

from offrecord.data import Evidence, Speaker, Transcript, Turn, Word
from offrecord.summary.shape import Shape
from offrecord.summary.verify import Checker, Verdict, content_stems, near_duplicate, nothing_new, pointers


def as_whisper_heard() -> Transcript:
    """Two lines as whisper-base wrote them in a real run, with the probabilities it gave."""
    t = sample_reference()
    misheard = {"Neither did I.": [("I", .24), ("need", .44), ("the", .36), ("design.", .91)],
                "Okay, then I thought you know, I heard a beep.": [
                    ("Okay.", .58), ("I", .90), ("thought", .79), ("you", .45), ("know", .99), ("I", .53),
                    ("heard", .99), ("of", .56), ("deep.", .43)]}
    for turn in t.segments:
        if turn.text in misheard:
            step = (turn.end - turn.start) / len(misheard[turn.text])
            turn.words = [Word(turn.start + i * step, turn.start + (i + 1) * step, w, p, turn.speaker)
                          for i, (w, p) in enumerate(misheard[turn.text])]
            turn.text = " ".join(w.word for w in turn.words)
    return t


def said_at(t: Transcript, e) -> str:
    """Who the transcript says spoke at an evidence passage, and that it lies inside one turn."""
    turns = [turn for turn in t.segments if turn.start <= e.start <= e.end <= turn.end]
    assert turns, f"evidence {e} is not inside a turn"
    return t.speaker_name(turns[0].speaker)


def test_a_draft_with_an_invented_and_a_misattributed_claim_is_caught():
    t = sample_reference()
    checker = Checker(t)
    draft = {
        "Sheila lives in Texas and is originally from Chicago.": "kept",
        "Diane is in New Jersey now, though she is originally from Chicago.": "kept",
        # invented: nothing of the kind is said
        "Their collaboration will be valuable in creating a unique and innovative design.": "unsupported",
        # misattributed: Sheila said it, of herself; the name is corrected
        "Diane says they all call her a Yankee down there.": "corrected",
        # misattributed to both: only Sheila is called a Yankee
        "Sheila and Diane are both called Yankees.": "wrong speaker",
    }
    for claim, expected in draft.items():
        v = checker.check(claim)
        outcome = ("corrected" if v.corrected else "kept") if v.supported else \
            "wrong speaker" if v.wrong_names else "unsupported"
        assert outcome == expected, (claim, v)
        if v.supported:
            assert v.evidence
            for e in v.evidence:
                assert said_at(t, e) == e.speaker
    assert checker.check("Diane says they all call her a Yankee down there.").text == \
        "Sheila says they all call her a Yankee down there."


def test_claims_built_on_misheard_words_are_not_supported():
    checker = Checker(as_whisper_heard())
    assert not checker.check("Sheila and Diane are interested in deep design.").supported
    assert not checker.check("Sheila needs the design.").supported
    # what was clearly heard still counts
    v = checker.check("Sheila is originally from Chicago and lives in Texas.")
    assert v.supported and {e.speaker for e in v.evidence} == {"Sheila"}


def test_an_action_owner_must_be_behind_the_words_or_named_in_them():
    checker = Checker(sample_reference())
    assert checker.check("Be in New Jersey now.", owner="Diane").supported
    v = checker.check("Be in New Jersey now.", owner="Sheila")
    assert not v.supported and v.wrong_names == ["Sheila"]


def test_evidence_starts_at_the_supporting_words():
    t = sample_reference()
    v = Checker(t).check("Sheila says they call her a Yankee down in Texas.")
    assert v.supported
    yankee = next(w for turn in t.segments for w in turn.words if w.word == "Yankee")
    assert any(e.start <= yankee.start <= e.end and e.speaker == "Sheila" for e in v.evidence)


@pytest.mark.parametrize("a,b,same", [
    ("Remote Control Design", "The team discussed the remote control design.", True),
    ("Unique Design. The two women will create a design together.",
     "Innovative Design. The two women will create a design together.", True),
    ("Remote Control Design", "The remote should copy a mobile phone's menu on a small LCD display.", False),
    ("Sheila lives in Texas.", "Diane lives in New Jersey.", False),
])
def test_near_duplicates(a, b, same):
    assert near_duplicate(a, b) is same


def test_content_words_leave_out_how_a_summary_talks_about_talk():
    assert content_stems("The speakers discussed and mentioned the rubber case.") == ["rubber", "case"]


def test_how_much_a_summary_holds_follows_how_much_was_said():
    call = Shape.of(sample_reference())
    assert call.one_call and call.overview <= 2 and call.bullets <= 2 and call.ideas == 0 and call.highlights == 1
    def talk(minutes: int) -> Transcript:  # at 150 words a minute
        words = [Word(i * 0.4, i * 0.4 + 0.3, "word", 1.0, "A") for i in range(minutes * 150)]
        return Transcript("talk.wav", minutes * 60.0, "en", {}, [Speaker("A", "Ann")],
                          [Turn(0.0, minutes * 60.0, "", words, "A")])
    # a meeting of 20 minutes or more: the whole shape, at least five points, three ideas and three quotes
    shape = Shape.of(talk(20))
    assert not shape.one_call and (shape.overview, shape.bullets, shape.ideas, shape.quotes) == (5, 5, 3, 3)
    shape = Shape.of(talk(60))
    assert (shape.bullets, shape.ideas, shape.quotes) == (9, 5, 7) and shape.highlights == 15  # one per four minutes


def test_evidence_is_the_stretch_that_says_the_claim(shared):
    """A sentence said nearly word for word is evidenced by that stretch alone: not by the same
    common words ("design", "remote", "control") said by others in the minute before it."""
    t = meeting(shared)
    said = next(turn for turn in t.segments if "couches" in turn.text and "side arm" in turn.text)
    v = Checker(t).check("We should design couches that have the remote control in the side arm.")
    assert v.supported and len(v.evidence) == 1, v.evidence
    e = v.evidence[0]
    assert said.start <= e.start < e.end <= said.end and e.speaker == said_at(t, e) == t.speaker_name(said.speaker)
    assert v.moment == e.start


def test_a_word_the_passages_leave_out_is_pointed_at_where_it_was_said_with_another(shared):
    """One of the 1.5B model's claims on ES2011d: the User Interface's "the battery case" holds
    three of its four words (with "design" said just after), "fruit" alone elsewhere is no
    passage, and so the claim pointed only at the battery case. The Industrial Designer's "fruit
    designs", minutes before, is where its other half was said: pointed at after the passages,
    so the claim's time stays theirs."""
    t = meeting(shared, name="ES2011d")
    checker = Checker(t)
    fruit = next(turn for turn in t.segments if "fruit designs" in turn.text)
    case = next(turn for turn in t.segments if "battery case" in turn.text)
    v = checker.check("The project team also discussed the fruit designs and the need for a battery case.")
    assert v.supported and v.support == 0.75  # the pointer is not counted as support
    assert case.start <= v.evidence[0].start <= case.end and not any(fruit.start <= e.start <= fruit.end for e in v.evidence)
    shown = pointers([v])
    assert shown[:len(v.evidence)] == v.evidence and shown[0].start == v.moment
    assert len(shown) == len(v.evidence) + 1 and said_at(t, shown[-1]) == t.speaker_name(fruit.speaker)
    assert fruit.start <= shown[-1].start < shown[-1].end <= fruit.end
    # "broccoli" was said, but never within a few words of the claim's others: no pointer
    broccoli = next(turn for turn in t.segments if "broccoli" in turn.text)
    v = checker.check("The project team discussed the broccoli and the need for a battery case design.")
    assert v.supported and v.also == [] and not any(broccoli.start <= e.start <= broccoli.end for e in pointers([v]))


def test_a_pointer_is_two_of_the_claims_words_said_together_in_one_turn():
    def said(*turns: tuple[str, str]) -> Transcript:
        segments, now = [], 0.0
        for who, text in turns:
            words = [Word(now + i * 0.4, now + i * 0.4 + 0.3, w, 1.0, who) for i, w in enumerate(text.split())]
            segments.append(Turn(words[0].start, words[-1].end, text, words, who))
            now = words[-1].end + 0.5
        return Transcript("t.wav", now, "en", {}, [Speaker("A", "Ann"), Speaker("B", "Bob")], segments)

    filler = " ".join(["we", "talked", "about", "the", "weather", "and", "lunch"] * 12)  # past a passage's reach
    claim = "The team discussed the fruit designs and the battery case design."
    together = said(("A", "The battery case design is ready."), ("A", filler), ("B", "I like fruit designs for later."))
    v = Checker(together).check(claim)
    assert v.supported and [e.speaker for e in v.also] == ["Bob"]
    apart = said(("A", "The battery case design is ready."), ("A", filler), ("B", "I like fruit"), ("A", "designs for later."))
    v = Checker(apart).check(claim)
    assert v.supported and v.also == []  # "fruit" and "designs" one word apart, but said by two people


def test_pointers_of_several_sentences_are_their_passages_then_what_those_leave_out():
    """An idea of two sentences: a place one sentence only points at is the other's passage, and
    is shown as a passage, in time order."""
    at = {t: Evidence(t, t + 1.0, "Ann") for t in (10.0, 20.0, 30.0, 40.0)}
    first = Verdict(True, 1.0, "a", evidence=[at[30.0]], also=[at[10.0], at[40.0]])
    second = Verdict(True, 1.0, "b", evidence=[at[10.0], at[20.0]], also=[at[40.0]])
    assert pointers([first, second]) == [at[10.0], at[20.0], at[30.0], at[40.0]]
    assert pointers([first]) == [at[30.0], at[10.0], at[40.0]]


def test_an_item_that_says_nothing_new_is_a_repeat_but_one_that_says_more_is_not():
    longer = "Sheila is from Chicago and Texas, while Diane is in New Jersey."
    assert nothing_new("Sheila is from Chicago and Texas.", longer)
    assert not near_duplicate("Sheila is from Chicago and Texas.", longer)  # too short for the shared share
    assert not nothing_new(longer, "Sheila is from Chicago and Texas.")


def test_a_repeat_is_the_same_point_about_the_same_people():
    names = ["Project Manager", "Sheila", "Diane"]
    named = "Project Manager proposes a remote control with water-resistant, strong, and furry features."
    unnamed = "We're going to design a remote control that's water-resistant, strong, and furry."
    assert near_duplicate(unnamed, named, names) and not near_duplicate(unnamed, named)  # the name is not content
    assert near_duplicate(named, unnamed, names)  # saying who does not make it a new point
    everyone = "Project Manager, Sheila and Diane propose a remote control with water-resistant, strong, furry features."
    assert near_duplicate(everyone, named, names) and near_duplicate(named, everyone, names)
    assert not near_duplicate("Diane is from Chicago.", "Sheila is from Chicago.", names)
    assert not nothing_new("Diane is from Chicago.", "Sheila is from Chicago.", names)
    assert nothing_new("Diane is from Chicago.", "Sheila and Diane are from Chicago.", names)


def test_a_speaker_named_as_they_introduced_themselves_is_checked_as_that_speaker(shared):
    # ES2011a's speakers are shown by role; in the talk the Marketing expert says "I'm Chiara" and
    # the Industrial Designer "I'm Krista". It is the User Interface who likes dolphins.
    checker = Checker(meeting(shared, turns=80))
    assert checker.mentioned("Chiara thinks dolphins are smart and cute.") == ["Chiara"]
    swapped = checker.check("Chiara thinks dolphins are smart and cute.")
    assert swapped.corrected and swapped.text == "User Interface thinks dolphins are smart and cute."
    # each clause goes to the one other speaker who said its words (the Project Manager: "It's a cat.")
    both = checker.check("Chiara thinks dolphins are smart, and Krista had a cat as well.")
    assert both.supported and both.text == "User Interface thinks dolphins are smart, and Project Manager had a cat as well."
    own = checker.check("Chiara had a cat as well.")  # her own words: kept as they are
    assert own.supported and not own.corrected and own.text == "Chiara had a cat as well."


def talk(*lines: tuple[str, str, str]) -> Transcript:
    """A transcript of (speaker id, shown name, words) lines, a word every 0.4 s."""
    turns, now = [], 0.0
    for sid, _, text in lines:
        words = [Word(now + i * 0.4, now + i * 0.4 + 0.3, w, 1.0, sid) for i, w in enumerate(text.split())]
        turns.append(Turn(words[0].start, words[-1].end, text, words, sid))
        now = words[-1].end + 1.0
    speakers = {sid: Speaker(sid, name) for sid, name, _ in lines}
    return Transcript("talk.wav", now, "en", {}, list(speakers.values()), turns)


def test_who_a_name_is_comes_from_what_speakers_say_of_themselves():
    checker = Checker(talk(("S1", "Speaker 1", "Hi, I'm Chiara and I look after marketing."),
                           ("S2", "Speaker 2", "This is Mark's plan: dolphins are smart and cute animals."),
                           ("S1", "Speaker 1", "I had a cat drawing as well."),
                           ("S3", "User Interface", "I'm User friendly, I hope.")))
    # "this is Mark's" is said of someone else, "I'm User" is no name: neither names a speaker
    assert set(checker.people) == {"Speaker 1", "Speaker 2", "User Interface", "Chiara"}
    swapped = checker.check("Chiara thinks dolphins are smart and cute animals.")
    assert swapped.corrected and swapped.text == "Speaker 2 thinks dolphins are smart and cute animals."
    own = checker.check("Chiara had a cat drawing.")
    assert own.supported and own.text == "Chiara had a cat drawing."


def test_two_speakers_with_one_name_are_one_person():
    # the user's way to join one person whom the diarization split in two
    checker = Checker(talk(("S1", "Ann", "The rubber case should come in bright fruit colours."),
                           ("S2", "Bob", "Fine by me."),
                           ("S3", "Ann", "We could add a kinetic battery to the remote.")))
    for claim in ("Ann wants a rubber case in bright fruit colours.", "Ann wants a kinetic battery in the remote."):
        v = checker.check(claim)
        assert v.supported and not v.corrected, claim


def test_a_role_named_in_lower_case_with_a_word_that_makes_it_a_person_is_that_speaker():
    # ES2011c: "The marketing team is considering the material options" passed, though the
    # Industrial Designer and the Project Manager said it: lower case, it named nobody
    checker = Checker(talk(("S1", "Marketing", "The fashion trends point to a fancy look and feel."),
                           ("S2", "Industrial Designer", "The material options are rubber, plastic, wood and titanium.")))
    assert checker.mentioned("The marketing team is considering the material options.") == ["Marketing"]
    v = checker.check("The marketing team is considering the material options.")
    assert v.corrected or v.wrong_names or not v.supported
    assert checker.check("The marketing team looked at the fashion trends.").supported  # its own words
    # the word alone, or with a thing after it, names nobody
    assert checker.mentioned("The marketing reports list rubber and plastic as material options.") == []
    assert checker.mentioned("Fashion trends matter for marketing.") == []
    # corrected, the word that made the role a person goes with it (ES2011c's kept bullet read
    # "The Industrial Designer team is considering the material options")
    said = "says the material options are rubber, plastic, wood and titanium."
    for role in ("Marketing team", "marketing expert"):
        v = checker.check(f"The {role} {said}")
        assert v.corrected and v.text == f"The Industrial Designer {said}"


def test_the_word_that_says_which_team_is_not_content():
    """ES2011d: "The project team also discussed the microphones and the need for a report." was
    supported by "this whole project ... we need ... marketing reports", 3 of its 4 words, at a
    moment where nobody spoke of microphones: "project" there says who, not what was said."""
    filler = ("S3", "Cy", " ".join(["The weather in Leeds was grey all week and nobody minded much."] * 8))
    checker = Checker(talk(("S1", "Ann", "For this whole project we need the marketing reports."), filler,
                           ("S2", "Bob", "The microphones are clumsy.")))
    assert not checker.check("The project team also discussed the microphones and the need for a report.").supported
    assert checker.check("The project team discussed the need for marketing reports.").supported
    # only after a determiner, and not between two items: which team is a difference there
    talks = Checker(talk(("S1", "Ann", "I think we should use the app."), ("S2", "Bob", "Fine.")))
    assert not talks.check("Ann suggests using Microsoft Teams for calls.").supported
    assert not talks.check("Ann suggests the Microsoft Teams app.").supported  # a name, not a team
    prices = Checker(talk(("S1", "Ann", "I will check the prices."), ("S2", "Bob", "Fine.")))
    assert not prices.check("Ann will brief team members on the prices.").supported
    assert not near_duplicate("The hardware team will build the case.", "The software team will build the case.")


def test_the_need_for_something_is_how_much_it_matters_not_what_it_is():
    """ES2011d: "The project team also discussed the need for a report." held on "we need it to
    look ..." and "marketing reports" in one passage: "the need for", like "the importance of",
    frames what was said, and "a report" alone is too little to check."""
    checker = Checker(talk(("S1", "Ann", "We need it to look good, as the marketing reports say.")))
    assert not checker.check("The project team also discussed the need for a report.").supported
    assert checker.check("Ann says the marketing reports want it to look good.").supported
    # a need claimed is still a claim: "optional" is not "needed"
    optional = Checker(talk(("S1", "Ann", "The rubber case is optional, we can skip it."), ("S2", "Bob", "Sure.")))
    assert not optional.check("The rubber case is needed.").supported


def test_how_a_summary_talks_about_talk_is_not_content():
    assert content_stems("She proposes and suggests a rubber case.") == ["rubber", "case"]
    assert content_stems("Marketing presents and recommends it, and asks about it.") == ["market"]


def test_words_of_deciding_are_not_content_but_words_that_share_their_stem_are():
    assert content_stems("They decided, agreed and finally finalised the case.") == ["case"]
    assert content_stems("They discussed the final reports and channel selection.") == ["final", "report", "channel", "select"]
    # "final" was read as "finalise" and left out: the claim then held on any "reports"
    t = talk(("S1", "Ann", "I will read the marketing reports tonight."),
             ("S2", "Bob", "We need the final reports by Friday."))
    v = Checker(t).check("Bob asked for the final reports.")
    assert v.supported and [e.speaker for e in v.evidence] == ["Bob"]
    assert not Checker(t).check("Ann read the final reports.").supported


def test_a_decision_needs_words_of_a_decision_about_it_near_its_evidence():
    checker = Checker(talk(("S1", "Ann", "I'm thinking we should make the case furry and water resistant."),
                           ("S2", "Bob", "The rubber case costs less than the titanium one."),
                           ("S1", "Ann", "Okay, so we'll go with the rubber case then."),
                           ("S2", "Bob", "We haven't decided on the button colours.")))
    # proposed, not decided: the claim invents the decision (its words were said)
    for claim in ("They decided on a furry, water resistant case.", "They decide to make the case furry.",
                  "The decision was a furry, water resistant case.", "They will go with a furry case.",
                  "They selected a furry, water resistant case.",
                  "They decided not to make the case water resistant."):
        proposed = checker.check(claim)
        assert not proposed.supported and proposed.undecided, claim
    assert checker.check("Ann wants a furry, water resistant case.").supported  # what was said
    # said to be settled, about the same things
    assert checker.check("The team decided on the rubber case.").supported
    # a negated decision decides nothing
    negated = checker.check("They agreed on the button colours.")
    assert negated.undecided and not negated.supported
    # a claim that no decision was made is not a decision claim
    assert checker.check("They have not decided on the button colours.").supported
    # a decisions list's item is a decision claim, whatever its verb
    assert checker.check("The case will be furry and water resistant.", decided=True).undecided
    assert checker.check("The case will be a rubber one.", decided=True).supported
    assert not checker.check("Ann and Bob agreed.").supported  # about nothing


def test_words_of_a_decision_elsewhere_or_about_something_else_do_not_count():
    filler = ("S3", "Cy", " ".join(["The weather in Leeds was grey all week and nobody minded much."] * 20))
    claim = "They agreed on a kinetic battery for the remote."
    far = Checker(talk(("S1", "Ann", "The remote should have a kinetic battery inside."), filler, filler,
                       ("S2", "Bob", "So we'll go with the kinetic battery.")))
    assert far.t.segments[-1].start - far.t.segments[0].end > 60
    assert far.check(claim).undecided
    near = Checker(talk(("S1", "Ann", "The remote should have a kinetic battery inside."),
                        ("S2", "Bob", "So we'll go with the kinetic battery.")))
    assert near.check(claim).supported
    # ES2011d: "We went with shape" decided on no flat wheel
    other = Checker(talk(("S1", "Ann", "I said uncurved or flat for the wheel, it is more comfortable to hold."),
                         ("S2", "Bob", "We went with shape because we were having fun with the play-dough.")))
    assert other.check("They decided to use a flat shape for the wheel, more comfortable to hold.").undecided
    # hedged just before, or asked, is not decided; nor is an assent asked or denied
    for said in ("Maybe we could go with the kinetic battery.", "So shall we go with the kinetic battery?",
                 "Kinetic battery then. Sounds good?", "Kinetic battery then. Not agreed."):
        hedged = Checker(talk(("S1", "Ann", "The remote should have a kinetic battery inside."), ("S2", "Bob", said)))
        assert hedged.check(claim).undecided, said
    # an assent takes up another speaker's proposal, not its speaker's own, nor a remark with
    # nothing in it, and it is an assent only as a short reply
    for lines in ([("S1", "Ann", "The remote should have a kinetic battery inside. Sounds good.")],
                  [("S1", "Ann", "The remote should have a kinetic battery inside."), ("S2", "Bob", "Fair enough."),
                   ("S1", "Ann", "Sounds good.")],
                  [("S1", "Ann", "The remote should have a kinetic battery inside."),
                   ("S2", "Bob", "I agree, the weather in Leeds has been grey all week and nobody minded.")]):
        assert Checker(talk(*lines)).check(claim).undecided, lines


@pytest.mark.parametrize("said", [
    ("So we agreed the remote control should get a kinetic battery.",),
    ("No, no, let's go with the kinetic battery.",),
    ("We'll go with the kinetic battery if that's alright with everyone.",),
    ("Shall we use the kinetic battery?", "Yes, sounds good."),  # an assent takes up the proposal
])
def test_a_decision_said_with_a_hedge_elsewhere_or_as_an_assent_counts(said):
    lines = [("S1", "Ann", "The remote should have a kinetic battery inside.")]
    lines += [(f"S{2 + i % 2}", "Bob" if i % 2 == 0 else "Ann", text) for i, text in enumerate(said)]
    v = Checker(talk(*lines)).check("They agreed on a kinetic battery for the remote.")
    assert v.supported and not v.undecided


def test_an_action_item_its_owner_took_on_is_not_a_decision_to_find():
    checker = Checker(talk(("S1", "Ann", "I'll send the report to the client by Friday."),
                           ("S2", "Bob", "Thanks, that helps a lot.")))
    assert checker.check("Ann agreed to send the report to the client by Friday.", owner="Ann").supported
    bob = checker.check("Bob agreed to send the report to the client by Friday.", owner="Bob")
    assert bob.corrected or bob.wrong_names  # whose words they were is still checked


def test_a_wish_or_proposal_put_to_someone_must_be_in_their_own_voice(shared):
    """ES2011c's summary said "the project manager wants to play with play-dough" where the
    manager told two others they would; "X suggests" must be X speaking for themselves or
    proposing, not words about others, a question back, or what X says someone else said."""
    es2011a = Checker(meeting(shared))
    for claim in ("The User Interface suggests a call button on the television to find the remote control.",
                  "Marketing suggests a little light or a vibrating thing.",
                  "The Project Manager suggests designing couches with the remote control in the side arm.",
                  "The Project Manager wants a water resistant, strong and furry remote control."):
        v = es2011a.check(claim)
        assert v.supported and not v.corrected, claim
    # Marketing only recalled it: "the other thing you said, that thing about robust and water"
    recalled = es2011a.check("Marketing suggests a robust, water resistant remote.")
    assert recalled.corrected and recalled.text.startswith("Project Manager suggests")

    told = Checker(talk(("S1", "Ann", "You two are going to be playing with play-dough and working on the design."),
                        ("S2", "Bob", "Okay then.")))
    assert told.check("Ann wants to play with play-dough and work on the design.").wrong_names == ["Ann"]
    assert told.check("Ann says the others will play with play-dough and work on the design.").supported
    cover = ("S1", "Ann", "We could put a rubber cover on the squishy part.")
    for reply in ("So you're saying we could put a rubber cover on the squishy part.",
                  "Do we need a rubber cover on the squishy part?"):
        v = Checker(talk(cover, ("S2", "Bob", reply))).check("Bob suggests a rubber cover for the squishy part.")
        assert v.corrected and v.text.startswith("Ann suggests"), reply
    # "the Marketing team suggests" puts the proposal to Marketing as plainly
    roles = Checker(talk(("S1", "Industrial Designer", "We could put a rubber cover on the squishy part."),
                         ("S2", "Marketing", "So you're saying we could put a rubber cover on the squishy part.")))
    for team in ("Marketing team", "Marketing-team"):
        v = roles.check(f"The {team} suggests a rubber cover for the squishy part.")
        assert v.corrected and v.text == "The Industrial Designer suggests a rubber cover for the squishy part.", team
    # a verb after the names is no part of them
    both = Checker(talk(("S1", "Ann", "I will do the redesign."), ("S2", "Bob", "The case is next.")))
    assert not both.check("Ann and Bob lead the case redesign.").supported
    asked = Checker(talk(("S1", "Ann", "The squishy part is soft."),
                         ("S2", "Bob", "What about a rubber cover on the squishy part?")))
    assert asked.check("Bob suggests a rubber cover for the squishy part.").supported  # a question that proposes
    # ES2011c: "the User Interface suggests a cover for the squishy part of the remote control",
    # gathered from "the remote control" in one turn and "the squishy part" in another
    filler = ("S3", "Cy", " ".join(["The weather in Leeds was grey all week and nobody minded much."] * 8))
    apart = Checker(talk(("S2", "Bob", "We are going to be using this remote control every day."), filler,
                         ("S2", "Bob", "I think the squishy part is nice.")))
    assert apart.check("Bob says the remote control is used daily and likes the squishy part.").supported
    assert not apart.check("Bob suggests using a cover for the squishy part of the remote control.").supported


def test_a_role_named_by_its_initials_is_that_speaker():
    """ES2011c's summary wrote "UI discusses ..." for the User Interface designer: the initials
    name the speaker as the full name does, and are checked and corrected the same way."""
    checker = Checker(talk(("S1", "Project Manager", "The budget is twenty five euro for each remote."),
                           ("S2", "User Interface", "I think a call button would help us find the remote.")))
    assert checker.mentioned("The UI and the PM met.") == ["Project Manager", "User Interface"]
    assert checker.mentioned("The call ends at 3 PM, or 4PM.") == []
    numbered = Checker(talk(("S1", "Speaker 1", "Plan S it is."), ("S2", "Speaker 2", "An S-shaped remote.")))
    assert numbered.mentioned("Plan S is an S-shaped remote.") == [] and numbered.mentioned("speaker 2 said") == ["Speaker 2"]
    budget = checker.check("The UI says the budget is twenty five euro for each remote.")
    assert budget.corrected and budget.text == "The Project Manager says the budget is twenty five euro for each remote."
    button = checker.check("PM wants a call button to help find the remote.")
    assert button.corrected and button.text == "User Interface wants a call button to help find the remote."


def test_a_proposal_read_out_by_the_person_named_keeps_their_name(shared):
    """QMSum's ES2006a: the Project Manager reads out the plan (functional, conceptual design);
    "proposes" is borne out by none of his sentences, and the plain check gave the plan to the
    Industrial Designer, who named the same phases for his own role. Put right, the Project
    Manager "mentions" it."""
    raw = json.loads((shared / "meeting-qmsum-val" / "ES2006a.json").read_text())["meeting_transcripts"]
    segments, now = [], 0.0
    for turn in raw:
        words = re.sub(r"\{\w+\}|\s+(?=[.,?!'])", "", turn["content"]).split()
        if words:
            ws = [Word(now + i * 0.35, now + i * 0.35 + 0.3, w, 1.0, turn["speaker"]) for i, w in enumerate(words)]
            segments.append(Turn(ws[0].start, ws[-1].end, " ".join(words), ws, turn["speaker"]))
            now = ws[-1].end + 0.3
    t = Transcript("ES2006a.wav", now, "en", {}, [Speaker(n, n) for n in sorted({s.speaker for s in segments})], segments)
    claim = "Project Manager proposes the project plan, including functional and conceptual design components."
    checker = Checker(t)
    assert checker.check(claim).text.startswith("Industrial Designer")
    v = checker.mended(claim)
    assert v.supported and v.text == claim.replace("proposes", "mentions") and "put right from" in v.reason


def test_a_claim_that_holds_only_in_its_leading_clause_is_cut_to_it():
    checker = Checker(talk(("S1", "Ann", "What about a big recognisable button on top or something."),
                           ("S2", "Bob", "The buttons should not be too close together.")))
    claim = "Ann suggests a big recognisable button on top, which Bob agrees with and suggests as a solution."
    assert not checker.check(claim).supported
    v = checker.mended(claim)
    assert v.supported and v.text == "Ann suggests a big recognisable button on top." and "cut from" in v.reason
    # what follows a condition or a contrast is part of the claim: nothing is cut
    assert not checker.mended("Ann suggests a big recognisable button on top, but only if Bob pays for it.").supported


def test_a_claim_of_what_a_speaker_said_not_to_want_is_not_supported():
    # IS1006c: "not those futuristic remote controls" made "asks for a more futuristic remote"
    checker = Checker(talk(("S1", "Marketing", "Something trendy, yeah, and not those futuristic remote controls with angles."),
                           ("S2", "Designer", "We can't use metal, so a recycled plastic case it is."),
                           ("S1", "Marketing", "And no teletext button on this remote, I don't think people need it.")))
    denied = checker.mended("Marketing asks for a more futuristic remote control with angles.")
    assert not denied.supported and "futurist" in denied.reason
    # said as the speaker said it, the claim holds; so does one that names the exclusion its own way
    assert checker.check("Marketing does not want futuristic remote controls with angles.").supported
    assert checker.check("Marketing mentions this remote's exclusion of a teletext button.").supported
    # "I don't think" hedges what follows, it denies nothing
    assert checker.check("Marketing thinks people need this remote.").supported
    # "can't use metal" denies metal, not the plastic that is used instead
    assert checker.check("Designer wants to use a recycled plastic case.").supported
