"""The summary: the local LLM proposes, the code grounds.

Map: the transcript is cut into chunks that fit the model's context; for each chunk the model
writes a one-line chapter title, a few notes and up to two quote proposals. Reduce: from all the
notes, the model writes the title, overview, at-a-glance bullets and ideas. Quotes are then
matched to the transcript (grounding.py) and highlights are stamped with their chunk's first
word, so every quote and time shown comes from the transcript itself.

Every call uses a small JSON schema with a maxLength on each string: without one a small model
can run to max_tokens and leave invalid JSON (see the notes).
"""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path

import llama_cpp

from ..config import Config, SummaryConfig
from ..data import Highlight, Idea, Quote, Summary, Transcript, Turn
from ..errors import OffrecordError
from ..text import clock, normalise
from . import native
from .grounding import ground_quote
from .templates import Template

SYSTEM = ("You summarise recorded conversations faithfully. Use only what the transcript says. "
          "Refer to people by the names given in the transcript. Answer in JSON.")
log = logging.getLogger("offrecord.summary")
RESERVED_TOKENS = 1400  # instructions and the longest map answer, besides the transcript chunk
REDUCE_RESERVED_TOKENS = 1200  # the reduce call's instructions and answer, besides the notes
MAX_LIST_ITEMS = 8


def settings(cfg: Config, template: Template) -> dict:
    """What a summary depends on besides the transcript: its stage-cache key."""
    return {**cfg.summary.model_dump(mode="json"), "template": template.model_dump(),
            "path": str(cfg.models.paths.get(cfg.summary.model, ""))}


def _str(max_len: int, min_len: int = 0) -> dict:
    return {"type": "string", "maxLength": max_len, **({"minLength": min_len} if min_len else {})}


