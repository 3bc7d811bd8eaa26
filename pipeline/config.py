"""One configuration object, built from defaults, a YAML file and CLI flags, then passed down.

The defaults here are the ones documented in the repository's `config.yaml`; a test keeps the
two equal. Unknown keys and wrong types are refused with the key path and what was expected.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError
from .outputs.formats import OUTPUT_FORMATS
from .system import available_cores
from .text import excerpt, value_excerpt


class _Section(BaseModel):
    # Infinite and NaN numbers are refused everywhere: `settle_seconds: .inf` would make a
    # watcher wait forever, and an overflowing timeout crash it.
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class AsrConfig(_Section):
    model: str = "whisper-base"
    language: str | None = None
    beam_size: int = Field(5, ge=1, le=10)
    vad: bool = True
    vad_threshold: float = Field(0.35, gt=0.0, lt=1.0)
    compute_type: str = "int8"
    device: Literal["cpu", "cuda", "auto"] = "cpu"

# pyannote counts the speakers of each frame in a uint8 and caps that count at max_speakers: a
# bound above 255 overflows it (after the recording has been decoded and segmented).
MAX_SPEAKERS = 255


class DiarizationConfig(_Section):
    enabled: bool = True
    segmentation_model: str = "pyannote-segmentation-3.0"
    embedding_model: str = "campplus-sv"
    num_speakers: int | None = Field(None, ge=1, le=MAX_SPEAKERS)
    min_speakers: int | None = Field(None, ge=1, le=MAX_SPEAKERS)
    max_speakers: int | None = Field(None, ge=1, le=MAX_SPEAKERS)
    segmentation_step: float = Field(0.1, gt=0.0, le=1.0)
    speech_threshold: float = Field(0.4, gt=0.0, lt=1.0)
    count_agreement: float = Field(0.4, gt=0.0, le=1.0)
    clustering_threshold: float = Field(0.6, gt=0.0, lt=2.0)
    min_cluster_size: int = Field(12, ge=1)
    min_clean_share: float = Field(0.2, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _bounds(self):
        if self.min_speakers and self.max_speakers and self.min_speakers > self.max_speakers:
            raise ValueError("min_speakers must not exceed max_speakers")
        return self


class SpeakersConfig(_Section):
    # Names in order of first appearance ("Ann", "Bob"), or a mapping {"SPEAKER_00": "Ann"}.
    names: list[str] | dict[str, str] = Field(default_factory=list)
    # Name speakers whose voice matches an enrolled profile (`offrecord speakers enroll`).
    match_voices: bool = True
    # Cosine similarity a voice must reach to take an enrolled name. Measured on the bundled
    # sample: the same woman 0.78 across the two halves, the other woman on the line 0.50.
    voice_threshold: float = Field(0.65, gt=0.0, le=1.0)
    # The voice profiles file; null means voices.json in the settings folder.
    voices_file: Path | None = None


class SummaryConfig(_Section):
    enabled: bool = True
    model: str = "qwen2.5-coder-1.5b-instruct"
    # podcast, meeting, lecture, interview, brief, or the path of your own template .yaml
    template: str = "podcast"
    n_ctx: int = Field(32768, ge=4096, le=131072)  # the largest; each transcript gets what it needs
    # a recording of more than a few minutes is asked about window by window, each about this long
    window_tokens: int = Field(1000, ge=300, le=8000)
    # the context's memory: q8_0 takes half of f16's but reads a prompt 2-3x slower on CPU
    kv_cache: Literal["f16", "q8_0"] = "f16"
    # questions on one transcript answered side by side (1: one after the other)
    answers_at_once: int = Field(4, ge=1, le=8)
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    seed: int = 0


class OutputConfig(_Section):
    formats: list[Literal[OUTPUT_FORMATS]] = Field(default_factory=lambda: list(OUTPUT_FORMATS))
    # report.html plays the recording from its own copy (Opus, about 10 MB an hour) instead of a link.
    embed_audio: bool = False
    # Who may read the outputs: private (folders 0700, files 0600), group (0750/0640) or
    # everyone (0755/0644). The stage cache and job database stay private.
    mode: Literal["private", "group", "everyone"] = "private"


# What the watch folder takes by default: the audio and video containers PyAV decodes.
MEDIA_EXTENSIONS = ["3gp", "aac", "aif", "aiff", "amr", "avi", "caf", "flac", "m4a", "m4b", "m4v", "mka", "mkv",
                    "mov", "mp3", "mp4", "mpeg", "mpg", "oga", "ogg", "opus", "wav", "webm", "wma", "wv"]


class WatchConfig(_Section):
    # A file is taken once its size and time stamp stay unchanged this long (at most a day).
    settle_seconds: float = Field(5.0, ge=0.0, le=86400.0)
    # Tries per file before it is left as failed.
    max_attempts: int = Field(3, ge=1, le=100)
    # Pause before the first retry; it doubles after each further failure (at most a week).
    retry_seconds: float = Field(60.0, ge=0.0, le=604800.0)
    # File extensions taken as recordings (any case); an empty list takes every file.
    extensions: list[str] = Field(default_factory=lambda: list(MEDIA_EXTENSIONS))

    @field_validator("extensions")
    @classmethod
    def _plain(cls, value: list[str]) -> list[str]:
        return [e.strip().lstrip(".").lower() for e in value]


class LibraryConfig(_Section):
    # The sentence-embedding model that lets `offrecord search` find passages by meaning as
    # well as by their words; null: by words only.
    meaning_model: str | None = "wordllama-l2-supercat"


class ModelsConfig(_Section):
    # Where assembled model weights live; empty: `models/store` in a checkout, else the user's
    # data folder (see store.default_store).
    store: Path | None = None
    # Local overrides: a model name -> a folder (Whisper CTranslate2) or a .gguf file.
    paths: dict[str, Path] = Field(default_factory=dict)


class Config(_Section):
    threads: int = Field(0, ge=0)  # 0: use every core; more than there are is capped
    # Speech recognition and diarization at the same time, each on half the threads.
    parallel_stages: bool = True
    # Every stage's models loaded at once; false frees the recogniser and diarizer while the
    # summary model runs (a lower peak, a second or two of reloading per stage change).
    keep_models_loaded: bool = False
    asr: AsrConfig = Field(default_factory=AsrConfig)
    diarization: DiarizationConfig = Field(default_factory=DiarizationConfig)
    speakers: SpeakersConfig = Field(default_factory=SpeakersConfig)
    summary: SummaryConfig = Field(default_factory=SummaryConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    watch: WatchConfig = Field(default_factory=WatchConfig)
    library: LibraryConfig = Field(default_factory=LibraryConfig)
    models: ModelsConfig = Field(default_factory=ModelsConfig)

    @property
    def cpu_threads(self) -> int:
        return min(self.threads, available_cores()) if self.threads else available_cores()


def explain(err: ValidationError, where: str, most: int = 3) -> str:
    """A pydantic error as one line: the key path and what was wrong with it (the first `most`
    problems, each value shortened)."""
    problems = []
    for e in err.errors()[:most]:
        path = excerpt(".".join(str(p) for p in e["loc"]), 60) or "(top level)"
        if e["type"] == "extra_forbidden":
            problems.append(f"unknown key '{path}'")
        else:
            problems.append(f"'{path}': {excerpt(e['msg'], 200)} (got {value_excerpt(e.get('input'))})")
    more = err.error_count() - most
    return f"{where}: " + "; ".join(problems) + (f"; and {more} more" if more > 0 else "")


def _merge(base: dict, over: dict) -> dict:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_config(path: Path | None = None, overrides: dict | None = None) -> Config:
    """Defaults, then the YAML file at `path` (if any), then `overrides` (from CLI flags)."""
    data: dict = {}
    where = "configuration"
    if path is not None:
        where = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as e:
            raise ConfigError(f"{path}: cannot read the config file ({e.strerror})") from None
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise ConfigError(f"{path}: not valid YAML{at}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    data = _merge(data, overrides or {})
    try:
        return Config.model_validate(data)
    except ValidationError as e:
        raise ConfigError(explain(e, where)) from None


def user_dir() -> Path:
    """The settings folder: $OFFRECORD_HOME, else the platform's (~/.config/offrecord on Linux)."""
    import click

    return Path(os.environ.get("OFFRECORD_HOME") or click.get_app_dir("offrecord"))


def data_dir() -> Path:
    """Where an installed offrecord keeps large data (the model store): $OFFRECORD_HOME, else
    $XDG_DATA_HOME/offrecord (~/.local/share/offrecord)."""
    if os.environ.get("OFFRECORD_HOME"):
        return Path(os.environ["OFFRECORD_HOME"])
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "offrecord"


def default_config_path() -> Path | None:
    """The user's config file, if they have one: $OFFRECORD_CONFIG or config.yaml in user_dir()."""
    env = os.environ.get("OFFRECORD_CONFIG")
    if env:
        return Path(env)
    candidate = user_dir() / "config.yaml"
    return candidate if candidate.exists() else None


def voices_path(cfg: Config) -> Path:
    return cfg.speakers.voices_file or user_dir() / "voices.json"
