#!/usr/bin/env python
"""How good, how faithful and how costly a summary is, ours beside the one-call baseline.

    .venv/bin/python scripts/evaluate_summary.py out/sample/transcript.json clip/transcript.json --ami a b c d \
        [--qmsum PATH... | --split tune|confirm] [--baseline | --baseline-from REPORT.json] [--template T] \
        [--ami-template meeting] [--llm-model NAME] [--kv-cache f16|q8_0] [--set KEY=VALUE] [--json report.json] \
        [--out-dir DIR] [--rescore REPORT.json]

Inputs: transcript.json files (from a real `offrecord run`), with --ami the four AMI ES2011
meetings as speaker-attributed human transcripts from QMSum (times spread by word count), and with
--qmsum any QMSum-format meeting (a .json file, or a folder of them); --split names one half of
the development set (DEV_SPLIT, meetings of ../shared/data/meeting-qmsum-val/): tune on one,
confirm on the other. A QMSum meeting's reference is its official AMI abstract where there is one
(ami-abstracts/ beside it), else QMSum's answer to "Summarize the whole meeting."

Per summary it prints: items per part, claims (overview sentences, at-a-glance bullets, ideas, highlights, the
one-line "about" and template list items), claims the transcript does not support and claims
that name the wrong speaker (both by pipeline/summary/verify.py, the product's own checker; of
the unsupported, those "undecided": said to be decided or agreed, or in a decisions list, with no
words of a decision about them near their evidence),
near-duplicate items (most of the content words of an earlier item, or nothing but its words),
quote verbatim-and-speaker rate and highlight grounding,
the longest stretch without a highlight, decisions and action items found, ROUGE-1/2/L F1 of
overview + bullets + ideas against the human references (ES2011a: the official AMI abstract;
ES2011a-d: QMSum's answer to "Summarize the whole meeting."), ROUGE-1 F1 of the overview alone
and ROUGE-1 recall of the whole summary (every part) against the reference (`ref`), wall
seconds of the summary alone (model loading excluded), llama.cpp's token counts, and the peak
RSS of the process the model ran in, and where the time went (a table per summary: each phase's
calls, prompt tokens evaluated and tokens generated, with their seconds). Run it under the CPU
lock: its times are its results.

--baseline also runs the simplest peer design on every input: the whole transcript in one
prompt, 32k context, the same model, free text ("Summarize the whole meeting in one paragraph of
about 100-150 words, naming who said what."), scored the same way (its sentences are its claims).
--baseline-from REPORT.json takes the one call's rows of the meetings it holds from an earlier report
(they change only with the model) and runs it on the others.
--out-dir keeps every summary and every claim with its verdict, for reading them.
--rescore REPORT.json scores the summaries kept in --out-dir again (the checker or the
references changed), keeping the wall times and token counts of REPORT.json; no model runs.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from offrecord.config import load_config
from offrecord.data import Speaker, Transcript, Turn, Word
from offrecord.metrics import cost_table, rouge
from offrecord.run.models import Models
from offrecord.store import ModelStore
from offrecord.summary.templates import Template, load_template
from offrecord.summary.verify import Checker, near_duplicate, nothing_new, pointers, sentences
from offrecord.text import normalise

AMI = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "meeting-ami-es2011a"
QMSUM_VAL = AMI.parent / "meeting-qmsum-val"
# The development set, fixed before tuning: one half to tune on, the other to confirm on, each
# spread over the kinds of meeting (AMI design teams, ICSI research groups, a committee)
DEV_SPLIT = {"tune": ["ES2006a", "ES2009b", "IS1006b", "TS3009a", "TS3010c", "Bro011", "Bmr012", "education_10"],
             "confirm": ["ES2009a", "IS1006c", "TS3010b", "TS3010d", "ES2006c", "Bro022", "Bed010", "education_0"]}
AMI_SECONDS = 1113.8  # ES2011a's length (its speaker turns end there); b-d have no times here
BASELINE_PROMPT = "Summarize the whole meeting in one paragraph of about 100-150 words, naming who said what."
BASELINE_MAX_TOKENS = 600  # three times the paragraph asked for: room to finish, a bound if it loops
# The abstract's closing sentence: who was told to research what.
AMI_ASSIGNMENTS = [("Industrial Designer", r"design|component"), ("User Interface", r"technical|function"),
                   ("Marketing", r"user|requirement|market")]
# What the abstract says the group wanted in the remote: where the meeting sections should land.
AMI_SUGGESTIONS = {"locator": r"locat|find|lost", "screen": r"screen",
                   "fewer buttons": r"(fewer|less|too many|lots of) buttons|simplif",
                   "water-resistant": r"water", "clip": r"\bclip"}


def _qmsum(meeting: str) -> dict:
    """A QMSum meeting: ES2011a-d from AMI's folder, a file given by --qmsum, or one of QMSum's
    validation split."""
    path = AMI / f"qmsum-{meeting}.json"
    return json.loads((path if path.is_file() else QMSUM_FILES.get(meeting, QMSUM_VAL / f"{meeting}.json")).read_text())


QMSUM_FILES: dict[str, Path] = {}  # the --qmsum meetings, by name


def qmsum_paths(paths: list[Path]) -> list[Path]:
    return sorted(f for p in paths for f in (p.glob("*.json") if p.is_dir() else [p]))


def ami_transcript(letter: str = "a") -> Transcript:
    """QMSum's human transcript of ES2011{letter}. QMSum has no times: words are spread at
    ES2011a's pace (its length is known), so b-d last as long as their words take at that pace;
    grounding only needs times monotonic and consistent."""
    per_word = AMI_SECONDS / sum(len(words) for _, _, words in qmsum_turns("ES2011a"))
    return qmsum_transcript(f"ES2011{letter}", per_word)[0]


def qmsum_turns(meeting: str) -> list[tuple[int, str, list[str]]]:
    """(QMSum turn index, speaker, words) of each turn of a meeting that has words left once
    QMSum's markup ({vocalsound}, {disfmarker}) is taken out."""
    cleaned = []
    for index, turn in enumerate(_qmsum(meeting)["meeting_transcripts"]):
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


