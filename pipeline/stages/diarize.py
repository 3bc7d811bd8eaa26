"""Who spoke when: pyannote.audio's SpeakerDiarization, built from local weights only.

We keep pyannote's own algorithm (segmentation-3.0 over sliding 10 s windows, speaker counting,
agglomerative clustering of per-window speaker embeddings, reconstruction of overlapping and
exclusive diarizations) and replace two things: the embedding model (CAM++, the only speaker
embedding shipped in a package here) and how embeddings are computed (once per recording, see
embedding.py). The audio is passed in memory, never as a path, so pyannote decodes nothing.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import time
import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import torch

with warnings.catch_warnings():
    # pyannote warns at import that torchcodec (its file decoder) cannot load beside CPU torch;
    # we hand it audio in memory, so that decoder is never used.
    warnings.simplefilter("ignore")
    from pyannote.audio import Inference, Model, Pipeline
    from pyannote.audio.pipelines.clustering import AgglomerativeClustering
    from pyannote.audio.pipelines.speaker_diarization import SpeakerDiarization
    from pyannote.audio.utils.powerset import Powerset
    from pyannote.core import Annotation, SlidingWindowFeature
    from pyannote.pipeline.parameter import ParamDict, Uniform

from ..config import Config, DiarizationConfig
from ..data import Audio, Diarization, Span
from ..system import release_freed_memory
from .embedding import CamppEmbedder


class _Advice(io.TextIOBase):
    """pyannote prints advice to stdout ("Found only 1 clusters...", when a speaker count was
    asked for and the voices do not allow it): to the log instead, shown only with -v. stdout is
    the process's, but only the library writes there while a diarization runs; offrecord's own
    lines go to stderr."""

    log = logging.getLogger("pyannote.audio")

    def write(self, text: str) -> int:
        if text.strip():
            self.log.info("%s", text.strip())
        return len(text)


def settings(cfg: Config) -> dict:
    """What a diarization depends on besides the recording: its stage-cache key."""
    return cfg.diarization.model_dump(mode="json")


# Agglomerative clustering holds every pair of (window, speaker) embeddings: O(n^2) memory. With
# a window every second a 4-hour recording has ~43,000 of them (7.5 GB of distances), so long
# recordings use a longer hop, keeping n under this bound (~0.9 GB of distances).
MAX_EMBEDDINGS = 15000
TRIM_EVERY = 2.0  # seconds between handing freed memory back (see Diarizer.diarize)


class _LocalSpeakerDiarization(SpeakerDiarization):
    """SpeakerDiarization whose constructor loads nothing from a hub and needs no PLDA."""

    def __init__(self, segmentation: Model, embedder: CamppEmbedder, step: float, speech_threshold: float,
                 count_agreement: float, min_clean_share: float):
        Pipeline.__init__(self)  # the parent constructor would fetch its default models
        self.legacy = False
        self.segmentation_model = "pyannote/segmentation-3.0 (local)"
        self.segmentation_step = step
        self.embedding = "CAM++ (local)"
        self.embedding_batch_size = 1
        self.embedding_exclude_overlap = True
        self.plda = None
        self.klustering = "AgglomerativeClustering"
        self.der_variant = {"collar": 0.0, "skip_overlap": False}
        duration = segmentation.specifications.duration
        # the raw powerset probabilities: get_segmentations decides what is speech
        self._segmentation = Inference(segmentation, duration=duration, step=step * duration,
                                       skip_aggregation=True, skip_conversion=True, batch_size=16)
        self._powerset = Powerset(len(segmentation.specifications.classes),
                                  segmentation.specifications.powerset_max_classes).mapping.numpy().astype(np.float32)
        self.speech_threshold = speech_threshold
        self.count_agreement = count_agreement
        self.segmentation = ParamDict(min_duration_off=Uniform(0.0, 1.0))
        self._embedding = embedder
        self.clustering = _Clustering(metric="cosine", min_clean_share=min_clean_share)
        self._expects_num_speakers = False
        self._features: tuple[np.ndarray, float] | None = None

    def get_segmentations(self, file, hook=None) -> SlidingWindowFeature:
        """Each window's local speakers, frame by frame. pyannote takes the most likely powerset
        class; here a frame is speech once the model gives speech (any class but silence) more
        than `speech_threshold`, and it is then the most likely speaker set. Far-field and quiet
        voices get speech probabilities of 0.3-0.5 that the most likely class would call silence
        (AMI trn01, trn02, trn04)."""
        raw = self._segmentation(file, hook=hook and functools.partial(hook, "segmentation", None))
        probabilities = np.exp(raw.data)  # (chunks, frames, powerset classes)
        classes = np.where(probabilities[..., 0] > 1.0 - self.speech_threshold, 0,
                           probabilities[..., 1:].argmax(axis=-1) + 1)
        return SlidingWindowFeature(self._powerset[classes], raw.sliding_window)

    def speaker_count(self, binarized_segmentations, frames, warm_up=(0.0, 0.0)) -> SlidingWindowFeature:
        """How many speakers talk in each frame: pyannote rounds the mean over the overlapping
        windows, so a voice counts once half of them hear it; here once `count_agreement` of
        them do (a quiet voice is heard by fewer windows than a clear one)."""
        trimmed = Inference.trim(binarized_segmentations, warm_up=warm_up)
        count = Inference.aggregate(np.sum(trimmed, axis=-1, keepdims=True), frames, hamming=False, missing=0.0,
                                    skip_average=False)
        count.data = np.floor(count.data + 1.0 - self.count_agreement).astype(np.uint8)
        return count

    def get_embeddings(self, file, binary_segmentations, exclude_overlap=False, hook=None):
        features, hop = self._features
        data = np.nan_to_num(binary_segmentations.data, nan=0.0).astype(np.float32)
        num_chunks, num_frames, num_speakers = data.shape
        window = binary_segmentations.sliding_window
        if exclude_overlap:
            clean = data * (data.sum(axis=2, keepdims=True) < 2)
        embeddings = np.full((num_chunks, num_speakers, self._embedding.dimension), np.nan, np.float32)
        per_frame = window.duration / num_frames
        for c in range(num_chunks):
            start = window[c].start
            first = max(0, int(np.ceil(start / hop)))
            last = min(len(features), int((start + window.duration) / hop))
            if last <= first:
                continue
            # segmentation frame under each trunk frame of this window
            idx = np.minimum(((np.arange(first, last) * hop - start) / per_frame).astype(int), num_frames - 1)
            masks = data[c][idx]
            if exclude_overlap:
                clean_masks = clean[c][idx]
                enough = clean_masks.sum(axis=0) > 2 * 10  # fall back to all speech when too little is clean
                masks = np.where(enough[None, :], clean_masks, masks)
            embeddings[c] = self._embedding.pool(features[first:last], masks)
        return embeddings


class _Clustering(AgglomerativeClustering):
    """pyannote's agglomerative clustering, with the share of a 10 s window that a speaker must
    talk alone in for their embedding to be clustered as a setting (pyannote fixes it at 0.2):
    in a short meeting, a participant who says a sentence or two never reaches 2 s in one window,
    is never clustered, and is merged into whoever they resemble most."""

    def __init__(self, metric: str, min_clean_share: float):
        super().__init__(metric=metric)
        self.min_clean_share = min_clean_share

    def filter_embeddings(self, embeddings, segmentations=None, min_active_ratio=0.2):
        return super().filter_embeddings(embeddings, segmentations, min_active_ratio=self.min_clean_share)


class Diarizer:
    def __init__(self, segmentation_dir: Path, embedding_dir: Path, cfg: DiarizationConfig, threads: int):
        self.threads = threads
        segmentation = Model.from_pretrained(str(Path(segmentation_dir) / "pytorch_model.bin"))
        self.embedder = CamppEmbedder(embedding_dir)
        self.cfg = cfg
        self.pipeline = _LocalSpeakerDiarization(segmentation, self.embedder, cfg.segmentation_step, cfg.speech_threshold,
                                                 cfg.count_agreement, cfg.min_clean_share)
        self.pipeline.instantiate({
            "segmentation": {"min_duration_off": 0.0},
            "clustering": {"method": "centroid", "min_cluster_size": cfg.min_cluster_size,
                           "threshold": cfg.clustering_threshold},
        })

    def diarize(self, audio: Audio, num_speakers: int | None = None, min_speakers: int | None = None,
                max_speakers: int | None = None, threads: int | Callable[[], int] | None = None,
                progress: Callable[[float, float], None] | None = None) -> Diarization:
        """`progress(done, all)` in seconds of audio: the voice features pass counts for the first
        half, the segmentation pass for the second (together they are most of the time).
        `threads` may be a callable, asked at each step how many threads it may use now: the
        runner gives diarization the recogniser's cores once speech recognition is done."""
        allowed = threads if callable(threads) else (lambda: threads or self.threads)
        using = allowed()
        # torch's thread count is one setting for the whole process: set it for every call, as
        # the runner gives diarization fewer threads while speech recognition runs beside it.
        torch.set_num_threads(using)

        def follow() -> None:
            nonlocal using
            if allowed() != using:
                using = allowed()
                torch.set_num_threads(using)

        trimmed = time.monotonic()

        def report(done: float, total: float) -> None:
            nonlocal trimmed
            follow()
            # Beside speech recognition, glibc leaves the segmentation's freed blocks scattered in
            # its heap, and RSS climbs with the recording's length (docs/measurements.md, "Long
            # recordings"); handed back every few seconds, it stays flat at no measurable cost.
            if time.monotonic() - trimmed > TRIM_EVERY:
                release_freed_memory()
                trimmed = time.monotonic()
            if progress:
                progress(done, total)

        inference = self.pipeline._segmentation
        speakers_per_window = len(inference.model.specifications.classes)  # 3 for segmentation-3.0
        hop = max(self.cfg.segmentation_step * inference.duration,
                  audio.duration * speakers_per_window / MAX_EMBEDDINGS)
        inference.step = min(hop, inference.duration / 2)
        half = audio.duration / 2
        self.pipeline._features = self.embedder.frame_features(audio.samples, lambda done: report(done / 2, audio.duration))

        def hook(step, artifact, file=None, total=None, completed=None):
            if step == "segmentation" and total and completed is not None:
                report(half + half * min(completed / total, 1.0), audio.duration)
            else:
                follow()

        file = {"waveform": torch.from_numpy(audio.samples)[None], "sample_rate": audio.sample_rate,
                "uri": Path(audio.source).stem}
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(_Advice()):
                # A voice that never talks alone in a window long enough has nothing to cluster
                # (AMI trn02's one quiet "I am"): pyannote then averages no embeddings. Its
                # centroid is dropped below; the warnings would only puzzle the user.
                for message in ("Mean of empty slice", "invalid value encountered in divide"):
                    warnings.filterwarnings("ignore", message, RuntimeWarning)
                out = self.pipeline(file, num_speakers=num_speakers or self.cfg.num_speakers,
                                    min_speakers=min_speakers or self.cfg.min_speakers,
                                    max_speakers=max_speakers or self.cfg.max_speakers, hook=hook)
        finally:
            self.pipeline._features = None
        labels = out.speaker_diarization.labels()
        embeddings = {}
        if out.speaker_embeddings is not None:
            # a centroid of nothing is NaN, and NaN is never below a threshold: it would be
            # matched to the first enrolled voice
            embeddings = {label: out.speaker_embeddings[i].tolist() for i, label in enumerate(labels)
                          if np.any(out.speaker_embeddings[i]) and np.isfinite(out.speaker_embeddings[i]).all()}
        return Diarization(spans=_spans(out.speaker_diarization),
                           exclusive=_spans(out.exclusive_speaker_diarization),
                           embeddings=embeddings)


def main_voice(diarization: Diarization) -> list[float] | None:
    """The voice centroid of whoever talks most: what an enrolment clip stores."""
    talk: dict[str, float] = {}
    for t in diarization.exclusive:
        talk[t.speaker] = talk.get(t.speaker, 0.0) + t.end - t.start
    ranked = [spk for spk in sorted(talk, key=talk.get, reverse=True) if spk in diarization.embeddings]
    return diarization.embeddings[ranked[0]] if ranked else None


def single_speaker(duration: float) -> Diarization:
    """What diarization is switched off (or has no speech to work on) gives: one voice throughout."""
    spans = [Span(0.0, duration, "SPEAKER_00")] if duration > 0 else []
    return Diarization(spans=spans, exclusive=list(spans))


def _spans(annotation: Annotation) -> list[Span]:
    return [Span(start=round(seg.start, 3), end=round(seg.end, 3), speaker=str(label))
            for seg, _, label in annotation.itertracks(yield_label=True)]
