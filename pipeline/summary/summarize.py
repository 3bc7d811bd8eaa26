"""The summary: the local LLM proposes, the code checks every sentence.

The model session (loading the model once, at the context a recording needs; asking; counting
what each call cost) and the questions, in order. A short recording is read whole and asked
everything in one call. A longer one is asked window by window (windows.py): a small model does
far better over a few minutes of talk than over a whole meeting; the title, the one line and the
overview are then written from the windows' checked notes. Quotes are chosen from the code's
candidates (quotes.py). Every answer is a proposal: review.py keeps only what the transcript
supports, each point once, no more than the recording fills (`Shape`).

Every call uses a JSON schema with a bound on each string's length (schemas.py): without one a
small model can run to max_tokens and leave invalid JSON; decoding.py enforces it at little cost.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import llama_cpp

from ..config import Config, SummaryConfig
from ..data import Claim, Quote, Summary, Transcript
from ..errors import OffrecordError
from ..text import clock
from . import native
from .decoding import Ask, Decoder
from .grounding import ground_quote
from .reading import render, said
from .review import review
from .schemas import Question, asked, listing, sentence, sentences_of, string, texts_of, tidy
from .shape import Shape
from .templates import Template
from .verify import Checker, content_stems
from .windows import POINTS, instructions, question, split, spread

# How to write is said once, before the transcript, where it is part of the prefix every question
# shares: after each question it cost 70 tokens a question to read again.
SYSTEM = ("You summarise recorded conversations faithfully. Use only what the transcript says. Answer in JSON. "
          "Write full sentences in the third person, in plain words taken from the transcript where you can, and "
          "name people as the transcript does (\"Ann wants a rubber case.\", not \"Ann: rubber case\" or \"We want "
          "a rubber case.\"). Say each point once. Leave a list short or empty rather than add anything that was not "
          "said.")
log = logging.getLogger("offrecord.summary")
VERSION = 18  # of how a summary is made (and checked): part of its cache key, so an older summary is made again
RESERVED_TOKENS = 2500  # the instructions and the longest answer, besides the transcript
ANSWER_ROOM = 1200  # a further question and its answer, written beside the first
CONTEXT_STEP = 4096  # the context grows in steps of this many tokens, as transcripts need
# what a call cost: the prompt's tokens actually evaluated (a cached prefix is not) and the time,
# the tokens written and the time
PERF = ("prompt_ms", "prompt_evaluated", "generate_ms", "generated")
KV_TYPES = {"f16": llama_cpp.GGML_TYPE_F16, "q8_0": llama_cpp.GGML_TYPE_Q8_0}
QUOTE_CONTENT = 4  # content words a quote must hold to be worth saving


def settings(cfg: Config, template: Template) -> dict:
    """What a summary depends on besides the transcript: its stage-cache key."""
    # a template's description is for the people who choose it: it changes no summary
    return {**cfg.summary.model_dump(mode="json"), "template": template.model_dump(exclude={"description"}),
            "version": VERSION,
            "path": str(cfg.models.paths.get(cfg.summary.model, ""))}


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

    def _fit(self, room: int) -> None:
        """A context of `room` tokens (what the prompts and answers written side by side take), not
        the largest allowed: the cache's memory grows with it (0.9 GB at 32k tokens for the 1.5B
        model). The model is loaded again (1.6 s) only when a recording needs more than the one
        before."""
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
        self._fit(max(self._tokens(prompt) + max_tokens for prompt, _, max_tokens in asks) + RESERVED_TOKENS
                  + (len(asks) - 1) * ANSWER_ROOM)
        return self._ask([(prompt, schema, max_tokens, "complete") for prompt, schema, max_tokens in asks], system)

    def _ask(self, asks: list[tuple[str, dict, int, str]], system: str = SYSTEM) -> list[dict]:
        """The answers to (prompt, schema, max_tokens, phase) asks, written side by side."""
        prompts = [self.decoder.prompt([{"role": "system", "content": system}, {"role": "user", "content": prompt}])
                   for prompt, *_ in asks]
        for tokens, (_, _, max_tokens, _) in zip(prompts, asks):
            if len(tokens) + max_tokens > self.llm.n_ctx():
                raise OffrecordError(f"summary prompt of {len(tokens)} tokens does not fit n_ctx={self.llm.n_ctx()}; "
                                     "lower summary.window_tokens or raise summary.n_ctx")
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
                answers.append(tidy(json.loads(reply.text), schema))
            except json.JSONDecodeError:
                answers.append({})
        return answers

    def _ask_all(self, prefix: str, questions: list[Question], phase: str = "") -> dict:
        """The questions asked together, in one call after `prefix`."""
        return self._ask([(*asked(prefix, questions), phase + "+".join(q.name for q in questions))])[0]

    def _tokens(self, text: str) -> int:
        return self.vocabulary.count(text)

    def summarize(self, t: Transcript, template: Template, progress=None) -> Summary:
        self.usage = _new_usage()  # per recording, not per process
        if not any(said(s) for s in t.segments):
            return Summary(title=f"{Path(t.source).stem}: no speech",
                           overview=[Claim("No speech was found in this recording.")],
                           at_a_glance=[], ideas=[], quotes=[], highlights=[], template=template.name)
        shape = Shape.of(t, template.parts)
        checker = Checker(t)
        if progress:  # the bar shows from the start: a long recording's summary takes minutes
            progress(0, 1)
        if shape.one_call:
            answers, spans, quotes = self._at_once(t, template, shape)
        else:
            answers, spans, quotes = self._by_windows(t, template, shape, checker, progress)
        if progress:
            progress(1, 1)
        summary = review(answers, t, template, shape, checker, spans, quotes, self.usage, prose_first=not shape.one_call)
        log.info("summary of %s: %d calls, %d prompt tokens (%d evaluated), %d generated, %d of %d claims kept",
                 Path(t.source).name, self.usage["calls"], self.usage["prompt_tokens"], self.usage["prompt_evaluated"],
                 self.usage["generated"], self.usage["claims_kept"], self.usage["claims_proposed"])
        return summary

    def _at_once(self, t: Transcript, template: Template, shape: Shape) -> tuple[dict, dict, list[Quote]]:
        """A short recording: the whole transcript, and every part asked for in one call."""
        names = [s.name for s in t.speakers]
        marks = shape.marks(t.duration)
        text = render(t, t.segments, marks)
        self._fit(self._tokens(text) + RESERVED_TOKENS)
        questions = [q for q in (_headline(shape, names), _points(shape), _ideas(shape),
                                 _sections(template, shape, names)) if q]
        answers = self._ask_all(_prefix(t, text, names), [*questions, *_moments(shape, names, marks)])
        return answers, shape.spans(t.duration), self._grounded_quotes(answers.get("quotes", []), t)

    def _by_windows(self, t: Transcript, template: Template, shape: Shape, checker: Checker,
                    progress) -> tuple[dict, dict, list[Quote]]:
        """Each window of the recording asked what happened in it, side by side; the title, the
        one line and the overview then written from the windows' checked notes (windows.py)."""
        ws = split(t, self._tokens, self.cfg.window_tokens)
        shape.highlights = len(ws) if shape.highlights else 0
        system = SYSTEM + "\n\n" + instructions(template, bool(shape.ideas), bool(shape.quotes))
        # an idea is asked of twice as many windows as are shown, spread over the recording
        with_idea = set(spread(len(ws), 2 * shape.ideas)[:2 * shape.ideas])
        asks = [(*question(w, i, len(ws), t, template, i in with_idea, bool(shape.quotes)), "windows")
                for i, w in enumerate(ws)]
        # One window at a time, not side by side: in one cache, each sequence's reading and
        # writing attends over the others' cells too. Four of ES2009b's windows side by side
        # were read at 43-66 tokens/s (85 s) against 70-73 for a window alone, and written at
        # about 14 tokens/s in all, no faster than one answer alone (docs/summary.md).
        self._fit(max(self._tokens(system + prompt) + most for prompt, _, most, _ in asks) + RESERVED_TOKENS)
        replies: list[dict] = []
        for ask in asks:
            replies += self._ask([ask], system)
            if progress:
                progress(len(replies), len(asks) + 1)
        labels = [f"Part {i + 1}" for i in range(len(ws))]
        spans = {label: (w.start, w.end) for label, w in zip(labels, ws)}
        # a window's highlight is the first of its points that holds and the overview does not say;
        # the others may be points at a glance, taken in turn the first of every window, then the
        # second: as many as are kept cover the whole recording (one already shown is a repeat)
        answers: dict = {"highlights": {label: texts_of(r.get("points")) for label, r in zip(labels, replies)}}
        answers["at_a_glance"] = [p for rank in range(POINTS) for r in replies
                                  if rank < len(points := texts_of(r.get("points"))) and (p := points[rank])]
        # the overview: the windows' first points, spread over the recording, chosen by code (asked
        # to write it from the notes, the model copied one note a sentence)
        answers["overview"] = [p for rank in range(POINTS) for i in spread(len(ws), shape.overview)
                               if rank < len(points := texts_of(replies[i].get("points"))) and (p := points[rank])]
        for sec in template.sections:
            answers[sec.name] = [item for r in replies for item in r.get(sec.name) or []]
        answers["ideas"] = [replies[i]["idea"] for i in spread(len(ws), 2 * shape.ideas) if replies[i].get("idea")]
        chosen = []
        for w, r in zip(ws, replies):
            if w.quotes and shape.quotes:
                pick = int(r["quote"]) - 1 if str(r.get("quote", "")).isdigit() else 0
                chosen.append(w.quotes[pick if 0 <= pick < len(w.quotes) else 0].quote)
        quotes = sorted((chosen[i] for i in spread(len(chosen), shape.quotes)[:shape.quotes]), key=lambda q: q.start)
        self.usage["quotes_proposed"] += len(chosen)
        self.usage["quotes_kept"] += len(quotes)
        # a window none of whose points holds is still marked: by its best sentence not shown as a quote
        answers["lines"] = {label: line.quote for label, w in zip(labels, ws)
                            if (line := next((c for c in w.quotes if c.quote not in quotes), None))}
        notes = []
        for w, label, r in zip(ws, labels, replies):
            said_here = [x for x in texts_of(r.get("points"))
                         if x and not x.endswith("…") and checker.check(x, within=spans[label]).supported]
            if said_here:
                notes.append(f"[{clock(w.start)}] " + " ".join(said_here))
        names = [s.name for s in t.speakers]
        prefix = (f"Notes on a {clock(t.duration)} recording with {', '.join(names)}, part by part:\n"
                  + "\n".join(notes) + "\n\n")
        texts = template.model_copy(update={"sections": [sec for sec in template.sections if sec.kind == "text"]})
        questions = [q for q in (_headline(shape, names, overview=False), _sections(texts, shape, names)) if q]
        answers.update(self._ask_all(prefix, questions, "from the windows: "))
        return answers, spans, quotes

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


