"""Accuracy measures shared by the evaluation script and the tests."""

from __future__ import annotations

import itertools

from .text import normalise


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance in words, reference length) after normalisation."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1], len(ref)


def word_error_rate(reference: str, hypothesis: str) -> float:
    errors, length = word_errors(reference, hypothesis)
    return errors / max(length, 1)


def cp_word_error_rate(reference: dict[str, str], hypothesis: dict[str, str]) -> float:
    """Concatenated minimum-permutation WER: each reference speaker's words against one
    hypothesis speaker's words, under the pairing of speakers that gives the fewest errors.
    Words given to the wrong speaker count as errors, unlike plain WER."""
    refs, hyps = list(reference.values()), list(hypothesis.values())
    size = max(len(refs), len(hyps))
    refs += [""] * (size - len(refs))
    hyps += [""] * (size - len(hyps))
    total = sum(len(normalise(r)) for r in refs)
    best = min(sum(word_errors(r, h)[0] for r, h in zip(refs, perm)) for perm in itertools.permutations(hyps))
    return best / max(total, 1)


def _ngrams(words: list[str], n: int) -> dict[tuple, int]:
    counts: dict[tuple, int] = {}
    for i in range(len(words) - n + 1):
        gram = tuple(words[i:i + n])
        counts[gram] = counts.get(gram, 0) + 1
    return counts


def _f1(overlap: int, ref_total: int, hyp_total: int) -> float:
    if not overlap:
        return 0.0
    precision, recall = overlap / hyp_total, overlap / ref_total
    return 2 * precision * recall / (precision + recall)


def rouge(reference: str, hypothesis: str) -> dict[str, float]:
    """ROUGE-1, ROUGE-2 and ROUGE-L F1 on normalised words (no stemming, no stop-word removal)."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    scores = {}
    for n in (1, 2):
        r, h = _ngrams(ref, n), _ngrams(hyp, n)
        overlap = sum(min(count, h.get(gram, 0)) for gram, count in r.items())
        scores[f"rouge{n}"] = _f1(overlap, max(sum(r.values()), 1), max(sum(h.values()), 1))
    row = [0] * (len(hyp) + 1)  # longest common subsequence, one row at a time
    for r_word in ref:
        prev_diag = 0
        for j, h_word in enumerate(hyp, 1):
            prev_diag, row[j] = row[j], prev_diag + 1 if r_word == h_word else max(row[j], row[j - 1])
    scores["rougeL"] = _f1(row[-1], max(len(ref), 1), max(len(hyp), 1))
    return scores


def cost_table(phases: dict) -> list[str]:
    """Where a summary's time went (Summarizer.usage["phases"]): per part asked for, the calls,
    the prompt tokens llama.cpp evaluated (a cached prefix is not) and the tokens generated, with
    their seconds and share of the model's time."""
    total = sum(c["prompt_ms"] + c["generate_ms"] for c in phases.values()) or 1
    rows = {**phases, "all": {k: sum(c[k] for c in phases.values())
                              for k in ("calls", "prompt_evaluated", "prompt_ms", "generated", "generate_ms")}}
    return ["phase | calls | prompt tokens evaluated | prompt s | tokens generated | generation s | share"] + [
        f"{name} | {c['calls']} | {c['prompt_evaluated']} | {c['prompt_ms'] / 1000:.1f} | {c['generated']} | "
        f"{c['generate_ms'] / 1000:.1f} | {(c['prompt_ms'] + c['generate_ms']) / total:.0%}" for name, c in rows.items()]
