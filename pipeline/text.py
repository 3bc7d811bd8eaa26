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


# Characters that would let a file or speaker name break out of its line: C0 and C1 controls
# (newline, carriage return, terminal escapes), DEL, the Unicode line and paragraph separators,
# and the lone surrogates that stand for a file name's undecodable bytes.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` as it may be shown on a terminal or in a log line: each unsafe character as an
    escape (`\\n`, `\\u001b`), so a file name can neither start a line of its own nor move the
    cursor. The escapes are also valid inside a JSON string."""
    return _UNSAFE.sub(lambda m: _ESCAPES.get(m[0]) or f"\\u{ord(m[0]):04x}", text)


def excerpt(text: str, most: int = 100) -> str:
    """`text` as an error message may echo it: printable, cut to at most `most` characters."""
    text = printable(text)
    return text if len(text) <= most else text[:most - 3] + "..."


def value_excerpt(value, most: int = 100) -> str:
    """A bad value's repr as an error message may echo it. A value from a config file can be
    huge (a YAML alias expanded level upon level): its repr is shortened before it is built."""
    import reprlib

    shortener = reprlib.Repr()
    shortener.maxlevel, shortener.maxstring, shortener.maxother = 2, most, most
    return excerpt(shortener.repr(value), most)


def one_line(text: str) -> str:
    """`text` as one line: runs of whitespace (newlines included) become one space, other unsafe
    characters are dropped. For names placed inside a line of an output file."""
    return " ".join(_UNSAFE.sub(" ", text).split())
