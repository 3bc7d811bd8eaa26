"""Every sentence of the summary is checked against the transcript before anyone reads it.

The model proposes a claim; the code looks for the passage that supports it. A claim's content words
(its words less function words, the ways a summary talks about talk, "discussed", "presents",
"suggests", and the speakers' names) are stemmed and looked up among the words the speech recogniser
was confident about; the claim is supported when up to three short passages together hold most of
them (a word they leave out that was said beside another of the claim's words, as in "fruit
designs", is pointed at there too, without counting as support). Words heard with low confidence are
not evidence: a claim built on them ("deep design" in the bundled call, where Whisper half-heard "I
need the design") fails, while a near spelling of a clearly heard word ("Shiela") still counts. A
claim that names a speaker (by the name shown, or the one they introduced themselves with: "I'm
Chiara") must be backed by that speaker's own words, or by words addressed to them by name, and a
wish or a proposal put to them ("she suggests a cover") by words in their own voice said at one
moment, not a question or words about others; otherwise the name is corrected (one name, one other
speaker behind the evidence) or the claim fails. A word the passage says only after a "not"
("not those futuristic ones") supports no claim that does not deny it. Nothing here asks the
model: the check is the transcript's words against the claim's.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process

from ..data import Evidence, Transcript, Turn
from ..stages.naming import SELF_INTRODUCTION, introductions
from ..text import normalise
from .clauses import leading_clauses
from .vocabulary import (
    ASSENT,
    DECIDES,
    DECIDING_WORDS,
    EVERYONE,
    MENTIONS,
    NO_DECISION,
    PROPOSING,
    REPORTED,
    STANCE,
    STOP,
    VOICE,
    negation,
    settles,
)

CONFIDENT = 0.5  # a word the recogniser gave a lower probability is not evidence
HEARD = 3  # nor is one amid a stretch it mostly failed on: the mean over this many words each side
WINDOW = 60  # words in one supporting passage (about 20 s of speech)
MAX_PASSAGES = 3  # a claim may gather its support from this many passages
MIN_CONTENT = 2  # content words, or one and a name: "She introduces." says too little to check
MIN_SUPPORT = 3 / 4  # share of a claim's content words found in its passages
PHRASE = 3  # words apart, in one turn, that two of a claim's words are said together ("fruit designs")
FUZZY = 85  # rapidfuzz ratio at which two stems of five letters or more are the same word (ASR spelling)
NEAR_DUPLICATE = 0.75  # shared content words over the longer item's: "nearly word for word"
DECISION_REACH = 60.0  # seconds either side of a decision claim's evidence where its deciding words must be
DECISION_WORDS = 2  # content words they must share with the claim: "We went with shape" did not decide on a flat wheel
ASSENT_WORDS = 5  # an assent settles what was just said when it is little more than the assent ("Yes, sounds good.")
ASSENT_CONTENT = 3  # content words the sentence it takes up must have: "Fair enough." proposes nothing
DENIAL_REACH = 2  # words before a content word where a "not" denies it ("not those futuristic ones")
HEDGING_STEMS = frozenset({"think", "know", "sure", "mean"})
EXCLUDING = ("exclu", "without", "instead", "against", "avoid", "drop", "remov", "reject", "refus", "lack")

_stemmer = snowballstemmer.stemmer("english")
_STOP_STEMS = frozenset(_stemmer.stemWord(w) for w in STOP)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“(])")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def heard(turn: Turn) -> list[bool]:
    """Per word of a turn: was it heard clearly enough to be evidence? Its own probability and
    the mean over the words around it must both reach CONFIDENT (a human transcript's words all
    have probability 1)."""
    p = [w.probability for w in turn.words]
    return [p[i] >= CONFIDENT and sum(p[max(0, i - HEARD):i + HEARD + 1]) / len(p[max(0, i - HEARD):i + HEARD + 1])
            >= CONFIDENT for i in range(len(p))]


def _content(word: str) -> str | None:
    """A normalised word's stem if it carries content ("called" is as empty as "call")."""
    if word in STOP or word in DECIDING_WORDS:
        return None
    stem = _stem(word)
    return None if stem in _STOP_STEMS else stem


