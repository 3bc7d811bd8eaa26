"""What a person types, as FTS5 queries: words, phrases and prefixes understood, and nothing
typed can make SQLite fail to parse the query."""

from __future__ import annotations

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from offrecord.library.query import parse


def test_words_phrases_and_prefixes():
    q = parse("battery life")
    assert (q.terms, q.literal, q.text) == (['"battery"', '"life"'], False, "battery life")
    assert q.all_terms == '"battery" AND "life"' and q.any_term == '"battery" OR "life"'
    q = parse('"power supply" batt* (NOT) col:umn')
    assert q.terms == ['"power supply"', '"batt"*', '"NOT"', '"col umn"'] and q.literal
    assert parse('"battery"').literal  # quotes ask for the word itself
    assert parse('"unclosed phrase').terms == ['"unclosed phrase"']
    for nothing in ("", "   ", "(((", '""', "* - ^"):
        assert parse(nothing) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from('ab "*()^:-+.,\'NEAROTD\\{}[]~é日'), max_size=30) | st.text(max_size=30))
def test_no_query_text_can_break_fts5(text):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(text, tokenize='porter unicode61 remove_diacritics 2')")
    db.execute("INSERT INTO t VALUES ('a battery and b near the end of Tokyo 日本 café')")
    q = parse(text)
    if q is not None:
        for expression in (q.all_terms, q.any_term):
            db.execute("SELECT rowid FROM t WHERE t MATCH ?", (expression,)).fetchall()
