"""The summary's decoder, with the real 0.5B model: the grammar holds, the answer is the one
llama-cpp-python's own loop gives, and the cache holds what the decoder believes it holds."""

from __future__ import annotations

import json
import re

import llama_cpp
import pytest

from offrecord.config import load_config
from offrecord.store import ModelStore
from offrecord.summary import native
from offrecord.summary.decoding import REPEAT, Ask, Decoder, Strings
from offrecord.summary.schemas import sentence, sentences_of
from offrecord.summary.shape import Shape
from offrecord.summary.summarize import _moments
from offrecord.summary.verify import sentences

CALL = ("Ann: I think we should ship the remote control before Christmas, in a yellow rubber case.\n"
        "Bob: The budget is far too small for a rubber case, it costs twice what plastic does.\n"
        "Ann: Then we drop the speech recognition and keep the rubber case.\n"
        "Bob: Fine by me, as long as the battery stays kinetic.\n")
SCHEMA = {"type": "object", "properties": {
    "title": {"type": "string", "maxLength": 60},
    "quotes": {"type": "array", "maxItems": 2, "items": {"type": "object", "properties": {
        "speaker": {"type": "string", "enum": ["Ann", "Bob"]}, "text": {"type": "string", "maxLength": 160}},
        "required": ["speaker", "text"]}}},
    "required": ["title", "quotes"]}


def ask(question: str) -> list[dict]:
    return [{"role": "system", "content": "You summarise conversations. Answer in JSON."},
            {"role": "user", "content": f"Transcript:\n\n{CALL}\n{question}"}]


@pytest.fixture(scope="module")
def llm():
    gguf = ModelStore(load_config(None, {}).models.store).file("qwen2.5-coder-0.5b-instruct", "model.gguf")
    model = llama_cpp.Llama(model_path=str(gguf), n_ctx=2048, n_threads=2, n_threads_batch=2, seed=0,
                            verbose=False, n_ubatch=256)
    yield model
    model.close()


def check_cache(decoder: Decoder) -> None:
    # what the decoder believes the cache holds is what llama.cpp holds
    assert llama_cpp.llama_memory_seq_pos_max(decoder.memory, 0) == len(decoder.cached) - 1


def written(llm, question: str, schema: dict, max_tokens: int):
    """The decoder's answer to a question on the call, the cache checked after it."""
    decoder = Decoder(llm)
    try:
        reply = decoder.complete(decoder.prompt(ask(question)), schema, max_tokens)
        check_cache(decoder)
    finally:
        decoder.close()
    return reply


@pytest.mark.slow
def test_the_answer_is_llama_cpp_pythons_own(llm):
    messages = ask("Give a title and the two sentences most worth quoting, word for word.")
    theirs = llm.create_chat_completion(messages=messages, response_format={"type": "json_object", "schema": SCHEMA},
                                        temperature=0.0, max_tokens=200)["choices"][0]["message"]["content"]
    decoder = Decoder(llm)
    try:
        reply = decoder.complete(decoder.prompt(messages), SCHEMA, 200)
    finally:
        decoder.close()
    # the same prompt in one batch, then a token at a time: the same arithmetic, the same tokens
    assert reply.text == theirs


def test_the_answer_keeps_to_the_schema_and_the_cache_stays_true(llm):
    decoder = Decoder(llm)
    try:
        first = decoder.complete(decoder.prompt(ask("Give a title and the two sentences most worth quoting, "
                                                    "word for word.")), SCHEMA, 200)
        check_cache(decoder)
        answer = json.loads(first.text)
        assert set(answer) == {"title", "quotes"} and len(answer["title"]) <= 60 and len(answer["quotes"]) <= 2
        assert answer["quotes"] and all(q["speaker"] in ("Ann", "Bob") for q in answer["quotes"])
        # a second question on the same transcript pays only for its own words
        second = decoder.complete(decoder.prompt(ask("Who wants the rubber case?")), SCHEMA, 200)
        check_cache(decoder)
        assert second.prompt_evaluated < 30 < second.prompt_tokens
        json.loads(second.text)
        # an answer cut at max_tokens stops there, and the cache still holds only what was read
        cut = decoder.complete(decoder.prompt(ask("Give a title.")), SCHEMA, 5)
        check_cache(decoder)
        assert cut.generated == 5
    finally:
        decoder.close()