def content_stems(text: str) -> list[str]:
    """The claim's words that carry content, stemmed, each once, in order."""
    return list(dict.fromkeys(s for w in normalise(text) if (s := _content(w))))


# after a one-word name in lower case, words that make it a person: "the marketing team" is the
# speaker shown as Marketing, "the marketing reports" are not
AS_PERSON = r"team|expert|person|people|side|department|lead|guy|woman|man"
# of those, the nouns alone: "Ann and Bob lead the redesign" has a verb after the names
PERSON_NOUN = r"team|expert|person|people|department|guy|woman|man"


def _find(name: str, text: str) -> list[re.Match]:
    """Where a claim names a speaker: a name of several words in any case, or by its initials
    in capitals ("UI" for User Interface; not "3 PM"); one word as written ("Will", not
    "will"), or in lower case where a word that makes it a person follows."""
    word = re.escape(name.strip())
    if " " in name.strip():
        initials = "".join(w[0] for w in name.split() if w[0].isalpha()).upper()
        by_initials = rf"(?<![\w.])(?<!\d )(?<!\d){re.escape(initials)}(?!\w)"
        return sorted([*re.finditer(rf"(?<!\w){word}(?!\w)", text, re.IGNORECASE),
                       # "Speaker 2" has none: every "Speaker n" would share its "S"
                       *(re.finditer(by_initials, text) if len(initials) > 1 else ())],
                      key=lambda m: m.start())
    return list(re.finditer(rf"(?<!\w)(?:{word}(?!\w)|(?i:{word})(?= (?:{AS_PERSON})\b))", text))


def _end(text: str, found: re.Match) -> int:
    """Where a name the claim uses ends, with the word that makes it a person ("the Marketing
    team"): the two are one reference."""
    person = re.match(rf"[\s-]+(?:{PERSON_NOUN})\b", text[found.end():], re.I)
    return found.end() + (person.end() if person else 0)


# How a claim frames what was said, which is not what was said: the word that says which group
# of people ("the project team", not "Microsoft Teams" or "brief team members"), and the need
# for something, as the importance of it ("discussed the need for a report"; "a case is
# needed" still says something)
FRAMING = re.compile(r"(?i:\b(?:the|a|an|our|their|his|her|its|this|that|whole|entire)\s+)[\w'-]+(?=\s+teams?\b)|"
                     r"(?i:\b(?:the|a|an)\s+needs?\s+(?:for|of)\b)")


def _without(text: str, names: list[str]) -> str:
    """The claim without the people it names."""
    for name in names:
        for m in reversed(_find(name, text)):
            text = text[:m.start()] + " " + text[_end(text, m):]
    return text


def _said_of(text: str, names: list[str]) -> list[str]:
    """The content words of what a claim says was said: less the people it names and the words
    that frame it."""
    return content_stems(FRAMING.sub(" ", _without(text, names)))


def _voiced(turn: Turn) -> list[bool]:
    """Per word of a turn: is its sentence in the speaker's own voice (they speak for themselves
    or propose; not a question unless it proposes, not what someone else said or meant)?"""
    out: list[bool] = []
    start = 0
    for i, w in enumerate(turn.words):
        if i + 1 == len(turn.words) or w.word.rstrip("\"'”)").endswith((".", "!", "?")):
            said = turn.words[start:i + 1]
            words = normalise(" ".join(x.word for x in said))
            line = " ".join(words)
            proposes = bool(PROPOSING.search(line))
            voiced = ((proposes or not said[-1].word.rstrip("\"'”)").endswith("?"))
                      and (proposes or bool(VOICE.intersection(words))) and not REPORTED.search(line))
            out += [voiced] * len(said)
            start = i + 1
    return out


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s.strip()]


