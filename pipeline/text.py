"""Text helpers every room shares: time stamps, and the one way words are compared."""

from __future__ import annotations

import re

_WORD = re.compile(r"[\w']+")
_SPELLED_OUT = {"mr": "mister", "mrs": "missus", "dr": "doctor", "st": "saint"}


def clock(seconds: float, millis: bool = False, sep: str = ".") -> str:
    total_ms = int(round(max(seconds, 0.0) * 1000))
    h, rem = divmod(total_ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}" if millis else f"{h:02d}:{m:02d}:{s:02d}"


def normalise(text: str) -> list[str]:
    """Lower-case words without punctuation (hyphens split, a few abbreviations spelled out), so
    that a quote, a reference transcript and a search all compare words the same way."""
    words = (w.strip("'") for w in _WORD.findall(text.lower()))
    return [_SPELLED_OUT.get(w, w) for w in words if w]
