#!/usr/bin/env python
"""Accuracy of the transcript against the references in ../shared/data.

Prints WER (normalised: case, punctuation, hyphens) per speech set, DER at collar 0 and 0.25 s
(pyannote.metrics) and the speaker count on the bundled sample and the AMI ES2004a clip, and
speaker-attributed WER (cpWER) on the AMI clip's per-speaker word references.

    .venv/bin/python scripts/evaluate.py [--asr-model whisper-base] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from pyannote.core import Annotation, Segment, Timeline
from pyannote.database.util import load_rttm
from pyannote.metrics.diarization import DiarizationErrorRate

from pipeline.cli.process import sample_path
from pipeline.config import load_config
from pipeline.metrics import cp_word_error_rate, word_error_rate
from pipeline.run.models import Models
from pipeline.stages import diarize  # noqa: F401  (imports pyannote quietly, see diarize.py)
from pipeline.stages.attribute import attribute
from pipeline.stages.decode import decode
from pipeline.store import ModelStore

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def speech_sets() -> dict[str, list[tuple[Path, str]]]:
    librivox = [(p.with_suffix(".wav"), p.read_text().strip()) for p in sorted((DATA / "speech/librivox").glob("*.txt"))]
    lj = []
    for line in (DATA / "speech/ljspeech/transcripts.txt").read_text().splitlines():
        name, text = line.split("|", 1)
        lj.append((DATA / "speech/ljspeech" / Path(name).name, text))
    return {"librivox": librivox, "ljspeech": lj, "jfk": [(DATA / "speech/jfk/jfk.wav",
            "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.")]}


def diarization_sets() -> list[tuple[str, Path, Path]]:
    sample = sample_path()
    return [("pyannote sample", sample, sample.with_name("sample.rttm")),
            ("AMI ES2004a 60 s", DATA / "meeting-ami-es2004a/ES2004a-750-810.wav",
             DATA / "meeting-ami-es2004a/ES2004a-750-810.rttm")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--asr-model", default=None)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"evaluate: {DATA} not found (the shared data must be beside the checkout)", file=sys.stderr)
        return 2
    cfg = load_config(None, {"asr": {"model": args.asr_model}} if args.asr_model else {})
    models = Models(cfg, ModelStore(cfg.models.store, cfg.models.paths))
    results: dict = {"asr_model": cfg.asr.model, "wer": {}, "diarization": {}}

    for name, items in speech_sets().items():
        rates = []
        for path, reference in items:
            hypothesis = " ".join(s.text for s in models.asr.transcribe(decode(path)).phrases)
            rates.append(word_error_rate(reference, hypothesis))
        results["wer"][name] = {"files": len(rates), "mean": statistics.mean(rates), "median": statistics.median(rates)}
        print(f"WER {name:<10} {len(rates)} files  mean {statistics.mean(rates):.3f}  median {statistics.median(rates):.3f}")

    for name, wav, rttm in diarization_sets():
        started = time.perf_counter()
        audio = decode(wav)
        d = models.diarizer.diarize(audio)
        seconds = time.perf_counter() - started
        hypothesis = Annotation()
        for t in d.spans:
            hypothesis[Segment(t.start, t.end)] = t.speaker
        reference = next(iter(load_rttm(rttm).values()))
        # pyannote's collar is the total width around each boundary: 0.5 means +-0.25 s.
        scored = Timeline([Segment(0.0, audio.duration)])  # the whole recording is scored
        der = {f"collar_{c}": DiarizationErrorRate(collar=2 * c)(reference, hypothesis, uem=scored)
               for c in (0.0, 0.25)}
        counts = (len(hypothesis.labels()), len(reference.labels()))
        results["diarization"][name] = {**der, "speakers": counts[0], "reference_speakers": counts[1], "seconds": seconds}
        print(f"DER {name:<17} collar 0: {der['collar_0.0']:.3f}  collar 0.25: {der['collar_0.25']:.3f}  "
              f"speakers {counts[0]} (reference {counts[1]})  {seconds:.1f}s")
    meeting = DATA / "meeting-ami-es2004a"
    audio = decode(meeting / "ES2004a-750-810.wav")
    turns = attribute(models.asr.transcribe(audio).phrases, models.diarizer.diarize(audio))
    hypothesis_words: dict[str, str] = {}
    for turn in turns:
        hypothesis_words[turn.speaker] = (hypothesis_words.get(turn.speaker, "") + " " + turn.text).strip()
    reference_words = {p.name: p.read_text() for p in sorted((meeting / "words").glob("*.txt"))}
    cp = cp_word_error_rate(reference_words, hypothesis_words)
    results["cpwer"] = {"AMI ES2004a 60 s": cp}
    print(f"cpWER AMI ES2004a 60 s  {cp:.3f}  ({len(reference_words)} reference speakers, "
          f"{len(hypothesis_words)} found)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