def deciding(turns: Iterable[Turn]) -> Iterable[tuple[Turn, str, Turn | None, str]]:
    """(turn, sentence, turn taken up, sentence taken up) for each sentence of these turns that
    settles something ("so we'll go with the rubber case"). A short assent ("Yes, sounds good.")
    settles what another speaker's sentence just before it said, when that said something; a
    question ("Sounds good?") settles nothing."""
    before: tuple[Turn | None, str] = (None, "")
    for turn in turns:
        for said in sentences(turn.text):
            line = " ".join(normalise(said))
            if not said.endswith("?"):
                last, taken_up = before
                if settles(line, ASSENT) and len(line.split()) <= ASSENT_WORDS and last is not None and \
                        last.speaker != turn.speaker and len(content_stems(taken_up)) >= ASSENT_CONTENT:
                    yield turn, said, last, taken_up
                elif settles(line):
                    yield turn, said, None, ""
            before = (turn, said)


def _content_and_names(text: str, names: Iterable[str]) -> tuple[set[str], set[str]]:
    used = {name for name in names if _find(name, text)}
    return set(content_stems(_without(text, list(used)))), used


def near_duplicate(a: str, b: str, names: Iterable[str] = ()) -> bool:
    """Item `a` says nearly what `b` did: most of the longer one's content words are in the
    shorter one, the speakers' `names` aside, and one names no one the other does not: saying
    who, or more of the people, does not make a point new ("We're going to build it." and "Ann
    proposes to build it." repeat each other; "Bob lives in Leeds." does not repeat "Ann lives in
    Leeds.")."""
    (sa, na), (sb, nb) = _content_and_names(a, names), _content_and_names(b, names)
    if not sa or not sb or not (na <= nb or nb <= na):
        return False
    return len(sa & sb) / max(len(sa), len(sb)) >= NEAR_DUPLICATE


def nothing_new(a: str, b: str, names: Iterable[str] = ()) -> bool:
    """Item `a` says nothing that `b` has not: all its content words and the people it names are
    in `b` ("Sheila is from Chicago and Texas." after "Sheila is from Chicago and Texas, while
    Diane is in New Jersey.")."""
    (sa, na), (sb, nb) = _content_and_names(a, names), _content_and_names(b, names)
    return bool(sa) and sa <= sb and na <= nb


@dataclass
class Verdict:
    supported: bool
    support: float  # share of the claim's content words found in its passages
    text: str  # the claim, with a speaker's name corrected where the evidence says who it was
    evidence: list[Evidence] = field(default_factory=list)
    moment: float = 0.0  # where the strongest supporting passage starts
    wrong_names: list[str] = field(default_factory=list)  # named people who did not say the supporting words
    corrected: bool = False
    undecided: bool = False  # says something was decided, where nothing near its evidence says so
    also: list[Evidence] = field(default_factory=list)  # where words the passages leave out were said
    reason: str = ""  # why it holds or not, in words, for `offrecord summarize -v` and the evaluation


def pointers(verdicts: Iterable[Verdict]) -> list[Evidence]:
    """Where a claim (or an idea of several) points: its supporting passages in time order, then
    the words they leave out, so that the time shown with it stays its passages' own."""
    verdicts = list(verdicts)
    held = {(e.start, e.end, e.speaker): e for v in verdicts for e in v.evidence}
    also = {(e.start, e.end, e.speaker): e for v in verdicts for e in v.also}
    return sorted(held.values(), key=lambda e: e.start) + \
        sorted((e for key, e in also.items() if key not in held), key=lambda e: e.start)