def references(name: str) -> dict[str, str]:
    match = re.fullmatch(r"ES2011([a-d])", name)
    if not match:
        if name not in QMSUM_FILES:
            return {}
        abstract = QMSUM_FILES[name].parent / "ami-abstracts" / f"{name}.abssumm.txt"
        human = _qmsum(name)["general_query_list"][0]["answer"]
        return {"ref": abstract.read_text() if abstract.is_file() else human, "qmsum": human}
    refs = {"qmsum": _qmsum(f"ES2011{match[1]}")["general_query_list"][0]["answer"]}
    if match[1] == "a":
        refs["abstract"] = (AMI / "ami-abstract-ES2011a.txt").read_text()
    refs["ref"] = refs.get("abstract", refs["qmsum"])
    return refs


def _text(item) -> str:
    """A summary item as text, whether summary.json has it as a string or as {"text", "evidence"}."""
    return item if isinstance(item, str) else item.get("text", "")


def _overview(s: dict) -> list[str]:
    return sentences(s["overview"]) if isinstance(s["overview"], str) else [_text(c) for c in s["overview"]]


def claims(s: dict, template: Template | None = None) -> list[dict]:
    """Every sentence the summary asserts, with the section it is in (and an action's owner), in
    the order the summary keeps them: a later one that repeats an earlier one is the duplicate."""
    out = [{"section": "about", "text": _text(s["about"])}] if s.get("about") else []
    # a highlight in a speaker's own words ('Ann: “...”', where no point of its part held) is a quote
    out += [{"section": "highlights", "text": h["text"], **({"said_by": m[1], "words": m[2]} if (
        m := SAID_LINE.fullmatch(h["text"])) else {})} for h in s.get("highlights", [])]
    out += [{"section": "overview", "text": x} for x in _overview(s)]
    out += [{"section": "at_a_glance", "text": _text(b)} for b in s.get("at_a_glance", [])]
    out += [{"section": "ideas", "text": f"{i['title']}. {i['text']}"} for i in s.get("ideas", [])]
    # a section of what was decided: each item says so, whatever its words
    decided = {sec.name for sec in template.sections if sec.decided} if template else set()
    for sec in s.get("sections", []):
        values = sec["value"] if isinstance(sec["value"], list) else sentences(sec["value"])
        for v in values:
            if isinstance(v, dict) and "task" in v:
                owner = None if v["owner"] == "unassigned" else v["owner"]
                out.append({"section": sec["name"], "text": v["task"], "owner": owner})
            else:
                out.append({"section": sec["name"], "text": _text(v), "decided": sec["name"] in decided})
    return [c for c in out if c["text"].strip()]