def _headline(shape: Shape, names: list[str], overview: bool = True) -> Question:
    """The title, the one line and (but by windows, where code chooses it) the overview."""
    properties = {"title": string(70), "about": sentence(150)}
    ask = "- title: a short title naming the subject of this conversation\n- about: one line, what it is really about"
    if overview:
        # the overview is one paragraph: asked as a list, a small model writes disconnected points
        properties["overview"] = sentences_of(shape.overview, 160)
        ask += (f"\n- overview: the whole conversation in one paragraph of {shape.overview} sentences (about "
                f"{shape.overview * 30} words), from start to end, naming who said what")
    return Question("headline", properties, ask)


def _points(shape: Shape) -> Question | None:
    if not shape.bullets:
        return None
    return Question("points", {"at_a_glance": listing(sentence(180, 30), shape.bullets)},
                    f"- at_a_glance: the {shape.bullets} most important points, each one full sentence")


def _ideas(shape: Shape) -> Question | None:
    if not shape.ideas:
        return None
    idea = {"type": "object", "properties": {"title": string(50), "text": sentences_of(2, 160)},
            "required": ["title", "text"]}
    return Question("ideas", {"ideas": listing(idea, shape.ideas)},
                    f"- ideas: up to {shape.ideas} ideas worth remembering, each a short title and two sentences: "
                    "the idea as it was put in the conversation, and why it matters")


