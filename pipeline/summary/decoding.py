"""Greedy decoding under a JSON schema, at the model's own speed, several answers side by side.

Each answer keeps to its schema, so it always parses. The model's best token is put to the
grammar alone, and the whole vocabulary only when the grammar refuses it, as llama.cpp's own
sampler does: the token chosen is the same, without filtering all of Qwen's 152k tokens at every
step as llama-cpp-python's loop does. Answers to questions on one transcript are written side by
side (`Decoder.complete_all`), one batch a step, because a step costs mostly the reading of the
weights. A small model loops (the same highlight for every part): a string that repeats what its
field already holds is ended at once with "…" (read as cut off, and dropped), and so is the list
or object it is in, where it may end there (`Strings`).

What this costs and what else was tried, measured: docs/measurements.md ("Summary decoding: what
was tried").
"""

from __future__ import annotations

import ctypes
import json
import time
from dataclasses import dataclass

import llama_cpp
import numpy as np
from llama_cpp.llama_chat_format import Jinja2ChatFormatter
from llama_cpp.llama_grammar import json_schema_to_gbnf

# the layout of llama.cpp's llama_token_data, so that numpy can fill and read it in place
TOKEN_DATA = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)
TOP_K, TOP_P, MIN_P = 40, 0.95, 0.05  # what a draw at a temperature may choose from
# A string whose last this many characters were already written in its part of the answer is
# going round in circles; longer than any string's least length, so that it can end there, and
# than the openings that distinct items share ("The User Interface Designer suggested that the")
REPEAT = 64


@dataclass
class Reply:
    text: str
    prompt_tokens: int
    prompt_evaluated: int  # the part of the prompt not already in the cache
    prompt_ms: float
    generated: int
    generate_ms: float  # an answer written beside others pays its share of each step they took together
    repeats_cut: int = 0  # strings ended because they repeated what the answer had said


@dataclass
class Ask:
    """A question for `Decoder.complete_all`: its prompt (from `Decoder.prompt`), the JSON schema
    its answer keeps to, and the most tokens that answer may have."""

    prompt: list[int]
    schema: dict
    max_tokens: int


class _Answer:
    """An answer being written in a sequence of its own: its grammar, what it has written, and
    the token it adds next (None once it is done)."""

    def __init__(self, ask: Ask, seq: int, grammar, seed: int):
        self.ask, self.seq, self.grammar = ask, seq, grammar
        self.rng = np.random.default_rng(seed)  # the same prompt, the same answer
        self.out: list[int] = []
        self.strings, self.ending, self.cuts = Strings(), [], 0
        self.next: int | None = None
        self.evaluated, self.prompt_ms, self.generate_ms = 0, 0.0, 0.0

    @property
    def position(self) -> int:
        return len(self.ask.prompt) + len(self.out)


