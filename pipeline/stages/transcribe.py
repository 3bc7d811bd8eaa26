"""Speech to words with timestamps: faster-whisper (CTranslate2), loaded once, reused per file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from pyannote.core import Segment, Timeline

from ..config import AsrConfig, Config
from ..data import Audio, Phrase, Span, Word
from . import speech
from .speech import SAMPLE_RATE

# Whisper invents fluent text on silence and music; these are faster-whisper's own signals for
# it. A segment that is both improbable and non-speech is dropped, and so is a segment that
# repeats the one before it word for word (the classic loop).
NO_SPEECH_DROP = 0.6
LOGPROB_DROP = -1.0
WINDOW_SECONDS = 600  # long recordings are transcribed in windows of at most this length
CUT_SEARCH_SECONDS = 30
# Diarized speech shorter than this that the VAD left out is not worth a decoding pass: Whisper
# finds no word in a fifth of a second.
MIN_UNHEARD_SECONDS = 0.2


def settings(cfg: Config) -> dict:
    """What a transcription depends on besides the recording: its stage-cache key."""
    return {**cfg.asr.model_dump(mode="json"), "path": str(cfg.models.paths.get(cfg.asr.model, "")),
            "vad_model": speech.version() if cfg.asr.vad else None}


@dataclass
class AsrResult:
    phrases: list[Phrase]
    language: str
    duration: float  # of the whole recording, not just its speech
    heard: list[tuple[float, float]]  # (start, end) of what the recogniser was given: the VAD's speech

    @classmethod
    def from_dict(cls, d: dict) -> "AsrResult":
        return cls(phrases=[Phrase.from_dict(p) for p in d["phrases"]], language=d["language"],
                   duration=d["duration"], heard=[tuple(h) for h in d["heard"]])


class Transcriber:
    def __init__(self, model_dir: Path, cfg: AsrConfig, threads: int):
        from faster_whisper import WhisperModel

        if not (Path(model_dir) / "tokenizer.json").is_file():
            # faster-whisper treats a folder without tokenizer.json as a hub name and downloads.
            raise FileNotFoundError(f"{model_dir} is not a CTranslate2 Whisper folder (no tokenizer.json)")
        self.cfg = cfg
        self.model = WhisperModel(str(model_dir), device=cfg.device, compute_type=cfg.compute_type,
                                  cpu_threads=threads)
        self.vad = speech.SpeechDetector(cfg.vad_threshold) if cfg.vad else None

    def transcribe(self, audio: Audio, language: str | None = None,
                   progress: Callable[[float, float], None] | None = None) -> AsrResult:
        """Every word of the recording (of its speech, with the VAD on). `progress(seconds done,
        seconds in all)` is called as faster-whisper yields each phrase."""
        language = self._language(language)
        phrases: list[Phrase] = []
        heard: list[tuple[float, float]] = []
        for offset, piece in _windows(audio.samples, audio.sample_rate):
            chunks = self.vad.regions(piece) if self.vad else [{"start": 0, "end": len(piece)}]
            heard += [(round(offset + c["start"] / audio.sample_rate, 3), round(offset + c["end"] / audio.sample_rate, 3))
                      for c in chunks]
            # the first window decides the language; later ones keep it, so a long recording
            # is not split between languages by a quiet or noisy stretch
            language = self._decode(piece, offset, chunks, language, phrases,
                                    progress and (lambda end, offset=offset: progress(offset + end, audio.duration)))
        return AsrResult(phrases=phrases, language=language or "en", duration=round(audio.duration, 3), heard=heard)

    def transcribe_also(self, audio: Audio, asr: AsrResult, regions: list[tuple[float, float]]) -> AsrResult:
        """`asr` with the words of these (start, end) stretches added, decoded joined together, a
        window's worth at a time (the spectrogram of everything at once could be huge, see _windows)."""
        window = WINDOW_SECONDS * audio.sample_rate
        groups: list[list[dict]] = [[]]
        size = 0
        for start, end in regions:
            for first in range(int(start * audio.sample_rate), int(end * audio.sample_rate), window):
                chunk = {"start": first, "end": min(first + window, int(end * audio.sample_rate))}
                if size + chunk["end"] - chunk["start"] > window:
                    groups.append([])
                    size = 0
                groups[-1].append(chunk)
                size += chunk["end"] - chunk["start"]
        phrases: list[Phrase] = []
        for group in groups:
            self._decode(audio.samples, 0.0, group, asr.language, phrases)
        return AsrResult(phrases=sorted(asr.phrases + phrases, key=lambda p: p.start), language=asr.language,
                         duration=asr.duration, heard=sorted(asr.heard + regions))

    def _language(self, language: str | None) -> str | None:
        language = language or self.cfg.language
        if language and not self.model.model.is_multilingual and language != "en":
            language = "en"
        return language

    def _decode(self, samples: np.ndarray, offset: float, chunks: list[dict], language: str | None,
                kept: list[Phrase], progress: Callable[[float], None] | None = None) -> str | None:
        """Decode the `chunks` (sample ranges) of `samples` joined together, as faster-whisper's own
        VAD filter does, appending the phrases (times in the recording) to `kept`; returns the
        language, detected if it was not given."""
        from faster_whisper.transcribe import restore_speech_timestamps
        from faster_whisper.vad import collect_chunks

        if not chunks:
            return language
        joined = np.concatenate(collect_chunks(samples, chunks)[0])
        segments, info = self.model.transcribe(
            joined,
            language=language,
            beam_size=self.cfg.beam_size,
            word_timestamps=True,
            vad_filter=False,  # the speech was chosen above, without onnxruntime (see speech.py)
            # Conditioning on earlier text is what lets one hallucination spread into a loop.
            condition_on_previous_text=False,
            # Detect the language from several windows, so silence or music at the start
            # does not decide it.
            language_detection_segments=4,
        )
        for s in restore_speech_timestamps(segments, chunks, SAMPLE_RATE):
            if progress:
                progress(s.end)
            if s.no_speech_prob > NO_SPEECH_DROP and s.avg_logprob < LOGPROB_DROP:
                continue
            text = s.text.strip()
            if not text or (kept and text == kept[-1].text):
                continue
            words = [Word(start=round(offset + w.start, 3), end=round(offset + w.end, 3), word=w.word.strip(),
                          probability=round(w.probability, 4))
                     for w in (s.words or []) if w.word.strip()]
            if words:
                kept.append(Phrase(start=words[0].start, end=words[-1].end, text=text, words=words))
        return language or info.language


