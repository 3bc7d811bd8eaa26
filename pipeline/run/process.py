"""One recording through every stage, in order: decode -> transcribe and diarize (side by side)
-> attribute words to speakers -> name the speakers -> summarize -> write the outputs.

Each expensive stage's result is kept in the stage cache under what it was computed from, so a
rerun (after a crash, or with another summary model) does only what is missing. A result is
stored before its line is shown: a stage reported done survives a kill. The cache key is the
hash of the very bytes that were decoded: a file that changes while it is read (a recording still
being copied) is read again, never stored under the hash of other bytes.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, TypeVar

from .. import library
from ..config import Config, voices_path
from ..data import Audio, Diarization, Summary, Transcript
from ..errors import InputError, OffrecordError, failure_line
from ..interrupt import hold, stop_thread
from ..outputs import embed
from ..outputs.files import MODES, publish
from ..outputs.formats import Result, render
from ..stages import diarize, transcribe
from ..stages.attribute import attribute
from ..stages.decode import decode
from ..stages.naming import name_speakers
from ..stages.transcribe import AsrResult
from ..stages.voices import VoiceBook
from ..summary import summarize
from ..summary.templates import Template
from ..system import peak_rss_mb, sha256_of
from .cache import StageCache, settings_hash
from .check import summary_template
from .models import Models
from .progress import FileResult, Reporter, StageTime

T = TypeVar("T")


@dataclass
class Shared:
    """What every recording of a batch shares. `index`: tell the library (OUT's search index and
    page) of each publish; a cluster worker leaves that to the client, the index's one writer."""

    cfg: Config
    models: Models
    reporter: Reporter
    cache: StageCache | None = None
    index: bool = True


def process_file(path: Path, out_dir: Path, shared: Shared, label: str | None = None,
                 source: str | None = None) -> FileResult:
    """Every stage for one recording, into `out_dir` (which callers choose with claim_output).
    `source` is the file's sha256 when the caller knows it."""
    return transcribe_file(path, out_dir, shared, label, source).finish()


def transcribe_file(path: Path, out_dir: Path, shared: Shared, label: str | None = None,
                    source: str | None = None) -> "Pending":
    """The stages up to the transcript; `finish()` on the answer does the summary and the outputs.
    A batch transcribes every file before it summarises any, so each stage's models load once.
    `path` is taken to have passed check_readable, as run_batch checks it before choosing `out_dir`."""
    label = label or path.name
    try:
        return _transcript(_FileRun(path, out_dir, shared, label, source))
    except _Changed:
        shared.reporter.warn(label, "the file changed while it was being read; reading it again")
    try:
        return _transcript(_FileRun(path, out_dir, shared, label, None))
    except _Changed:
        raise InputError(f"{path}: the file keeps changing while it is read (still being written?); "
                         "run it again once it is complete") from None


def _transcript(run: "_FileRun") -> "Pending":
    path, out_dir, cfg = run.path, run.result.out_dir, run.cfg
    asr, diarization = run.transcribe_and_diarize()
    embedded = None
    if cfg.output.embed_audio and "html" in cfg.output.formats:
        embedded = run.step("embed", embed.data_uri, run.decoded())
    run.audio = None  # the summary needs no waveform: free it before the LLM loads
    hold("attribute")
    turns = run.step("attribute", attribute, asr.phrases, diarization)
    voices = {}
    if cfg.speakers.match_voices and diarization.embeddings:
        voices = VoiceBook(voices_path(cfg)).match(diarization.embeddings, cfg.speakers.voice_threshold)
    earlier = _published(out_dir)
    same_recording = earlier.transcript is not None and earlier.transcript.get("source") == str(path)
    names = cfg.speakers.names or (earlier.given_names() if same_recording else [])
    transcript = Transcript(source=str(path), duration=asr.duration, language=asr.language, models=model_names(cfg),
                            speakers=name_speakers(turns, names, voices), segments=turns)
    result = Result(transcript, diarization, None, out_dir, embedded)
    if cfg.summary.enabled:
        result.summary = run.stored_summary(result)
        if result.summary is None:
            # The transcript is published before the summary model runs: whatever happens to the
            # summary (a native crash, a kill, a batch stopped before its summaries), it is not lost.
            run.publish(result)
    return Pending(run, result, earlier)


@dataclass
class Pending:
    """A recording whose transcript is made and whose summary and outputs are still to come."""

    run: "_FileRun"
    result: Result
    earlier: "_Earlier"

    def finish(self) -> FileResult:
        run, result, transcript = self.run, self.result, self.result.transcript
        if run.cfg.summary.enabled:
            result.summary = result.summary or run.summarize(result)
        elif self.earlier.summary is not None:
            # a rerun without the summary keeps the one there, unless it described another transcript
            if self.earlier.describes(transcript):
                result.summary = self.earlier.summary
                transcript.models["summary"] = self.earlier.transcript.get("models", {}).get("summary", "")
            else:
                run.reporter.say(f"{run.label}: the earlier summary no longer matches the transcript and is not "
                                 f"kept; run offrecord summarize {result.out_dir / 'transcript.json'} for a new one")
        run.publish(result)
        run.result.speakers = len(transcript.speakers)
        run.result.words = sum(len(t.words) for t in transcript.segments)
        return run.result