def _moments(shape: Shape, names: list[str], marks: dict[str, float]) -> list[Question]:
    """The quotes, and a highlight for each part: two questions, so that each is written beside
    the others rather than after them (the longest answer sets how long the others wait)."""
    # 200 characters: cut off at 100, the model proposed the quote it had been copying again (on
    # ES2011c 1 quote kept instead of 3); grounding takes the quote to its sentence's end anyway
    quote = {"type": "object", "properties": {"speaker": {"type": "string", "enum": names}, "text": string(200)},
             "required": ["speaker", "text"]}
    questions = [Question("quotes", {"quotes": listing(quote, shape.quotes)},
                          f"- quotes: the {shape.quotes} sentences most worth keeping (an opinion, a proposal, a decision, "
                          "a striking remark; not greetings or introductions), from the whole conversation, copied word "
                          "for word, with who said each")] if shape.quotes else []
    if marks:
        questions.append(Question("highlights", {"highlights": {
            "type": "object", "properties": {label: sentence(130, 25) for label in marks},
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
            properties[sec.name] = sentences_of(3, 160)
            asks.append(f"- {sec.name}: {sec.instruction}")
        elif sec.kind == "list":
            properties[sec.name] = listing(sentence(180, 10), shape.items)
            asks.append(f"- {sec.name}: up to {shape.items} items, {sec.instruction}, one full sentence each; "
                        "none if there are none")
        else:
            properties[sec.name] = listing({"type": "object", "properties": {
                "owner": {"type": "string", "enum": names + ["unassigned"]}, "task": sentence(160, 10), "due": string(40)},
                "required": ["owner", "task", "due"]}, shape.items)
            asks.append(f"- {sec.name}: up to {shape.items} items, {sec.instruction}: work someone is to do after "
                        "this conversation, such as looking into, researching, preparing or sending something; the "
                        "owner is the person who will do it, who may be addressed by name or role rather than be "
                        "the one speaking; a due date only if one was said; none if nobody took on work")
    return Question("sections", properties, "\n".join(asks))


def _prefix(t: Transcript, text: str, names: list[str], what: str = "Transcript") -> str:
    return f"{what} of a {clock(t.duration)} recording with {', '.join(names)}:\n\n{text}\n\n"


def _new_usage() -> dict:
    return {"phases": {}, "prompt_tokens": 0, "prompt_ms": 0.0, "prompt_evaluated": 0,
            "generate_ms": 0.0, "generated": 0, "calls": 0, "quotes_proposed": 0, "quotes_kept": 0,
            "claims_proposed": 0, "claims_kept": 0, "duplicates_dropped": 0, "names_corrected": 0,
            "repeats_cut": 0, "load_ms": 0.0, "verdicts": []}
