"""What the model is asked and how its answers are bounded: JSON schemas whose strings are one
full sentence (or a few), lists of a fixed most, and questions asked together after one prefix.

Every call uses a JSON schema with a bound on each string's length (a maxLength, or a sentence
pattern that must end with a full stop): without one a small model can run to max_tokens and
leave invalid JSON; decoding.py enforces it at little cost. An answer stopped at its bound is
tidied (`tidy`) back to what reads as a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .clauses import clause_before_cut
from .verify import sentences


def string(max_len: int, min_len: int = 0) -> dict:
    return {"type": "string", "maxLength": max_len, **({"minLength": min_len} if min_len else {})}


# a sentence as the schemas' patterns have it, between `least` and `most` characters after its capital
_ONE_SENTENCE = '[A-Z]([^:\\n"\\\\.!?]|[.][0-9]){{{least},{most}}}[.!?…]'


def sentence(most: int, least: int = 20) -> dict:
    """One full sentence: a capital first, a full stop last and none between (but a number's
    decimal point), and no "Name: words" line (a small model copies the transcript's layout
    otherwise). Let past its first full stop, a small model asked for one sentence writes a
    second and runs into the length bound, which cuts it off: ES2011b's three bullets, 180
    characters each, all dropped. The bound makes the model end the sentence rather than be cut
    off mid-word. A "…" last is the decoder ending a loop."""
    return {"type": "string", "pattern": f"^{_ONE_SENTENCE.format(least=least, most=most)}$"}


def sentences_of(count: int, most: int, least: int = 20) -> dict:
    """At most `count` such sentences: asked for five, the model went on to nine (ES2011d's
    overview "... The project manager also discussed the need to pay attention to food."), each
    written at the cost of the longest answer. maxLength is what the pattern allows in all."""
    one = _ONE_SENTENCE.format(least=least, most=most)
    return {"type": "string", "pattern": f"^{one}( {one}){{0,{count - 1}}}$",
            "maxLength": count * (most + 2) + count - 1}


def listing(item: dict, most: int, least: int = 0) -> dict:
    return {"type": "array", "items": item, "maxItems": most, **({"minItems": least} if least else {})}


@dataclass
class Question:
    """One part of what is asked: the answer's fields, and how they are explained."""

    name: str  # what it asks for, in the cost table (usage["phases"])
    properties: dict
    ask: str

    @property
    def max_tokens(self) -> int:
        return sum(most_tokens(v) + 4 for v in self.properties.values())


def asked(prefix: str, questions: list[Question]) -> tuple[str, dict, int]:
    """(prompt, schema, max_tokens): the questions asked together after `prefix`, each answer's
    fields in one JSON object."""
    properties = {k: v for q in questions for k, v in q.properties.items()}
    return (prefix + "Answer with:\n" + "\n".join(q.ask for q in questions),
            {"type": "object", "properties": properties, "required": list(properties)},
            sum(q.max_tokens for q in questions) + 10)


def longest(schema: dict) -> int | None:
    """The most characters a string schema allows: its maxLength, or its sentence's bound."""
    return schema.get("maxLength") or sentence_bound(schema)


def sentence_bound(schema: dict) -> int | None:
    """How long a sentence of a pattern's is when the grammar ended it."""
    if bound := re.search(r",(\d+)\}", schema.get("pattern", "")):
        return int(bound[1]) + 2  # the capital before the bounded run and the full stop after it
    return None


def most_tokens(schema: dict) -> int:
    """The longest answer a schema allows, in tokens (about 3 characters each, and the JSON
    around them): the answer may never be cut off, which would leave invalid JSON."""
    if schema.get("type") == "string":
        return (longest(schema) or 200) // 3 + 4
    if schema.get("type") == "array":
        return schema.get("maxItems", 1) * (most_tokens(schema["items"]) + 2) + 2
    if schema.get("type") == "object":
        return sum(most_tokens(v) + 4 for v in schema["properties"].values())
    return 4


def tidy(value, schema: dict):
    """A string that reached its schema's bound was stopped by the grammar, often mid-word (a
    sentence pattern makes it end with a full stop there: "a fun and easyTo."). A maxLength
    string is cut back to its last whole sentence, or its last whole word. A sentence that was
    cut off keeps the clause before its last comma where that reads as a sentence
    (`clauses.clause_before_cut`), else it ends in "…", which the checks read as unfinished and drop."""
    if isinstance(value, dict):
        return {k: tidy(v, schema.get("properties", {}).get(k, {})) for k, v in value.items()}
    if isinstance(value, list):
        return [tidy(v, schema.get("items", {})) for v in value]
    if isinstance(value, str) and (bound := sentence_bound(schema)):
        # a sentence stopped at its bound, not one the decoder ended in a loop
        return " ".join(clause_before_cut(x[:-1]) if len(x) >= bound and not x.endswith("…") else x
                        for x in sentences(value))
    most = longest(schema)
    if not isinstance(value, str) or most is None or len(value) < most:
        return value
    sentence_end = max(value.rfind(mark) for mark in ".!?")
    if sentence_end >= len(value) // 2:
        return value[:sentence_end + 1]
    return value[:value.rfind(" ")].rstrip(" ,;:") + "…" if " " in value else value


def text_of(value) -> str:
    return value if isinstance(value, str) else ""


def texts_of(value) -> list[str]:
    return [v for v in value or [] if isinstance(v, str)]