class Decoder:
    """Chat completions on one loaded model, keeping what is in its cache between calls: a
    prompt that starts like the last one (the transcript) pays only for what follows.

    Questions on the same transcript are answered side by side (`complete_all`): each answer
    gets a sequence of its own in the context, sharing the transcript's cached keys and values,
    and every step evaluates the next token of all of them in one batch. Writing is bound by
    reading the weights, which one batch reads once for all: on 2 cores, with a 6.5k-token
    context, a step cost 61 ms for one answer, 88 for two, 136 for four (the 1.5B model without
    flash attention, scripts/bench_llama.py --steps 1 2 4 --prompt-tokens 6500)."""

    def __init__(self, llm: llama_cpp.Llama, temperature: float = 0.0, seed: int = 0):
        self.llm, self.temperature, self.seed = llm, temperature, seed
        self.vocab = llama_cpp.llama_model_get_vocab(llm.model)
        self.memory = llama_cpp.llama_get_memory(llm.ctx)
        self.n_vocab = llm.n_vocab()
        self.sequences = llama_cpp.llama_n_seq_max(llm.ctx)  # answers the context can hold at once
        self.cached: list[int] = []  # the tokens whose keys and values sequence 0 holds, in order
        llama_cpp.llama_memory_clear(self.memory, True)
        self.batch = llama_cpp.llama_batch_init(llm.n_batch, 0, 1)
        self.all = np.zeros(self.n_vocab, dtype=TOKEN_DATA)
        self.all["id"] = np.arange(self.n_vocab)
        self.one = np.zeros(1, dtype=TOKEN_DATA)
        # the tokens that end a looping string ("…", the closing quote) and then its list or
        # object, each step's choices in turn; a vocabulary without them as single tokens gets no such cut
        cut = [llm.tokenize(text.encode(), add_bos=False, special=False) for text in ("…", '"', "]", "}")]
        self.cut: list[list[int]] = []
        if all(len(token) == 1 for token in cut):
            (ellipsis,), (quote,), (bracket,), (brace,) = cut
            self.cut = [[ellipsis], [quote], [bracket, brace]]

        def text(token: int) -> str:
            return llama_cpp.llama_vocab_get_text(self.vocab, token).decode("utf-8", "replace") if token >= 0 else ""
        self.chat = Jinja2ChatFormatter(template=llm.metadata["tokenizer.chat_template"],
                                        eos_token=text(llm.token_eos()), bos_token=text(llm.token_bos()))

    def close(self) -> None:
        if self.batch is not None:
            llama_cpp.llama_batch_free(self.batch)
            self.batch = None

    def prompt(self, messages: list[dict]) -> list[int]:
        formatted = self.chat(messages=messages)
        return self.llm.tokenize(formatted.prompt.encode("utf-8"), add_bos=not formatted.added_special, special=True)

    def complete(self, prompt: list[int], schema: dict, max_tokens: int) -> Reply:
        """The answer to a prompt (from `prompt`) in the schema's JSON, at most max_tokens long."""
        return self.complete_all([Ask(prompt, schema, max_tokens)])[0]

    def complete_all(self, asks: list[Ask]) -> list[Reply]:
        """The answers to several prompts, written side by side as far as the context holds
        them: the prompts' shared start once, and each prompt's own rest and answer beside it.
        Each answer is the one `complete` would give, up to the arithmetic of a batch."""
        replies: list[Reply] = []
        group: list[Ask] = []
        for ask in asks:
            if group and (len(group) == self.sequences or self._room(group + [ask]) > self.llm.n_ctx()):
                replies += self._together(group)
                group = []
            group.append(ask)
        return replies + (self._together(group) if group else [])

    @staticmethod
    def _shared(asks: list[Ask]) -> int:
        """How many tokens all the prompts start with, short of the last of each (whose logits
        start its answer)."""
        first = asks[0].prompt
        same = min(len(ask.prompt) for ask in asks) - 1
        for ask in asks[1:]:
            same = next((i for i, (a, b) in enumerate(zip(first[:same], ask.prompt)) if a != b), same)
        return same

    def _room(self, asks: list[Ask]) -> int:
        """The context cells the asks take together: the shared start once, each rest and answer."""
        shared = self._shared(asks)
        return shared + sum(len(ask.prompt) - shared + ask.max_tokens for ask in asks)

    def _together(self, asks: list[Ask]) -> list[Reply]:
        answers: list[_Answer] = []
        try:
            for seq, ask in enumerate(asks):
                rules = json_schema_to_gbnf(json.dumps(ask.schema))
                grammar = llama_cpp.llama_sampler_init_grammar(self.vocab, rules.encode(), b"root")
                if not grammar:
                    raise ValueError("llama.cpp could not build a grammar from the schema")
                answers.append(_Answer(ask, seq, grammar, self.seed))
            shared = self._shared(asks)
            for answer in answers:
                started = time.perf_counter()
                if answer.seq == 0:
                    answer.evaluated = self._read(answer.ask.prompt)
                else:  # the shared start is sequence 0's: the same cells, no copy of their contents
                    llama_cpp.llama_memory_seq_cp(self.memory, 0, answer.seq, 0, shared)
                    rest = answer.ask.prompt[shared:]
                    for i in range(0, len(rest), self.llm.n_batch):
                        self._decode(rest[i:i + self.llm.n_batch], answer.seq, shared + i)
                    answer.evaluated = len(rest)
                # its logits are there until the next prompt is read
                answer.next = self._pick(answer, -1)
                answer.prompt_ms = (time.perf_counter() - started) * 1000
            self._write(answers)
        finally:
            for answer in answers:
                llama_cpp.llama_sampler_free(answer.grammar)
                if answer.seq:
                    llama_cpp.llama_memory_seq_rm(self.memory, answer.seq, -1, -1)
        return [Reply(self.llm.detokenize(a.out).decode("utf-8", "ignore"), len(a.ask.prompt), a.evaluated,
                      a.prompt_ms, len(a.out), a.generate_ms, a.cuts) for a in answers]

    def _read(self, prompt: list[int]) -> int:
        """Evaluates the part of the prompt sequence 0 does not hold; returns how many tokens."""
        same = 0
        for a, b in zip(self.cached, prompt):
            if a != b:
                break
            same += 1
        same = min(same, len(prompt) - 1)  # the last token again at least: its logits start the answer
        self._forget(same)
        rest = prompt[same:]
        step = self.llm.n_batch
        for i in range(0, len(rest), step):
            self._decode(rest[i:i + step], 0, same + i)
        return len(rest)

    def _write(self, answers: list[_Answer]) -> None:
        """Writes every answer to its end, a step of all those still going at a time."""
        while True:
            started = time.perf_counter()
            going = []
            for a in answers:
                if a.next is None:
                    continue
                llama_cpp.llama_sampler_accept(a.grammar, a.next)
                if llama_cpp.llama_vocab_is_eog(self.vocab, a.next) or len(a.out) >= a.ask.max_tokens:
                    a.next = None
                else:
                    going.append(a)
            if not going:
                return
            self._step(going)
            for i, a in enumerate(going):
                self._follow(a, i)
            share = (time.perf_counter() - started) * 1000 / len(going)
            for a in going:
                a.generate_ms += share

    def _step(self, going: list[_Answer]) -> None:
        """Adds each answer's next token to its sequence, all in one batch."""
        b = self.batch
        b.n_tokens = len(going)
        for i, a in enumerate(going):
            b.token[i], b.pos[i], b.n_seq_id[i], b.seq_id[i][0], b.logits[i] = a.next, a.position, 1, a.seq, True
        if code := llama_cpp.llama_decode(self.llm.ctx, b):
            raise RuntimeError(f"llama_decode failed ({code})")
        for a in going:
            a.out.append(a.next)
            if a.seq == 0:
                self.cached.append(a.next)

    def _follow(self, a: _Answer, index: int) -> None:
        """The token an answer takes next, from its logits at `index` of the last batch: the
        model's pick, or the end of a string that loops (then its closing quote, and the bracket
        or brace where its list or object can end there)."""
        a.strings.add(self.llm.detokenize([a.out[-1]]))
        a.next = None
        if a.ending:
            a.next = next((t for t in a.ending.pop(0) if self._allowed(a.grammar, t) is not None), None)
            a.ending = a.ending if a.next is not None else []
        elif self.cut and a.strings.looping() and (token := self._allowed(a.grammar, self.cut[0][0])) is not None:
            a.next, a.ending, a.cuts = token, self.cut[1:], a.cuts + 1
        if a.next is None:
            a.next = self._pick(a, index)

    def _allowed(self, grammar, token: int) -> int | None:
        self.one[0] = (token, 0.0, 0.0)
        _apply(grammar, self.one)
        return token if np.isfinite(self.one["logit"][0]) else None

    def _pick(self, a: _Answer, index: int) -> int | None:
        """The next token among those the grammar allows: the best, or one drawn at the
        temperature; None if it allows none (accepting a token the grammar refuses would abort
        the process)."""
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(self.llm.ctx, index), shape=(self.n_vocab,))
        if not self.temperature and (best := self._allowed(a.grammar, int(np.argmax(logits)))) is not None:
            return best
        self.all["logit"] = logits
        _apply(a.grammar, self.all)
        allowed = self.all["logit"]
        best = int(np.argmax(allowed))
        if not np.isfinite(allowed[best]):
            return None
        if not self.temperature:
            return best
        # llama-cpp-python's default truncation, then the temperature: the tail of 152k tokens
        # holds enough nonsense to be drawn now and then
        top = np.argpartition(allowed, -TOP_K)[-TOP_K:]
        top = top[np.argsort(allowed[top])[::-1]]
        p = np.exp(allowed[top] - allowed[best])
        p /= p.sum()
        keep = ((np.cumsum(p) - p) < TOP_P) & (p >= MIN_P * p[0])
        weights = p[keep] ** (1 / self.temperature)
        return int(a.rng.choice(top[keep], p=weights / weights.sum()))

    def _decode(self, tokens: list[int], seq: int, start: int) -> None:
        """Adds a prompt's tokens to a sequence from position `start`; the logits are the last one's."""
        b = self.batch
        b.n_tokens = len(tokens)
        for i, token in enumerate(tokens):
            b.token[i], b.pos[i], b.n_seq_id[i], b.seq_id[i][0] = token, start + i, 1, seq
            b.logits[i] = i == len(tokens) - 1
        if code := llama_cpp.llama_decode(self.llm.ctx, b):
            if seq == 0:
                self._forget(start)
            raise RuntimeError(f"llama_decode failed ({code})")
        if seq == 0:
            self.cached.extend(tokens)

    def _forget(self, keep: int) -> None:
        """Drops sequence 0's cache from position `keep` on."""
        if keep < len(self.cached):
            llama_cpp.llama_memory_seq_rm(self.memory, 0, keep, -1)
            del self.cached[keep:]


