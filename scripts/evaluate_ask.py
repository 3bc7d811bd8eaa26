#!/usr/bin/env python
"""How well `offrecord ask` answers what a library holds, and declines what it does not, on
human annotations.

    .venv/bin/python scripts/evaluate_ask.py [--library ES2011] [--abstain Bed] [--limit N]
        [--llm-model NAME] [--per-question] [--json FILE]

QMSum gives each meeting questions written by people, each with a human answer and the turns
that answer it (`relevant_text_span`). The meetings of one series (--library, a prefix: ES2011 is
AMI's ES2011a-d in ../shared/data/meeting-ami-es2011a/; any other picks meetings of QMSum's
validation split in ../shared/data/meeting-qmsum-val/, such as ES2006, TS3009, Bed, Bro) become
one library of their human transcripts (times spread by word count at ES2011a's pace), and each
of their specific questions is asked of it as `offrecord ask` asks it: search's passages, the
model in its own process, every sentence checked. The questions of another series (--abstain)
are asked of the same library, which cannot answer them. --limit keeps the first N questions of
each. Another series of AMI's remote control design (ES, IS, TS) talks about the same remote, so
its questions are not ones the library cannot answer: take ICSI's (Bed, Bmr, Bro) or a
committee's (covid, education) to measure declining.

Printed, per question with --per-question, and in all:
- found: the share of the library's own questions answered, and of the other series' (should be 0);
- ROUGE-1 F1 against the human answer, over the questions answered, and over all (one not
  answered scores 0);
- citation precision: the share of cited moments in the question's own meeting inside the turns
  QMSum marks as answering it, one turn either side allowed;
- sentences shown that the checker does not support, checked again on the cited recording's
  whole transcript (where it may choose other evidence than among the passages the model read);
  and of the model's sentences, those written again and those dropped;
- seconds per answer once the model is loaded, and the first answer's, loading included.
Run it alone: its times are its results.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from evaluate_summary import AMI, AMI_SECONDS, QMSUM_VAL, _qmsum, qmsum_transcript, qmsum_turns

from offrecord.config import load_config
from offrecord.library import synced
from offrecord.library.meaning import embedder_for
from offrecord.library.passages import find
from offrecord.library.query import parse
from offrecord.library.search import Filters
from offrecord.metrics import rouge
from offrecord.outputs.files import publish
from offrecord.outputs.formats import transcript_json
from offrecord.run.models import Models
from offrecord.store import ModelStore
from offrecord.summary.answer import Answer, answer, search_text
from offrecord.summary.verify import Checker


def series(prefix: str) -> list[str]:
    names = {p.stem.removeprefix("qmsum-") for p in AMI.glob("qmsum-*.json")} | {p.stem for p in QMSUM_VAL.glob("*.json")}
    return sorted(n for n in names if n.startswith(prefix))


def questions(meetings: list[str], limit: int | None) -> list[tuple[str, dict]]:
    return [(m, q) for m in meetings for q in _qmsum(m)["specific_query_list"]][:limit]


def marked(q: dict) -> list[tuple[int, int]]:
    """The QMSum turns that answer a question, one turn either side allowed."""
    return [(int(a) - 1, int(b) + 1) for a, b in q["relevant_text_span"]]


def score(a: Answer, meeting: str, q: dict, library: dict, seconds: float) -> dict:
    cited = in_span = unsupported = 0
    for s in a.sentences:
        t, turn_ids, checker = library[s.evidence[0].recording]
        unsupported += not checker.check(s.text).supported
        for c in s.evidence:
            t, turn_ids, _ = library[c.recording]
            turn = next(i for i, seg in enumerate(t.segments) if seg.start <= c.start <= seg.end)
            cited += 1
            in_span += c.recording == meeting and any(lo <= turn_ids[turn] <= hi for lo, hi in marked(q))
    text = " ".join(s.text for s in a.sentences)
    return {"meeting": meeting, "question": q["query"], "found": a.found, "answer": text,
            "rouge1": rouge(q["answer"], text)["rouge1"] if a.found else 0.0, "sentences": len(a.sentences),
            "cited": cited, "in_span": in_span,
            "unsupported": unsupported, "proposed": a.proposed, "rewritten": a.rewritten,
            "dropped": a.proposed - len(a.sentences), "off_topic": a.off_topic, "seconds": round(seconds, 2)}


def figures(own: list[dict], other: list[dict]) -> dict:
    answered = [r for r in own if r["found"]]
    rows = own + other
    cited = sum(r["cited"] for r in own)
    return {
        "questions": len(own), "found": round(len(answered) / max(len(own), 1), 3),
        "rouge1_answered": round(statistics.mean(r["rouge1"] for r in answered), 3) if answered else None,
        "rouge1_all": round(statistics.mean(r["rouge1"] for r in own), 3) if own else None,
        "citations": cited, "citation_precision": round(sum(r["in_span"] for r in own) / cited, 3) if cited else None,
        "other_questions": len(other),
        "other_not_found": round(sum(not r["found"] for r in other) / len(other), 3) if other else None,
        "sentences_shown": sum(r["sentences"] for r in rows),
        "shown_unsupported": sum(r["unsupported"] for r in rows),
        "proposed": sum(r["proposed"] for r in rows), "rewritten": sum(r["rewritten"] for r in rows),
        "dropped": sum(r["dropped"] for r in rows), "off_topic": sum(r["off_topic"] for r in rows),
        "first_seconds": rows[0]["seconds"] if rows else None,
        "seconds_after_first": round(statistics.mean(r["seconds"] for r in rows[1:]), 2) if len(rows) > 1 else None,
        "seconds_max_after_first": max((r["seconds"] for r in rows[1:]), default=None),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--library", default="ES2011", help="the series made into a library (a name prefix)")
    parser.add_argument("--abstain", default="Bed", help="the series whose questions it cannot answer ('' for none)")
    parser.add_argument("--limit", type=int, help="at most this many questions of each series")
    parser.add_argument("--llm-model", help="default: the summary model of the config")
    parser.add_argument("--per-question", action="store_true")
    parser.add_argument("--json", type=Path, help="also write every answer and the figures here")
    args = parser.parse_args()
    meetings = series(args.library)
    if not meetings:
        parser.error(f"no QMSum meeting starts with {args.library!r}")
    other = series(args.abstain) if args.abstain else []
    if set(other) & set(meetings):
        parser.error("--abstain must name another series than --library")
    cfg = load_config(None, {"summary": {"model": args.llm_model}} if args.llm_model else {})
    per_word = AMI_SECONDS / sum(len(words) for _, _, words in qmsum_turns("ES2011a"))
    asked = [("own", m, q) for m, q in questions(meetings, args.limit)] + \
        [("other", m, q) for m, q in questions(other, args.limit)]
    print(f"library {', '.join(meetings)}; {len(asked)} questions; model {cfg.summary.model}", flush=True)
    rows: dict[str, list[dict]] = {"own": [], "other": []}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        library = {}
        for m in meetings:
            t, turn_ids = qmsum_transcript(m, per_word)
            publish(out / m, {"transcript.json": transcript_json(t)})
            library[m] = (t, turn_ids, Checker(t))
        embedder = embedder_for(cfg)
        index = synced(out, embedder, rebuild=True)
        models = Models(cfg, ModelStore(cfg.models.store, cfg.models.paths))
        try:
            people = index.speakers()
            for kind, meeting, q in asked:
                started = time.perf_counter()
                passages, _ = find(index, parse(search_text(q["query"], people)), Filters(), embedder)
                a = answer(q["query"], passages, lambda system, asks: models.summarizer.complete(system, asks))
                row = score(a, meeting, q, library, time.perf_counter() - started)
                rows[kind].append(row)
                if args.per_question:
                    print(f"{kind:5} {meeting:8} {'found' if row['found'] else 'not found':9} R1 {row['rouge1']:.2f} "
                          f"cited {row['in_span']}/{row['cited']} {row['seconds']:5.1f}s  {q['query']}\n"
                          f"      {row['answer']}", flush=True)
        finally:
            models.close()
            index.close()
    report = figures(rows["own"], rows["other"])
    print("  ".join(f"{k} {v}" for k, v in report.items()))
    if args.json:
        args.json.write_text(json.dumps({"command": sys.argv, "model": cfg.summary.model, "figures": report, **rows},
                                        indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
