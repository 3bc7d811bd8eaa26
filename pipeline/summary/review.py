"""The review of the model's answers: only what the transcript supports, each point once, no more
than the recording fills. Nothing here asks the model, so it is tested without one: every
proposed sentence gets the checker's verdict (verify.py), put right where that is plain, and its
reason is kept in `usage["verdicts"]`.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from itertools import islice

from ..data import Claim, Evidence, Highlight, Idea, Quote, Summary, Transcript
from ..text import normalise
from .schemas import text_of, texts_of
from .shape import Shape
from .templates import Section, Template
from .verify import Checker, Verdict, near_duplicate, nothing_new, pointers, sentences
from .vocabulary import PRONOUN, REFERS_BACK, first_person, hanging, placeholder

HIGHLIGHT_EVERY = 360.0  # seconds of a recording read by windows with no highlight, at most
TITLE_REACH = 30.0  # seconds around an idea's evidence where its title's words must have been said


def review(answers: dict, t: Transcript, template: Template, shape: Shape, checker: Checker,
           spans: dict[str, tuple[float, float]] | None = None, quotes: list[Quote] | None = None,
           usage: dict | None = None, prose_first: bool = False) -> Summary:
    """Only what the transcript supports, each point once, no more than the recording fills.
    `spans`: where each highlight (by its label) must be said, by default around its part's
    mark; `quotes`: those found already; `prose_first`: by windows, where every part is chosen
    from the windows' points: the template's sections, the overview, the highlights, then the rest."""
    spans = shape.spans(t.duration) if spans is None else spans
    usage = defaultdict(int) if usage is None else usage
    usage.setdefault("verdicts", [])
    names = [s.name for s in t.speakers]
    people = list(checker.people)  # the names a claim may use for a speaker, self-introduced ones too
    # the title too must say what was said; if not, it says only who spoke
    title = answers.get("title", "").strip().rstrip(".")
    if not title or not checker.check(title).supported:
        title = "A conversation with " + (", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0])
    kept: list[str] = []  # what later items must not repeat

    # a small model sometimes slips into another script (Chinese, for Qwen) mid-sentence
    scripts = {_script(c) for s in t.segments for c in s.text if c.isalpha()}

    gist = ""  # the one-line "about": items go into what it sums up, in its words

    # The overview names who: the one line or a highlight that an overview sentence says again,
    # naming more of the people ("A discussion of the remote's menus." after "Ann and Bob
    # discuss the remote's menus."), gives way to that sentence; on the same people, the
    # earlier item stays.
    may_give_way: set[str] = set()
    gave_way: set[str] = set()

    def repeated(text: str) -> bool:
        # an item may say more than the title or the gist, not just what another item said;
        # a headline seldom names anyone, and a sentence that says who is not its repeat
        who = set(checker.mentioned(text))
        if near_duplicate(text, title, people) and not who - set(checker.mentioned(title)):
            return True
        giving_way = set()  # only if the item stays: what it repeats may also be another item it must not
        for k in kept:
            if k not in gave_way and (near_duplicate(text, k, people) or
                                      (k != gist and nothing_new(text, k, people))):
                if k not in may_give_way or not set(checker.mentioned(k)) < who:
                    return True
                giving_way.add(k)
        gave_way.update(giving_way)
        return False

    def check(text: str, owner: str | None = None, within: tuple[float, float] | None = None,
              decided: bool = False) -> Verdict | None:
        text = text.strip()
        if not text or placeholder(normalise(text)) or text.endswith("…") or hanging(normalise(text)) or \
                any(c.isalpha() and _script(c) not in scripts for c in text):
            return None  # nothing, a sentence cut off at its length limit, or another language
        usage["claims_proposed"] += 1
        if first_person(text):
            usage["verdicts"].append({"text": text, "kept": False, "reason": "in a speaker's voice"})
            return None
        v = checker.mended(text, owner, within, decided)
        verdict = {"text": text, "kept": False, "reason": v.reason}
        usage["verdicts"].append(verdict)
        if not v.supported:
            return None
        if repeated(v.text):
            verdict["reason"] = "repeats an earlier item"
            usage["duplicates_dropped"] += 1
            return None
        verdict.update(kept=True, shown=v.text)
        kept.append(v.text)
        usage["claims_kept"] += 1
        usage["names_corrected"] += v.corrected
        return v

    about = check(answers.get("about", ""))
    gist = about.text if about else ""

    def overview_sentences() -> list[Claim]:
        # a paragraph, or (by windows) the sentences to choose from in turn; checked only up to
        # the count shown: a sentence left out must not make others repeats
        offered = answers.get("overview")
        return list(islice((Claim(v.text, pointers([v])) for x in
                            (texts_of(offered) if isinstance(offered, list) else sentences(text_of(offered)))
                            if (v := check(x))), shape.overview))

    def idea_items() -> list[Idea]:
        ideas: list[Idea] = []
        for idea in answers.get("ideas", []):
            if len(ideas) < shape.ideas and (made := _idea(idea, check, repeated, checker)):
                ideas.append(made)
                # read whole, as a reader reads it: "Design of the Remote Control. UI discusses the
                # design of the remote control." adds nothing to an idea that said all of it
                kept.append(f"{made.title}. {made.text}")
        return ideas

    spoken = f" {' '.join(w for s in t.segments for w in normalise(s.text))} "

    def section_items() -> list[dict]:
        return [_section(sec, answers.get(sec.name), check, spoken) for sec in template.sections]

    # By windows, everything is chosen from the windows' points: a decision stated from its own
    # words is listed as one first (the points then do not say it again), then the overview from
    # the first points of windows spread over the recording (a window's first point is its
    # takeaway, what an overview says), then each window's highlight, the first of its points
    # that holds and is not said already; the ideas take what is left
    sections = section_items() if prose_first else []
    overview = overview_sentences() if prose_first else []
    # a highlight says what happens in its part of the recording, and is stamped where it does
    proposed = answers.get("highlights") or {}
    highlights = []
    left: dict[str, list[str]] = {}  # by windows, each window's points not yet tried
    for label, within in spans.items():
        # one proposal per part, or (by windows) the window's points in order: the first that holds
        offered = proposed.get(label)
        left[label] = [offered] if isinstance(offered, str) else texts_of(offered)
        while left[label]:
            if v := check(left[label].pop(0), within=within):
                highlights.append(Highlight(v.moment, v.text, pointers([v])))
                break
        else:
            # none holds: the window's own best sentence, in its speaker's words, marks it
            if line := (answers.get("lines") or {}).get(label):
                highlights.append(Highlight(line.start, f"{line.speaker}: “{line.text}”",
                                            [Evidence(line.start, line.end, line.speaker)]))
    if prose_first:
        _fill_gaps(highlights, left, spans, check, t.duration, _apart(shape.highlights, t.duration))
    spaced = _spaced(highlights, shape.highlights, t.duration)
    crowded = {h.text for h in highlights} - {h.text for h in spaced}
    kept[:] = [k for k in kept if k not in crowded]  # left out for spacing, so the prose may say it
    usage["claims_kept"] -= len(crowded)
    highlights = spaced
    if prose_first:
        ideas = idea_items()
    else:
        # asked with the transcript, highlights come before the prose, which may only restate them
        may_give_way.update({gist} | {h.text for h in highlights})
        overview = overview_sentences()
        may_give_way.clear()
        kept[:] = [k for k in kept if k not in gave_way]
        usage["duplicates_dropped"] += len(gave_way)
        usage["claims_kept"] -= len(gave_way)
        if gist in gave_way:
            about, gist = None, ""
        highlights = [h for h in highlights if h.text not in gave_way]
    bullets = sorted(islice((Claim(v.text, pointers([v])) for b in texts_of(answers.get("at_a_glance"))
                             if (v := check(b))), shape.bullets), key=lambda c: c.evidence[0].start)
    if not prose_first:
        ideas, sections = idea_items(), section_items()
    return Summary(title=title, about=Claim(about.text, pointers([about])) if about else None,
                   overview=overview, at_a_glance=bullets, ideas=ideas,
                   quotes=(quotes or [])[:shape.quotes],
                   highlights=highlights, template=template.name, sections=sections)

def _idea(idea: dict, check, repeated, checker: Checker) -> Idea | None:
    """An idea keeps its supported sentences; its title must sum them up in their words, or
    be said where they were: a title supported somewhere else in the recording ("Locator
    design" over "People would be encouraged to buy three.") is about something else."""
    title = idea.get("title", "").strip().rstrip(".")
    parts, said, subject = sentences(idea.get("text", "")), [], ""
    for part in parts:
        # "Ann wants a screen. She also wants ..." puts the second sentence to Ann as well: it
        # holds only if it holds after the last sentence that names someone
        v = checker.check(f"{subject} {part}" if subject and PRONOUN.match(part) else part)
        if v.supported:
            said.append((part, v))
        if checker.mentioned(part):
            subject = part
    if not title or title.endswith("…") or not said:  # no title, or one cut off at its length bound
        return None
    near = (min(e.start for _, v in said for e in v.evidence) - TITLE_REACH,
            max(e.end for _, v in said for e in v.evidence) + TITLE_REACH)
    if not set(normalise(title)) <= {w for part, _ in said for w in normalise(part)} and \
            not checker.check(title, within=near).supported:
        return None
    # read whole, as a reader reads it, the idea must hold too: after "Project Manager set the
    # price.", "The team agreed on a furry remote." reads as the Project Manager's agreement
    while said and not _holds(checker.check(f"{title}. {' '.join(v.text for _, v in said)}")):
        said.pop()
    # only now through `check`, which counts and remembers what is kept; read with its title, a
    # sentence may repeat what is kept ("Remote control design. The designer showed the
    # design." after "The designer shows the remote control design.")
    verdicts, shown = [], {part for part, _ in said}
    before = True  # the sentence before this one is shown
    for part in parts:
        # "This information will be used to design the remote." means nothing once the
        # sentence it points back to is gone (ES2011b, whose first sentence was a repeat)
        before = part in shown and (before or not REFERS_BACK.match(part)) and \
            not repeated(f"{title}. {part}") and bool(v := check(part))
        if before:
            verdicts.append(v)
    if not verdicts:
        return None
    return Idea(title=title, text=" ".join(v.text for v in verdicts),
                evidence=pointers(verdicts))

def _section(sec: Section, value, check, spoken: str) -> dict:
    out = {"name": sec.name, "title": sec.title, "kind": sec.kind}
    if sec.kind == "text":
        verdicts = [v for s in sentences(value if isinstance(value, str) else "") if (v := check(s, decided=sec.decided))]
        return {**out, "value": " ".join(v.text for v in verdicts),
                "evidence": pointers(verdicts)}
    items = []
    for item in value or []:
        if sec.kind == "list":
            if v := check(item, decided=sec.decided):
                items.append({"text": v.text, "evidence": pointers([v])})
            continue
        # the owner is a speaker or nobody (the schema's enum) and must be behind the task's
        # words or named in them; a due date is shown only if those words were said
        owner = None if item.get("owner") == "unassigned" else item.get("owner")
        if v := check(item.get("task", ""), owner):
            due = " ".join(normalise(item.get("due", "")))
            items.append({"owner": owner or "unassigned", "task": v.text,
                          "due": item["due"].strip() if due and f" {due} " in spoken else "", "evidence": pointers([v])})
    return {**out, "value": items}


def _script(letter: str) -> str:
    """The writing system of a letter, as Unicode names it: LATIN, CJK, CYRILLIC..."""
    return unicodedata.name(letter, "?").split()[0]


def _apart(most: int, duration: float) -> float:
    """How close two highlights may be: half their even spacing."""
    return duration / (2 * most) if most else 0.0


def _fill_gaps(highlights: list[Highlight], left: dict[str, list[str]], spans: dict[str, tuple[float, float]],
               check, duration: float, apart: float) -> None:
    """A stretch of more than HIGHLIGHT_EVERY without a highlight (a window's highlight early in
    it, the next one's late) gets one more where there is one: a further point of a window over
    that stretch that holds where it splits the stretch."""
    filled = True
    while filled:
        edges = [0.0, *sorted(h.start for h in highlights), duration]
        found = next((h for a, b in zip(edges, edges[1:])
                      if b - a > HIGHLIGHT_EVERY and (h := _splitting(a, b, left, spans, check, apart))), None)
        if filled := found is not None:
            highlights.append(found)


def _splitting(a: float, b: float, left: dict[str, list[str]], spans: dict[str, tuple[float, float]], check,
               apart: float) -> Highlight | None:
    """The first of the windows' points not yet tried that holds between a and b, clear of both."""
    for label, (start, end) in spans.items():
        within = (max(a + apart, start), min(b - apart, end))
        while within[0] < within[1] and left[label]:
            if v := check(left[label].pop(0), within=within):
                return Highlight(v.moment, v.text, pointers([v]))
    return None


def _spaced(highlights: list[Highlight], most: int, duration: float) -> list[Highlight]:
    """Highlights in time order, no two closer than half their even spacing, at most `most`."""
    gap = _apart(most, duration)
    out: list[Highlight] = []
    for h in sorted(highlights, key=lambda h: h.start):
        if len(out) < most and (not out or h.start - out[-1].start >= gap):
            out.append(h)
    return out


def _holds(v: Verdict) -> bool:
    """Supported as written: no name to correct, nobody named who did not say it."""
    return v.supported and not v.corrected and not v.wrong_names