@pytest.mark.slow
def test_a_temperature_draws_within_the_grammar_the_same_way_each_time(llm):
    replies = []
    for seed in (7, 7, 8):
        decoder = Decoder(llm, temperature=1.0, seed=seed)  # each from an empty cache: the same arithmetic
        try:
            replies.append(decoder.complete(decoder.prompt(ask("Give a title and two quotes.")), SCHEMA, 200))
            check_cache(decoder)
        finally:
            decoder.close()
    assert replies[0].text == replies[1].text != replies[2].text
    for reply in replies:
        answer = json.loads(reply.text)
        assert all(q["speaker"] in ("Ann", "Bob") for q in answer["quotes"])
        assert all(ord(c) < 0x250 for c in reply.text), reply.text  # drawn from the likely, not the tail


def test_a_string_that_goes_round_in_circles_is_cut(llm):
    """Made to write three points on one sentence, the model writes it three times; the decoder
    ends each repeat with "…" (which the summary drops as cut off) once it has gone on long
    enough to be one."""
    sentence = "The remote control design includes a wheel, a button, a base and a yellow rubber case."
    schema = {"type": "object", "properties": {"points": {"type": "array", "minItems": 3, "maxItems": 5, "items": {
        "type": "string", "pattern": '^[A-Z][^:\\n"\\\\]{20,180}[.!?…]$'}}}, "required": ["points"]}
    reply = written(llm, f'Write "{sentence}" five times, as five points.', schema, 300)
    first, *repeats = json.loads(reply.text)["points"]
    assert first.startswith("The remote control design includes a wheel, a button") and repeats
    assert reply.repeats_cut == len(repeats)
    assert all(r.endswith("…") and first.startswith(r[:-1]) and len(r) > REPEAT for r in repeats)


def test_a_sentence_ends_at_its_first_full_stop_and_a_paragraph_at_its_count(llm):
    """Asked for three sentences, the model ends a one-sentence field at its first full stop,
    and a field of at most two sentences after its second, rather than run on into the bound."""
    schema = {"type": "object", "properties": {"ann": sentence(180), "bob": sentences_of(2, 160)},
              "required": ["ann", "bob"]}
    reply = written(llm, "Answer with ann: three sentences on what Ann wants; bob: three sentences on what Bob says.",
                    schema, 300)
    answer = json.loads(reply.text)
    assert len(sentences(answer["ann"])) == 1 and answer["ann"].endswith(".")
    assert len(sentences(answer["bob"])) == 2 and answer["bob"].endswith(".")


def test_a_sentence_may_hold_a_decimal_point_but_no_other_stop():
    one, two = sentence(60, 5)["pattern"], sentences_of(2, 60, 5)["pattern"]
    assert re.fullmatch(one, "The case costs 12.5 euros more.") and re.fullmatch(one, "Is it blue?")
    assert not any(re.fullmatch(one, s) for s in ("Ann agrees. Bob too.", "Mr. Smith agrees.", "Ann: agreed."))
    assert re.fullmatch(two, "Ann agrees. Bob costs 1.5 more.") and not re.fullmatch(two, "Ann agrees. Bob does. Cy too.")
    assert not re.fullmatch(two, "Ann agrees.Bob too.")  # a sentence starts after a space, with a capital


def test_highlights_that_go_round_in_circles_end_there(llm):
    """Made to write one sentence for each of six parts, with the summary's own highlights
    question, the model writes it again; the decoder ends the repeat with "…" and the highlights
    with it once the parts left may be left out, rather than write the same sentence for each."""
    sentence = "The remote control design includes a wheel, a button, a base and a yellow rubber case."
    shape = Shape(overview=1, bullets=1, ideas=0, quotes=1, highlights=6, items=1, one_call=False)
    marks = shape.marks(600.0)
    [highlights] = [q for q in _moments(shape, ["Ann", "Bob"], marks) if q.name == "highlights"]
    schema = {"type": "object", "properties": highlights.properties, "required": list(highlights.properties)}
    reply = written(llm, f'Write "{sentence}" for each of the six parts.', schema, 400)
    parts = json.loads(reply.text)["highlights"]
    # the first half must be written, each repeat cut; they end at the first that need not be
    assert list(parts) == list(marks)[:3] and reply.repeats_cut == 2
    first, *repeats = parts.values()
    assert first.startswith("The remote control design includes a wheel") and all(r.endswith("…") for r in repeats)


