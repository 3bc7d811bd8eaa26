"""The models, each loaded the first time a recording needs it and kept for every later one.

One stage's models at a time by default: the recogniser and the diarizer (about 1.3 GB for an
hour of audio) are freed before the summary model (about 1.5 GB more, in its own process) starts,
and the summary model is stopped before they load again. A recording never needs both at once,
and loading them takes a second or two, so the peak is the larger stage's, not the sum.
`keep_models_loaded` trades that memory for the reloads of a long watch-folder session.
"""

from __future__ import annotations

import gc
from typing import Callable

from ..config import Config
from ..errors import CHECK_MODEL, ModelMissingError
from ..store import ModelStore
from ..system import release_freed_memory


class Models:
    def __init__(self, cfg: Config, store: ModelStore, on_load: Callable[[str], None] | None = None):
        """on_load(what) is told before a model loads (it takes seconds)."""
        self.cfg = cfg
        self.store = store
        self.on_load = on_load or (lambda what: None)
        self._asr = self._diarizer = self._summarizer = None
        cores = cfg.cpu_threads
        self.side_by_side = cfg.parallel_stages and cfg.diarization.enabled and cores >= 2
        # Speech recognition's threads are fixed when its model loads. Diarization sets its own
        # per call: this share beside speech recognition, every core when it runs alone.
        self.asr_threads = cores - cores // 2 if self.side_by_side else cores
        self.diarize_threads_beside = max(1, cores // 2)

    def _load(self, what: str, loader: Callable):
        self.on_load(what)
        try:
            return loader()
        except ModelMissingError:
            raise
        except Exception as e:  # a damaged or incompatible model file
            raise ModelMissingError(f"cannot load the {what} model ({e}); {CHECK_MODEL}") from e

    def close(self) -> None:
        """Stop the summary model's process."""
        if self._summarizer is not None:
            self._summarizer.close()
            self._summarizer = None

    def _free_transcript_models(self) -> None:
        if self._asr is None and self._diarizer is None:
            return
        self._asr = self._diarizer = None
        gc.collect()  # the torch modules hold reference cycles
        release_freed_memory()

    @property
    def asr(self):
        if self._asr is None:
            if not self.cfg.keep_models_loaded:
                self.close()
            from ..stages.transcribe import Transcriber
            path = self.store.path(self.cfg.asr.model)
            self._asr = self._load("speech recognition", lambda: Transcriber(path, self.cfg.asr, self.asr_threads))
        return self._asr

    @property
    def diarizer(self):
        if self._diarizer is None:
            if not self.cfg.keep_models_loaded:
                self.close()
            from ..stages.diarize import Diarizer
            d = self.cfg.diarization
            seg, emb = self.store.path(d.segmentation_model), self.store.path(d.embedding_model)
            self._diarizer = self._load("diarization", lambda: Diarizer(seg, emb, d, self.cfg.cpu_threads))
        return self._diarizer

    @property
    def summarizer(self):
        """The summary model, in a process of its own (it starts, and loads, on first use)."""
        if self._summarizer is None:
            from ..summary.worker import SummaryWorker
            gguf = self.store.file(self.cfg.summary.model, "model.gguf")
            if not gguf.is_file():
                raise ModelMissingError(f"model '{self.cfg.summary.model}': {gguf} is not a file")
            if not self.cfg.keep_models_loaded:
                self._free_transcript_models()
            self.on_load("summary")
            self._summarizer = SummaryWorker(gguf, self.cfg.summary, self.cfg.cpu_threads)
        return self._summarizer
