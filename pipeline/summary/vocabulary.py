"""The words the summary reads in a transcript and in the model's sentences, in one place:
how people decide, agree, propose and hedge; what is filler; what only talks about the talk;
when a sentence speaks in someone's own voice. The checker (verify.py), the quote finder
(quotes.py) and the summary's review read them here."""

from __future__ import annotations

import re

# "They both ...", "all of them ...": the claim is put to every speaker.
EVERYONE = re.compile(r"\b(both|each of them|all of them|everyone|everybody)\b", re.I)
# A claim that something was decided or agreed says more than that it was said: "They decided
# on a furry remote" of "I'm thinking we should design a furry remote" invents the decision.
DECIDES = re.compile(r"\b(decided|decides|(?<!to )decide|agreed|agrees|agree (on|to|that)|settled|settles|chose|chosen|"
                     r"chooses|opted|opts|selected|picked|(will |to )?go(es)? with|going with|went with|finali[sz]ed|"
                     r"approved|approves|(the|their|a) decision (was|is|to)|(made|reached|came to) (a |an |the )?"
                     r"(decision|agreement|consensus))\b", re.I)
# "They have not decided", "no decision was made": no decision is claimed
NO_DECISION = re.compile(r"\b(not|never|no|yet|\w+n't)\s+(\w+\s+){0,2}?(decid|agre|settl|cho|opt|select|pick|go|went|"
                         r"final|approv|made|reach|came)", re.I)
# Words of a decision in the transcript: one of these, in a sentence that is not a question,
# with no negation or hedge just before them ("We haven't decided on an order.", "We could go
# with rubber.", "We'll have to see."), within DECISION_REACH of the claim's evidence
DECIDING = re.compile(r"\b(decided|agreed|settled|chose|chosen|(go|going|went|stick|stay) with|"
                      r"opt for|(let's|we'll|we will|we're going to|we're gonna|we are going to) use)\b")
# A reply that takes up what was just proposed ("Shall we use the rubber case?" "Yes, sounds
# good."): its words of a decision are about what the sentence before it said
ASSENT = re.compile(r"\b(sounds good|fine by me|agreed|i agree|let's do (that|it)|deal|that's settled)\b")
HEDGES = frozenset("""not never haven't hasn't hadn't didn't don't doesn't can't cannot won't isn't aren't wasn't
weren't yet could might maybe perhaps should would if whether ought""".split())
NEGATIONS = frozenset("not no never nor without cannot".split())


def negation(token: str) -> bool:
    """A normalised token that denies what follows it: "not", "never", "don't"."""
    return token in NEGATIONS or token.endswith("n't")


# A claim that puts a wish, plan or proposal to someone ("the project manager wants to play with
# play-dough") says more than that they spoke of it: it must be in their own voice, not words
# they said to or about others ("you two are going to be playing with play-dough") or asked back
# ("so you're saying the squishy part's detachable?"). A view ("she thinks dolphins are smart")
# is what any plain statement of theirs shows, and is checked as said.
STANCE = re.compile(r"^\W*(?:(?:also|then|strongly|later|first|again|further|instead|is|was|has|had|would|'d)\s+)*"
                    r"(?:suggest|propos|recommend|want|prefer|like to|wish|plan|intend|insist|advocat|favou?r|urg)",
                    re.I)
# what a claim's proposal verb becomes when the speaker's words say it without proposing it
MENTIONS = re.compile(r"\b(suggest|propos|recommend|advocat)(e|es|s|ed|ing)?\b", re.I)
# a sentence in the speaker's own voice: they speak for themselves or their team, or propose
VOICE = frozenset("""i i'm i'd i'll i've me my mine we we're we'd we'll we've us our ours let's should could would
might must need needs ought can maybe perhaps prefer suggest recommend propose""".split())
# a question that proposes ("What about a rubber cover?")
PROPOSING = re.compile(r"\b(how about|what about|why (don't|not)|shall we|should we|could we|can we|what if)\b")
# words that hand the sentence to someone else: what they said, meant or asked for
REPORTED = re.compile(r"\byou(?:'re| are| were)? (?:saying|said|say|mean|meant|suggest\w*|want\w*|think)\b")

