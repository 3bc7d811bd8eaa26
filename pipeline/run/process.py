"""One recording through every stage: decode -> transcribe and diarize (side by side) ->
attribute -> name -> summarize -> write. Models are loaded on first use and reused for every
later file."""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from . import audio as audio_io
from . import writers
from .attribute import attribute
from .config import Config, voices_path
from .cache import StageCache, settings_hash
from .data import Diarization, Summary, Transcript, Turn
from .errors import ModelMissingError, OutputError
from .jobs import process_alive
from .naming import name_speakers
from .report import report_html
from .store import ModelStore, sha256_of
from .templates import load_template
from .transcribe import AsrResult
from .voices import VoiceBook


STATE_DIR = ".offrecord"  # inside the output folder: stage cache and job database


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


class Models:
    """Each model is loaded once, the first time a file needs it."""

    def __init__(self, cfg: Config, store: ModelStore):
        self.cfg = cfg
        self.store = store
        self._asr = self._diarizer = self._summarizer = None
        cores = cfg.cpu_threads
        self.side_by_side = cfg.parallel_stages and cfg.diarization.enabled and cores >= 2
        # Speech recognition's threads are fixed when its model loads. Diarization sets its own
        # per call: this share beside speech recognition, every core when it runs alone.
        self.asr_threads = cores - cores // 2 if self.side_by_side else cores
        self.diarize_threads_beside = max(1, cores // 2)

    def _load(self, what: str, loader: Callable):
        try:
            return loader()
        except ModelMissingError:
            raise
        except Exception as e:  # a damaged or incompatible model file
            raise ModelMissingError(f"cannot load the {what} model ({e}); check it with `offrecord models verify`") from e

    def close(self) -> None:
        """Free the LLM now: llama.cpp's own finaliser fails if left to interpreter shutdown."""
        if self._summarizer is not None:
            self._summarizer.llm.close()
            self._summarizer = None

    @property
    def asr(self):
        if self._asr is None:
            from .transcribe import Transcriber
            path = self.store.path(self.cfg.asr.model)
            self._asr = self._load("speech recognition", lambda: Transcriber(path, self.cfg.asr, self.asr_threads))
        return self._asr

    @property
    def diarizer(self):
        if self._diarizer is None:
            from .diarize import Diarizer
            d = self.cfg.diarization
            seg, emb = self.store.path(d.segmentation_model), self.store.path(d.embedding_model)
            self._diarizer = self._load("diarization", lambda: Diarizer(seg, emb, d, self.cfg.cpu_threads))
        return self._diarizer

    @property
    def summarizer(self):
        if self._summarizer is None:
            from .summarize import Summarizer
            gguf = self.store.file(self.cfg.summary.model, "model.gguf")
            self._summarizer = self._load("summary", lambda: Summarizer(gguf, self.cfg.summary, self.cfg.cpu_threads))
        return self._summarizer


class Reporter:
    """Progress on stderr: one line per file per stage, as text or as JSON lines (--log-json).
    It shows file names, stages and timings, never what was said."""

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


def process_file(path: Path, out_dir: Path, cfg: Config, models: Models, reporter: Reporter,
                 label: str | None = None, cache: StageCache | None = None, source: str | None = None) -> FileResult:
    """Every stage for one recording. With a cache, a stage whose result is already stored (same
    content, same settings) is read back instead of recomputed, and the audio is decoded only if
    some stage still needs it. `source` is the file's sha256 when the caller already knows it."""
    label = label or path.name
    result = FileResult(source=path, out_dir=out_dir, duration=0.0)
    audio_io.check_readable(path)
    source = source or (sha256_of(path) if cache else "")
    decoded: list = []  # the waveform, once decoded; emptied before the summary

    def finished(stage: str, start: tuple[float, float], own_cpu: bool = True) -> None:
        seconds, cpu = time.perf_counter() - start[0], time.process_time() - start[1]
        result.stages.append(StageTime(stage, seconds, cpu if own_cpu else None, peak_rss_mb()))
        reporter.stage(label, stage, seconds, result.duration)

    def timed(stage: str, fn: Callable, *args, own_cpu: bool = True):
        start = (time.perf_counter(), time.process_time())
        value = fn(*args)
        finished(stage, start, own_cpu)
        return value

    def audio():
        if not decoded:
            start = (time.perf_counter(), time.process_time())
            decoded.append(audio_io.decode(path))
            result.duration = decoded[0].duration
            finished("decode", start)
        return decoded[0]

    def stored(name: str, key: str, settings, restore: Callable):
        value = cache.load(name, key, settings) if cache else None
        if value is None:
            return None
        reporter.cached(label, name)
        return restore(value)

    def keep(name: str, key: str, settings, value):
        if cache:
            cache.save(name, key, settings, asdict(value))
        return value

    asr_settings = {**cfg.asr.model_dump(mode="json"), "path": str(cfg.models.paths.get(cfg.asr.model, ""))}
    diarization_settings = cfg.diarization.model_dump(mode="json")

    # Each stage's result is stored before its line is shown: a stage reported done survives a
    # kill. Models load and audio decodes before the timing starts.
    def transcribe(own_cpu: bool = True) -> AsrResult:
        asr_model, samples = models.asr, audio()
        return timed("transcribe", lambda: keep("transcribe", source, asr_settings,
                                                asr_model.transcribe(samples, cfg.asr.language)), own_cpu=own_cpu)

    def diarize(threads: int | None = None, own_cpu: bool = True) -> Diarization:
        diarizer, samples = models.diarizer, audio()
        return timed("diarize", lambda: keep("diarize", source, diarization_settings,
                                             diarizer.diarize(samples, threads=threads)), own_cpu=own_cpu)

    asr = stored("transcribe", source, asr_settings, AsrResult.from_dict)
    diarization = (stored("diarize", source, diarization_settings, Diarization.from_dict)
                   if cfg.diarization.enabled else None)
    if asr is None and diarization is None and models.side_by_side:
        asr, diarization = _side_by_side(transcribe, diarize, audio, models, finished)
    asr = asr or transcribe()
    result.duration = asr.duration
    if not (cfg.diarization.enabled and asr.segments):
        diarization = _single_speaker(asr.duration if asr.segments else 0.0)
    else:
        diarization = diarization or diarize()
    decoded.clear()  # the summary needs no waveform: free it before the LLM loads
    turns = timed("attribute", attribute, asr.segments, diarization)
    voice_names = {}
    if cfg.speakers.match_voices and diarization.embeddings:
        voice_names = VoiceBook(voices_path(cfg)).match(diarization.embeddings, cfg.speakers.voice_threshold)
    speakers = name_speakers(turns, cfg.speakers.names, voice_names)
    transcript = Transcript(
        source=str(path), duration=asr.duration, language=asr.language,
        models=_model_names(cfg), speakers=speakers, segments=turns)

    files = {name: render(transcript) for fmt, (name, render) in writers.TRANSCRIPT_WRITERS.items()
             if fmt in cfg.output.formats}
    if "rttm" in cfg.output.formats:
        files["speakers.rttm"] = writers.speakers_rttm(Path(path).stem, diarization.turns)
    summary = None
    if cfg.summary.enabled:
        template = load_template(cfg.summary.template)
        summary_settings = {**cfg.summary.model_dump(mode="json"), "template": template.model_dump(),
                            "path": str(cfg.models.paths.get(cfg.summary.model, ""))}
        key = settings_hash(transcript.to_dict())
        summary = stored("summarize", key, summary_settings, Summary.from_dict)
        if summary is None:
            summarizer = models.summarizer
            summary = timed("summarize", lambda: keep("summarize", key, summary_settings,
                                                      summarizer.summarize(transcript, template)))
        files["summary.json"] = writers.summary_json(summary)
        files["summary.md"] = writers.summary_md(summary)
    if "html" in cfg.output.formats:
        files["report.html"] = report_html(transcript, summary, out_dir)
    timed("write", publish, out_dir, files)
    return result


def _side_by_side(transcribe: Callable, diarize: Callable, audio: Callable, models: Models,
                  finished: Callable) -> tuple[AsrResult, Diarization]:
    """Speech recognition here and diarization in a thread, each on its share of the cores.
    Neither stage gains much from a second core, so on 2 cores this is about 1.8x faster than
    one after the other (scripts/bench.py, offrecord against offrecord-sequential). Their CPU
    time cannot be told apart, so it is recorded for the pair."""
    models.asr, models.diarizer  # noqa: B018  (loaded first: a missing model fails before any work)
    audio()
    start = (time.perf_counter(), time.process_time())
    outcome: dict = {}

    def beside() -> None:
        try:
            outcome["value"] = diarize(threads=models.diarize_threads_beside, own_cpu=False)
        except Exception as e:  # raised again in this thread, after speech recognition
            outcome["error"] = e

    # A daemon thread, so Ctrl-C during speech recognition ends the run without waiting.
    worker = threading.Thread(target=beside, name="diarize", daemon=True)
    worker.start()
    try:
        asr = transcribe(own_cpu=False)
    except Exception:
        worker.join()  # the next file must not start while this one's diarization still runs
        raise
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    finished("transcribe+diarize", start)
    return asr, outcome["value"]


def _single_speaker(duration: float) -> Diarization:
    turns = [Turn(0.0, duration, "SPEAKER_00")] if duration > 0 else []
    return Diarization(turns=turns, exclusive=list(turns))


def _model_names(cfg: Config) -> dict[str, str]:
    names = {"asr": cfg.asr.model}
    if cfg.diarization.enabled:
        names["segmentation"] = cfg.diarization.segmentation_model
        names["embedding"] = cfg.diarization.embedding_model
    if cfg.summary.enabled:
        names["summary"] = cfg.summary.model
    return names


def publish(out_dir: Path, files: dict[str, str]) -> None:
    """Write every output into a hidden sibling folder, then swap it into place in one rename,
    so the folder a user sees is either the complete old result or the complete new one."""
    out_dir = Path(out_dir)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        _clear_leftovers(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.{os.getpid()}.", suffix=".partial", dir=out_dir.parent))
    except OSError as e:
        raise OutputError(f"{out_dir.parent}: cannot create the output folder ({e.strerror or e})") from None
    try:
        os.chmod(staging, 0o755)
        for name, text in files.items():
            writers.write_atomic(staging / name, text)
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            os.replace(out_dir, old)
        os.replace(staging, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as e:
        raise OutputError(f"{out_dir}: cannot write outputs ({e.strerror or e})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _clear_leftovers(out_dir: Path) -> None:
    """Tidy up after an earlier run that was killed while publishing this output: its staging
    folder goes, and its old result goes back in place if the new one never arrived. Each
    carries its process id; a live process's folders are left alone."""
    name = re.escape(out_dir.name)
    pattern = re.compile(rf"\.{name}\.(?:(\d+)\.\w+\.partial|old-(\d+))")
    for path in out_dir.parent.iterdir():
        found = pattern.fullmatch(path.name)
        if not found or process_alive(int(found[1] or found[2])):
            continue
        if found[2] and not out_dir.exists():
            os.replace(path, out_dir)
        else:
            shutil.rmtree(path, ignore_errors=True)