class Summarizer:
    def __init__(self, gguf_path: Path, cfg: SummaryConfig, threads: int):
        self.cfg = cfg
        features, flags = native.this_machine()
        if lacking := native.missing(features, flags):
            raise OffrecordError(f"the installed llama.cpp uses instructions this CPU lacks ({', '.join(lacking)}): "
                                 "it was built on another machine; rebuild it with `bash scripts/setup.sh`")
        loading = contextlib.nullcontext()
        if native.amx_kernels_would_run(features, flags):
            log.warning("llama.cpp was built with AMX kernels, which crash on this CPU; loading without them "
                        "(rebuild with `bash scripts/setup.sh` for full speed)")
            loading = native.without_weight_repacking()
        with loading:
            self.llm = llama_cpp.Llama(model_path=str(gguf_path), n_ctx=cfg.n_ctx, n_threads=threads,
                                       n_threads_batch=threads, seed=cfg.seed, verbose=False)
        self.usage = _new_usage()

    def _ask(self, prompt: str, schema: dict, max_tokens: int) -> dict:
        n_prompt = len(self.llm.tokenize(prompt.encode("utf-8"))) + 80
        if n_prompt + max_tokens > self.cfg.n_ctx:
            raise OffrecordError(f"summary prompt of {n_prompt} tokens does not fit n_ctx={self.cfg.n_ctx}; "
                                 "lower summary.max_chunk_tokens or raise summary.n_ctx")
        reply = self.llm.create_chat_completion(
            messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}],
            response_format={"type": "json_object", "schema": schema},
            temperature=self.cfg.temperature, seed=self.cfg.seed, max_tokens=max_tokens)
        for key in ("prompt_tokens", "completion_tokens"):
            self.usage[key] += reply["usage"][key]
        # llama.cpp's own timings: prompt tokens actually evaluated (a cached prefix is not) and speed
        perf = llama_cpp.llama_perf_context(self.llm.ctx)
        for key, counter in (("prompt_ms", "t_p_eval_ms"), ("prompt_evaluated", "n_p_eval"),
                             ("generate_ms", "t_eval_ms"), ("generated", "n_eval")):
            self.usage[key] += getattr(perf, counter)
        llama_cpp.llama_perf_context_reset(self.llm.ctx)
        try:
            return _tidy(json.loads(reply["choices"][0]["message"]["content"]), schema)
        except json.JSONDecodeError:
            return {}

    def _tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False))

    def chunks(self, t: Transcript) -> list[list[Turn]]:
        """Consecutive turns, each chunk under the token budget; smaller chunks for short
        recordings so there are several chapters, never more than the context allows."""
        sizes = [self._tokens(_line(t, s)) for s in t.segments]
        budget = min(self.cfg.max_chunk_tokens, self.cfg.n_ctx - RESERVED_TOKENS)
        target = max(300, min(budget, sum(sizes) // 4 + 1))
        chunks, current, used = [], [], 0
        last_used = 0  # tokens in chunks[-1], when it was built from whole turns
        for seg, size in zip(t.segments, sizes):
            if size > budget:  # one enormous turn: cut it by words rather than overflow
                if current:
                    chunks.append(current)
                    current, used = [], 0
                chunks.extend([[piece] for piece in _split_turn(seg, budget, size)])
                last_used = budget
                continue
            if current and used + size > target:
                chunks.append(current)
                current, last_used, used = [], used, 0
            current.append(seg)
            used += size
        if current:
            # a short tail would make a chapter of a few words: join it to the chunk before
            if chunks and used < target // 3 and last_used + used <= budget:
                chunks[-1] = chunks[-1] + current
            else:
                chunks.append(current)
        return chunks

    def summarize(self, t: Transcript, template: Template, progress=None) -> Summary:
        self.usage = _new_usage()  # per recording, not per process
        names = [s.name for s in t.speakers]
        if not t.segments:
            return Summary(title=f"{Path(t.source).stem}: no speech", overview="No speech was found in this recording.",
                           at_a_glance=[], ideas=[], quotes=[], highlights=[], template=template.name)
        chunks = self.chunks(t)
        notes, highlights, proposals = [], [], []
        map_schema = {
            "type": "object",
            "properties": {
                "chapter": _str(90),
                "notes": {"type": "array", "items": _str(220, 20), "minItems": 1, "maxItems": 5},
                "quotes": {"type": "array", "maxItems": 2, "items": {
                    "type": "object", "properties": {"speaker": {"type": "string", "enum": names}, "text": _str(240)},
                    "required": ["speaker", "text"]}},
            },
            "required": ["chapter", "notes", "quotes"],
        }
        # List and action sections are taken while the model sees the transcript itself (notes
        # lose who was asked to do what), in a second call per chunk: one call asking for
        # everything got worse notes and quotes from a small model. The second call starts with
        # the same tokens, which llama.cpp keeps evaluated, so it pays only for its instructions.
        collected = [sec for sec in template.sections if sec.kind != "text"]
        section_schema = {"type": "object", "required": [sec.name for sec in collected], "properties": {
            sec.name: _tasks_schema(names, 3) if sec.kind == "actions" else
            {"type": "array", "items": _str(220, 10), "maxItems": 3} for sec in collected}}
        items: dict[str, list] = {sec.name: [] for sec in collected}
        for i, chunk in enumerate(chunks, 1):
            text = "\n".join(_line(t, s) for s in chunk)
            part = f"Part {i} of {len(chunks)} of a transcript. Speakers: {', '.join(names)}.\n\n{text}\n\n"
            out = self._ask(part + "Give: chapter (a short title for this part), notes (the main points, one "
                            f"sentence each, naming who said what; cover {template.focus}), quotes (up to two "
                            "memorable sentences copied word for word from the transcript, with the speaker "
                            "who said them).", map_schema, max_tokens=600)
            notes += [n.strip() for n in out.get("notes", []) if n.strip()]
            proposals += out.get("quotes", [])
            if out.get("chapter", "").strip():
                highlights.append(Highlight(start=chunk[0].start, text=out["chapter"].strip()))
            if collected:
                found = self._ask(part + "From this part only, give: " + "; ".join(
                    f"{sec.name} ({_map_instruction(sec)})" for sec in collected) + ".",
                    section_schema, max_tokens=150 + 150 * len(collected))
                for sec in collected:
                    items[sec.name] += found.get(sec.name, [])
            if progress:
                progress(i, len(chunks))
        notes = self._condense(_distinct(notes), template)
        header = f"Notes taken over a {clock(t.duration)} recording with {', '.join(names)}:\n" + \
            "\n".join(f"- {n}" for n in notes)
        reduce_schema = {
            "type": "object",
            "properties": {
                "title": _str(80),
                "overview": _str(700),
                "at_a_glance": {"type": "array", "items": _str(200, 25), "minItems": 3, "maxItems": 5},
                "ideas": {"type": "array", "minItems": 2, "maxItems": 4, "items": {
                    "type": "object", "properties": {"title": _str(80), "text": _str(400)},
                    "required": ["title", "text"]}},
            },
            "required": ["title", "overview", "at_a_glance", "ideas"],
        }
        out = self._ask(header + "\n\nWrite: title (specific to the content), overview (one paragraph of "
                        f"three or four sentences that names {' and '.join(names)} and says what each of them "
                        "brings to the conversation), at_a_glance (3 to 5 key points, each a full sentence), "
                        "ideas (2 to 4 ideas worth remembering, each a short title and 2-3 sentences of "
                        "explanation that add to the overview rather than repeat it).", reduce_schema, max_tokens=900)
        sections = self._sections(header, template, t, items) if template.sections else []
        log.info("summary of %s: %d chunks, %d prompt tokens, %d generated tokens", Path(t.source).name,
                 len(chunks), self.usage["prompt_tokens"], self.usage["completion_tokens"])
        return Summary(
            title=out.get("title", "").strip() or Path(t.source).stem,
            overview=out.get("overview", "").strip(),
            at_a_glance=_distinct(b.strip() for b in out.get("at_a_glance", [])),
            ideas=[Idea(title=i["title"].strip(), text=i["text"].strip()) for i in out.get("ideas", [])
                   if i.get("title", "").strip() and i.get("text", "").strip()],
            quotes=self._grounded_quotes(proposals, t),
            highlights=highlights,
            template=template.name,
            sections=sections,
        )

    def _condense(self, notes: list[str], template: Template) -> list[str]:
        """Long recordings make more notes than one reduce prompt holds: merge them in groups
        that fit, as often as needed (a 3-hour recording needs one round with 8k context)."""
        budget = (self.cfg.n_ctx - REDUCE_RESERVED_TOKENS) // 2
        schema = {"type": "object", "properties": {
            "notes": {"type": "array", "items": _str(220), "minItems": 1, "maxItems": 6}}, "required": ["notes"]}
        while sum(self._tokens(n) + 3 for n in notes) > budget and len(notes) > 6:
            groups, current, used = [], [], 0
            for n in notes:
                size = self._tokens(n) + 3
                if current and used + size > budget:
                    groups.append(current)
                    current, used = [], 0
                current.append(n)
                used += size
            groups.append(current)
            notes = [m.strip() for g in groups for m in self._ask(
                "Notes in the order they were taken:\n" + "\n".join(f"- {n}" for n in g)
                + f"\n\nMerge them into at most 6 notes, one sentence each, keeping names and {template.focus}.",
                schema, max_tokens=500).get("notes", []) if m.strip()]
        return notes

    def _sections(self, header: str, template: Template, t: Transcript, items: dict[str, list]) -> list[dict]:
        written = [sec for sec in template.sections if sec.kind == "text"]
        out = {}
        if written:
            out = self._ask(header + "\n\nFrom these notes only, write: "
                            + "; ".join(f"{sec.name} ({sec.instruction})" for sec in written) + ".",
                            {"type": "object", "properties": {sec.name: _str(600) for sec in written},
                             "required": [sec.name for sec in written]}, max_tokens=800)
        said = " ".join(" ".join(normalise(seg.text)) for seg in t.segments)
        result = []
        for sec in template.sections:
            if sec.kind == "text":
                value = out.get(sec.name, "").strip()
            elif sec.kind == "list":
                value = self._merge(sec, _distinct(v.strip() for v in items[sec.name]))
            else:
                # the owner is a speaker or nobody (the schema's enum); a due date is shown only
                # if those words were said
                value, seen = [], set()
                for a in items[sec.name]:
                    words = normalise(a.get("task", ""))
                    key = " ".join(words)
                    if not _placeholder(words) and key not in seen:
                        seen.add(key)
                        value.append({"owner": a["owner"], "task": a["task"].strip(),
                                      "due": a["due"].strip() if _said(a["due"], said) else ""})
            result.append({"name": sec.name, "title": sec.title, "kind": sec.kind, "value": value})
        return result

    def _merge(self, sec, values: list[str]) -> list[str]:
        """Each part adds up to three items; a long recording's list is merged down to a readable length."""
        if len(values) <= MAX_LIST_ITEMS:
            return values
        out = self._ask(f"Items for the section '{sec.title}' ({sec.instruction}), in the order they came up:\n"
                        + "\n".join(f"- {v}" for v in values)
                        + f"\n\nMerge them into at most {MAX_LIST_ITEMS} items, joining repeats and keeping names.",
                        {"type": "object", "properties": {"items": {"type": "array", "items": _str(220, 10),
                                                                    "minItems": 1, "maxItems": MAX_LIST_ITEMS}},
                         "required": ["items"]}, max_tokens=700)
        return _distinct(v.strip() for v in out.get("items", [])) or values[:MAX_LIST_ITEMS]

    def _grounded_quotes(self, proposals: list[dict], t: Transcript) -> list[Quote]:
        quotes: list[Quote] = []
        for p in proposals:
            q = ground_quote(p.get("text", ""), t)
            if q is None:
                # debug only: the quote is transcript text, which default logs never show
                log.debug("dropped a proposed quote with no matching passage: %r", p.get("text", ""))
                continue
            if any(q.start < other.end and other.start < q.end for other in quotes):
                continue  # the same passage proposed twice
            quotes.append(q)
        self.usage["quotes_proposed"] += len(proposals)
        self.usage["quotes_kept"] += len(quotes)
        return sorted(quotes, key=lambda q: q.start)


def _line(t: Transcript, seg: Turn) -> str:
    return f"[{clock(seg.start)}] {t.speaker_name(seg.speaker)}: {seg.text}"


def _split_turn(seg: Turn, budget: int, size: int) -> list[Turn]:
    pieces = max(2, -(-size * 2 // budget))
    step = -(-len(seg.words) // pieces)
    out = []
    for i in range(0, len(seg.words), step):
        words = seg.words[i:i + step]
        out.append(Turn(start=words[0].start, end=words[-1].end, speaker=seg.speaker,
                           text=" ".join(w.word for w in words), words=words))
    return out


def _map_instruction(sec) -> str:
    if sec.kind == "actions":
        return (f"{sec.instruction}: work someone is to do after this conversation, such as looking into, "
                "researching, working on, preparing or sending something; the owner is the person who "
                "will do it, who may be addressed by name or role rather than be the one speaking; a due "
                "date only if one was said; none if nobody took on work")
    return f"{sec.instruction}, one short sentence each"


def _tasks_schema(names: list[str], most: int) -> dict:
    return {"type": "array", "maxItems": most, "items": {
        "type": "object", "properties": {"owner": {"type": "string", "enum": names + ["unassigned"]},
                                         "task": _str(200, 10), "due": _str(60)},
        "required": ["owner", "task", "due"]}}


def _tidy(value, schema: dict):
    """The grammar stops a string at its maxLength, often mid-word: cut such a string back to
    its last whole sentence, or its last whole word."""
    if isinstance(value, dict):
        return {k: _tidy(v, schema.get("properties", {}).get(k, {})) for k, v in value.items()}
    if isinstance(value, list):
        return [_tidy(v, schema.get("items", {})) for v in value]
    if isinstance(value, str) and "maxLength" in schema and len(value) >= schema["maxLength"]:
        sentence_end = max(value.rfind(mark) for mark in ".!?")
        if sentence_end >= len(value) // 2:
            return value[:sentence_end + 1]
        return value[:value.rfind(" ")].rstrip(" ,;:") + "…" if " " in value else value
    return value


def _placeholder(words: list[str]) -> bool:
    """'None specified', 'N/A', 'No decisions were made': a small model's way to say there is nothing."""
    return not words or (words[0] in ("none", "n", "na", "nothing") and len(words) <= 4) or \
        (words[0] == "no" and len(words) <= 7)


def _distinct(items) -> list[str]:
    """Small models repeat themselves: keep the first of items that read the same, and drop
    placeholders for nothing."""
    seen, kept = set(), []
    for item in items:
        words = normalise(item)
        key = " ".join(words)
        if not _placeholder(words) and key not in seen:
            seen.add(key)
            kept.append(item)
    return kept


def _said(phrase: str, said: str) -> bool:
    words = normalise(phrase)
    return bool(words) and f" {' '.join(words)} " in f" {said} "


def _new_usage() -> dict:
    return {"prompt_tokens": 0, "completion_tokens": 0, "prompt_ms": 0.0, "prompt_evaluated": 0,
            "generate_ms": 0.0, "generated": 0, "quotes_proposed": 0, "quotes_kept": 0}
