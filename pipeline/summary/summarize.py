"""The summary: the local LLM proposes, the code checks every sentence.

Read once, ask many: the transcript is the start of every prompt, so llama.cpp evaluates it
once and keeps it; each part of the summary (the headline parts, ideas, quotes and highlights,
the template's sections) is then a short question after it, paying only for its own words, and
the answers are written side by side, a step of all of them at a time (decoding.py). A
short recording asks everything in one call. Only a transcript longer than the context (about
an hour of speech at 32k tokens) is read in parts, and the title and overview are then written
from the parts' checked points.

The model's answer is a proposal. Every sentence of it is checked against the transcript
(verify.py): unsupported ones are dropped, a wrongly named speaker is corrected or the sentence
dropped, and each kept sentence carries the passages that support it, so the summary shows its
time. Items that repeat the title or each other are removed by code, and how many items each
part may have follows how much was said (`Shape`): a 30-second call is not padded to an hour's
outline. Quotes are matched to the transcript (grounding.py) and shown in its words.

Every call uses a JSON schema with a bound on each string's length (a maxLength, or a sentence
pattern that must end with a full stop): without one a small model can run to max_tokens and
leave invalid JSON (see the notes); decoding.py enforces it at little cost.
"""

from __future__ import annotations

import json
import logging
import re
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import llama_cpp

from ..config import Config, SummaryConfig
from ..data import Claim, Highlight, Idea, Quote, Summary, Transcript, Turn
from ..errors import OffrecordError
from ..text import clock, normalise
from . import native
from .decoding import Ask, Decoder
from .grounding import ground_quote
from .templates import PARTS, Section, Template
from .verify import Checker, Verdict, content_stems, heard, near_duplicate, nothing_new, pointers, sentences

# How to write is said once, before the transcript, where it is part of the prefix every question
# shares: after each question it cost 70 tokens a question to read again.
SYSTEM = ("You summarise recorded conversations faithfully. Use only what the transcript says. Answer in JSON. "
          "Write full sentences in the third person, in plain words taken from the transcript where you can, and "
          "name people as the transcript does (\"Ann wants a rubber case.\", not \"Ann: rubber case\" or \"We want "
          "a rubber case.\"). Say each point once. Leave a list short or empty rather than add anything that was not "
          "said.")
log = logging.getLogger("offrecord.summary")
VERSION = 17  # of how a summary is made (and checked): part of its cache key, so an older summary is made again
RESERVED_TOKENS = 2500  # the instructions and the longest answer, besides the transcript
ANSWER_ROOM = 1200  # a further question and its answer, written beside the first
CONTEXT_STEP = 4096  # the context grows in steps of this many tokens, as transcripts need
# what a call cost: the prompt's tokens actually evaluated (a cached prefix is not) and the time,
# the tokens written and the time
PERF = ("prompt_ms", "prompt_evaluated", "generate_ms", "generated")
KV_TYPES = {"f16": llama_cpp.GGML_TYPE_F16, "q8_0": llama_cpp.GGML_TYPE_Q8_0}
# Turns that carry nothing but "yeah", "mm-hmm": left out of the prompt, which joins the
# speaker's turns around them (the checker still reads every word).
BACKCHANNEL = frozenset("yeah yes yep okay ok oh mm hmm mm-hmm uh-huh uh um right so alright and but".split())
FILLER = frozenset("um uh hmm mm".split())
QUOTE_CONTENT = 4  # content words a quote must hold to be worth saving
PERSONAL = "they|he|she|his|her|their|them"
PRONOUN = re.compile(rf"({PERSONAL})\b", re.I)  # a sentence that goes on about someone named before
REFERS_BACK = re.compile(rf"(this|these|that|those|it|its|{PERSONAL})\b", re.I)  # to the sentence before
# A sentence in a speaker's voice ("We're going to design a furry remote.") says neither who
# said it nor whether it was only proposed: the summary speaks of people in the third person
# ("I" as a word, not "i.e."; "us", not "the US"; words inside “quotes” are someone's)
FIRST_PERSON = re.compile(r"(\S*)\s*\bI('m|'d|'ll|'ve)?(?![\w.])|\b([Ww]e('re|'d|'ll|'ve)?|[Mm]e|[Mm]y|[Oo]urs?|us)\b")
QUOTED = re.compile(r"“[^”]*”")
TITLE_REACH = 30.0  # seconds around an idea's evidence where its title's words must have been said
# A sentence stopped at its length bound keeps what comes before its last comma when that reads
# as a sentence and what was cut could only add to it: this many words at least; not opening
# with a subordinate clause or a phrase ("If the budget allows,", "According to Ann,"); not
# left hanging on a word that needs what was cut ("a wheel and a,"); and not followed by a
# condition or a contrast ("Ann agreed to a screen, but only if" is not "Ann agreed to a screen.").
CLAUSE_WORDS = 6
OPENERS = frozenset("""if when whenever although though even while because unless since as after before whether
once according following despite given having based in on at to for with without by from of during""".split())
DANGLING = frozenset("a an the and or but of to that which who whom whose with for from in on at by as than".split())
QUALIFIERS = frozenset("but only unless if except although though provided yet not until when whenever".split())


def settings(cfg: Config, template: Template) -> dict:
    """What a summary depends on besides the transcript: its stage-cache key."""
    return {**cfg.summary.model_dump(mode="json"), "template": template.model_dump(), "version": VERSION,
            "path": str(cfg.models.paths.get(cfg.summary.model, ""))}


