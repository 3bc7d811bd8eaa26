"""What a run tells the person waiting, and how.

On a terminal: a live bar for each stage that takes time (audio done of all, with the time left;
chunk k of n for the summary), and one line per recording when it is done. Elsewhere (a log, a
pipe): the same as plain lines, progress every tenth or so. With --log-json: one JSON object a
line, progress included. It shows file names, stages and timings, never what was said.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..system import peak_rss_mb
from ..text import clock

# Stages worth a line of their own (the others take no noticeable time, decoding mostly none).
SLOW_STAGES = {"transcribe", "diarize", "summarize"}
PLAIN_EVERY = 0.1  # plain text: a progress line each tenth of the way


@dataclass
class StageTime:
    stage: str
    seconds: float
    cpu_seconds: float | None  # all threads of this process; None while another stage ran beside it
    peak_rss_mb: float


@dataclass
class FileResult:
    source: Path
    out_dir: Path
    duration: float
    stages: list[StageTime] = field(default_factory=list)
    speakers: int = 0
    words: int = 0


class Reporter:
    def __init__(self, echo: Callable[[str], None] | None, as_json: bool = False, live: bool = False):
        """echo: where lines go (None: nowhere); live: bars on this terminal (stderr)."""
        self.echo = echo
        self.as_json = as_json
        self.bars = _Bars() if live and echo and not as_json else None
        self._shown: dict[tuple[str, str], float] = {}  # plain text: (file, stage) -> share last shown

    def say(self, line: str) -> None:
        if self.bars:
            self.bars.print(line)
        elif self.echo:
            self.echo(line)

    def event(self, label: str, event: str, **fields) -> None:
        if not self.echo:
            return
        if self.as_json:
            self.echo(json.dumps({"time": round(time.time(), 3), "file": label, "event": event, **fields}))
        else:
            detail = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in fields.items() if v is not None)
            self.say(f"{label}: {event}" + (f" ({detail})" if detail else ""))

    def failed(self, label: str, reason: str, attempt: int, retry_in: float | None) -> None:
        """A watched recording failed; it is tried again in `retry_in` seconds (None: never)."""
        if self.as_json:
            self.event(label, "failed", reason=reason, attempt=attempt,
                       retry_in_seconds=None if retry_in is None else round(retry_in))
        else:
            again = f"retry in {_duration(retry_in)}" if retry_in is not None else "no more retries"
            self.say(f"{label}: failed (attempt {attempt}, {again}): {reason}")

    def loading(self, what: str) -> None:
        if self.as_json:
            self.event("", "loading", model=what)
        elif self.bars:
            self.bars.status(f"loading the {what} model")
        else:
            self.say(f"loading the {what} model")

    def progress(self, label: str, stage: str, done: float, total: float, unit: str = "audio") -> None:
        """`done` of `total` (seconds of audio, or chunks) of a stage now under way."""
        if not self.echo or total <= 0:
            return
        share = min(done / total, 1.0)
        if self.as_json:
            self.event(label, "progress", stage=stage, done=round(done, 3), total=round(total, 3), unit=unit)
        elif self.bars:
            self.bars.update(label, stage, done, total, unit)
        elif share - self._shown.get((label, stage), 0.0) >= PLAIN_EVERY:
            self._shown[(label, stage)] = share
            amount = f"{clock(done)} of {clock(total)}" if unit == "audio" else f"{done:g} of {total:g} {unit}"
            self.say(f"{label}: {stage} {share:4.0%} ({amount})")

    def warn(self, label: str, message: str) -> None:
        if self.as_json:
            self.event(label, "warning", message=message)
        else:
            self.say(f"{label}: warning: {message}")

    def cached(self, label: str, stage: str) -> None:
        if self.as_json:
            self.event(label, "stage", stage=stage, cached=True)
        else:
            self.say(f"{label}: {stage:<10} reused from the stage cache")

    def stage(self, label: str, stage: str, seconds: float, audio_seconds: float) -> None:
        if self.as_json:
            self.event(label, "stage", stage=stage, seconds=round(seconds, 3), audio_seconds=round(audio_seconds, 3),
                       peak_rss_mb=round(peak_rss_mb()))
            return
        if self.bars:
            self.bars.finish(label, stage)
        if (stage in SLOW_STAGES or (stage == "decode" and seconds >= 1)) and self.echo:
            speed = f", {audio_seconds / seconds:.1f}x real time" if seconds > 0.05 and audio_seconds else ""
            self.say(f"{label}: {stage:<10} {seconds:6.1f}s{speed}")

    def done(self, label: str, result: FileResult, seconds: float) -> None:
        """The one line a recording ends with."""
        if self.as_json:
            self.event(label, "done", seconds=round(seconds, 3), audio_seconds=round(result.duration, 3),
                       speakers=result.speakers, words=result.words, out_dir=str(result.out_dir))
            return
        speed = f" ({result.duration / seconds:.1f}x real time)" if seconds > 0 and result.duration else ""
        self.say(f"{label}: done in {_duration(seconds)}{speed} · {clock(result.duration)} of audio · "
                 f"{result.speakers} speaker{'s' * (result.speakers != 1)} · {result.words} words -> {result.out_dir}")

    def close(self) -> None:
        if self.bars:
            self.bars.stop()


def _duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 90 else f"{int(seconds // 60)} min {int(seconds % 60)} s"


class _Bars:
    """rich's live progress display on stderr: one bar per stage under way."""

    def __init__(self):
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[amount]}"),
                                 TimeRemainingColumn(), console=Console(file=sys.stderr), transient=True)
        self.tasks: dict[tuple[str, str], int] = {}
        self.progress.start()

    def print(self, line: str) -> None:
        self.progress.console.print(line, markup=False, highlight=False)

    def status(self, text: str) -> None:
        key = ("", "status")
        if key not in self.tasks:
            self.tasks[key] = self.progress.add_task(text, total=None, amount="")
        self.progress.update(self.tasks[key], description=text)

    def update(self, label: str, stage: str, done: float, total: float, unit: str) -> None:
        self._clear_status()
        key = (label, stage)
        amount = f"{clock(done)} / {clock(total)}" if unit == "audio" else f"{done:g} / {total:g} {unit}"
        if key not in self.tasks:
            self.tasks[key] = self.progress.add_task(f"{label} {stage}", total=total, amount=amount)
        self.progress.update(self.tasks[key], completed=done, total=total, amount=amount)

    def finish(self, label: str, stage: str) -> None:
        task = self.tasks.pop((label, stage), None)
        if task is not None:
            self.progress.remove_task(task)

    def _clear_status(self) -> None:
        task = self.tasks.pop(("", "status"), None)
        if task is not None:
            self.progress.remove_task(task)

    def stop(self) -> None:
        self.progress.stop()
