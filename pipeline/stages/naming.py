"""Speaker names, from the most to the least authoritative source.

1. the user (`--speakers "Ann,Bob"` or `speakers.names` in config.yaml: in order of first
   appearance, or `SPEAKER_00=Ann`),
2. an enrolled voice profile that matches the speaker's voice (voices.py),
3. self-introductions in the speaker's own words ("I'm Diane", "this is Sheila from Texas"),
4. otherwise "Speaker 1", "Speaker 2", ... in reading order.
A name is never given to two speakers.
"""

from __future__ import annotations

import re

from ..data import Speaker, Summary, Transcript, Turn
from ..errors import ConfigError

INTRODUCTION = re.compile(
    r"\b(?i:I'm|I am|my name is|my name's|this is|it's|call me)\s+([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b")
# Only what a speaker says of themselves: "this is Sheila, our designer" may be said of someone
# else, and "it's Mark's turn" names no one who speaks.
SELF_INTRODUCTION = re.compile(r"\b(?i:I'm|I am|my name is|my name's|call me)\s+([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b(?!')")
# Capitalised words that follow "I'm" or "this is" without being names.
NOT_NAMES = {
    "I", "A", "An", "The", "This", "That", "It", "Just", "Not", "So", "Here", "There", "Good", "Fine",
    "Sorry", "Sure", "Really", "Very", "Going", "Okay", "OK", "Yes", "No", "Well", "Actually", "Also",
    "What", "How", "Why", "When", "Where", "Who", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
    "Saturday", "Sunday", "English", "American", "British", "Canadian", "Chinese", "French", "German",
    "Spanish", "Great", "Glad", "Happy", "Interested", "Thinking", "Looking", "Still", "Only",
}


def speaker_order(turns: list[Turn]) -> list[str]:
    return list(dict.fromkeys(t.speaker for t in turns))


def introductions(turns: list[Turn], pattern: re.Pattern = INTRODUCTION) -> dict[str, str]:
    """Speaker id -> the name they give for themselves; names claimed by two speakers are dropped."""
    found: dict[str, str] = {}
    claimed: dict[str, set[str]] = {}
    for t in turns:
        for m in pattern.finditer(t.text):
            name = m.group(1)
            if name in NOT_NAMES:
                continue
            claimed.setdefault(name, set()).add(t.speaker)
            found.setdefault(t.speaker, name)
    return {spk: name for spk, name in found.items() if len(claimed[name]) == 1}


def name_speakers(turns: list[Turn], user_names: list[str] | dict[str, str],
                  voice_names: dict[str, str] | None = None) -> list[Speaker]:
    order = speaker_order(turns)
    if isinstance(user_names, dict):
        given = {spk: name for spk, name in user_names.items() if spk in order}
    else:
        given = dict(zip(order, user_names))
    sources = [(given, "user"), (voice_names or {}, "voice"), (introductions(turns), "introduction")]
    speakers, taken = [], set()
    for i, spk in enumerate(order, 1):
        for names, source in sources:
            name = names.get(spk)
            if name and (source == "user" or (name not in taken and name not in given.values())):
                break
        else:
            name, source = f"Speaker {i}", "default"
        taken.add(name)
        speakers.append(Speaker(id=spk, name=name, name_source=source))
    return speakers


def renamed(transcript: Transcript, summary: Summary | None, changes: dict[str, str]) -> tuple[Transcript, Summary | None]:
    """The transcript and summary with speakers renamed: `changes` maps a speaker's shown name
    or id to the new name. In the summary each whole-word mention of an old name changes too."""
    by_key = {key: s for s in transcript.speakers for key in (s.name, s.id)}
    unknown = [old for old in changes if old not in by_key]
    if unknown:
        raise ConfigError(f"no speaker '{unknown[0]}' in this transcript (speakers: "
                          f"{', '.join(f'{s.name} ({s.id})' for s in transcript.speakers)})")
    new_names = {by_key[old].id: new.strip() for old, new in changes.items()}
    if not all(new_names.values()):
        raise ConfigError("a speaker's new name cannot be empty")
    final = {s.id: new_names.get(s.id, s.name) for s in transcript.speakers}
    if len(set(final.values())) < len(final):
        raise ConfigError("two speakers would have the same name: " + ", ".join(f"{i}={n}" for i, n in final.items()))
    old_names = {s.name: final[s.id] for s in transcript.speakers if final[s.id] != s.name}
    speakers = [Speaker(s.id, final[s.id], "user" if s.id in new_names else s.name_source) for s in transcript.speakers]
    transcript = Transcript(**{**vars(transcript), "speakers": speakers})
    if summary is None or not old_names:
        return transcript, summary
    # one pass, so that swapping two names ("Ann=Bob", "Bob=Ann") does not rename twice
    mention = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, sorted(old_names, key=len, reverse=True))) + r")(?!\w)")

    def swap(value):
        if isinstance(value, str):
            return mention.sub(lambda m: old_names[m[1]], value)
        if isinstance(value, list):
            return [swap(v) for v in value]
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        return value

    edited = swap(summary.to_dict())
    # a quote is the transcript's own words: who said it changes, what was said does not
    for quote, original in zip(edited["quotes"], summary.to_dict()["quotes"]):
        quote["text"] = original["text"]
    return transcript, Summary.from_dict(edited)
