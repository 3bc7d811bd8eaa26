"""The VAD through torch: it finds real speech, nothing in silence, and onnxruntime is never loaded."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from conftest import ROOT

from offrecord.data import Span
from offrecord.stages.decode import decode
from offrecord.stages.speech import SAMPLE_RATE, SpeechDetector
from offrecord.stages.transcribe import unheard


def test_speech_is_found_between_silences(shared):
    jfk = decode(shared / "speech/jfk/jfk.wav").samples
    quiet = np.zeros(5 * SAMPLE_RATE, np.float32)
    regions = SpeechDetector(0.5).regions(np.concatenate([quiet, jfk, quiet]))
    assert regions
    start, end = regions[0]["start"] / SAMPLE_RATE, regions[-1]["end"] / SAMPLE_RATE
    assert 4.5 <= start <= 5.6 and 5 + len(jfk) / SAMPLE_RATE - 1.0 <= end <= 10.5 + len(jfk) / SAMPLE_RATE
    assert SpeechDetector(0.5).regions(quiet) == []


def test_a_transcription_never_loads_onnxruntime(shared):
    """faster-whisper's own VAD runs through onnxruntime, whose native library makes DNS lookups
    for a telemetry host: no onnxruntime library may be mapped into the process."""
    code = ("import offrecord, sys\n"
            "from offrecord.config import load_config\n"
            "from offrecord.run.models import Models\n"
            "from offrecord.stages.decode import decode\n"
            "from offrecord.store import ModelStore\n"
            "cfg = load_config(None, {'asr': {'model': 'whisper-tiny.en'}})\n"
            "models = Models(cfg, ModelStore())\n"
            f"result = models.asr.transcribe(decode({str(shared / 'speech/jfk/jfk.wav')!r}))\n"
            "models.diarizer\n"
            "assert result.phrases, 'no words'\n"
            "print([line for line in open('/proc/self/maps') if 'onnxruntime' in line])\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"


def test_unheard_is_diarized_speech_the_recogniser_was_not_given():
    spans = [Span(1.0, 3.0, "A"), Span(10.0, 10.1, "B"), Span(20.0, 22.0, "B"), Span(21.0, 25.0, "C")]
    heard = [(0.5, 3.5), (24.0, 30.0)]
    # 1-3 was heard; 10.0-10.1 is too short to decode; 20-24 was not heard, and is padded by
    # 0.4 s before but not into the heard stretch after it
    assert unheard(spans, heard) == [(19.6, 24.0)]
    assert unheard(spans, [(0.0, 30.0)]) == []