class Checker:
    """One transcript, indexed once, against which any number of claims are checked."""

    def __init__(self, transcript: Transcript):
        self.t = transcript
        self.names = {s.id: s.name for s in transcript.speakers}
        # Who a claim can name: each speaker by the name shown, and by the name they introduced
        # themselves with where that is another ("I'm Chiara" said by the speaker shown as
        # "Marketing"): "Chiara drew a dolphin" must be the Marketing expert's words.
        # Two speakers may share a shown name (the user's way to join one person split in two).
        self.people: dict[str, set[str]] = {}
        for sid, name in self.names.items():
            self.people.setdefault(name, set()).add(sid)
        shown = {w for name in self.names.values() for w in normalise(name)}
        for sid, name in introductions(transcript.segments, SELF_INTRODUCTION).items():
            if name not in self.people and name.lower() not in shown:  # not "User" of "User Interface"
                self.people[name] = {sid}
        self.tokens: list[str] = []  # the transcript's tokens, normalised
        self.turn_of: list[int] = []  # per transcript token: its turn
        self.time_of: list[float] = []  # and when it was said
        self.word_of: list[int] = []  # and the word within that turn
        self.where: dict[str, list[int]] = {}  # stem -> token positions heard with confidence
        self.voiced: list[bool] = []  # per token: in a sentence in its speaker's own voice
        for ti, turn in enumerate(transcript.segments):
            for wi, (w, clear, voiced) in enumerate(zip(turn.words, heard(turn), _voiced(turn))):
                for tok in normalise(w.word):
                    if clear and (stem := _content(tok)):
                        self.where.setdefault(stem, []).append(len(self.turn_of))
                    self.tokens.append(tok)
                    self.turn_of.append(ti)
                    self.word_of.append(wi)
                    self.time_of.append(w.start)
                    self.voiced.append(voiced)
        self.vocab = list(self.where)
        self._matches: dict[str, list[int]] = {}
        # (from, to, content stems) of each sentence that says something was decided
        self.decisions = [(turn.start, turn.end, set(content_stems(f"{taken_up} {said}")))
                          for turn, said, _, taken_up in deciding(transcript.segments)]

    def _positions(self, stem: str) -> list[int]:
        """Where a stem was said: the same stem, or a near spelling of a longer one."""
        if stem not in self._matches:
            found = list(self.where.get(stem, []))
            if len(stem) >= 5:
                for other, _, _ in process.extract(stem, self.vocab, scorer=fuzz.ratio, score_cutoff=FUZZY, limit=None):
                    if other != stem and len(other) >= 5:
                        found += self.where[other]
            self._matches[stem] = sorted(found)
        return self._matches[stem]

    def mentioned(self, text: str) -> list[str]:
        """The speakers' names a claim uses (shown or self-introduced): a one-word name as it
        is written (so "Marketing" the person, not "marketing" the subject), a longer one in any
        case ("the project manager" is the Project Manager)."""
        return [name for name in self.people if _find(name, text)]

    def check(self, text: str, owner: str | None = None, within: tuple[float, float] | None = None,
              decided: bool = False) -> Verdict:
        """Is `text` supported by the transcript (or by what was said `within` those times), and
        are the people it names (or `owner`, an action item's) the ones behind the supporting words?
        A claim that says something was decided (or any claim, if `decided`: a decisions list's
        item) must also have words of a decision about it near its evidence."""
        names = self.mentioned(text)
        if owner and owner not in names:
            names.append(owner)
        content = _said_of(text, names)
        if len(content) + bool(names) < MIN_CONTENT:
            return Verdict(False, 0.0, text, reason="too little to check")
        positions = {s: self._positions(s) for s in content}
        if within:
            positions = {s: [p for p in ps if within[0] <= self.time_of[p] < within[1]] for s, ps in positions.items()}
        support, passages = self._cover(content, positions, names)
        if names:  # the evidence for a claim about people is their own words, where those suffice
            own = {s: [p for p in ps if not within or within[0] <= self.time_of[p] < within[1]]
                   for s, ps in self._own(names, content).items()}
            own_support, own_passages = self._cover(content, own, names)
            if own_support >= MIN_SUPPORT - 1e-9:
                support, passages, positions = own_support, own_passages, own
        evidence, moment = self._evidence(passages, positions)
        verdict = Verdict(support >= MIN_SUPPORT - 1e-9, support, text, evidence, moment)
        if verdict.supported and (denied := self._denied(text, passages, positions)):
            verdict.supported = False
            verdict.reason = f"said with a 'not': {', '.join(denied[:4])}"
            return verdict
        if not verdict.supported:
            found = set().union(*(covered for _, _, covered in passages))
            missing = [s for s in content if s not in found]
            verdict.reason = f"not said{' there' if within else ''}: {support:.0%} of its words found" + \
                (f", not {', '.join(missing[:4])}" if missing else "")
            return verdict
        # What follows a name, up to the next one ("Ann suggested a screen, and Bob ..."), is
        # what the claim puts to that person: it must be their own words. A clause that
        # another speaker alone said is given their name instead.
        checked = set()
        for people, clause in reversed(self._clauses(text, names)):
            stems = _said_of(clause, names)
            if not stems:
                continue
            checked.update(people)
            voice = bool(STANCE.match(_without(clause, names)))
            if self._said_by(people, stems, voice):
                continue
            named = set().union(*(self.people[n] for n in names))  # by any of their names
            others = [n for n in dict.fromkeys(self.names.values())
                      if not self.people[n] & named and self._said_by([n], stems, voice)]
            if len(people) == 1 and len(others) == 1:
                said_as = _find(people[0], clause)[0]  # the name as the claim writes it: "UI" or "User Interface"
                # "the Marketing team evaluates" becomes "the Project Manager evaluates"
                verdict.text = verdict.text.replace(clause, others[0] + clause[_end(clause, said_as):], 1)
                verdict.corrected = True
            else:
                verdict.wrong_names += people
        # "both", "all of them": what follows, up to the next name, must hold for each speaker
        starts = sorted(m.start() for name in names for m in _find(name, text))
        for m in EVERYONE.finditer(text):
            stems = _said_of(text[m.end():next((s for s in starts if s > m.end()), len(text))], names)
            verdict.wrong_names += [n for n in dict.fromkeys(self.names.values())
                                    if stems and n not in verdict.wrong_names and not self._said_by([n], stems)]
        # anyone else named must at least have spoken in a supporting passage, or been named there
        verdict.wrong_names += [n for n in names if n not in checked and n not in verdict.wrong_names
                                and not any(self._names_ok([n], p, end, c, positions) for p, end, c in passages)]
        verdict.supported = not verdict.wrong_names
        if verdict.wrong_names:
            verdict.reason = f"not said by {', '.join(dict.fromkeys(verdict.wrong_names))}"
        # an action item's owner said they would do it, which the check above holds them to
        if verdict.supported and not owner and (decided or (DECIDES.search(text) and not NO_DECISION.search(text))):
            verdict.undecided = not self._decided(_without(text, names), verdict.evidence)
            verdict.supported = not verdict.undecided
            if verdict.undecided:
                verdict.reason = "said to be decided, but no words of a decision about it near its evidence"
        if verdict.supported:
            verdict.reason = f"said ({support:.0%} of its words)" + (", name corrected" if verdict.corrected else "")
            verdict.also = self._evidence(self._beside(content, positions, passages), positions)[0]
        return verdict

    def mended(self, text: str, owner: str | None = None, within: tuple[float, float] | None = None,
               decided: bool = False) -> Verdict:
        """`put_right`, and for a claim that does not hold as a whole, its longest leading clause
        that does ("Ann suggests a big button, which Bob agrees with." -> "Ann suggests a big
        button." where Bob agreed to nothing): a small model often joins a true statement and a
        guess about who answered it."""
        verdict = self.put_right(text, owner, within, decided)
        if verdict.supported:
            return verdict
        for head in leading_clauses(text):
            if (again := self.put_right(head, owner, within, decided)).supported:
                again.corrected, again.reason = True, f"{again.reason}, cut from: {text}"
                return again
        return verdict

    def put_right(self, text: str, owner: str | None = None, within: tuple[float, float] | None = None,
                  decided: bool = False) -> Verdict:
        """`check`, and for a claim whose words were said but not by the person it names, the
        claim put right where that is plain: a proposal verb the speaker's words do not bear out
        ("suggests", "proposes": said as a question or of others) made "mentions", or the one
        name given to the one other speaker whose words say it. A small model reading a few
        minutes of talk gets the words right more often than the speaker."""
        verdict = self.check(text, owner, within, decided)
        plain = MENTIONS.sub(lambda m: "mentioned" if (m[2] or "").endswith("d") else "mentions", text)
        if verdict.supported and verdict.corrected:
            # "The Project Manager proposes the plan", the plan read out in his own words but
            # "proposes" borne out only by another's: the person named said it, and keeps it
            if plain != text and (kept := self.check(plain, owner, within, decided)).supported and not kept.corrected:
                kept.corrected, kept.reason = True, f"{kept.reason}, put right from: {text}"
                return kept
            # the sentence shown is the corrected one, and must hold as it reads
            again = self.check(verdict.text, owner, within, decided)
            if not again.supported:
                return again
        names = self.mentioned(text)
        if verdict.supported or not verdict.wrong_names or owner or len(names) != 1:
            return verdict
        said_as = _find(names[0], plain)[0]
        for other in [None, *(n for n in dict.fromkeys(self.names.values()) if not self.people[n] & self.people[names[0]])]:
            mended = plain if other is None else plain[:said_as.start()] + other + plain[_end(plain, said_as):]
            if mended != text and (again := self.check(mended, None, within, decided)).supported and \
                    not again.corrected:
                again.corrected, again.reason = True, f"{again.reason}, put right from: {text}"
                return again
        return verdict

    def _denied(self, text: str, passages: list, positions: dict[str, list[int]]) -> list[str]:
        """The claim's words that its passages only say denied ("not those futuristic ones" is
        no wish for a futuristic remote), where the claim denies nothing itself: a claim that
        says "not" or "exclusion" ("no teletext") is left to its words, as its denial need not sit
        where the speaker's did."""
        if any(negation(tok) or tok.startswith(EXCLUDING) for tok in normalise(text)):
            return []
        denied = []
        for p, end, covered in passages:
            for s in sorted(covered):
                if len(s) < 4 or s in HEDGING_STEMS:
                    continue  # "can't use metal" denies metal, not every "use"; "I don't think" hedges
                at = [q for q in positions[s] if p <= q < end]
                if at and all(any(negation(self.tokens[b]) and self.turn_of[b] == self.turn_of[q]
                                  for b in range(max(q - DENIAL_REACH, 0), q)) for q in at):
                    denied.append(s)
        return denied

    def _decided(self, text: str, evidence: list[Evidence]) -> bool:
        """Was what `text` says was decided spoken of as decided near its evidence: a sentence with
        words of a decision ("so we'll go with the rubber case") about the same things?"""
        about = set(content_stems(DECIDES.sub(" ", text)))
        return bool(about) and any(e.start - DECISION_REACH <= to and said_from <= e.end + DECISION_REACH and
                                   len(stems & about) >= min(DECISION_WORDS, len(about))
                                   for e in evidence for said_from, to, stems in self.decisions)

    def _clauses(self, text: str, names: list[str]) -> list[tuple[list[str], str]]:
        """(people, the text from the first of them to the next name) for each name or group of
        names the claim uses: "Ann and Bob agreed ..." puts what follows to the two together."""
        found = sorted((m.start(), m.end(), name) for name in names for m in _find(name, text))
        out: list[tuple[list[str], int, int]] = []  # (people, start, end of the last name)
        for start, end, name in found:
            if out and re.fullmatch(r"\s*(,|and|&|,\s*and)\s*", text[out[-1][2]:start]):
                out[-1] = (out[-1][0] + [name], out[-1][1], end)
            else:
                out.append(([name], start, end))
        ends = [start for _, start, _ in out[1:]] + [len(text)]
        return [(people, text[start:end]) for (people, start, _), end in zip(out, ends)]

    def _own(self, names: list[str], stems: list[str]) -> dict[str, list[int]]:
        """Where these people themselves said each stem."""
        ids = set().union(*(self.people.get(n, set()) for n in names))
        return {s: [p for p in self._positions(s) if self.t.segments[self.turn_of[p]].speaker in ids] for s in stems}

    def _said_by(self, people: list[str], stems: list[str], voice: bool = False) -> bool:
        """Did these people say it (`voice`: in their own voice)?"""
        own = self._own(people, stems)
        if not voice:
            return self._cover(stems, own, [])[0] >= MIN_SUPPORT - 1e-9
        # a proposal is made at one moment: not "a cover" gathered from "the squishy part" said
        # at one time and "the remote control" at another
        own = {s: [p for p in ps if self.voiced[p]] for s, ps in own.items()}
        return self._cover(stems, own, [], passages=1)[0] >= MIN_SUPPORT - 1e-9

    def _cover(self, content: list[str], positions: dict[str, list[int]], names: list[str],
               passages: int = MAX_PASSAGES) -> tuple[float, list]:
        """The passages (up to `passages` windows) that hold the most of the claim's content
        words, greedily; and the share of the content words they hold. A passage ends at the
        last word it needs, so that its evidence is the stretch that says the claim, not a
        common word said earlier or later by someone else."""
        remaining = {s for s in content if positions.get(s)}
        most, passages = passages, []  # (start token, end token, covered stems)
        while remaining and len(passages) < most:
            best = None
            for s in remaining:
                for p in positions[s]:
                    firsts = {}  # each stem's first position in the window starting here
                    for o in remaining:
                        i = bisect.bisect_left(positions[o], p)
                        if i < len(positions[o]) and positions[o][i] < p + WINDOW:
                            firsts[o] = positions[o][i]
                    covered, end = set(firsts), max(firsts.values()) + 1
                    # between passages that cover as much, the one where the named people speak,
                    # then the tightest, then the earliest: never the order of a set, which
                    # differs from process to process (a cluster worker must write what a local
                    # run writes)
                    score = (len(covered), self._names_ok(names, p, end, covered, positions), p - end, -p)
                    if best is None or score > best[0]:
                        best = (score, p, end, covered)
            if best is None or (passages and len(best[3]) < 2):
                break  # a lone shared word elsewhere is not a passage
            passages.append(best[1:])
            remaining -= best[3]
        return sum(len(c) for _, _, c in passages) / len(content), passages

    def _beside(self, content: list[str], positions: dict[str, list[int]], passages: list) -> list:
        """Pointers to where a word the passages left out was said together with another of the
        claim's words: "the fruit designs and a battery case" is held by the battery case's passage
        (three of four words), and "fruit" by itself is no passage, but "fruit designs" was said two
        minutes before. The share of words held does not count these: next to a common word
        ("design", "remote") nearly any word of a long meeting is found somewhere."""
        held = set().union(*(c for _, _, c in passages))
        extra = []
        for s in content:
            if s in held:
                continue
            best = None
            for p in positions[s]:
                for o in content:
                    if o == s:
                        continue
                    i = bisect.bisect_left(positions[o], p - PHRASE)
                    for q in positions[o][i:bisect.bisect_right(positions[o], p + PHRASE)]:
                        # not one word that two near spellings both match
                        if q != p and self.turn_of[q] == self.turn_of[p]:
                            found = (abs(q - p), min(p, q))  # the closest, then the earliest
                            if best is None or found < best[0]:
                                best = (found, min(p, q), max(p, q) + 1, {s, o})
            if best:
                extra.append(best[1:])
                held |= best[3]
        return extra

    def _turns(self, p: int, end: int, covered: set[str], positions: dict[str, list[int]]) -> dict[int, list[int]]:
        """The turns of a passage that hold its matched words, and those words."""
        per_turn: dict[int, list[int]] = {}
        for q in sorted(q for s in covered for q in positions[s] if p <= q < end):
            per_turn.setdefault(self.turn_of[q], []).append(q)
        return per_turn

    def _names_ok(self, names: list[str], p: int, end: int, covered: set[str],
                  positions: dict[str, list[int]]) -> bool:
        """Each named person said some of the supporting words, or was named in a turn that did
        ("the industrial designer will look at the components")."""
        if not names:
            return True
        turns = [self.t.segments[ti] for ti in self._turns(p, end, covered, positions)]
        speakers = {turn.speaker for turn in turns}
        said = " " + " ".join(" ".join(normalise(turn.text)) for turn in turns) + " "
        return all(self.people.get(n, set()) & speakers or f" {' '.join(normalise(n))} " in said for n in names)

    def _evidence(self, passages, positions) -> tuple[list[Evidence], float]:
        """Per passage, the turns that hold its matched words: who said them, from when to when;
        and where the first (strongest) passage starts."""
        out, moment = {}, 0.0
        for n, (p, end, covered) in enumerate(passages):
            for ti, hits in sorted(self._turns(p, end, covered, positions).items()):
                turn = self.t.segments[ti]
                name = self.names.get(turn.speaker, turn.speaker)
                first, last = turn.words[self.word_of[hits[0]]], turn.words[self.word_of[hits[-1]]]
                out.setdefault((first.start, last.end, name), Evidence(start=first.start, end=last.end, speaker=name))
            if n == 0:
                moment = min(e.start for e in out.values())
        return sorted(out.values(), key=lambda e: e.start), moment