class _Changed(Exception):
    """The recording changed between being hashed and being decoded."""


def _signature(path: Path) -> tuple[int, int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns, st.st_ino


class _FileRun:
    """What is known of one recording so far, and the one way a stage is run: read back from the
    stage cache if its result is there, else computed, stored and reported."""

    def __init__(self, path: Path, out_dir: Path, shared: Shared, label: str, source: str | None):
        self.path, self.label, self.index = path, label, shared.index
        self.cfg, self.models, self.reporter, self.cache = shared.cfg, shared.models, shared.reporter, shared.cache
        self.signature = _signature(path)
        self.source = source or (sha256_of(path) if self.cache else "")
        self.result = FileResult(source=path, out_dir=out_dir, duration=0.0)
        self.audio: Audio | None = None

    def decoded(self) -> Audio:
        if self.audio is None:
            start = _now()
            hold("decode")
            audio = decode(self.path)
            # unchanged size, time stamp and inode from before hashing to after decoding: the
            # decoded bytes are the hashed ones
            if _signature(self.path) != self.signature:
                raise _Changed
            self.audio = audio
            self.result.duration = self.audio.duration
            self._finished("decode", start)
        return self.audio

    def step(self, stage: str, fn: Callable[..., T], *args, own_cpu: bool = True) -> T:
        start = _now()
        value = fn(*args)
        self._finished(stage, start, own_cpu)
        return value

    def stored(self, stage: str, key: str, settings: dict, restore: Callable[[dict], T]) -> T | None:
        value = self.cache.load(stage, key, settings) if self.cache else None
        if value is None:
            return None
        self.reporter.cached(self.label, stage)
        return restore(value)

    def computed(self, stage: str, key: str, settings: dict, fn: Callable[[], T], own_cpu: bool = True) -> T:
        start = _now()
        value = fn()
        if self.cache:
            self.cache.save(stage, key, settings, asdict(value))
        self._finished(stage, start, own_cpu)
        return value

    def _finished(self, stage: str, start: tuple[float, float], own_cpu: bool = True) -> None:
        seconds, cpu = time.perf_counter() - start[0], time.process_time() - start[1]
        self.result.stages.append(StageTime(stage, seconds, cpu if own_cpu else None, peak_rss_mb()))
        self.reporter.stage(self.label, stage, seconds, self.result.duration)

    def publish(self, result: Result) -> None:
        """The outputs swapped into place, then the library (index and OUT/index.html) told."""
        self.step("write", publish, result.out_dir, render(result, self.cfg.output.formats), MODES[self.cfg.output.mode])
        if self.index:
            self.step("index", library.update, result.out_dir.parent, result.out_dir, self.cfg)

    # -- the stages ---------------------------------------------------------------------------

    def transcribe_and_diarize(self) -> tuple[AsrResult, Diarization]:
        cfg = self.cfg
        asr = self.stored("transcribe", self.source, transcribe.settings(cfg), AsrResult.from_dict)
        diarization = (self.stored("diarize", self.source, diarize.settings(cfg), Diarization.from_dict)
                       if cfg.diarization.enabled else None)
        if asr is None and diarization is None and self.models.side_by_side:
            asr, diarization = self._side_by_side()
        asr = asr or self.transcribe()
        self.result.duration = asr.duration
        if not cfg.diarization.enabled:
            return asr, diarize.single_speaker(asr.duration if asr.phrases else 0.0)
        # who spoke when does not depend on the words: a voice too quiet for the VAD is still there
        diarization = diarization or self.diarize()
        return self.recover(asr, diarization), diarization

    def transcribe(self, own_cpu: bool = True) -> AsrResult:
        # the model loads and the audio decodes before the stage's clock starts
        model, audio = self.models.asr, self.decoded()
        return self.computed("transcribe", self.source, transcribe.settings(self.cfg),
                             lambda: model.transcribe(audio, self.cfg.asr.language, self._progress("transcribe")),
                             own_cpu)

    def diarize(self, threads: int | Callable[[], int] | None = None, own_cpu: bool = True) -> Diarization:
        model, audio = self.models.diarizer, self.decoded()
        return self.computed("diarize", self.source, diarize.settings(self.cfg),
                             lambda: model.diarize(audio, threads=threads, progress=self._progress("diarize")), own_cpu)

    def _progress(self, stage: str) -> Callable[[float, float], None]:
        return lambda done, total: self.reporter.progress(self.label, stage, done, total)

    def recover(self, asr: AsrResult, diarization: Diarization) -> AsrResult:
        """Speech that the diarization heard and the VAD left out (a quiet or distant voice) is
        transcribed too, so that every voice in speakers.rttm reaches the recogniser."""
        missed = transcribe.unheard(diarization.spans, asr.heard)
        if not missed:
            return asr
        settings = {"transcribe": transcribe.settings(self.cfg), "diarize": diarize.settings(self.cfg)}
        stored = self.stored("recover", self.source, settings, AsrResult.from_dict)
        if stored is not None:
            return stored
        model, audio = self.models.asr, self.decoded()
        return self.computed("recover", self.source, settings, lambda: model.transcribe_also(audio, asr, missed))

    def _side_by_side(self) -> tuple[AsrResult, Diarization]:
        """Speech recognition here and diarization in a thread, each on its share of the cores.
        Neither stage gains much from a second core, so on 2 cores this is about 1.8x faster
        than one after the other (scripts/bench.py, offrecord against offrecord-sequential).
        Their CPU time cannot be told apart, so it is recorded for the pair."""
        self.models.asr, self.models.diarizer  # noqa: B018  (loaded first: a missing model fails before any work)
        self.decoded()
        start = _now()
        outcome: dict = {}
        # once speech recognition is done its cores go to the diarization (a recording with long
        # silences is recognised long before it is diarized)
        threads = {"diarize": self.models.diarize_threads_beside}

        def beside() -> None:
            try:
                outcome["value"] = self.diarize(threads=lambda: threads["diarize"], own_cpu=False)
            except BaseException as e:  # raised again in this thread, after speech recognition
                outcome["error"] = e

        worker = threading.Thread(target=beside, name="diarize")
        worker.start()
        try:
            asr = self.transcribe(own_cpu=False)
            threads["diarize"] = self.cfg.cpu_threads
        except Exception:
            worker.join()  # the next file must not start while this one's diarization still runs
            raise
        except BaseException:  # Ctrl-C, SIGTERM or SIGHUP: diarization stops too, at its next safe point
            stop_thread(worker)
            raise
        try:
            worker.join()
        except BaseException:
            stop_thread(worker)
            raise
        if "error" in outcome:
            raise outcome["error"]
        self._finished("transcribe+diarize", start)
        return asr, outcome["value"]

    def _summary_key(self, result: Result) -> tuple[str, dict, Template]:
        template = summary_template(self.cfg.summary.template)
        return settings_hash(result.transcript.to_dict()), summarize.settings(self.cfg, template), template

    def stored_summary(self, result: Result) -> Summary | None:
        key, settings, _ = self._summary_key(result)
        return self.stored("summarize", key, settings, Summary.from_dict)

    def summarize(self, result: Result) -> Summary:
        transcript = result.transcript
        key, settings, template = self._summary_key(result)
        try:
            summarizer = self.models.summarizer
            return self.computed("summarize", key, settings, lambda: summarizer.summarize(
                transcript, template, lambda done, total: self.reporter.progress(self.label, "summarize", done, total,
                                                                                 "chunks")))
        except Exception as e:
            reason = failure_line(e)
            retry = (f"retry with offrecord summarize {result.out_dir / 'transcript.json'}" if "json" in self.cfg.output.formats
                     else "run the same command again to retry it (finished stages are kept)")
            raise OffrecordError(f"{self.path}: summary failed: {reason}; transcript written to {result.out_dir}; "
                                 f"{retry}") from e


class _Earlier:
    """What an earlier run left in the output folder."""

    def __init__(self, transcript: dict | None, summary: Summary | None):
        self.transcript, self.summary = transcript, summary

    def describes(self, transcript: Transcript) -> bool:
        """Whether the earlier summary was made from this transcript (the models listed aside)."""
        def words(t: dict) -> dict:
            return {k: v for k, v in t.items() if k != "models"}

        return self.transcript is not None and words(self.transcript) == words(transcript.to_dict())

    def given_names(self) -> dict[str, str]:
        """Names a user gave (`--speakers`, `offrecord rename`): a rerun keeps them."""
        return {s["id"]: s["name"] for s in self.transcript.get("speakers", []) if s.get("name_source") == "user"}


def _published(out_dir: Path) -> _Earlier:
    def read(name: str):
        try:
            return json.loads((out_dir / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    transcript, summary = read("transcript.json"), read("summary.json")
    try:
        summary = Summary.from_dict(summary) if isinstance(summary, dict) else None
    except (KeyError, TypeError):
        summary = None
    return _Earlier(transcript if isinstance(transcript, dict) else None, summary)


def model_names(cfg: Config) -> dict[str, str]:
    names = {"asr": cfg.asr.model}
    if cfg.diarization.enabled:
        names["segmentation"] = cfg.diarization.segmentation_model
        names["embedding"] = cfg.diarization.embedding_model
    if cfg.summary.enabled:
        names["summary"] = cfg.summary.model
    return names


def _now() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def output_settings(cfg: Config) -> dict:
    """Every setting that shapes a recording's outputs, and nothing else (not threads, stage
    overlap, watch timings or where models are stored): a watch job is redone when these change."""
    settings = {"transcribe": transcribe.settings(cfg), "speakers": cfg.speakers.model_dump(mode="json"),
                "formats": sorted(cfg.output.formats)}
    if cfg.diarization.enabled:
        settings["diarize"] = diarize.settings(cfg)
    if cfg.summary.enabled:
        settings["summarize"] = summarize.settings(cfg, summary_template(cfg.summary.template))
    return settings