def faithfulness(items: list[dict], checker: Checker) -> dict:
    names = {sp.id: sp.name for sp in checker.t.speakers}
    for c in items:
        if "said_by" in c:  # checked as quotes are: word for word, in a turn of the speaker named
            held = [seg for seg in checker.t.segments if names[seg.speaker] == c["said_by"] and
                    c["words"] in " ".join(w.word for w in seg.words)]
            c.update(supported=bool(held), undecided=False, support=float(bool(held)), wrong_speaker=False,
                     names=[c["said_by"]], evidence=[[seg.start, seg.end, c["said_by"]] for seg in held[:1]])
            continue
        v = checker.check(c["text"], c.get("owner"), decided=c.get("decided", False))
        c.update(supported=(v.supported or v.corrected) and not v.undecided, undecided=v.undecided, support=round(v.support, 2),
                 wrong_speaker=bool(v.wrong_names) or v.corrected, names=checker.mentioned(c["text"]),
                 evidence=[[e.start, e.end, e.speaker] for e in pointers([v])])
    texts = [c["text"] for c in items]
    names = list(checker.people)
    duplicates = [c for i, c in enumerate(items)
                  if any(near_duplicate(c["text"], t, names) or nothing_new(c["text"], t, names) for t in texts[:i])]
    for c in duplicates:
        c["duplicate"] = True
    unsupported = sum(not c["supported"] for c in items)
    return {"claims": len(items), "unsupported": unsupported,
            "unsupported_rate": round(unsupported / len(items), 3) if items else None,
            "undecided": sum(c["undecided"] for c in items),
            "wrong_speaker": sum(c["wrong_speaker"] for c in items), "duplicates": len(duplicates)}


SAID_LINE = re.compile(r"(.+?): “(.+)”")


def grounding(s: dict, t: Transcript) -> dict:
    names = {sp.id: sp.name for sp in t.speakers}
    verbatim = sum(any(names[seg.speaker] == q["speaker"] and q["text"] in " ".join(w.word for w in seg.words)
                       and seg.start <= q["start"] < q["end"] <= seg.end for seg in t.segments) for q in s["quotes"])
    starts = {w.start for seg in t.segments for w in seg.words}
    grounded = sum(h["start"] in starts for h in s["highlights"])
    return {"quotes": len(s["quotes"]),
            "quote_verbatim_speaker_rate": round(verbatim / len(s["quotes"]), 3) if s["quotes"] else None,
            "highlights": len(s["highlights"]),
            "highlight_grounding_rate": round(grounded / len(s["highlights"]), 3) if s["highlights"] else None}


def scored_text(s: dict) -> str:
    """What ROUGE reads: overview, at-a-glance bullets and ideas (the issue's comparison)."""
    return " ".join([*_overview(s), *(_text(b) for b in s.get("at_a_glance", [])),
                     *(f"{i['title']}. {i['text']}" for i in s.get("ideas", []))])


def whole_text(s: dict) -> str:
    """Every word the summary shows: the whole summary's recall is read on this."""
    sections = [json.dumps(sec["value"], ensure_ascii=False) for sec in s.get("sections", [])]
    return " ".join([s.get("title", ""), _text(s.get("about") or ""), *_overview(s), scored_text(s),
                     *(q["text"] for q in s.get("quotes", [])), *(h["text"] for h in s.get("highlights", [])),
                     *sections])


def quality(name: str, text: str, overview: str = "", whole: str = "") -> dict:
    """ROUGE of `text` against each reference; with `overview` and `whole`, the overview's
    ROUGE-1 F1 and the whole summary's ROUGE-1 recall against the reference `ref`."""
    out = {}
    for ref_name, ref in references(name).items():
        if ref_name != "ref":
            out.update({f"{k}_{ref_name}": round(v, 3) for k, v in rouge(ref, text).items()})
    if ref := references(name).get("ref"):
        out["overview_rouge1"] = round(rouge(ref, overview or text)["rouge1"], 3)
        out["whole_recall1"] = round(recall1(ref, whole or text), 3)
    return out


def recall1(reference: str, hypothesis: str) -> float:
    """ROUGE-1 recall: the share of the reference's words (with their counts) the hypothesis holds."""
    ref, hyp = Counter(normalise(reference)), Counter(normalise(hypothesis))
    return sum(min(n, hyp[w]) for w, n in ref.items()) / max(sum(ref.values()), 1)


