"""Ranked moments for a query: by its words (FTS5's BM25: moments with every word first, then
those with any), by its meaning (cosine similarity of sentence embeddings), and the two lists
combined by reciprocal rank fusion. A phrase or a prefix asks for the words themselves, so such a
query is searched by words alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from .index import Index
from .meaning import Embedder
from .query import Query

MARK_START, MARK_END = "\x02", "\x03"  # around each matched word; shown as the caller likes
CANDIDATES = 200  # from each list, before they are combined
# Reciprocal rank fusion's constant: the usual 60 (Cormack et al. 2009), which makes a moment
# near the top of both lists beat one at the top of only one.
RRF_K = 60
# Cosine similarity (WordLlama, 256 dims) a moment must reach to be found by meaning alone.
# Scores depend on the query: "battery issues" gives "I checked the numbers and the power supply
# lasts two days before it needs charging" 0.25 and unrelated lines of the same meeting under 0.1.
# On the ES2011 meetings (scripts/evaluate_search.py) 0.2 ranked best (success@5 0.77, MRR 0.59;
# 0.25-0.35 gave 0.73 and 0.54-0.58); topics never discussed there still reach 0.22-0.46 on some
# short line, so a moment found by meaning alone is a lead, not proof, and is marked as such.
MEANING_THRESHOLD = 0.2
SUMMARY_WEIGHT = 0.5
SNIPPET_BEFORE, SNIPPET_AFTER = 8, 24  # words around the first match


@dataclass
class Filters:
    speaker: str | None = None
    since: float | None = None  # recording date, seconds since the epoch, inclusive
    until: float | None = None  # exclusive
    recording: str | None = None  # part of the folder name or title

    def sql(self) -> tuple[str, list]:
        clauses, args = [], []
        if self.speaker:
            clauses.append("m.speaker = ? COLLATE NOCASE")
            args.append(self.speaker)
        if self.since is not None:
            clauses.append("r.date >= ?")
            args.append(self.since)
        if self.until is not None:
            clauses.append("r.date < ?")
            args.append(self.until)
        if self.recording:
            pattern = "%" + self.recording.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            clauses.append("(r.folder LIKE ? ESCAPE '\\' OR r.title LIKE ? ESCAPE '\\')")
            args += [pattern, pattern]
        return "".join(f" AND {c}" for c in clauses), args


@dataclass
class Hit:
    folder: str
    title: str
    date: float
    kind: str  # "turn" or "summary"
    start: float | None  # the first matched word's time when the words matched, else the moment's
    speaker: str
    text: str
    snippet: str  # matched words between MARK_START and MARK_END
    turn: int | None
    report: bool
    found_by: str  # "words", "meaning" or "words+meaning"
    score: float


def search(index: Index, query: Query, filters: Filters, embedder: Embedder | None = None,
           limit: int = 20) -> list[Hit]:
    where, args = filters.sql()
    marked: dict[int, str] = {}
    by_words: list[int] = []
    for expression in dict.fromkeys([query.all_terms, query.any_term]):
        rows = index.db.execute(
            "SELECT m.id, highlight(moments_fts, 0, ?, ?) FROM moments_fts JOIN moments m ON m.id = moments_fts.rowid "
            f"JOIN recordings r ON r.id = m.recording WHERE moments_fts MATCH ?{where} "
            "ORDER BY bm25(moments_fts) LIMIT ?", [MARK_START, MARK_END, expression, *args, CANDIDATES])
        for mid, text in rows:
            if mid not in marked:
                marked[mid] = text
                by_words.append(mid)
    by_meaning = [] if query.literal or embedder is None else _by_meaning(index, embedder, query.text, where, args)
    scores: dict[int, float] = {}
    for ranked in (by_words, by_meaning):
        for rank, mid in enumerate(ranked):
            scores[mid] = scores.get(mid, 0.0) + 1.0 / (RRF_K + rank + 1)
    if scores:  # search finds moments: what was said comes before what the summary says of it
        placeholders = ",".join("?" * len(scores))
        for (mid,) in index.db.execute(f"SELECT id FROM moments WHERE kind = 'summary' AND id IN ({placeholders})",
                                       list(scores)):
            scores[mid] *= SUMMARY_WEIGHT
    best = sorted(scores, key=lambda mid: -scores[mid])[:limit]
    meaning = set(by_meaning)
    return [_hit(index, mid, marked.get(mid), scores[mid], mid in meaning) for mid in best]


def _by_meaning(index: Index, embedder: Embedder, text: str, where: str, args: list) -> list[int]:
    rows = index.db.execute("SELECT m.id, m.vector FROM moments m JOIN recordings r ON r.id = m.recording "
                            f"WHERE m.vector IS NOT NULL{where}", args).fetchall()
    if not rows:
        return []
    ids = np.array([mid for mid, _ in rows])
    vectors = np.frombuffer(b"".join(v for _, v in rows), dtype=np.float16).reshape(len(rows), -1)
    similarity = vectors.astype(np.float32) @ embedder.embed([text])[0]
    order = np.argsort(-similarity, kind="stable")[:CANDIDATES]
    return [int(ids[i]) for i in order if similarity[i] >= MEANING_THRESHOLD]


def _hit(index: Index, mid: int, marked: str | None, score: float, by_meaning: bool) -> Hit:
    kind, start, speaker, text, turn, times, folder, title, date, report = index.db.execute(
        'SELECT m.kind, m.start, m.speaker, m.text, m.turn, m.times, r.folder, r.title, r.date, r.report '
        "FROM moments m JOIN recordings r ON r.id = m.recording WHERE m.id = ?", (mid,)).fetchone()
    words = (marked or text).split(" ")
    first = next((i for i, w in enumerate(words) if MARK_START in w), 0)
    times = json.loads(times)
    if marked and first < len(times):
        start = times[first]
    lo = max(first - SNIPPET_BEFORE, 0)
    hi = min(lo + SNIPPET_BEFORE + SNIPPET_AFTER, len(words))
    snippet = ("… " if lo else "") + " ".join(words[lo:hi]) + (" …" if hi < len(words) else "")
    found_by = "+".join(name for name, yes in (("words", marked is not None), ("meaning", by_meaning)) if yes)
    return Hit(folder, title, date, kind, start, speaker, text, snippet, turn, bool(report), found_by, round(score, 5))