class Strings:
    """Follows the JSON strings of an answer as its bytes come, to tell when one repeats what
    its own field (the overview, the list of highlights) already holds. Another field may say
    the same: an overview opens as the one-line "about" did, and goes on to say more."""

    def __init__(self):
        self.field = b""  # the strings of the answer's current top-level field, each after a NUL
        self.current = bytearray()
        self.inside = self.escaped = self.key = False
        self.depth, self.expect_key = 0, False

    def add(self, piece: bytes) -> None:
        for byte in piece:
            if not self.inside:
                self._layout(byte)
            elif self.escaped or byte == ord("\\"):
                self.escaped = not self.escaped
                self.current.append(byte)
            elif byte == ord('"'):
                self.field = b"" if self.key else self.field + b"\0" + bytes(self.current)
                self.current.clear()
                self.inside = False
            else:
                self.current.append(byte)

    def _layout(self, byte: int) -> None:
        if byte == ord('"'):
            self.inside, self.key = True, self.depth == 1 and self.expect_key
            self.expect_key = False
        elif byte in b"{[":
            self.depth += 1
            self.expect_key = byte == ord("{")
        elif byte in b"}]":
            self.depth -= 1
        elif byte == ord(","):
            self.expect_key = self.depth == 1

    def looping(self) -> bool:
        if not self.inside or self.key or len(self.current) < REPEAT:
            return False
        text = self.current.decode("utf-8", "ignore")
        if len(text) < REPEAT:  # counted in characters, as a schema's lengths are
            return False
        tail = text[-REPEAT:].encode()
        return tail in self.field or tail in self.current[:-1]


def _apply(grammar, candidates: np.ndarray) -> None:
    """The grammar sets the logit of each candidate it refuses to -inf, in place."""
    array = llama_cpp.llama_token_data_array(data=candidates.ctypes.data_as(llama_cpp.llama_token_data_p),
                                             size=len(candidates), selected=-1, sorted=False)
    llama_cpp.llama_sampler_apply(grammar, ctypes.byref(array))