def shape(s: dict, t: Transcript) -> dict:
    """Items per part, decisions and action items found, and the longest stretch of the recording
    without a highlight, in minutes."""
    sections = {sec["name"]: sec["value"] for sec in s.get("sections", [])}
    starts = sorted(h["start"] for h in s.get("highlights", []))
    edges = [0.0, *starts, t.duration]
    return {"items": {"about": int(bool(s.get("about"))), "overview": len(_overview(s)),
                      "points": len(s.get("at_a_glance", [])), "ideas": len(s.get("ideas", [])),
                      "quotes": len(s.get("quotes", [])), "highlights": len(starts),
                      **{name: len(v) if isinstance(v, list) else len(sentences(v)) for name, v in sections.items()}},
            "decisions": len(sections.get("decisions", [])), "action_items": len(sections.get("action_items", [])),
            "longest_gap_min": round(max(b - a for a, b in zip(edges, edges[1:])) / 60, 1)}


def ami_sections(s: dict) -> dict:
    actions = next((sec["value"] for sec in s.get("sections", []) if sec["name"] == "action_items"), [])
    found = [owner for owner, topic in AMI_ASSIGNMENTS
             if any(a["owner"] == owner and re.search(topic, a["task"], re.I) for a in actions)]
    written = " ".join(json.dumps(sec["value"]) for sec in s.get("sections", []))
    wanted = [name for name, pattern in AMI_SUGGESTIONS.items() if re.search(pattern, written, re.I)]
    return {"abstract_assignments_found": f"{len(found)}/{len(AMI_ASSIGNMENTS)}",
            "abstract_suggestions_in_sections": f"{len(wanted)}/{len(AMI_SUGGESTIONS)}"}