def unheard(spans: list[Span], heard: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The stretches of diarized speech that the recogniser was not given (at least
    MIN_UNHEARD_SECONDS long), padded as the VAD pads speech but never into what it heard."""
    heard_timeline = Timeline([Segment(start, end) for start, end in heard]).support()
    diarized = Timeline([Segment(s.start, s.end) for s in spans]).support()
    missed = [s for s in diarized.extrude(heard_timeline) if s.duration >= MIN_UNHEARD_SECONDS]
    pad = speech.SPEECH_PAD_MS / 1000
    padded = Timeline([Segment(max(0.0, s.start - pad), s.end + pad) for s in missed]).support().extrude(heard_timeline)
    return [(round(s.start, 3), round(s.end, 3)) for s in padded if s.duration >= MIN_UNHEARD_SECONDS]


def _windows(samples: np.ndarray, rate: int):
    """(offset seconds, samples) pieces of at most WINDOW_SECONDS, each cut at the quietest
    100 ms of the last CUT_SEARCH_SECONDS before the limit, so no word is cut in two.

    faster-whisper computes the spectrogram of everything it is given at once: for a 4-hour
    recording that alone took over 15 GB. Windows keep it to a few hundred MB."""
    start = 0
    window, search, frame = WINDOW_SECONDS * rate, CUT_SEARCH_SECONDS * rate, rate // 10
    while len(samples) - start > window:
        lo = start + window - search
        region = samples[lo:start + window]
        energy = (region[: len(region) // frame * frame].reshape(-1, frame) ** 2).mean(axis=1)
        cut = lo + int(np.argmin(energy)) * frame + frame // 2
        yield start / rate, samples[start:cut]
        start = cut
    yield start / rate, samples[start:]
