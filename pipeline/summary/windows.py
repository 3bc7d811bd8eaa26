"""Local questions: the recording in windows of a few minutes of talk, each asked what happened in it.

A small model does far better over a few minutes of talk than over a whole meeting: asked for
every part at once from 13k tokens, the 1.5B model repeated a few generic sentences and the
checker rightly dropped most of them. Each window is asked, in one short JSON answer, for its
points (the first that holds is its highlight, the takeaway at that moment), what it decided or
assigned (the template's lists), an idea, and which of the code's quote candidates (quotes.py)
is most worth keeping. The instructions come first and are the same for every window, so
llama.cpp reads them once; the windows are asked one after another (summarize.py says why). Each
answer is checked against its own window, so its evidence is local by construction; the
overview and the points are chosen by code from the checked points, and the title and the one
line are written from them, not from the transcript again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..data import Transcript, Turn
from ..text import clock
from .quotes import Candidate, candidates
from .reading import line, render, said, split_turn
from .schemas import listing, most_tokens, sentence, string
from .templates import Template
from .verify import deciding

QUOTE_CHOICES = 3  # candidates a window offers the model
DECIDED_LINES = 3  # sentences of a decision a window shows the model, at most
POINTS = 3  # asked of a window: its first that holds is its highlight, the others may be points at a glance


@dataclass
class Window:
    turns: list[Turn]
    start: float
    end: float
    quotes: list[Candidate]  # the code's candidates, best first
    decided: list[str]  # the sentences in words of a decision, with who said them


def split(t: Transcript, tokens: Callable[[str], int], size: int) -> list[Window]:
    """The recording's turns with words in consecutive windows of about `size` tokens, of even
    size; a turn longer than that is cut by words."""
    turns = [s for s in t.segments if said(s)]
    sizes = [tokens(line(t, s)) for s in turns]
    total = sum(min(n, size) for n in sizes)
    target = total / -(-total // size) if total else size
    groups: list[list[Turn]] = []
    current: list[Turn] = []
    used = 0
    for turn, n in zip(turns, sizes):
        if n > size:  # one enormous turn: cut it by words rather than overflow
            if current:
                groups.append(current)
                current, used = [], 0
            groups.extend([[piece] for piece in split_turn(turn, size, n)])
            continue
        if current and (used + n > size or used >= target):
            groups.append(current)
            current, used = [], 0
        current.append(turn)
        used += n
    if current:
        groups.append(current)
    return [Window(g, g[0].start, g[-1].end, candidates(t, g, QUOTE_CHOICES), deciding_lines(t, g)) for g in groups]


def deciding_lines(t: Transcript, turns: list[Turn]) -> list[str]:
    """The sentences of these turns that settle something, each with who said it; an assent with
    the sentence it takes up."""
    def quoted(turn: Turn, text: str) -> str:
        return f'{t.speaker_name(turn.speaker)}: "{text}"'

    return [(f"{quoted(last, taken_up)} " if last else "") + quoted(turn, said)
            for turn, said, last, taken_up in deciding(turns)][:DECIDED_LINES]


def instructions(template: Template, ideas: bool, quotes: bool) -> str:
    """What every window is asked, said once before the windows (their shared prefix)."""
    asks = ["- points: three things said, found, proposed or concluded in this part, the most important "
            "first, each one full sentence naming who, specific (what was proposed, why, a figure, a choice)"]
    for sec in template.sections:
        if sec.kind == "list" and sec.decided:
            asks.append(f"- {sec.name}: for each line of a decision shown after the part, what was decided, one full "
                        "sentence naming what was chosen; none if those lines settle nothing")
        elif sec.kind == "list":
            asks.append(f"- {sec.name}: at most one, {sec.instruction}, in this part, one full sentence; none if there is none")
        elif sec.kind == "actions":
            asks.append(f"- {sec.name}: at most one, work someone took on or was asked to do in this part (look into, "
                        "prepare, send something), with its owner, who may be addressed by name or role, and a due "
                        "date only if one was said; none if nobody took on work")
    if ideas:
        asks.append("- idea: one idea from this part worth remembering, other than the points: a short title, and "
                    "one sentence saying the idea as it was put and by whom")
    if quotes:
        asks.append("- quote: the number of the candidate quote most worth keeping (an opinion, a proposal, a reason)")
    return ("You will read one part of a longer recording at a time. For the part, answer with:\n" + "\n".join(asks)
            + f"\nLook especially for {template.focus}. Say only what this part says.")


def question(w: Window, index: int, count: int, t: Transcript, template: Template, ideas: bool,
             quotes: bool) -> tuple[str, dict, int]:
    """(prompt, schema, max_tokens) of one window."""
    names = [s.name for s in t.speakers]
    # asked for as many points as it may give: left to choose, the model stopped at one or two
    # in most windows, and most of a meeting's points at a glance were never proposed
    properties: dict = {"points": listing(sentence(180, 30), POINTS, POINTS)}
    for sec in template.sections:
        if sec.kind == "list" and sec.decided:
            # asked only where words of a decision were said: elsewhere a small model invents one
            if w.decided:
                properties[sec.name] = listing(sentence(160, 10), len(w.decided))
        elif sec.kind == "list":
            properties[sec.name] = listing(sentence(160, 10), 1)
        elif sec.kind == "actions":
            properties[sec.name] = listing({"type": "object", "properties": {
                "owner": {"type": "string", "enum": names + ["unassigned"]}, "task": sentence(160, 10),
                "due": string(40)}, "required": ["owner", "task", "due"]}, 1)
    if ideas:
        properties["idea"] = {"type": "object", "properties": {"title": string(50), "text": sentence(160)},
                              "required": ["title", "text"]}
    offered = ""
    if quotes and w.quotes:
        properties["quote"] = {"type": "string", "enum": [str(i + 1) for i in range(len(w.quotes))]}
        offered = "Candidate quotes:\n" + "\n".join(f"{i + 1}. {c.quote.speaker}: \"{c.quote.text}\""
                                                    for i, c in enumerate(w.quotes)) + "\n\n"
    schema = {"type": "object", "properties": properties, "required": list(properties)}
    settled = ""
    if w.decided and any(sec.decided for sec in template.sections):
        settled = "Lines of a decision in this part:\n" + "\n".join(f"- {x}" for x in w.decided) + "\n\n"
    prompt = (f"Part {index + 1} of {count} ({clock(w.start)} to {clock(w.end)}) of a {clock(t.duration)} recording "
              f"with {', '.join(names)}:\n\n{render(t, w.turns, {})}\n\n{settled}{offered}Answer in JSON.")
    return prompt, schema, most_tokens(schema) + 10


def spread(count: int, most: int) -> list[int]:
    """Indices 0..count-1, the first `most` of them evenly spread over the range, then the rest:
    items taken in this order until enough are kept cover the whole recording."""
    if count <= 0:
        return []
    first = list(dict.fromkeys(round(j * (count - 1) / max(most - 1, 1)) for j in range(min(most, count))))
    return first + [i for i in range(count) if i not in first]