def _str(max_len: int, min_len: int = 0) -> dict:
    return {"type": "string", "maxLength": max_len, **({"minLength": min_len} if min_len else {})}


# a sentence as the schemas' patterns have it, between `least` and `most` characters after its capital
_ONE_SENTENCE = '[A-Z]([^:\\n"\\\\.!?]|[.][0-9]){{{least},{most}}}[.!?…]'


def _sentence(most: int, least: int = 20) -> dict:
    """One full sentence: a capital first, a full stop last and none between (but a number's
    decimal point), and no "Name: words" line (a small model copies the transcript's layout
    otherwise). Let past its first full stop, a small model asked for one sentence writes a
    second and runs into the length bound, which cuts it off: ES2011b's three bullets, 180
    characters each, all dropped. The bound makes the model end the sentence rather than be cut
    off mid-word. A "…" last is the decoder ending a loop."""
    return {"type": "string", "pattern": f"^{_ONE_SENTENCE.format(least=least, most=most)}$"}


def _sentences(count: int, most: int, least: int = 20) -> dict:
    """At most `count` such sentences: asked for five, the model went on to nine (ES2011d's
    overview "... The project manager also discussed the need to pay attention to food."), each
    written at the cost of the longest answer. maxLength is what the pattern allows in all."""
    one = _ONE_SENTENCE.format(least=least, most=most)
    return {"type": "string", "pattern": f"^{one}( {one}){{0,{count - 1}}}$",
            "maxLength": count * (most + 2) + count - 1}


def _list(item: dict, most: int) -> dict:
    return {"type": "array", "items": item, "maxItems": most}


