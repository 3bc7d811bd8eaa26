"""A sentence's leading clauses that stand as sentences themselves: where a sentence is cut off at
its length bound, or holds only in part, what comes before a comma is what was said."""

from __future__ import annotations

from .vocabulary import DANGLING, OPENERS, QUALIFIERS

CLAUSE_WORDS = 6  # a leading clause stands as a sentence from this many words


def _head(body: str, cut: int) -> str | None:
    """What stands before the comma at `cut`, as a sentence, where it reads as one and what follows
    could only add to it: not opening with a subordinate clause or a phrase, not left hanging on
    a word that needs what follows, and not followed by a condition or a contrast."""
    head, tail = body[:cut].rstrip(), body[cut + 1:].lower().split()
    words = head.lower().split()
    if cut > 0 and tail and tail[0] not in QUALIFIERS and len(words) >= CLAUSE_WORDS and \
            words[0] not in OPENERS and words[-1] not in DANGLING:
        return head if head.endswith((".", "!", "?")) else head + "."
    return None


def clause_before_cut(sentence: str) -> str:
    """A sentence cut off at its bound, back to its last comma where what stands before it
    reads as a sentence ("Ann recommends rubber for the case, since titanium is too hea" -> "Ann
    recommends rubber for the case."): the checker then reads what was said, not a fragment;
    otherwise it ends in "…" (cut off)."""
    body = sentence.rstrip().removesuffix(",")  # a comma at the cut itself ends no clause
    return _head(body, body.rfind(",")) or sentence + "…"


def leading_clauses(sentence: str) -> list[str]:
    """The sentence's leading clauses that read as sentences themselves, longest first: "Ann
    suggests a big button on top, which Bob agrees with." -> ["Ann suggests a big button on
    top."]."""
    body = sentence.rstrip().rstrip(".!?")
    cuts = [i for i, c in enumerate(body) if c == ","]
    return [head for cut in reversed(cuts) if (head := _head(body, cut))]
