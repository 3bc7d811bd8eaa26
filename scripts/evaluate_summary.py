#!/usr/bin/env python
"""How good and how grounded a summary is.

    .venv/bin/python scripts/evaluate_summary.py TRANSCRIPT_JSON [--template meeting] [--llm-model NAME]
    .venv/bin/python scripts/evaluate_summary.py --ami-es2011a [--template meeting]

Prints: quote verbatim rate (shown quotes that occur word for word in a turn of the speaker they
are attributed to), quotes proposed by the model and kept, highlight grounding rate (highlights
stamped at the first word of the passage they title), section completeness, tokens in/out,
prompt and generation tokens per second, wall time. For --ami-es2011a (the 18-minute AMI
meeting, speaker-attributed human transcript from QMSum) also ROUGE-1/2/L F1 against the
official human abstract, which of the abstract's three assignments the action items carry, and
which of the five features the abstract says the group suggested appear in the template's sections.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

from pipeline.config import load_config
from pipeline.data import Speaker, Summary, Transcript, Turn, Word
from pipeline.metrics import rouge
from pipeline.run.models import Models
from pipeline.store import ModelStore
from pipeline.summary.templates import load_template

AMI = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "meeting-ami-es2011a"
AMI_SECONDS = 1113.8  # the meeting's length (its speaker turns end there)
# The abstract's closing sentence: who was told to research what.
AMI_ASSIGNMENTS = [("Industrial Designer", r"design|component"), ("User Interface", r"technical|function"),
                   ("Marketing", r"user|requirement|market")]
# What the abstract says the group wanted in the remote: where the meeting sections should land.
AMI_SUGGESTIONS = {"locator": r"locat|find|lost", "screen": r"screen",
                   "fewer buttons": r"(fewer|less|too many|lots of) buttons|simplif",
                   "water-resistant": r"water", "clip": r"\bclip"}


def ami_transcript() -> Transcript:
    """QMSum's human transcript of ES2011a, with times spread over the meeting by word count
    (QMSum has no times; the summary's grounding only needs them monotonic and consistent)."""
    return qmsum_transcript("ES2011a", AMI_SECONDS / sum(len(words) for _, _, words in qmsum_turns("ES2011a")))[0]


def qmsum_turns(meeting: str) -> list[tuple[int, str, list[str]]]:
    """(QMSum turn index, speaker, words) of each turn of a meeting that has words left once
    QMSum's markup ({vocalsound}, {disfmarker}) is taken out."""
    turns = json.loads((AMI / f"qmsum-{meeting}.json").read_text())["meeting_transcripts"]
    cleaned = []
    for index, turn in enumerate(turns):
        text = re.sub(r"\{\w+\}", " ", turn["content"])
        text = re.sub(r"\s+([.,?!'])", r"\1", text)
        text = re.sub(r"\s+", " ", text).strip()
        if text:
            cleaned.append((index, turn["speaker"], text.split()))
    return cleaned


def qmsum_transcript(meeting: str, per_word: float) -> tuple[Transcript, list[int]]:
    """A meeting's QMSum transcript with a word every `per_word` seconds, and the QMSum turn
    index of each of its segments."""
    cleaned = qmsum_turns(meeting)
    speakers = list(dict.fromkeys(s for _, s, _ in cleaned))
    ids = {name: f"SPEAKER_{i:02d}" for i, name in enumerate(speakers)}
    segments, now = [], 0.0
    for _, speaker, words in cleaned:
        ws = []
        for w in words:
            ws.append(Word(start=round(now, 3), end=round(now + per_word * 0.9, 3), word=w, probability=1.0,
                           speaker=ids[speaker]))
            now += per_word
        segments.append(Turn(start=ws[0].start, end=ws[-1].end, text=" ".join(words), words=ws, speaker=ids[speaker]))
    t = Transcript(source=str(AMI / f"{meeting}.wav"), duration=round(now, 3), language="en",
                   models={"asr": "human (QMSum)"}, speakers=[Speaker(ids[n], n, "reference") for n in speakers],
                   segments=segments)
    return t, [index for index, _, _ in cleaned]


def grounding(summary: Summary, t: Transcript) -> dict:
    names = {s.id: s.name for s in t.speakers}
    verbatim = sum(any(names[seg.speaker] == q.speaker and q.text in " ".join(w.word for w in seg.words)
                       and seg.start <= q.start < q.end <= seg.end for seg in t.segments) for q in summary.quotes)
    starts = {w.start for seg in t.segments for w in seg.words}
    grounded = sum(h.start in starts for h in summary.highlights)
    values = {name: getattr(summary, name) for name in ("title", "overview", "at_a_glance", "ideas", "quotes", "highlights")}
    values.update({section["name"]: section["value"] for section in summary.sections})
    present = [name for name, value in values.items() if value]
    expected = list(values)
    return {"quotes_shown": len(summary.quotes),
            "quote_verbatim_and_speaker_rate": verbatim / len(summary.quotes) if summary.quotes else None,
            "highlights": len(summary.highlights),
            "highlight_grounding_rate": grounded / len(summary.highlights) if summary.highlights else None,
            "sections_present": f"{len(present)}/{len(expected)}",
            "missing_sections": sorted(set(expected) - set(present))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("transcript", nargs="?", type=Path)
    parser.add_argument("--ami-es2011a", action="store_true")
    parser.add_argument("--template", default=None)
    parser.add_argument("--llm-model", default=None)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--out", type=Path, help="also write the summary.json here")
    args = parser.parse_args()
    if args.ami_es2011a == bool(args.transcript):
        parser.error("give a transcript.json or --ami-es2011a")
    t = ami_transcript() if args.ami_es2011a else Transcript.from_dict(json.loads(args.transcript.read_text()))
    overrides = {"summary": {k: v for k, v in (("model", args.llm_model), ("template", args.template)) if v}}
    cfg = load_config(None, overrides)
    models = Models(cfg, ModelStore(cfg.models.store, cfg.models.paths))
    summarizer = models.summarizer
    started = time.perf_counter()
    summary = summarizer.summarize(t, load_template(cfg.summary.template))
    wall = time.perf_counter() - started
    usage = summarizer.usage
    models.close()
    report = {"model": cfg.summary.model, "template": cfg.summary.template, "wall_seconds": round(wall, 1),
              **grounding(summary, t),
              "quotes_proposed": usage["quotes_proposed"], "quotes_kept": usage["quotes_kept"],
              "prompt_tokens": usage["prompt_tokens"], "completion_tokens": usage["completion_tokens"],
              "prompt_tokens_per_s": round(usage["prompt_evaluated"] / max(usage["prompt_ms"], 1) * 1000, 1),
              "generation_tokens_per_s": round(usage["generated"] / max(usage["generate_ms"], 1) * 1000, 1)}
    if args.ami_es2011a:
        abstract = (AMI / "ami-abstract-ES2011a.txt").read_text()
        written = " ".join([summary.overview, *summary.at_a_glance, *(f"{i.title}. {i.text}" for i in summary.ideas)])
        report.update({k: round(v, 3) for k, v in rouge(abstract, written).items()})
        actions = next((sec["value"] for sec in summary.sections if sec["name"] == "action_items"), [])
        found = [owner for owner, topic in AMI_ASSIGNMENTS
                 if any(a["owner"] == owner and re.search(topic, a["task"], re.I) for a in actions)]
        report["abstract_assignments_found"] = f"{len(found)}/{len(AMI_ASSIGNMENTS)} {found}"
        sections = " ".join(json.dumps(sec["value"]) for sec in summary.sections)
        wanted = [name for name, pattern in AMI_SUGGESTIONS.items() if re.search(pattern, sections, re.I)]
        report["abstract_suggestions_in_sections"] = f"{len(wanted)}/{len(AMI_SUGGESTIONS)} {wanted}"
    for key, value in report.items():
        print(f"{key:<34} {value}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    if args.out:
        args.out.write_text(json.dumps(summary.to_dict(), indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
