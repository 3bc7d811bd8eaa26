"""What a person types into search, turned into SQLite FTS5 queries that cannot fail to parse.

Words, "quoted phrases" and prefixes (`batt*`) are understood; everything else that FTS5 would
read as syntax (parentheses, colons, carets, minus signs, AND/OR/NOT/NEAR, a stray quote) is
taken as plain text: every term is passed to FTS5 as a quoted string, so no query can crash it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"\w+")  # what FTS5's unicode61 tokenizer keeps: letters and digits
_PART = re.compile(r'"([^"]*)"?|(\S+)')


@dataclass
class Query:
    terms: list[str]  # each an FTS5 string or phrase, with its prefix star
    literal: bool  # quotes or a prefix star ask for the words themselves, not their meaning
    text: str  # the words, for search by meaning

    @property
    def all_terms(self) -> str:
        return " AND ".join(self.terms)

    @property
    def any_term(self) -> str:
        return " OR ".join(self.terms)


def parse(text: str) -> Query | None:
    """None when the text has no word to look for."""
    terms, words, literal = [], [], False
    for phrase, word in _PART.findall(text):
        raw = phrase if phrase or not word else word
        tokens = _TOKEN.findall(raw)
        if not tokens:
            continue
        prefix = bool(word) and word.endswith("*")
        literal = literal or prefix or bool(phrase)
        terms.append('"' + " ".join(tokens) + '"' + ("*" if prefix else ""))
        words += tokens
    if not terms:
        return None
    return Query(terms, literal, " ".join(words))
