"""Decode any recording (phone, recorder, meeting app, video) to 16 kHz mono float32, once.

PyAV (FFmpeg) reads every container and codec the product promises; libsndfile does not (Opus
in WebM, AAC, FLAC inside Ogg). The waveform decoded here is shared by ASR and diarization.
"""

from __future__ import annotations

import os
from pathlib import Path

import av
import numpy as np

from ..data import Audio
from ..errors import InputError
from ..system import available_memory

SAMPLE_RATE = 16000
# Peak memory of a run, beyond the models: the decoded waveform is held about three times over
# at its peak (decoder pieces while joining, the ASR's and diarization's working copies).
WAVEFORM_COPIES = 3
MODELS_BYTES = 2.0e9  # the default ASR, diarization and summary models together, roughly
# A file with one of these names cannot be a video without sound. When FFmpeg's probe reads one
# as video only, the bytes are damaged (random bytes pass for raw H.263 about 1 time in 1000).
AUDIO_ONLY_SUFFIXES = {".aac", ".aif", ".aiff", ".amr", ".caf", ".flac", ".m4a", ".m4b", ".mka", ".mp3", ".oga",
                       ".opus", ".wav", ".wma", ".wv"}


def check_memory(path: Path, seconds: float, available: int | None) -> None:
    """Refuse a recording too long for this machine now, rather than be killed halfway through."""
    need = seconds * SAMPLE_RATE * 4 * WAVEFORM_COPIES + MODELS_BYTES
    if available is not None and need > available:
        raise InputError(
            f"{path}: too long for the memory free now ({seconds / 3600:.1f} h of audio needs about "
            f"{need / 1e9:.1f} GB, {available / 1e9:.1f} GB available); close other programs or split "
            "the recording (e.g. `ffmpeg -i IN -f segment -segment_time 3600 -c copy part%02d.EXT`)")


def check_readable(path: Path) -> None:
    """Refuse missing paths, folders and unreadable files with a reason a person can act on."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a recording")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied; make the file readable by this user (chmod u+r)")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes)")


def stated_duration(path: Path) -> float | None:
    """The length the container states, read from its header without decoding (None if unknown)."""
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            return container.duration / av.time_base if container.duration else None
    except (av.error.FFmpegError, OSError):
        return None


def decode(path: Path) -> Audio:
    path = Path(path)
    check_readable(path)
    try:
        # Some real files carry non-UTF-8 tags that make av.open() fail unless told to ignore.
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.FFmpegError as e:
        raise InputError(f"{path}: not a recognised audio or video file ({_reason(e)})") from None
    with container:
        stream = next((s for s in container.streams if s.type == "audio"), None)
        if stream is None and path.suffix.lower() in AUDIO_ONLY_SUFFIXES:
            raise InputError(f"{path}: not a recognised audio or video file (its bytes read as "
                             f"{container.format.long_name}, with no sound; the file may be damaged)")
        if stream is None:
            raise InputError(f"{path}: the file has no audio track")
        if container.duration:
            check_memory(path, container.duration / av.time_base, available_memory())
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        expected = int((container.duration or 0) / av.time_base * SAMPLE_RATE)
        buffer = _Samples(expected + SAMPLE_RATE)
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    buffer.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                buffer.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as e:
            # A truncated file still yields what came before the damage; keep it if any.
            if not buffer.size:
                raise InputError(f"{path}: cannot decode the audio ({_reason(e)})") from None
    if not buffer.size:
        raise InputError(f"{path}: the recording contains no audio samples")
    return Audio(source=str(path), samples=buffer.result(), sample_rate=SAMPLE_RATE)


class _Samples:
    """Decoded samples written into one array sized from the container's stated duration, so a
    long recording is held once rather than twice (as pieces and then joined); it grows if the
    stated duration was short."""

    def __init__(self, capacity: int):
        self.data = np.empty(max(capacity, SAMPLE_RATE), dtype=np.float32)
        self.size = 0

    def append(self, piece: np.ndarray) -> None:
        end = self.size + len(piece)
        if end > len(self.data):
            self.data = np.resize(self.data, max(end, int(len(self.data) * 1.5)))
        self.data[self.size:end] = piece
        self.size = end

    def result(self) -> np.ndarray:
        # a copy only when much was over-reserved; otherwise a view of the buffer
        return self.data[:self.size].copy() if self.size < len(self.data) // 2 else self.data[:self.size]


def _reason(e: Exception) -> str:
    return getattr(e, "strerror", None) or str(e).split(":")[0] or type(e).__name__