def test_strings_are_followed_through_escapes_and_a_repeat_found_only_within_its_field():
    said = b'one \\" quote and then some words that go on and on, for a long while, as loops do'
    strings = Strings()
    strings.add(b'{"a": ["' + said + b'", "')
    assert not strings.looping() and strings.inside
    strings.add(said)
    assert strings.looping()
    strings.add(b'"], "b": "')
    assert not strings.looping() and strings.inside
    strings.add(said)  # another field may say it again
    assert not strings.looping()
    strings.add(b", then " + said)  # but not itself twice
    assert strings.looping()


@pytest.fixture(scope="module")
def llm3():
    """A context that holds three answers at once over one shared prompt, as the summary's does.
    With flash attention, which the summary runs without (it writes slower), because then a step
    of three sequences does the arithmetic of each alone on this model: answers equal to those
    written alone show that each is kept to its own sequence. Without it they differ slightly
    (the 0.5B model's first title here: "Remote Control Budget Comparison" against "Remote Control
    Decision")."""
    gguf = ModelStore(load_config(None, {}).models.store).file("qwen2.5-coder-0.5b-instruct", "model.gguf")
    with native.llama_defaults(context={"n_seq_max": 3, "kv_unified": True}):
        model = llama_cpp.Llama(model_path=str(gguf), n_ctx=2048, n_threads=2, n_threads_batch=2, seed=0,
                                verbose=False, flash_attn=True)
    yield model
    model.close()


QUESTIONS = ("Give a title and the two sentences most worth quoting, word for word.", "Who wants the rubber case?",
             "Give a title and what Bob said about the battery.")


@pytest.mark.slow
def test_answers_written_side_by_side_share_the_transcript_and_are_the_ones_written_alone(llm3, monkeypatch):
    decoder = Decoder(llm3)
    try:
        alone = [decoder.complete(decoder.prompt(ask(q)), SCHEMA, 200) for q in QUESTIONS]
        llama_cpp.llama_memory_clear(decoder.memory, True)
        decoder.cached.clear()
        batches = []  # the tokens of each batch llama.cpp evaluates
        decode = llama_cpp.llama_decode
        monkeypatch.setattr(llama_cpp, "llama_decode", lambda ctx, b: batches.append(b.n_tokens) or decode(ctx, b))
        together = decoder.complete_all([Ask(decoder.prompt(ask(q)), SCHEMA, 200) for q in QUESTIONS])
        monkeypatch.undo()
        check_cache(decoder)
        # the other answers' sequences are gone once written; the first keeps its prompt and answer
        assert [llama_cpp.llama_memory_seq_pos_max(decoder.memory, seq) for seq in (1, 2)] == [-1, -1]
    finally:
        decoder.close()
    # the transcript is read once, by the first; the others pay for their own question only
    assert together[0].prompt_evaluated > together[0].prompt_tokens - 5
    assert all(r.prompt_evaluated < 30 < r.prompt_tokens for r in together[1:])
    for reply in together:
        answer = json.loads(reply.text)
        assert set(answer) == {"title", "quotes"} and all(q["speaker"] in ("Ann", "Bob") for q in answer["quotes"])
        assert reply.generated > 5 and reply.generate_ms > 0
    assert [r.text for r in together] == [r.text for r in alone]
    # written in steps of all three: as many steps as the longest answer, not one per token
    steps = [n for n in batches if n <= 3]
    assert len(steps) == max(r.generated for r in together) < sum(r.generated for r in together)
    assert steps[0] == 3


def test_answers_that_do_not_fit_the_context_together_are_written_in_turn(llm3, monkeypatch):
    decoder = Decoder(llm3)
    groups = []
    together = decoder._together
    monkeypatch.setattr(decoder, "_together", lambda asks: groups.append(len(asks)) or together(asks))
    try:
        # 3 x 800 tokens of answer do not fit a 2048-token context beside the prompt; 2 x 800 do
        replies = decoder.complete_all([Ask(decoder.prompt(ask(q)), SCHEMA, 800) for q in QUESTIONS])
        check_cache(decoder)
    finally:
        decoder.close()
    assert groups == [2, 1]
    assert all(json.loads(r.text)["title"] for r in replies)