def run_ours(inputs, cfg_for, out_dir) -> dict:
    rows = {}
    models = None
    for name, t, template in inputs:
        cfg = cfg_for(template)
        if models is None or models.cfg.summary != cfg.summary:
            if models:
                models.close()
            models = Models(cfg, ModelStore(cfg.models.store, cfg.models.paths))
            # start the model's process before the clock starts: that is not the summary's cost
            models.summarizer.summarize(Transcript("warm-up", 0.0, "en", {}, [], []), load_template(template))
            loaded = False
        started = time.perf_counter()
        summary = models.summarizer.summarize(t, load_template(template)).to_dict()
        usage = models.summarizer.usage
        # The model loads at the context the first transcript needs: like the baseline's one load,
        # that is not a summary's cost. A later, longer transcript's load again is (shown as load_s).
        wall = time.perf_counter() - started - (0 if loaded else usage["load_ms"] / 1000)
        loaded = True
        items = claims(summary, load_template(template))
        rows[name] = {"template": template, "wall_s": round(wall, 1), "load_s": round(usage["load_ms"] / 1000, 1),
                      **shape(summary, t), **faithfulness(items, Checker(t)), **grounding(summary, t),
                      **quality(name, scored_text(summary), " ".join(_overview(summary)), whole_text(summary)),
                      "prompt_tokens": usage["prompt_tokens"], "prompt_evaluated": usage["prompt_evaluated"],
                      "completion_tokens": usage["generated"], "repeats_cut": usage["repeats_cut"],
                      "prompt_tok_s": round(usage["prompt_evaluated"] / max(usage["prompt_ms"], 1) * 1000, 1),
                      "gen_tok_s": round(usage["generated"] / max(usage["generate_ms"], 1) * 1000, 1),
                      **({} if name != "ES2011a" else ami_sections(summary)), "phases": usage["phases"],
                      "proposed": len(usage.get("verdicts", [])), "kept": sum(v["kept"] for v in usage.get("verdicts", []))}
        _keep(out_dir, f"{name}.ours", summary, items)
        if out_dir:  # every sentence the model proposed, kept or dropped, and the checker's reason
            (out_dir / f"{name}.ours.verdicts.json").write_text(json.dumps(usage.get("verdicts", []), indent=1))
        print(f"ours {name}: {json.dumps(rows[name])}", file=sys.stderr, flush=True)
    if models:
        models.close()
    # the summary model's process, at its largest (the baseline's is this process itself)
    rows["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    return rows


def run_baseline(inputs, cfg, out_dir, earlier: dict | None = None) -> dict:
    """The one call on each input; `earlier`: rows of an earlier report, kept for the meetings
    they hold (the one call's results change only with the model)."""
    rows = {name: row for name, row in (earlier or {}).items() if name in {n for n, _, _ in inputs}}
    if not (inputs := [i for i in inputs if i[0] not in rows]):
        return rows
    import llama_cpp  # after offrecord, which sets OpenMP's waiting before OpenMP starts

    gguf = ModelStore(cfg.models.store, cfg.models.paths).file(cfg.summary.model, "model.gguf")
    llm = llama_cpp.Llama(model_path=str(gguf), n_ctx=32768, n_threads=cfg.cpu_threads,
                          n_threads_batch=cfg.cpu_threads, seed=cfg.summary.seed, verbose=False)
    try:
        for name, t, _ in inputs:
            lines = "\n".join(f"{t.speaker_name(seg.speaker)}: {seg.text}" for seg in t.segments)
            llm.reset()  # no help from the previous input's evaluated prompt
            llama_cpp.llama_perf_context_reset(llm.ctx)
            started = time.perf_counter()
            reply = llm.create_chat_completion(
                messages=[{"role": "system", "content": "You summarise recorded conversations faithfully."},
                          {"role": "user", "content": f"Transcript:\n\n{lines}\n\n{BASELINE_PROMPT}"}],
                temperature=cfg.summary.temperature, seed=cfg.summary.seed, max_tokens=BASELINE_MAX_TOKENS)
            wall = time.perf_counter() - started
            perf = llama_cpp.llama_perf_context(llm.ctx)
            text = reply["choices"][0]["message"]["content"].strip()
            summary = {"title": "", "overview": text, "quotes": [], "highlights": []}
            items = claims(summary)
            rows[name] = {"wall_s": round(wall, 1), **faithfulness(items, Checker(t)), **quality(name, text),
                          "prompt_tokens": reply["usage"]["prompt_tokens"], "prompt_evaluated": perf.n_p_eval,
                          "completion_tokens": reply["usage"]["completion_tokens"],
                          "prompt_tok_s": round(perf.n_p_eval / max(perf.t_p_eval_ms, 1) * 1000, 1),
                          "gen_tok_s": round(perf.n_eval / max(perf.t_eval_ms, 1) * 1000, 1)}
            _keep(out_dir, f"{name}.baseline", summary, items)
            print(f"baseline {name}: {json.dumps(rows[name])}", file=sys.stderr, flush=True)
    finally:
        llm.close()
    rows["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return rows


def rescore(previous: dict, inputs, out_dir: Path) -> dict:
    results = {}
    for who, rows in previous.items():
        for name, t, template in inputs:
            if name not in rows:
                continue
            summary = json.loads((out_dir / f"{name}.{who}.summary.json").read_text())
            items = claims(summary, load_template(template) if who == "ours" else None)
            if who == "ours":
                fresh = {**shape(summary, t), **faithfulness(items, Checker(t)), **grounding(summary, t),
                         **quality(name, scored_text(summary), " ".join(_overview(summary)), whole_text(summary))}
            else:
                fresh = {**faithfulness(items, Checker(t)), **quality(name, summary["overview"])}
            results.setdefault(who, {})[name] = {**rows[name], **fresh}
            _keep(out_dir, f"{name}.{who}", summary, items)
        if who in results and rows.get("peak_rss_mb"):
            results[who]["peak_rss_mb"] = rows["peak_rss_mb"]
    return results


def _keep(out_dir: Path | None, stem: str, summary: dict, items: list[dict]) -> None:
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{stem}.summary.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False))
        (out_dir / f"{stem}.claims.json").write_text(json.dumps(items, indent=1, ensure_ascii=False))


