#!/usr/bin/env python
"""How well `offrecord search` finds the moments that answer a question, on human annotations.

    .venv/bin/python scripts/evaluate_search.py [--json FILE] [--per-query]

QMSum gives each of the four AMI ES2011 meetings (../shared/data/meeting-ami-es2011a/) queries
written by people, each with the transcript turns that answer it (`relevant_text_span`). The four
human transcripts (times spread by word count at ES2011a's pace) are made into one library, and
every specific query is searched across all four, once by words alone and once by words and
meaning. Printed for each: success@5 (the share of queries with at least one answering turn of
the right meeting among the first 5 moments; with spans tens of turns long this is what recall@5
can mean), MRR@10 (the mean of 1/rank of the first answering moment, 0 when none is in the first
10), and the seconds spent indexing, per hour of speech.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from evaluate_summary import AMI, AMI_SECONDS, qmsum_transcript, qmsum_turns

from offrecord.config import load_config
from offrecord.library import synced
from offrecord.library.meaning import embedder_for
from offrecord.library.query import parse
from offrecord.library.search import Filters, search
from offrecord.outputs.files import publish
from offrecord.outputs.formats import transcript_json

MEETINGS = ["ES2011a", "ES2011b", "ES2011c", "ES2011d"]


def build_library(out: Path) -> tuple[dict[str, list[int]], float]:
    """The four meetings as output folders; each folder's QMSum turn indexes, and hours of speech."""
    per_word = AMI_SECONDS / sum(len(words) for _, _, words in qmsum_turns("ES2011a"))
    turn_ids, seconds = {}, 0.0
    for meeting in MEETINGS:
        t, turn_ids[meeting] = qmsum_transcript(meeting, per_word)
        publish(out / meeting, {"transcript.json": transcript_json(t)})
        seconds += t.duration
    return turn_ids, seconds / 3600


def queries() -> list[tuple[str, str, set[int]]]:
    out = []
    for meeting in MEETINGS:
        for q in json.loads((AMI / f"qmsum-{meeting}.json").read_text())["specific_query_list"]:
            relevant = {i for a, b in q["relevant_text_span"] for i in range(int(a), int(b) + 1)}
            out.append((meeting, q["query"], relevant))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    parser.add_argument("--per-query", action="store_true", help="Print the rank of the first answer of each query.")
    args = parser.parse_args()
    cfg = load_config(None, {})
    report = {}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        turn_ids, hours = build_library(out)
        asked = queries()
        for name, embedder in (("words", None), ("words+meaning", embedder_for(cfg))):
            if name != "words" and embedder is None:
                print(f"{name}: the meaning model is not installed (offrecord models install {cfg.library.meaning_model})")
                continue
            started = time.perf_counter()
            index = synced(out, embedder, rebuild=True)
            indexing = time.perf_counter() - started
            firsts = []
            for meeting, text, relevant in asked:
                hits = search(index, parse(text), Filters(), embedder, limit=10)
                ranks = [n for n, h in enumerate(hits) if h.folder == meeting and h.turn is not None
                         and turn_ids[meeting][h.turn] in relevant]
                firsts.append(ranks[0] if ranks else None)
                if args.per_query:
                    print(f"  {name:<14} {meeting} rank {ranks[0] + 1 if ranks else '-':>2}  {text}")
            index.close()
            report[name] = {"queries": len(asked),
                            "success@5": round(sum(r is not None and r < 5 for r in firsts) / len(asked), 3),
                            "mrr@10": round(sum(1 / (r + 1) for r in firsts if r is not None) / len(asked), 3),
                            "index_seconds_per_hour_of_speech": round(indexing / hours, 2)}
            print(f"{name:<14} " + "  ".join(f"{k} {v}" for k, v in report[name].items()))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
