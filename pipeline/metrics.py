"""Accuracy measures shared by the evaluation script and the tests."""

from __future__ import annotations

import itertools
import re

_SPELLED_OUT = {"mr": "mister", "mrs": "missus", "dr": "doctor", "st": "saint"}


def normalise_words(text: str) -> list[str]:
    """Lower case, no punctuation, hyphens split, a few abbreviations spelled out."""
    words = re.findall(r"[a-z0-9']+", text.lower().replace("-", " "))
    return [_SPELLED_OUT.get(w, w) for w in words]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance in words, reference length) after normalisation."""
    ref, hyp = normalise_words(reference), normalise_words(hypothesis)
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
    total = sum(len(normalise_words(r)) for r in refs)
    best = min(sum(word_errors(r, h)[0] for r, h in zip(refs, perm)) for perm in itertools.permutations(hyps))
    return best / max(total, 1)
