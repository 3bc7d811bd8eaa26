"""Speech to words with timestamps: faster-whisper (CTranslate2), loaded once, reused per file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..config import AsrConfig, Config
from ..data import Audio, Phrase, Word

# Whisper invents fluent text on silence and music; these are faster-whisper's own signals for
# it. A segment that is both improbable and non-speech is dropped, and so is a segment that
# repeats the one before it word for word (the classic loop).
NO_SPEECH_DROP = 0.6
LOGPROB_DROP = -1.0
WINDOW_SECONDS = 600  # long recordings are transcribed in windows of at most this length
CUT_SEARCH_SECONDS = 30


def settings(cfg: Config) -> dict:
    """What a transcription depends on besides the recording: its stage-cache key."""
    return {**cfg.asr.model_dump(mode="json"), "path": str(cfg.models.paths.get(cfg.asr.model, ""))}


@dataclass
class AsrResult:
    phrases: list[Phrase]
    language: str
    duration: float  # of the whole recording, not just its speech

    @classmethod
    def from_dict(cls, d: dict) -> "AsrResult":
        return cls(phrases=[Phrase.from_dict(p) for p in d["phrases"]], language=d["language"],
                   duration=d["duration"])


class Transcriber:
    def __init__(self, model_dir: Path, cfg: AsrConfig, threads: int):
        from faster_whisper import WhisperModel

        if not (Path(model_dir) / "tokenizer.json").is_file():
            # faster-whisper treats a folder without tokenizer.json as a hub name and downloads.
            raise FileNotFoundError(f"{model_dir} is not a CTranslate2 Whisper folder (no tokenizer.json)")
        self.cfg = cfg
        self.model = WhisperModel(str(model_dir), device=cfg.device, compute_type=cfg.compute_type,
                                  cpu_threads=threads)

    def transcribe(self, audio: Audio, language: str | None = None,
                   progress: Callable[[float, float], None] | None = None) -> AsrResult:
        """`progress(seconds done, seconds in all)` is called as faster-whisper yields each phrase."""
        language = language or self.cfg.language
        if language and not self.model.model.is_multilingual and language != "en":
            language = "en"
        kept: list[Phrase] = []
        for offset, piece in _windows(audio.samples, audio.sample_rate):
            # the first window decides the language; later ones keep it, so a long recording
            # is not split between languages by a quiet or noisy stretch
            segments, info = self.model.transcribe(
                piece,
                language=language,
                beam_size=self.cfg.beam_size,
                word_timestamps=True,
                vad_filter=self.cfg.vad,
                # Conditioning on earlier text is what lets one hallucination spread into a loop.
                condition_on_previous_text=False,
                # Detect the language from several windows, so silence or music at the start
                # does not decide it.
                language_detection_segments=4,
            )
            language = language or info.language
            for s in segments:
                if progress:
                    progress(offset + s.end, audio.duration)
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
        return AsrResult(phrases=kept, language=language or "en", duration=round(audio.duration, 3))


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