def table(results: dict) -> str:
    peaks = {who: rows.pop("peak_rss_mb", None) for who, rows in results.items()}
    names = list(dict.fromkeys(n for rows in results.values() for n in rows))
    keys = list(dict.fromkeys(k for rows in results.values() for row in rows.values() for k in row if k != "phases"))
    head = ["metric"] + [f"{n} {who}" for n in names for who in results if n in results[who]]
    lines = [" | ".join(head)]
    for k in keys:
        lines.append(" | ".join([k] + [str(results[who][n].get(k, "")) for n in names for who in results
                                       if n in results[who]]))
    for who, rows in results.items():
        meetings = [r for r in rows.values() if r.get("overview_rouge1") is not None]
        for k in ("overview_rouge1", "whole_recall1", "wall_s", "unsupported", "wrong_speaker", "duplicates"):
            values = [r[k] for r in meetings if r.get(k) is not None]
            if values:
                lines.append(f"mean {k} over {len(values)} meetings, {who}: {sum(values) / len(values):.3f}")
    ours, one = results.get("ours", {}), results.get("baseline", {})
    if paired := [n for n in ours if n in one and ours[n].get("overview_rouge1") is not None]:
        behind = [n for n in paired if ours[n]["overview_rouge1"] < one[n]["overview_rouge1"]]
        lines.append(f"overview ROUGE-1 below the one call's on {len(behind)} of {len(paired)}: {', '.join(behind)}")
        # the mean alone hides a meeting where one design loops: each meeting's ratio, and their median
        ratios = {n: ours[n]["wall_s"] / one[n]["wall_s"] for n in paired}
        lines.append("time, ours against the one call: " + ", ".join(f"{n} {r:.3f}x" for n, r in ratios.items()) +
                     f"; median {statistics.median(ratios.values()):.3f}x, all together "
                     f"{sum(ours[n]['wall_s'] for n in paired) / sum(one[n]['wall_s'] for n in paired):.3f}x")
    lines += [f"peak RSS of the summary model, {who}: {peak} MB" for who, peak in peaks.items() if peak]
    for who, rows in results.items():
        for n, row in rows.items():
            if row.get("phases"):
                lines += [f"\n{n} {who}: cost per phase", *cost_table(row["phases"])]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("transcripts", nargs="*", type=Path)
    parser.add_argument("--ami", nargs="*", default=[], choices=list("abcd"), help="AMI ES2011 meetings to add")
    parser.add_argument("--qmsum", nargs="*", default=[], type=Path, help="QMSum-format meetings (.json, or folders)")
    parser.add_argument("--split", choices=list(DEV_SPLIT), help="one half of the development set")
    parser.add_argument("--template", default=None, help="for the transcript files (default: the config's)")
    parser.add_argument("--ami-template", default="meeting")
    parser.add_argument("--llm-model", default=None)
    parser.add_argument("--kv-cache", choices=["f16", "q8_0"], help="the summary model's cache type (default: the config's)")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                        help="a summary setting for ours, e.g. --set n_ctx=16384 (repeatable)")
    parser.add_argument("--baseline", action="store_true", help="also run the one-call baseline")
    parser.add_argument("--baseline-from", type=Path, help="an earlier --json report whose one-call rows to keep")
    parser.add_argument("--no-ours", action="store_true", help="only the baseline")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--out-dir", type=Path)
    parser.add_argument("--rescore", type=Path, help="a previous --json report whose summaries are in --out-dir")
    args = parser.parse_args()
    base = load_config(None, {"summary": {"model": args.llm_model}} if args.llm_model else {})
    inputs = [(f"ES2011{x}", ami_transcript(x), args.ami_template) for x in args.ami]
    files = qmsum_paths(args.qmsum) + [QMSUM_VAL / f"{m}.json" for m in DEV_SPLIT.get(args.split, [])]
    QMSUM_FILES.update({f.stem: f for f in files})
    per_word = AMI_SECONDS / sum(len(words) for _, _, words in qmsum_turns("ES2011a"))
    inputs += [(name, qmsum_transcript(name, per_word)[0], args.ami_template) for name in QMSUM_FILES]
    inputs += [(p.parent.name, Transcript.from_dict(json.loads(p.read_text())), args.template or base.summary.template)
               for p in args.transcripts]
    if not inputs:
        parser.error("give transcript.json files, --ami, --qmsum or --split")

    def cfg_for(template: str):
        chosen = dict(setting.split("=", 1) for setting in args.settings)
        return load_config(None, {"summary": {**chosen, **{k: v for k, v in (("model", args.llm_model), ("template", template),
                                                                           ("kv_cache", args.kv_cache)) if v}}})

    results = {}
    if args.rescore:
        results = rescore(json.loads(args.rescore.read_text()), inputs, args.out_dir)
    elif not args.no_ours:
        results["ours"] = run_ours(inputs, cfg_for, args.out_dir)
    if not args.rescore and (args.baseline or args.baseline_from or args.no_ours):
        earlier = json.loads(args.baseline_from.read_text()).get("baseline") if args.baseline_from else None
        results["baseline"] = run_baseline(inputs, base, args.out_dir, earlier)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