# Function words, and the words a summary uses to talk about a conversation rather than its
# content: neither is evidence that the content was said.
STOP = frozenset("""
a about above after again against all also am an and any are aren't as at be because been before being below
between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
either etc even ever every few for from further had hadn't has hasn't have haven't having he he'd he'll he's
her here here's hers herself him himself his how how's however i i'd i'll i'm i've if in into is isn't it
it's its itself just let's like may me might more most much must mustn't my myself neither no nor not now of
off on once one only or other others ought our ours ourselves out over own per quite rather really same shall
shan't she she'd she'll she's should shouldn't so some such than that that's the their theirs them themselves
then there there's these they they'd they'll they're they've this those though through thus to too toward
towards under until up upon us very via was wasn't we we'd we'll we're we've were weren't what what's when
when's where where's whether which while who who's whom whose why why's will with within without won't would
wouldn't yet you you'd you'll you're you've your yours yourself yourselves yes yeah okay ok oh um uh hmm mm
well another many several various certain overall including include includes
speaker speakers conversation conversations meeting meetings discussion discussions call talk talks talked
talking discuss discusses discussed discussing mention mentions mentioned mentioning say says saying said
state states stated share shares shared sharing express expresses expressed explain explains explained
explaining describe describes described describing note notes noted highlight highlights highlighted
emphasise emphasises emphasised emphasize emphasizes emphasized point points pointed topic topics
present presents presented presenting announce announces announced announcing introduce introduces
introduced introducing propose proposes proposed proposing suggest suggests suggested suggesting
recommend recommends recommended recommending conclude concludes concluded concluding ask asks asked asking
participant participants person people group team member members everyone someone recording transcript
summary overview main key important importance significant various aspects aspect overall idea ideas
""".split())
# The words of deciding carry no content either (the decision check reads them), but only as
# themselves: their stems are content words' too, "final" of "finalise" ("the final reports" had
# been checked on "reports" alone), "select" of "channel selection".
DECIDING_WORDS = frozenset("""
decide decides decided deciding decision decisions agree agrees agreed agreeing agreement settle settles settled
choose chooses chose chosen opt opts opted select selects selected pick picks picked approve approves approved
finalise finalised finalize finalized consensus finally
""".split())

# Turns that carry nothing but "yeah", "mm-hmm": left out of the prompt, which joins the
# speaker's turns around them (the checker still reads every word).
BACKCHANNEL = frozenset("yeah yes yep okay ok oh mm hmm mm-hmm uh-huh uh um right so alright and but".split())
FILLER = frozenset("um uh hmm mm".split())
PERSONAL = "they|he|she|his|her|their|them"
PRONOUN = re.compile(rf"({PERSONAL})\b", re.I)  # a sentence that goes on about someone named before
REFERS_BACK = re.compile(rf"(this|these|that|those|it|its|{PERSONAL})\b", re.I)  # to the sentence before
# A sentence in a speaker's voice ("We're going to design a furry remote.") says neither who
# said it nor whether it was only proposed: the summary speaks of people in the third person
# ("I" as a word, not "i.e."; "us", not "the US"; words inside “quotes” are someone's)
FIRST_PERSON = re.compile(r"(\S*)\s*\bI('m|'d|'ll|'ve)?(?![\w.])|\b([Ww]e('re|'d|'ll|'ve)?|[Mm]e|[Mm]y|[Oo]urs?|us)\b")
QUOTED = re.compile(r"“[^”]*”")
# A sentence stopped at its length bound keeps what comes before its last comma when that reads
# as a sentence and what was cut could only add to it (clauses.py): not opening
# with a subordinate clause or a phrase ("If the budget allows,", "According to Ann,"); not
# left hanging on a word that needs what was cut ("a wheel and a,"); and not followed by a
# condition or a contrast ("Ann agreed to a screen, but only if" is not "Ann agreed to a screen.").
OPENERS = frozenset("""if when whenever although though even while because unless since as after before whether
once according following despite given having based in on at to for with without by from of during""".split())
DANGLING = frozenset("a an the and or but of to that which who whom whose with for from in on at by as than".split())
# words no finished sentence ends on ("... the voice recognition feature as a."); "that", "in",
# "on" can ("Bob agreed with that.")
HANGING = frozenset("a an the and or but of as than whose".split())


def hanging(words: list[str]) -> bool:
    """Do a sentence's normalised words stop on a word that needs what follows ("... the voice
    recognition feature as a.", "... and um.")?"""
    return bool(words) and (words[-1] in HANGING or words[-1] in FILLER)


QUALIFIERS = frozenset("but only unless if except although though provided yet not until when whenever".split())

# what makes a sentence worth quoting as someone's own: a view, a proposal, a reason, a finding
OPINION = re.compile(r"\b(i think|i believe|i feel|we should|we need|we must|we have to|we could|let's|the point is|"
                    r"the problem is|because|important|i'd like|i want|we want|i'm sure|the idea is|found that)\b")


def first_person(text: str) -> bool:
    """Is a claim written in a speaker's voice? An "I" after a capitalised word is a numeral
    ("Part I", "World War I")."""
    return any(not (m[1] and m[1][0].isupper()) for m in FIRST_PERSON.finditer(QUOTED.sub("", text).replace("’", "'")))


def placeholder(words: list[str]) -> bool:
    """'None specified', 'N/A', 'No decisions were made': a small model's way to say there is nothing."""
    return not words or (words[0] in ("none", "n", "na", "nothing") and len(words) <= 4) or \
        (words[0] == "no" and len(words) <= 7)
# openings, greetings and thanks: said in every meeting, worth saving in none
GREETING = re.compile(r"\b(hello|hi|welcome|good (morning|afternoon|evening)|thank you|thanks|let's (begin|start|get started)|"
                      r"see you|bye|my name is|(i'm|i am) (the|your))\b")
HEDGE_REACH = 3  # words before the words of a decision where a hedge or a negation undoes them


def settles(line: str, words: re.Pattern = DECIDING) -> bool:
    """Does a normalised sentence say something was settled: `words` of a decision (or of an
    assent) with no hedge or negation just before them ("No, no, let's go with the rubber case"
    does, "Not agreed." does not)?"""
    return any(not HEDGES & set(line[:m.start()].split()[-HEDGE_REACH:]) for m in words.finditer(line))
