"""Every sentence of the summary is checked against the transcript before anyone reads it.

The model proposes a claim; the code looks for the passage that supports it. A claim's content
words (its words less function words, the ways a summary talks about talk, "discussed",
"mentioned", and the speakers' names) are stemmed and looked up among the words the speech
recogniser was confident about; the claim is supported when up to three short passages
together hold most of them. Words heard with low confidence are not evidence: a claim built on
them ("deep design" in the bundled call, where Whisper half-heard "I need the design") fails,
while a near spelling of a clearly heard word ("Shiela") still counts. A claim that names a
speaker must be backed by that speaker's own words, or by words addressed to them by name;
otherwise the name is corrected (one name, one other speaker behind the evidence) or the claim
fails. Nothing here asks the model: the check is the transcript's words against the claim's.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process

from ..data import Evidence, Transcript
from ..text import normalise

CONFIDENT = 0.5  # a word the recogniser gave a lower probability is not evidence
HEARD = 3  # nor is one amid a stretch it mostly failed on: the mean over this many words each side
WINDOW = 60  # words in one supporting passage (about 20 s of speech)
MAX_PASSAGES = 3  # a claim may gather its support from this many passages
MIN_SUPPORT = 2 / 3  # share of a claim's content words found in its passages
FUZZY = 85  # rapidfuzz ratio at which two stems of five letters or more are the same word (ASR spelling)
NEAR_DUPLICATE = 0.6  # shared content words over the longer item's: "nearly word for word"

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
participant participants person people group team member members everyone someone recording transcript
summary overview main key important importance significant various aspects aspect overall idea ideas
""".split())

_stemmer = snowballstemmer.stemmer("english")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“(])")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def content_stems(text: str) -> list[str]:
    """The claim's words that carry content, stemmed, each once, in order."""
    return list(dict.fromkeys(_stem(w) for w in normalise(text) if w not in STOP))


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s.strip()]


def near_duplicate(a: str, b: str) -> bool:
    """Two items that say nearly the same words: most of the longer one's content words are
    in the shorter one."""
    sa, sb = set(content_stems(a)), set(content_stems(b))
    if not sa or not sb:
        return False
    return len(sa & sb) / max(len(sa), len(sb)) >= NEAR_DUPLICATE


@dataclass
class Verdict:
    supported: bool
    support: float  # share of the claim's content words found in its passages
    text: str  # the claim, with a speaker's name corrected where the evidence says who it was
    evidence: list[Evidence] = field(default_factory=list)
    wrong_names: list[str] = field(default_factory=list)  # named people who did not say the supporting words
    corrected: bool = False


class Checker:
    """One transcript, indexed once, against which any number of claims are checked."""

    def __init__(self, transcript: Transcript):
        self.t = transcript
        self.names = {s.id: s.name for s in transcript.speakers}
        self.turn_of: list[int] = []  # per transcript token: its turn
        self.word_of: list[int] = []  # and the word within that turn
        self.where: dict[str, list[int]] = {}  # stem -> token positions heard with confidence
        for ti, turn in enumerate(transcript.segments):
            for wi, w in enumerate(turn.words):
                around = [o.probability for o in turn.words[max(0, wi - HEARD):wi + HEARD + 1]]
                heard = w.probability >= CONFIDENT and sum(around) / len(around) >= CONFIDENT
                for tok in normalise(w.word):
                    if heard and tok not in STOP:
                        self.where.setdefault(_stem(tok), []).append(len(self.turn_of))
                    self.turn_of.append(ti)
                    self.word_of.append(wi)
        self.vocab = list(self.where)
        self._matches: dict[str, list[int]] = {}

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
        """The speakers' names a claim uses, as they are written (so "Marketing" the person,
        not "marketing" the subject)."""
        return [name for name in dict.fromkeys(self.names.values())
                if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text)]

    def check(self, text: str, owner: str | None = None) -> Verdict:
        """Is `text` supported by the transcript, and are the people it names (or `owner`, an
        action item's) the ones behind the supporting words?"""
        names = self.mentioned(text)
        if owner and owner not in names:
            names.append(owner)
        bare = text
        for name in names:
            bare = bare.replace(name, " ")
        content = content_stems(bare)
        if not content:
            return Verdict(False, 0.0, text)
        positions = {s: self._positions(s) for s in content}
        remaining = {s for s, p in positions.items() if p}
        passages = []  # (start token, covered stems)
        while remaining and len(passages) < MAX_PASSAGES:
            best = None
            for s in remaining:
                for p in positions[s]:
                    covered = {o for o in remaining
                               if bisect.bisect_left(positions[o], p) < bisect.bisect_left(positions[o], p + WINDOW)}
                    # between passages that cover as much, the one where the named people speak
                    score = (len(covered), self._names_ok(names, p, covered, positions))
                    if best is None or score > best[0]:
                        best = (score, p, covered)
            if best is None or (passages and len(best[2]) < 2):
                break  # a lone shared word elsewhere is not a passage
            passages.append((best[1], best[2]))
            remaining -= best[2]
        covered = sum(len(c) for _, c in passages)
        support = covered / len(content)
        evidence, by_speaker = self._evidence(passages, positions)
        verdict = Verdict(support >= MIN_SUPPORT - 1e-9, support, text, evidence)
        if not verdict.supported:
            return verdict
        wrong = [n for n in names if not any(self._names_ok([n], p, c, positions) for p, c in passages)]
        if wrong and len(names) == 1 and names[0] != owner and len(by_speaker) >= 1:
            said_by = max(by_speaker, key=by_speaker.get)
            if said_by != wrong[0] and said_by not in text:
                verdict.text = re.sub(rf"(?<!\w){re.escape(wrong[0])}(?!\w)", said_by, text)
                verdict.corrected, wrong = True, []
        verdict.wrong_names = wrong
        verdict.supported = not wrong
        return verdict

    def _hits(self, p: int, covered: set[str], positions: dict[str, list[int]]) -> list[int]:
        return sorted(q for s in covered for q in positions[s] if p <= q < p + WINDOW)

    def _names_ok(self, names: list[str], p: int, covered: set[str], positions: dict[str, list[int]]) -> bool:
        """Each named person said some of the supporting words, or was named in a turn that did
        ("the industrial designer will look at the components")."""
        if not names:
            return True
        turns = {self.turn_of[q] for q in self._hits(p, covered, positions)}
        speakers = {self.names.get(self.t.segments[ti].speaker) for ti in turns}
        said = " " + " ".join(" ".join(normalise(self.t.segments[ti].text)) for ti in turns) + " "
        return all(n in speakers or f" {' '.join(normalise(n))} " in said for n in names)

    def _evidence(self, passages, positions) -> tuple[list[Evidence], dict[str, int]]:
        """Per passage, the turns that hold its matched words: who said them, from when to when."""
        out, by_speaker = [], {}
        for p, covered in passages:
            per_turn: dict[int, list[int]] = {}
            for q in self._hits(p, covered, positions):
                per_turn.setdefault(self.turn_of[q], []).append(q)
            most = max(len(v) for v in per_turn.values())
            for ti, hits in sorted(per_turn.items()):
                turn = self.t.segments[ti]
                name = self.names.get(turn.speaker, turn.speaker)
                by_speaker[name] = by_speaker.get(name, 0) + len(hits)
                if len(hits) >= 2 or len(hits) == most:
                    first, last = turn.words[self.word_of[hits[0]]], turn.words[self.word_of[hits[-1]]]
                    out.append(Evidence(start=first.start, end=last.end, speaker=name))
        return sorted(out, key=lambda e: e.start), by_speaker
