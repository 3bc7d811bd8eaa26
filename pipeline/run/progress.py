"""What a run tells the person waiting: a line per stage of each file, as text or JSON lines.
It shows file names, stages and timings, never what was said."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..system import peak_rss_mb


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


class Reporter:
    def __init__(self, echo: Callable[[str], None] | None, as_json: bool = False):
        self.echo = echo
        self.as_json = as_json

    def event(self, label: str, event: str, **fields) -> None:
        if not self.echo:
            return
        if self.as_json:
            self.echo(json.dumps({"time": round(time.time(), 3), "file": label, "event": event, **fields}))
        else:
            detail = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in fields.items() if v is not None)
            self.echo(f"{label}: {event}" + (f" ({detail})" if detail else ""))

    def warn(self, label: str, message: str) -> None:
        if self.as_json:
            self.event(label, "warning", message=message)
        elif self.echo:
            self.echo(f"{label}: warning: {message}")

    def cached(self, label: str, stage: str) -> None:
        if self.as_json:
            self.event(label, "stage", stage=stage, cached=True)
        elif self.echo:
            self.echo(f"{label}: {stage:<10} reused from the stage cache")

    def stage(self, label: str, stage: str, seconds: float, audio_seconds: float) -> None:
        if self.as_json:
            self.event(label, "stage", stage=stage, seconds=round(seconds, 3), audio_seconds=round(audio_seconds, 3),
                       peak_rss_mb=round(peak_rss_mb()))
        elif self.echo:
            speed = f", {audio_seconds / seconds:.1f}x real time" if seconds > 0 and audio_seconds else ""
            self.echo(f"{label}: {stage:<10} {seconds:6.1f}s for {audio_seconds:.1f}s of audio{speed}, "
                      f"peak RSS {peak_rss_mb():.0f} MB")
