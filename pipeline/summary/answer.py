"""An answer to a question from passages of a library, every sentence checked as a summary's are.

The local model reads the passages search found (library/passages.py) and nothing else, and
answers in a few sentences. It proposes; the code decides: nothing it writes is shown unchecked.
Each sentence goes through the summary's checker (verify.py) against the passages' turns, so it
must have been said there, and words or a wish it puts to a named person must be that person's
own. A sentence the passages do not support is written once more against the passage nearest it
("say only what this passage says") and checked again, or dropped. What is kept must also be
about what was asked: the turns it cites (or those just before them) hold half of the words that
say what the question is about. A question about a budget is not answered by a true sentence
about Chicago.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

from ..data import Passage
from ..text import normalise
from .reading import render
from .schemas import Question, asked, sentence, sentences_of, text_of
from .verify import Checker, Verdict, content_stems, near_duplicate, sentences
from .vocabulary import first_person, placeholder

SYSTEM = ("You answer questions about recorded conversations from the passages of their transcripts that you are "
          "given, and from nothing else. Answer in JSON.")
MOST_SENTENCES = 3
# how a sentence must be written for the checker to find it in the passages
STYLE = ("a full sentence in the third person, in the passages' own words, naming people as the passages do "
         "(\"Ann wants a rubber case.\", not \"I want a rubber case.\")")
# No way out ("if the passages do not answer, say so") is offered: the 1.5B model took one for 6
# of ES2011's 22 questions, and 8 were answered in all against 10 without it; without it the
# check still declined all 14 questions of another series (scripts/evaluate_ask.py, ES2011 / Bed)
ANSWER = Question("answer", {"answer": sentences_of(MOST_SENTENCES, 160)},
                  f"- answer: the answer in at most {MOST_SENTENCES} short sentences, each {STYLE}")
REWRITE = Question("rewrite", {"sentence": sentence(160, 10)},
                   f"- sentence: the sentence written again to say only what this passage says, as {STYLE}")

# Words that ask, or name the kind of answer wanted, rather than say what a question is about:
# "What did Ann think about the case?" is about the case, "Which city is Ann from?" about Ann
ASKING = frozenset("""summarize summarise summarized think thinks thought opinion opinions view views feel feels felt
happen happens happened please general kind sort type city country place town time day date year number amount
name""".split())
AUXILIARIES = frozenset("did does do will would can could should shall".split())
DETERMINERS = frozenset("the a an this that these those his her their its our".split())

# The model's way to the child process that runs it: (system, [(prompt, schema, max_tokens)]) -> answers
Complete = Callable[[str, list[tuple[str, dict, int]]], list[dict]]


@dataclass
class Citation:
    recording: str  # the recording's folder in the output folder
    start: float
    end: float
    speaker: str  # the speaker's shown name


@dataclass
class Sentence:
    text: str
    evidence: list[Citation]


@dataclass
class Answer:
    question: str
    sentences: list[Sentence] = field(default_factory=list)  # each checked and cited; none: not found
    proposed: int = 0  # sentences the model wrote
    rewritten: int = 0  # of those, the ones the passages did not support as written
    off_topic: bool = False  # supported sentences dropped for answering something else

    @property
    def found(self) -> bool:
        return bool(self.sentences)


def answer(question: str, passages: list[Passage], complete: Complete) -> Answer:
    """The checked answer to `question` from `passages` (best first), the model reached through
    `complete`; no passages, no model."""
    shown = [(p, text) for p in passages if (text := render(p.transcript, p.transcript.segments, {}))]
    if not shown:
        return Answer(question)
    passages_text = "\n\n".join(f"Passage {n}:\n{text}" for n, (_, text) in enumerate(shown, 1))
    reply = complete(SYSTEM, [asked(f"{passages_text}\n\nQuestion: {question}\n\n", [ANSWER])])[0]
    proposed = sentences(text_of(reply.get("answer")))
    checkers = _checkers(passages)
    verdicts = [_verdict(s, checkers) for s in proposed]
    # one cut off at its length bound or in a loop, or one that says there is nothing to say ("No
    # answer is given."), is not worth writing again
    redo = [i for i, v in enumerate(verdicts) if v is None and not proposed[i].endswith("…")
            and not placeholder(normalise(proposed[i]))]
    if redo:
        asks = [asked(f"Passage:\n{_nearest(proposed[i], shown)}\n\nQuestion: {question}\nA sentence of the answer: "
                      f"{proposed[i]}\n\n", [REWRITE]) for i in redo]
        for i, again in zip(redo, complete(SYSTEM, asks)):
            verdicts[i] = _verdict(text_of(again.get("sentence")), checkers)
    people = {name for checker in checkers.values() for name in checker.people}
    kept: list[Sentence] = []
    for recording, v in filter(None, verdicts):
        if not any(near_duplicate(v.text, k.text, people) for k in kept):
            kept.append(Sentence(v.text, [Citation(recording, e.start, e.end, e.speaker) for e in v.evidence]))
    off_topic = bool(kept) and not _on_topic(question, kept, checkers, people)
    return Answer(question, [] if off_topic else kept, len(proposed), len(redo), off_topic)


def search_text(question: str, people: set[str]) -> str:
    """What to search the library for: the words that say what the question is about, not the
    people it names, the words that ask or its function words ("What did the Industrial Designer
    think of the options of energy?" looks for the options of energy, not for every time someone
    said "designer"); the question itself where that leaves nothing ("Where is Diane from?")."""
    return " ".join(w for w in _about(question, people) if content_stems(w)) or question


def _checkers(passages: list[Passage]) -> dict[str, Checker]:
    """A checker per recording, on its passages' turns alone: a sentence must rest on what the
    model read, not on anything else the recording holds."""
    by_recording: dict[str, list[Passage]] = {}
    for p in passages:
        by_recording.setdefault(p.recording, []).append(p)
    return {recording: Checker(replace(ps[0].transcript, segments=sorted(
        (turn for p in ps for turn in p.transcript.segments), key=lambda turn: turn.start)))
        for recording, ps in by_recording.items()}


def _verdict(text: str, checkers: dict[str, Checker]) -> tuple[str, Verdict] | None:
    """The recording (the first, in the passages' order) whose passages support the sentence,
    and its verdict; None for a sentence cut off, empty or in a speaker's voice, as in a summary."""
    text = text.strip()
    if not text or "…" in text or placeholder(normalise(text)) or first_person(text):
        return None
    return next(((recording, v) for recording, checker in checkers.items() if (v := checker.check(text)).supported),
                None)


def _nearest(sentence: str, shown: list[tuple[Passage, str]]) -> str:
    """The passage (as the model read it) with the most of the sentence's content words."""
    stems = set(content_stems(sentence))
    return max(shown, key=lambda p: len(stems & set(content_stems(p[1]))))[1]


def _on_topic(question: str, kept: list[Sentence], checkers: dict[str, Checker], people: set[str]) -> bool:
    """Is what the question asks about said where the answer rests: half of its words or more
    in the turns the answer cites, or the turns just before them (where the question that the
    cited words answer was often put)? A question of nothing but names, function words and words
    that ask ("Where is Diane from?", "Which city is Ann from?") is left to the check."""
    topic = set(content_stems(" ".join(_about(question, people)))) - set(content_stems(" ".join(people)))
    if not topic:
        return True
    said: set[str] = set()
    for c in (c for s in kept for c in s.evidence):
        turns = checkers[c.recording].t.segments
        at = next(i for i, turn in enumerate(turns) if turn.start <= c.start and c.end <= turn.end)
        said.update(content_stems(" ".join(turn.text for turn in turns[max(at - 1, 0):at + 1])))
    return 2 * len(topic & said) >= len(topic)


def _about(question: str, people: set[str]) -> list[str]:
    """The question's words less the people it names (where it names them: "the Industrial
    Designer" is a person, "component design" a subject), the words that ask (ASKING), and its verb
    after an auxiliary and its subject ("What did Ann buy?"): the answer says that verb in another
    form ("bought"), which no stemmer joins to it."""
    words = normalise(question)
    names = sorted((normalise(name) for name in people), key=len, reverse=True)

    def name_at(at: int) -> int:
        return next((len(n) for n in names if n and words[at:at + len(n)] == n), 0)

    left, at, verb = [], 0, False
    while at < len(words):
        if named := name_at(at):
            at += named
            continue
        if verb:  # the word after the auxiliary's subject
            verb = False
        elif words[at] in AUXILIARIES:
            at += 1
            while at < len(words) and words[at] in DETERMINERS:
                at += 1
            if named := name_at(at):  # the subject: a person, or one word ("the group")
                at += named
            elif at < len(words):
                left.append(words[at])
                at += 1
            verb = True
            continue
        elif words[at] not in ASKING:
            left.append(words[at])
        at += 1
    return left