@dataclass
class Shape:
    """How much of each part a recording can fill. The seeds' hour of talk has about five of
    each and a highlight every few minutes; a 30-second call has a sentence or two and a point
    or two, and no ideas."""

    overview: int
    bullets: int
    ideas: int
    quotes: int
    highlights: int
    items: int  # per template list
    one_call: bool

    @classmethod
    def of(cls, t: Transcript, parts: Iterable[str] = PARTS) -> "Shape":
        """`parts`: those of the optional parts that the template asks for; the others get none."""
        words = sum(len(s.words) for s in t.segments)
        minutes = words / 150  # of speech, at a common speaking pace
        asked = set(parts)
        return cls(overview=2 if minutes < 3 else 4 if minutes < 20 else 5,
                   bullets=min(5, 2 + int(minutes // 15)) if "at_a_glance" in asked else 0,
                   ideas=0 if minutes < 3 or "ideas" not in asked else min(5, 1 + int(minutes // 15)),
                   quotes=min(5, 1 + int(minutes // 12)) if "quotes" in asked else 0,
                   # one per five minutes
                   highlights=min(12, max(1, round(t.duration / 300))) if "highlights" in asked else 0,
                   items=min(4, 1 + int(minutes // 15)),
                   one_call=minutes < 8)

    def marks(self, duration: float) -> dict[str, float]:
        """Where each highlight's part of the recording starts, by the label the model reads and
        answers under: "Part 2" costs 7 tokens a highlight to write, a time ("00:04:51") 12."""
        return {f"Part {i + 1}": i * duration / self.highlights for i in range(self.highlights)}


@dataclass
class Question:
    """One part of what is asked: the answer's fields, and how they are explained."""

    name: str  # what it asks for, in the cost table (usage["phases"])
    properties: dict
    ask: str

    @property
    def max_tokens(self) -> int:
        return sum(_most_tokens(v) + 4 for v in self.properties.values())


def asked(prefix: str, questions: list[Question]) -> tuple[str, dict, int]:
    """(prompt, schema, max_tokens): the questions asked together after `prefix`, each answer's
    fields in one JSON object."""
    properties = {k: v for q in questions for k, v in q.properties.items()}
    return (prefix + "Answer with:\n" + "\n".join(q.ask for q in questions),
            {"type": "object", "properties": properties, "required": list(properties)},
            sum(q.max_tokens for q in questions) + 10)


def _longest(schema: dict) -> int | None:
    """The most characters a string schema allows: its maxLength, or its sentence's bound."""
    return schema.get("maxLength") or _sentence_bound(schema)


def _sentence_bound(schema: dict) -> int | None:
    """How long a sentence of a pattern's is when the grammar ended it."""
    if bound := re.search(r",(\d+)\}", schema.get("pattern", "")):
        return int(bound[1]) + 2  # the capital before the bounded run and the full stop after it
    return None


def _most_tokens(schema: dict) -> int:
    """The longest answer a schema allows, in tokens (about 3 characters each, and the JSON
    around them): the answer may never be cut off, which would leave invalid JSON."""
    if schema.get("type") == "string":
        return (_longest(schema) or 200) // 3 + 4
    if schema.get("type") == "array":
        return schema.get("maxItems", 1) * (_most_tokens(schema["items"]) + 2) + 2
    if schema.get("type") == "object":
        return sum(_most_tokens(v) + 4 for v in schema["properties"].values())
    return 4


class Summarizer:
    def __init__(self, gguf_path: Path, cfg: SummaryConfig, threads: int):
        self.cfg, self.gguf_path, self.threads = cfg, gguf_path, threads
        features, flags = native.this_machine()
        if lacking := native.missing(features, flags):
            raise OffrecordError(f"the installed llama.cpp uses instructions this CPU lacks ({', '.join(lacking)}): "
                                 "it was built on another machine; rebuild it with `bash scripts/setup.sh`")
        self.no_repacking = native.amx_kernels_would_run(features, flags)
        if self.no_repacking:
            log.warning("llama.cpp was built with AMX kernels, which crash on this CPU; loading without them "
                        "(rebuild with `bash scripts/setup.sh` for full speed)")
        # The weights load once, at the context the first transcript needs (`_fit`): loaded first
        # at the smallest context, a meeting's summary loaded them twice (1.6 s more on 2 cores).
        # A file that is no model fails here, before any work.
        self.vocabulary = native.Vocabulary(str(gguf_path))
        self.llm: llama_cpp.Llama | None = None
        self.decoder: Decoder | None = None
        self.loads = 0
        self.usage = _new_usage()

    def _load(self, n_ctx: int) -> None:
        kv = KV_TYPES[self.cfg.kv_cache]
        with native.llama_defaults({"use_extra_bufts": False} if self.no_repacking else {},
                                   {"n_seq_max": self.cfg.answers_at_once, "kv_unified": True}):
            # Flash attention only where a quantised cache needs it. With the f16 cache it reads a
            # prompt no faster on 2 cores (69.8 against 69.5 tokens/s at 6.5k tokens, 50.0 against
            # 51.2 at 13k) and writes slower, the more so beside other answers: a step of four took
            # 229 ms against 136 at 6.5k, 424 against 191 at 13k (scripts/bench_llama.py --steps).
            # Without it a batch's whole attention matrix is held: in batches of 256 tokens (read as
            # fast as 512: 70.2 against 69.5 tokens/s) llama.cpp's working memory is 424 MiB at a
            # 32k context and 216 at 16k, against flash attention's 303 with 512.
            # Read into memory, not mapped: llama.cpp repacks most weights for its CPU kernels, and a
            # mapped file stays resident beside the repacked copy (the 1.5B model: 2.2 GB against 1.6)
            self.llm = llama_cpp.Llama(model_path=str(self.gguf_path), n_ctx=n_ctx, n_threads=self.threads,
                                       n_threads_batch=self.threads, seed=self.cfg.seed, verbose=False,
                                       flash_attn=kv != llama_cpp.GGML_TYPE_F16, n_ubatch=256, type_k=kv,
                                       type_v=kv, use_mmap=False)
        self.decoder = Decoder(self.llm, self.cfg.temperature, self.cfg.seed)
        self.loads += 1

    def _fit(self, tokens: int, beside: int) -> None:
        """A context as large as this transcript needs, not the largest allowed: the cache's memory
        grows with it (0.9 GB at 32k tokens for the 1.5B model). The model is loaded again (1.6 s)
        only when a transcript needs more than the one before. `beside`: answers written beside
        the first, each with its question."""
        room = tokens + RESERVED_TOKENS + beside * ANSWER_ROOM
        need = min(self.cfg.n_ctx, -(-room // CONTEXT_STEP) * CONTEXT_STEP)
        if self.llm is None or need > self.llm.n_ctx():
            started = time.perf_counter()
            self._unload()
            try:
                self._load(need)
            except ValueError as e:  # the vocabulary read, the weights did not: a damaged or cut-off file
                raise OffrecordError(f"cannot load the summary model {self.gguf_path} ({e}); "
                                     "check it with `offrecord models verify`") from e
            self.usage["load_ms"] += (time.perf_counter() - started) * 1000

    def _unload(self) -> None:
        if self.llm is not None:
            self.decoder.close()
            self.llm.close()
            self.llm = self.decoder = None

    def close(self) -> None:
        self._unload()
        self.vocabulary.close()

    def complete(self, system: str, asks: list[tuple[str, dict, int]]) -> list[dict]:
        """The answers to (prompt, schema, max_tokens) asks about something other than one
        transcript (a question about passages of a library), each after `system`, written side by
        side with the model, context and decoding a summary has."""
        self.usage = _new_usage()
        self._fit(max(self._tokens(prompt) + max_tokens for prompt, _, max_tokens in asks), len(asks) - 1)
        return self._ask([(prompt, schema, max_tokens, "complete") for prompt, schema, max_tokens in asks], system)

    def _ask(self, asks: list[tuple[str, dict, int, str]], system: str = SYSTEM) -> list[dict]:
        """The answers to (prompt, schema, max_tokens, phase) asks, written side by side."""
        prompts = [self.decoder.prompt([{"role": "system", "content": system}, {"role": "user", "content": prompt}])
                   for prompt, *_ in asks]
        for tokens, (_, _, max_tokens, _) in zip(prompts, asks):
            if len(tokens) + max_tokens > self.llm.n_ctx():
                raise OffrecordError(f"summary prompt of {len(tokens)} tokens does not fit n_ctx={self.llm.n_ctx()}; "
                                     "lower summary.max_chunk_tokens or raise summary.n_ctx")
        replies = self.decoder.complete_all([Ask(tokens, schema, max_tokens)
                                             for tokens, (_, schema, max_tokens, _) in zip(prompts, asks)])
        answers = []
        for reply, (_, schema, _, phase) in zip(replies, asks):
            self.usage["prompt_tokens"] += reply.prompt_tokens
            self.usage["repeats_cut"] += reply.repeats_cut
            cost = self.usage["phases"].setdefault(phase, {"calls": 0, **{key: 0 for key in PERF}})
            for key in PERF:
                self.usage[key] += getattr(reply, key)
                cost[key] += getattr(reply, key)
            self.usage["calls"] += 1
            cost["calls"] += 1
            try:
                answers.append(_tidy(json.loads(reply.text), schema))
            except json.JSONDecodeError:
                answers.append({})
        return answers

    def _ask_all(self, prefix: str, questions: list[Question], one_call: bool, context: str = "",
                 phase: str = "") -> dict:
        """Each question after the same prefix (llama.cpp evaluates the prefix once), side by
        side, or all in one call."""
        groups = [questions] if one_call else [[q] for q in questions]
        asks = [(*asked(prefix + context, group), phase + "+".join(q.name for q in group)) for group in groups]
        answers: dict = {}
        for answer in self._ask(asks):
            answers.update(answer)
        return answers

    def _read(self, prefix: str, first: list[Question], moments: list[Question], rest: list[Question], one_call: bool,
              checker: Checker, phase: str = "") -> dict:
        """The `first` questions (the overview, a story of the whole recording told from the
        start, which is what a small model does best with a long transcript; then the points) and
        the `moments` (the quotes, the part-by-part highlights), written side by side; the other
        questions then come with those highlights the transcript supports as an outline, so that
        what they say covers the whole recording and not only its start (a small model's attention
        stays with the beginning). A short recording has no such problem, and asks everything in
        one call."""
        if one_call:
            return self._ask_all(prefix, [*first, *rest, *moments], True, phase=phase)
        answers = self._ask_all(prefix, [*first, *moments], False, phase=phase)
        outline = [f"[{label}] {text}" for label, text in (answers.get("highlights") or {}).items()
                   if isinstance(text, str) and not text.endswith("…") and checker.check(text).supported]
        context = ("What happens, part by part (the reader sees these already, each at its time: do not repeat "
                   "them, say what they add up to):\n" + "\n".join(outline) + "\n\n") if outline else ""
        answers.update(self._ask_all(prefix, rest, False, context, phase))
        return answers

    def _tokens(self, text: str) -> int:
        return self.vocabulary.count(text)

    def budget(self) -> int:
        return min(self.cfg.max_chunk_tokens, self.cfg.n_ctx - RESERVED_TOKENS)

    def chunks(self, t: Transcript) -> list[list[Turn]]:
        """Consecutive turns in as few chunks as the context allows, of even size."""
        turns = [s for s in t.segments if _said(s)]
        sizes = [self._tokens(_line(t, s)) for s in turns]
        budget = self.budget()
        total = sum(min(size, budget) for size in sizes)
        target = total / -(-total // budget) if total else budget
        chunks, current, used = [], [], 0
        for seg, size in zip(turns, sizes):
            if size > budget:  # one enormous turn: cut it by words rather than overflow
                if current:
                    chunks.append(current)
                    current, used = [], 0
                chunks.extend([[piece] for piece in _split_turn(seg, budget, size)])
                continue
            if current and (used + size > budget or used >= target):
                chunks.append(current)
                current, used = [], 0
            current.append(seg)
            used += size
        if current:
            chunks.append(current)
        return chunks

    def summarize(self, t: Transcript, template: Template, progress=None) -> Summary:
        self.usage = _new_usage()  # per recording, not per process
        if not any(_said(s) for s in t.segments):
            return Summary(title=f"{Path(t.source).stem}: no speech",
                           overview=[Claim("No speech was found in this recording.")],
                           at_a_glance=[], ideas=[], quotes=[], highlights=[], template=template.name)
        shape = Shape.of(t, template.parts)
        names = [s.name for s in t.speakers]
        marks = shape.marks(t.duration)
        text = _render(t, t.segments, marks)
        checker = Checker(t)
        tokens = self._tokens(text)
        # one call asks everything at once; otherwise questions are answered side by side
        self._fit(min(tokens, self.budget()), 0 if shape.one_call else self.cfg.answers_at_once - 1)
        if tokens <= self.budget():
            if progress:  # the bar shows from the start: one call on a long transcript takes minutes
                progress(0, 1)
            rest = [q for q in (_ideas(shape), _sections(template, shape, names)) if q]
            answers = self._read(_prefix(t, text, names), [q for q in (_headline(shape, names), _points(shape)) if q],
                                 _moments(shape, names, marks), rest, shape.one_call, checker)
            if progress:
                progress(1, 1)
        else:
            answers = self._in_parts(t, template, shape, names, checker, progress)
        summary = self._checked(answers, t, template, shape, checker)
        log.info("summary of %s: %d calls, %d prompt tokens (%d evaluated), %d generated, %d of %d claims kept",
                 Path(t.source).name, self.usage["calls"], self.usage["prompt_tokens"], self.usage["prompt_evaluated"],
                 self.usage["generated"], self.usage["claims_kept"], self.usage["claims_proposed"])
        return summary

    def _in_parts(self, t: Transcript, template: Template, shape: Shape, names: list[str], checker: Checker,
                  progress) -> dict:
        """A transcript longer than the context: each part is asked for its points, ideas,
        quotes, moments and section items; the title and overview are then written from the
        points that the transcript supports."""
        chunks = self.chunks(t)
        # each part is asked for points even where the template shows none: the overview is written from them
        part_shape = Shape(overview=0, bullets=max(2, -(-shape.bullets * 2 // len(chunks))),
                           ideas=shape.ideas and max(1, -(-shape.ideas * 2 // len(chunks))),
                           quotes=shape.quotes and max(1, -(-shape.quotes * 2 // len(chunks))),
                           highlights=shape.highlights, items=shape.items, one_call=False)
        answers: dict = {}
        all_marks = shape.marks(t.duration)
        if progress:
            progress(0, len(chunks) + 1)
        for i, chunk in enumerate(chunks):
            ends = chunks[i + 1][0].start if i + 1 < len(chunks) else t.duration
            marks = {label: m for label, m in all_marks.items() if (chunk[0].start if i else 0.0) <= m < ends}
            prefix = _prefix(t, _render(t, chunk, marks), names, f"Piece {i + 1} of {len(chunks)} of a transcript")
            rest = [q for q in (_points(part_shape), _ideas(part_shape), _sections(template, part_shape, names)) if q]
            part = self._read(prefix, [], _moments(part_shape, names, marks), rest, False, checker, "parts: ")
            if progress:
                progress(i + 1, len(chunks) + 1)
            for key, value in part.items():
                if isinstance(value, dict):  # highlights, by time mark
                    answers.setdefault(key, {}).update(value)
                else:
                    answers.setdefault(key, []).extend(value)
        points = [v.text for b in _strings(answers.get("at_a_glance"))
                  if not b.endswith("…") and (v := checker.check(b)).supported]
        notes = f"Points from a {clock(t.duration)} recording with {', '.join(names)}:\n" + \
            "\n".join(f"- {p}" for p in points) + "\n\n"
        answers.update(self._ask_all(notes, [_headline(shape, names)], True, phase="from the parts: "))
        if progress:
            progress(len(chunks) + 1, len(chunks) + 1)
        return answers

    def _checked(self, answers: dict, t: Transcript, template: Template, shape: Shape, checker: Checker) -> Summary:
        """Only what the transcript supports, each point once, no more than the recording fills."""
        names = [s.name for s in t.speakers]
        people = list(checker.people)  # the names a claim may use for a speaker, self-introduced ones too
        # the title too must say what was said; if not, it says only who spoke
        title = answers.get("title", "").strip().rstrip(".")
        if not title or not checker.check(title).supported:
            title = "A conversation with " + (", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0])
        kept: list[str] = []  # what later items must not repeat

        # a small model sometimes slips into another script (Chinese, for Qwen) mid-sentence
        scripts = {_script(c) for s in t.segments for c in s.text if c.isalpha()}

        gist = ""  # the one-line "about": items go into what it sums up, in its words

        # The overview names who: the one line or a highlight that an overview sentence says again,
        # naming more of the people ("A discussion of the remote's menus." after "Ann and Bob
        # discuss the remote's menus."), gives way to that sentence; on the same people, the
        # earlier item stays.
        may_give_way: set[str] = set()
        gave_way: set[str] = set()

        def repeated(text: str) -> bool:
            # an item may say more than the title or the gist, not just what another item said;
            # a headline seldom names anyone, and a sentence that says who is not its repeat
            who = set(checker.mentioned(text))
            if near_duplicate(text, title, people) and not who - set(checker.mentioned(title)):
                return True
            giving_way = set()  # only if the item stays: what it repeats may also be another item it must not
            for k in kept:
                if k not in gave_way and (near_duplicate(text, k, people) or
                                          (k != gist and nothing_new(text, k, people))):
                    if k not in may_give_way or not set(checker.mentioned(k)) < who:
                        return True
                    giving_way.add(k)
            gave_way.update(giving_way)
            return False

        def check(text: str, owner: str | None = None, within: tuple[float, float] | None = None,
                  decided: bool = False) -> Verdict | None:
            text = text.strip()
            if not text or _placeholder(normalise(text)) or text.endswith("…") or \
                    any(c.isalpha() and _script(c) not in scripts for c in text):
                return None  # nothing, a sentence cut off at its length limit, or another language
            self.usage["claims_proposed"] += 1
            if _first_person(text):
                log.debug("dropped a claim in a speaker's voice: %r", text)
                return None
            v = checker.check(text, owner, within, decided)
            if not v.supported:
                log.debug("dropped a claim the transcript does not support: %r", text)  # debug: it may hold what was said
                return None
            if repeated(v.text):
                self.usage["duplicates_dropped"] += 1
                return None
            kept.append(v.text)
            self.usage["claims_kept"] += 1
            self.usage["names_corrected"] += v.corrected
            return v

        about = check(answers.get("about", ""))
        gist = about.text if about else ""
        # a highlight says what happens in its part of the recording, and is stamped where it does;
        # highlights come before the prose, which may only restate them (they were its outline)
        part = t.duration / max(1, shape.highlights)
        proposed = answers.get("highlights") or {}
        highlights = []
        for label, start in shape.marks(t.duration).items():
            if isinstance(text := proposed.get(label), str) and \
                    (v := check(text, within=(start - part / 2, start + part * 1.5))):
                highlights.append(Highlight(v.moment, v.text, pointers([v])))
        spaced = _spaced(highlights, shape.highlights, t.duration)
        crowded = {h.text for h in highlights} - {h.text for h in spaced}
        kept[:] = [k for k in kept if k not in crowded]  # left out for spacing, so the prose may say it
        self.usage["claims_kept"] -= len(crowded)
        highlights = spaced
        may_give_way.update({gist} | {h.text for h in highlights})
        # checked only up to the count shown: a sentence left out must not make others repeats
        overview = list(islice((Claim(v.text, pointers([v])) for x in sentences(_string(answers.get("overview")))
                                if (v := check(x))), shape.overview))
        may_give_way.clear()
        kept[:] = [k for k in kept if k not in gave_way]
        self.usage["duplicates_dropped"] += len(gave_way)
        self.usage["claims_kept"] -= len(gave_way)
        if gist in gave_way:
            about, gist = None, ""
        highlights = [h for h in highlights if h.text not in gave_way]
        bullets = list(islice((Claim(v.text, pointers([v])) for b in _strings(answers.get("at_a_glance"))
                               if (v := check(b))), shape.bullets))
        ideas = []
        for idea in answers.get("ideas", []):
            if len(ideas) < shape.ideas and (made := self._idea(idea, check, repeated, checker)):
                ideas.append(made)
                # read whole, as a reader reads it: "Design of the Remote Control. UI discusses the
                # design of the remote control." adds nothing to an idea that said all of it
                kept.append(f"{made.title}. {made.text}")
        spoken = f" {' '.join(w for s in t.segments for w in normalise(s.text))} "
        sections = [self._section(sec, answers.get(sec.name), check, spoken) for sec in template.sections]
        return Summary(title=title, about=Claim(about.text, pointers([about])) if about else None,
                       overview=overview, at_a_glance=bullets, ideas=ideas,
                       quotes=self._grounded_quotes(answers.get("quotes", []), t)[:shape.quotes],
                       highlights=highlights, template=template.name, sections=sections)

    @staticmethod
    def _idea(idea: dict, check, repeated, checker: Checker) -> Idea | None:
        """An idea keeps its supported sentences; its title must sum them up in their words, or
        be said where they were: a title supported somewhere else in the recording ("Locator
        design" over "People would be encouraged to buy three.") is about something else."""
        title = idea.get("title", "").strip().rstrip(".")
        parts, said, subject = sentences(idea.get("text", "")), [], ""
        for part in parts:
            # "Ann wants a screen. She also wants ..." puts the second sentence to Ann as well: it
            # holds only if it holds after the last sentence that names someone
            v = checker.check(f"{subject} {part}" if subject and PRONOUN.match(part) else part)
            if v.supported:
                said.append((part, v))
            if checker.mentioned(part):
                subject = part
        if not title or not said:
            return None
        near = (min(e.start for _, v in said for e in v.evidence) - TITLE_REACH,
                max(e.end for _, v in said for e in v.evidence) + TITLE_REACH)
        if not set(normalise(title)) <= {w for part, _ in said for w in normalise(part)} and \
                not checker.check(title, within=near).supported:
            return None
        # read whole, as a reader reads it, the idea must hold too: after "Project Manager set the
        # price.", "The team agreed on a furry remote." reads as the Project Manager's agreement
        while said and not _holds(checker.check(f"{title}. {' '.join(v.text for _, v in said)}")):
            said.pop()
        # only now through `check`, which counts and remembers what is kept; read with its title, a
        # sentence may repeat what is kept ("Remote control design. The designer showed the
        # design." after "The designer shows the remote control design.")
        verdicts, shown = [], {part for part, _ in said}
        before = True  # the sentence before this one is shown
        for part in parts:
            # "This information will be used to design the remote." means nothing once the
            # sentence it points back to is gone (ES2011b, whose first sentence was a repeat)
            before = part in shown and (before or not REFERS_BACK.match(part)) and \
                not repeated(f"{title}. {part}") and bool(v := check(part))
            if before:
                verdicts.append(v)
        if not verdicts:
            return None
        return Idea(title=title, text=" ".join(v.text for v in verdicts),
                    evidence=pointers(verdicts))

    @staticmethod
    def _section(sec: Section, value, check, spoken: str) -> dict:
        out = {"name": sec.name, "title": sec.title, "kind": sec.kind}
        if sec.kind == "text":
            verdicts = [v for s in sentences(value if isinstance(value, str) else "") if (v := check(s, decided=sec.decided))]
            return {**out, "value": " ".join(v.text for v in verdicts),
                    "evidence": pointers(verdicts)}
        items = []
        for item in value or []:
            if sec.kind == "list":
                if v := check(item, decided=sec.decided):
                    items.append({"text": v.text, "evidence": pointers([v])})
                continue
            # the owner is a speaker or nobody (the schema's enum) and must be behind the task's
            # words or named in them; a due date is shown only if those words were said
            owner = None if item.get("owner") == "unassigned" else item.get("owner")
            if v := check(item.get("task", ""), owner):
                due = " ".join(normalise(item.get("due", "")))
                items.append({"owner": owner or "unassigned", "task": v.text,
                              "due": item["due"].strip() if due and f" {due} " in spoken else "", "evidence": pointers([v])})
        return {**out, "value": items}

    def _grounded_quotes(self, proposals: list[dict], t: Transcript) -> list[Quote]:
        quotes: list[Quote] = []
        for p in proposals:
            q = ground_quote(p.get("text", ""), t, p.get("speaker"))
            if q is None:
                # debug only: the quote is transcript text, which default logs never show
                log.debug("dropped a proposed quote with no matching passage: %r", p.get("text", ""))
                continue
            if any(q.start < other.end and other.start < q.end for other in quotes):
                continue  # the same passage proposed twice
            if len(content_stems(q.text)) < QUOTE_CONTENT:
                continue  # "I'll just put the cable in": words, but nothing worth saving
            quotes.append(q)
        self.usage["quotes_proposed"] += len(proposals)
        self.usage["quotes_kept"] += len(quotes)
        return sorted(quotes, key=lambda q: q.start)


def _headline(shape: Shape, names: list[str]) -> Question:
    # the overview is one paragraph: asked as a list, a small model writes disconnected points
    properties = {"title": _str(70), "about": _sentence(150), "overview": _sentences(shape.overview, 160)}
    return Question("headline", properties,
                    "- title: a short title naming the subject of this conversation\n"
                    "- about: one line, what it is really about\n"
                    f"- overview: the whole conversation in one paragraph of {shape.overview} sentences (about "
                    f"{shape.overview * 30} words), from start to end, naming who said what")


def _points(shape: Shape) -> Question | None:
    if not shape.bullets:
        return None
    return Question("points", {"at_a_glance": _list(_sentence(180, 30), shape.bullets)},
                    f"- at_a_glance: the {shape.bullets} most important points, each one full sentence")


def _ideas(shape: Shape) -> Question | None:
    if not shape.ideas:
        return None
    return Question("ideas", {"ideas": _list({"type": "object", "properties": {"title": _str(50), "text": _sentences(2, 160)},
                                     "required": ["title", "text"]}, shape.ideas)},
                    f"- ideas: up to {shape.ideas} ideas worth remembering, each a short title and two sentences: "
                    "the idea as it was put in the conversation, and why it matters")


def _moments(shape: Shape, names: list[str], marks: dict[str, float]) -> list[Question]:
    """The quotes, and a highlight for each part: two questions, so that each is written beside
    the others rather than after them (the longest answer sets how long the others wait)."""
    # 200 characters: cut off at 100, the model proposed the quote it had been copying again (on
    # ES2011c 1 quote kept instead of 3); grounding takes the quote to its sentence's end anyway
    quote = {"type": "object", "properties": {"speaker": {"type": "string", "enum": names}, "text": _str(200)},
             "required": ["speaker", "text"]}
    questions = [Question("quotes", {"quotes": _list(quote, shape.quotes)},
                          f"- quotes: the {shape.quotes} sentences most worth keeping (an opinion, a proposal, a decision, "
                          "a striking remark; not greetings or introductions), from the whole conversation, copied word "
                          "for word, with who said each")] if shape.quotes else []
    if marks:
        questions.append(Question("highlights", {"highlights": {
            "type": "object", "properties": {label: _sentence(130, 25) for label in marks},
            # the later parts may be left out, so that the decoder can end the highlights where they loop
            "required": list(marks)[:max(1, len(marks) // 2)]}},
            f"- highlights: for each part of the transcript ({', '.join(f'[{label}]' for label in marks)}), one full "
            "sentence with the main thing said or concluded in that part"))
    return questions


def _sections(template: Template, shape: Shape, names: list[str]) -> Question | None:
    if not template.sections:
        return None
    properties, asks = {}, []
    for sec in template.sections:
        if sec.kind == "text":
            properties[sec.name] = _sentences(3, 160)
            asks.append(f"- {sec.name}: {sec.instruction}")
        elif sec.kind == "list":
            properties[sec.name] = _list(_sentence(180, 10), shape.items)
            asks.append(f"- {sec.name}: up to {shape.items} items, {sec.instruction}, one full sentence each; "
                        "none if there are none")
        else:
            properties[sec.name] = _list({"type": "object", "properties": {
                "owner": {"type": "string", "enum": names + ["unassigned"]}, "task": _sentence(160, 10), "due": _str(40)},
                "required": ["owner", "task", "due"]}, shape.items)
            asks.append(f"- {sec.name}: up to {shape.items} items, {sec.instruction}: work someone is to do after "
                        "this conversation, such as looking into, researching, preparing or sending something; the "
                        "owner is the person who will do it, who may be addressed by name or role rather than be "
                        "the one speaking; a due date only if one was said; none if nobody took on work")
    return Question("sections", properties, "\n".join(asks))


def _prefix(t: Transcript, text: str, names: list[str], what: str = "Transcript") -> str:
    return f"{what} of a {clock(t.duration)} recording with {', '.join(names)}:\n\n{text}\n\n"


def _said(turn: Turn) -> bool:
    """Does the turn carry more than a backchannel ("yeah", "mm-hmm")?"""
    return any(w not in BACKCHANNEL for w in normalise(turn.text))


def _render(t: Transcript, turns: list[Turn], marks: dict[str, float]) -> str:
    """The transcript as the model reads it: a line per speaker's stretch; backchannels and
    fillers left out (they cost tokens and say nothing); words the recogniser barely heard shown
    as "…" (a summary built on them would be dropped by the checker anyway), except the
    speakers' names; no times but a mark where each highlight's part starts (the evidence
    brings the times)."""
    names = {w for s in t.speakers for w in normalise(s.name)}
    lines: list[tuple[str | None, list[str]]] = []
    pending = sorted(marks.items(), key=lambda mark: mark[1])
    for turn in turns:
        if not _said(turn):
            continue
        while pending and pending[0][1] <= turn.start:
            lines.append((None, [f"[{pending.pop(0)[0]}]"]))
        words: list[str] = []
        for w, clear in zip(turn.words, heard(turn)):
            tokens = set(normalise(w.word))
            if tokens & FILLER:
                continue
            if clear or tokens & names:
                words.append(w.word)
            elif not words or words[-1] != "…":
                words.append("…")
        if lines and lines[-1][0] == turn.speaker:
            lines[-1][1].extend(words)
        else:
            lines.append((turn.speaker, words))
    return "\n".join(f"{t.speaker_name(speaker)}: {' '.join(words)}" if speaker else words[0] for speaker, words in lines)


def _line(t: Transcript, seg: Turn) -> str:
    return f"{t.speaker_name(seg.speaker)}: {seg.text}"


def _split_turn(seg: Turn, budget: int, size: int) -> list[Turn]:
    pieces = max(2, -(-size * 2 // budget))
    step = -(-len(seg.words) // pieces)
    out = []
    for i in range(0, len(seg.words), step):
        words = seg.words[i:i + step]
        out.append(Turn(start=words[0].start, end=words[-1].end, speaker=seg.speaker,
                        text=" ".join(w.word for w in words), words=words))
    return out


def _script(letter: str) -> str:
    """The writing system of a letter, as Unicode names it: LATIN, CJK, CYRILLIC..."""
    return unicodedata.name(letter, "?").split()[0]


def _spaced(highlights: list[Highlight], most: int, duration: float) -> list[Highlight]:
    """Highlights in time order, no two closer than half their even spacing, at most `most`."""
    gap = duration / (2 * most) if most else 0.0
    out: list[Highlight] = []
    for h in sorted(highlights, key=lambda h: h.start):
        if len(out) < most and (not out or h.start - out[-1].start >= gap):
            out.append(h)
    return out


def _string(value) -> str:
    return value if isinstance(value, str) else ""


def _strings(value) -> list[str]:
    return [v for v in value or [] if isinstance(v, str)]


def _tidy(value, schema: dict):
    """A string that reached its schema's bound was stopped by the grammar, often mid-word (a
    sentence pattern makes it end with a full stop there: "a fun and easyTo."). A maxLength
    string is cut back to its last whole sentence, or its last whole word. A sentence that was
    cut off keeps the clause before its last comma where that reads as a sentence
    (`_clause_before_cut`), else it ends in "…", which the checks read as unfinished and drop."""
    if isinstance(value, dict):
        return {k: _tidy(v, schema.get("properties", {}).get(k, {})) for k, v in value.items()}
    if isinstance(value, list):
        return [_tidy(v, schema.get("items", {})) for v in value]
    if isinstance(value, str) and (bound := _sentence_bound(schema)):
        # a sentence stopped at its bound, not one the decoder ended in a loop
        return " ".join(_clause_before_cut(x[:-1]) if len(x) >= bound and not x.endswith("…") else x
                        for x in sentences(value))
    longest = _longest(schema)
    if not isinstance(value, str) or longest is None or len(value) < longest:
        return value
    sentence_end = max(value.rfind(mark) for mark in ".!?")
    if sentence_end >= len(value) // 2:
        return value[:sentence_end + 1]
    return value[:value.rfind(" ")].rstrip(" ,;:") + "…" if " " in value else value


def _clause_before_cut(sentence: str) -> str:
    """A sentence cut off at its bound, back to its last comma where what stands before it
    reads as a sentence ("Ann recommends rubber for the case, since titanium is too hea" -> "Ann
    recommends rubber for the case."): the checker then reads what was said, not a fragment;
    otherwise it ends in "…" (cut off)."""
    body = sentence.rstrip().removesuffix(",")  # a comma at the cut itself ends no clause
    cut = body.rfind(",")
    head, tail = body[:cut].rstrip(), body[cut + 1:].lower().split()
    words = head.lower().split()
    if cut > 0 and tail and tail[0] not in QUALIFIERS and len(words) >= CLAUSE_WORDS and \
            words[0] not in OPENERS and words[-1] not in DANGLING:
        return head if head.endswith((".", "!", "?")) else head + "."
    return sentence + "…"


def _holds(v: Verdict) -> bool:
    """Supported as written: no name to correct, nobody named who did not say it."""
    return v.supported and not v.corrected and not v.wrong_names


def _first_person(text: str) -> bool:
    """Is a claim written in a speaker's voice? An "I" after a capitalised word is a numeral
    ("Part I", "World War I")."""
    return any(not (m[1] and m[1][0].isupper()) for m in FIRST_PERSON.finditer(QUOTED.sub("", text).replace("’", "'")))


def _placeholder(words: list[str]) -> bool:
    """'None specified', 'N/A', 'No decisions were made': a small model's way to say there is nothing."""
    return not words or (words[0] in ("none", "n", "na", "nothing") and len(words) <= 4) or \
        (words[0] == "no" and len(words) <= 7)


def _new_usage() -> dict:
    return {"phases": {}, "prompt_tokens": 0, "prompt_ms": 0.0, "prompt_evaluated": 0,
            "generate_ms": 0.0, "generated": 0, "calls": 0, "quotes_proposed": 0, "quotes_kept": 0,
            "claims_proposed": 0, "claims_kept": 0, "duplicates_dropped": 0, "names_corrected": 0,
            "repeats_cut": 0, "load_ms": 0.0}
