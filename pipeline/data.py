"""The plain data that flows between stages.

audio -> [Phrase of Word] (speech recognition) + [Span] (diarization: who spoke when)
-> Transcript of [Turn] (words with speakers, one speaker's run of words per turn) -> Summary;
a question to a library -> [Passage] (turns that may answer it) -> an answer.
Times are seconds from the start of the recording.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from .text import one_line


@dataclass
class Audio:
    """Decoded recording: mono float32 samples at `sample_rate`."""

    source: str
    samples: np.ndarray
    sample_rate: int

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


@dataclass
class Word:
    start: float
    end: float
    word: str
    probability: float
    speaker: str | None = None
    overlap: bool = False


@dataclass
class Phrase:
    """Words as the recogniser returned them together (Whisper's segment): no speaker yet."""

    start: float
    end: float
    text: str
    words: list[Word]

    @classmethod
    def from_dict(cls, d: dict) -> "Phrase":
        return cls(start=d["start"], end=d["end"], text=d["text"], words=[Word(**w) for w in d["words"]])


@dataclass
class Turn:
    """One speaker's words in a row: a paragraph of the transcript."""

    start: float
    end: float
    text: str
    words: list[Word]
    speaker: str

    @classmethod
    def from_dict(cls, d: dict) -> "Turn":
        return cls(start=d["start"], end=d["end"], text=d["text"], speaker=d["speaker"],
                   words=[Word(**w) for w in d["words"]])


@dataclass
class Span:
    """Diarization: `speaker` is talking from `start` to `end`."""

    start: float
    end: float
    speaker: str


@dataclass
class Diarization:
    spans: list[Span]  # every speaker's speech, overlapping speech included
    exclusive: list[Span]  # at most one speaker at a time: what words are attributed from
    embeddings: dict[str, list[float]] = field(default_factory=dict)  # speaker -> voice centroid

    @classmethod
    def from_dict(cls, d: dict) -> "Diarization":
        return cls(spans=[Span(**s) for s in d["spans"]], exclusive=[Span(**s) for s in d["exclusive"]],
                   embeddings=d.get("embeddings", {}))


@dataclass
class Speaker:
    id: str
    name: str
    name_source: str = "default"  # user (--speakers or config) | voice | introduction | default


@dataclass
class Transcript:
    source: str
    duration: float
    language: str
    models: dict[str, str]
    speakers: list[Speaker]
    segments: list[Turn]  # named "segments" in transcript.json, which users' scripts read

    def speaker_name(self, speaker_id: str | None) -> str:
        """The name to show, on one line (a name given with a newline must not start a line of
        an output file)."""
        for s in self.speakers:
            if s.id == speaker_id:
                return one_line(s.name)
        return one_line(speaker_id or "") or "Unknown"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Transcript":
        return cls(
            source=d["source"],
            duration=float(d["duration"]),
            language=d["language"],
            models=dict(d.get("models", {})),
            speakers=[Speaker(**s) for s in d["speakers"]],
            segments=[Turn.from_dict(s) for s in d["segments"]],
        )


@dataclass
class Passage:
    """Turns of one recording that may answer a question: its folder in the output folder, and
    its transcript cut to those turns (the speakers, times and words kept)."""

    recording: str
    transcript: Transcript


@dataclass
class Evidence:
    """A passage of the transcript that supports a summary's claim, or (after the passages, in a
    claim's list) where a word of the claim that they leave out was said beside another of its words."""

    start: float
    end: float
    speaker: str  # the speaker's display name

    @classmethod
    def many(cls, items) -> list["Evidence"]:
        return [cls(**e) for e in items or []]


@dataclass
class Claim:
    """A sentence of the summary, and where the transcript says it."""

    text: str
    evidence: list[Evidence] = field(default_factory=list)

    @classmethod
    def from_dict(cls, d) -> "Claim":
        # a bare string: a summary.json written before claims carried their evidence
        return cls(d) if isinstance(d, str) else cls(d["text"], Evidence.many(d.get("evidence")))


@dataclass
class Idea:
    title: str
    text: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Quote:
    text: str
    speaker: str  # the speaker's display name
    start: float
    end: float


@dataclass
class Highlight:
    start: float
    text: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Summary:
    title: str
    overview: list[Claim]  # its sentences
    at_a_glance: list[Claim]
    ideas: list[Idea]
    quotes: list[Quote]
    highlights: list[Highlight]
    template: str = "podcast"
    # the template's extra sections, in its order: {"name", "title", "kind", "value", "evidence"};
    # a list's items are {"text", "evidence"}, an action's {"owner", "task", "due", "evidence"}
    sections: list[dict] = field(default_factory=list)
    about: Claim | None = None  # what the recording is really about, in one line

    @property
    def overview_text(self) -> str:
        return " ".join(c.text for c in self.overview)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Summary":
        overview = d["overview"]
        return cls(title=d["title"],
                   overview=[Claim(overview)] if isinstance(overview, str) else [Claim.from_dict(c) for c in overview],
                   at_a_glance=[Claim.from_dict(b) for b in d["at_a_glance"]],
                   ideas=[Idea(i["title"], i["text"], Evidence.many(i.get("evidence"))) for i in d["ideas"]],
                   quotes=[Quote(**q) for q in d["quotes"]],
                   highlights=[Highlight(h["start"], h["text"], Evidence.many(h.get("evidence"))) for h in d["highlights"]],
                   template=d.get("template", "podcast"), sections=d.get("sections", []),
                   about=Claim.from_dict(d["about"]) if d.get("about") else None)
