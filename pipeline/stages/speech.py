"""Where the speech is, so that the recogniser hears it and nothing else: the Silero VAD model,
run through torch from the TorchScript copy that the silero-vad package ships.

faster-whisper runs the same model through onnxruntime, whose native library looks up a
telemetry host on the network during every run longer than about 15 s, and no setting stops it;
offrecord never loads onnxruntime (see pipeline/__init__.py). Torch is loaded anyway for the
diarization, and the model costs about 0.007 CPU-seconds per audio-second here.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path

import numpy as np
import torch

SAMPLE_RATE = 16000
# faster-whisper's own defaults for its VAD filter: speech is padded by 0.4 s each side, and only
# a pause of 2 s or more is cut out, so the recogniser keeps the context of a sentence.
MIN_SILENCE_MS = 2000
SPEECH_PAD_MS = 400


def version() -> str:
    return f"silero-vad {importlib.metadata.version('silero-vad')} (TorchScript)"


def _model_file() -> Path:
    # found without importing the package: see SpeechDetector.__init__
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the silero-vad package is not installed (pip install silero-vad)")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "silero_vad.jit"


class SpeechDetector:
    def __init__(self, threshold: float):
        self.threshold = threshold
        self.model = torch.jit.load(str(_model_file()), map_location="cpu").eval()
        # Importing silero_vad sets torch's thread count, which is one setting for the whole
        # process, to 1: the diarization beside us sets its own, but put it back all the same.
        threads = torch.get_num_threads()
        from silero_vad import get_speech_timestamps_from_probs
        torch.set_num_threads(threads)
        self._timestamps = get_speech_timestamps_from_probs

    @torch.inference_mode()
    def regions(self, samples: np.ndarray, min_silence_ms: int = MIN_SILENCE_MS,
                max_speech_seconds: float = float("inf")) -> list[dict]:
        """Speech in `samples` (16 kHz) as [{"start": sample, "end": sample}], padded: the form
        faster-whisper's collect_chunks takes."""
        if len(samples) == 0:
            return []
        wav = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))[None]
        probs = self.model.audio_forward(wav, SAMPLE_RATE)[0].tolist()
        return self._timestamps(probs, sampling_rate=SAMPLE_RATE, threshold=self.threshold, min_speech_duration_ms=0,
                                min_silence_duration_ms=min_silence_ms, max_speech_duration_s=max_speech_seconds,
                                speech_pad_ms=SPEECH_PAD_MS, audio_length_samples=len(samples))
