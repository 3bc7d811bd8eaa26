#!/usr/bin/env python
"""Accuracy of the transcript against the references in ../shared/data.

Prints WER (normalised: case, punctuation, hyphens) per speech set; DER and the speaker count on
the bundled sample and the AMI ES2004a clip; DER per clip and overall, and how often the speaker
count is exact, on the nine AMI clips of meeting-ami-clips (each run as `offrecord run --no-summary`
would, scored on its UEM); and speaker-attributed WER (cpWER) on the ES2004a clip.

--only ceiling scores the nine clips once more with every window's voices given to the right
person (pyannote's oracle clustering against the reference): the DER that a perfect clustering
and speaker count would reach with this segmentation, that is, what is left to the speech and
overlap the segmentation model hears.

DER is pyannote.metrics' with collar 0 and 0.25 (the issue tracker's figures); pyannote's collar
is the total width forgiven around each reference boundary, so 0.25 means +-0.125 s. The
forgiving +-0.25 s (collar=0.5) is printed too.

    .venv/bin/python scripts/evaluate.py [--asr-model whisper-base] [--only clips] [--json results.json]
    .venv/bin/python scripts/evaluate.py --only clips --only ceiling
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

from pyannote.core import Annotation, Segment, Timeline
from pyannote.database.util import load_rttm, load_uem
from pyannote.metrics.diarization import DiarizationErrorRate

from offrecord.cli.process import sample_path
from offrecord.config import load_config
from offrecord.metrics import cp_word_error_rate, word_error_rate
from offrecord.run.models import Models
from offrecord.run.process import Shared, process_file
from offrecord.run.progress import Reporter
from offrecord.stages import diarize  # noqa: F401  (imports pyannote quietly, see diarize.py)
from offrecord.stages.attribute import attribute
from offrecord.stages.decode import decode
from offrecord.store import ModelStore

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # torchcodec, pyannote's unused file decoder (see diarize.py)
    from pyannote.audio.pipelines.clustering import OracleClustering

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
COLLARS = (0.0, 0.25, 0.5)  # pyannote's collar: the total width around each boundary
SECTIONS = ("wer", "diarization", "clips", "ceiling", "cpwer")


def annotation(spans) -> Annotation:
    hypothesis = Annotation()
    for t in spans:
        hypothesis[Segment(t.start, t.end)] = t.speaker
    return hypothesis


def ders(reference: Annotation, hypothesis: Annotation, uem: Timeline) -> dict[str, float]:
    return {f"collar_{c}": DiarizationErrorRate(collar=c)(reference, hypothesis, uem=uem) for c in COLLARS}


def ami_clips():
    """(uri, wav, reference, uem) of each of the nine AMI clips."""
    folder = DATA / "meeting-ami-clips"
    references, uems = load_rttm(folder / "clips.rttm"), load_uem(folder / "clips.uem")
    return [(wav.stem, wav, references[wav.stem], uems[wav.stem]) for wav in sorted(folder.glob("*.wav"))]


def clip_scores(models: Models, cfg) -> dict:
    """Each AMI clip through transcription and diarization, as `offrecord run --no-summary`
    runs it; its speakers.rttm scored on the clip's UEM."""
    totals = {c: DiarizationErrorRate(collar=c) for c in COLLARS}
    rows = {}
    cfg = cfg.model_copy(update={"summary": cfg.summary.model_copy(update={"enabled": False})})
    with tempfile.TemporaryDirectory() as out:
        for uri, wav, reference, uem in ami_clips():
            process_file(wav, Path(out) / uri, Shared(cfg, models, Reporter(None)))
            rttm = Path(out) / uri / "speakers.rttm"
            hypothesis = next(iter(load_rttm(rttm).values()), None) if rttm.read_text().strip() else None
            hypothesis = hypothesis or Annotation(uri=uri)
            for metric in totals.values():
                metric(reference, hypothesis, uem=uem)
            rows[uri] = {**ders(reference, hypothesis, uem), "speakers": len(hypothesis.labels()),
                         "reference_speakers": len(reference.labels())}
            print(f"DER {uri}  collar 0: {rows[uri]['collar_0.0']:.3f}  0.25: {rows[uri]['collar_0.25']:.3f}  "
                  f"0.5: {rows[uri]['collar_0.5']:.3f}  speakers {rows[uri]['speakers']} "
                  f"(reference {rows[uri]['reference_speakers']})", flush=True)
    overall = {f"collar_{c}": abs(metric) for c, metric in totals.items()}
    exact = sum(r["speakers"] == r["reference_speakers"] for r in rows.values())
    print(f"DER all {len(rows)} clips  collar 0: {overall['collar_0.0']:.3f}  0.25: {overall['collar_0.25']:.3f}  "
          f"0.5: {overall['collar_0.5']:.3f}  worst (0.25): {max(r['collar_0.25'] for r in rows.values()):.3f}  "
          f"speaker count exact on {exact} of {len(rows)}, none found on "
          f"{sum(r['speakers'] == 0 for r in rows.values())}")
    return {"clips": rows, "overall": overall, "speaker_count_exact": exact}


class _ReferenceClustering(OracleClustering):
    """pyannote's oracle clustering, given the reference itself: the diarizer hands pyannote the
    audio alone, without the annotation that the oracle reads from the file."""

    def __init__(self, reference: Annotation):
        super().__init__()
        self.reference = reference

    def __call__(self, file=None, **kwargs):
        return super().__call__(file={**file, "annotation": self.reference}, **kwargs)


def ceiling(models: Models) -> dict:
    """DER of each AMI clip when every (window, voice) goes to the reference speaker it overlaps
    most: the best any clustering could do on top of this segmentation."""
    pipeline, total, rows = models.diarizer.pipeline, DiarizationErrorRate(collar=0.25), {}
    own = pipeline.clustering
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a reference speaker never heard: a centroid of nothing
            for uri, wav, reference, uem in ami_clips():
                pipeline.clustering = _ReferenceClustering(reference)
                hypothesis = annotation(models.diarizer.diarize(decode(wav)).spans)
                rows[uri] = total(reference, hypothesis, uem=uem)
                print(f"DER ceiling {uri}  collar 0.25: {rows[uri]:.3f}", flush=True)
    finally:
        pipeline.clustering = own
    print(f"DER ceiling all {len(rows)} clips  collar 0.25: {abs(total):.3f}  worst: {max(rows.values()):.3f}")
    return {"clips": rows, "overall": abs(total)}


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
    parser.add_argument("--only", choices=SECTIONS, action="append", help="run only these sections (repeatable)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sections = set(args.only or SECTIONS)
    if not DATA.is_dir():
        print(f"evaluate: {DATA} not found (the shared data must be beside the checkout)", file=sys.stderr)
        return 2
    cfg = load_config(None, {"asr": {"model": args.asr_model}} if args.asr_model else {})
    models = Models(cfg, ModelStore(cfg.models.store, cfg.models.paths))
    results: dict = {"asr_model": cfg.asr.model, "wer": {}, "diarization": {}}

    for name, items in speech_sets().items() if "wer" in sections else ():
        rates = []
        for path, reference in items:
            hypothesis = " ".join(s.text for s in models.asr.transcribe(decode(path)).phrases)
            rates.append(word_error_rate(reference, hypothesis))
        results["wer"][name] = {"files": len(rates), "mean": statistics.mean(rates), "median": statistics.median(rates)}
        print(f"WER {name:<10} {len(rates)} files  mean {statistics.mean(rates):.3f}  median {statistics.median(rates):.3f}")

    for name, wav, rttm in diarization_sets() if "diarization" in sections else ():
        started = time.perf_counter()
        audio = decode(wav)
        hypothesis = annotation(models.diarizer.diarize(audio).spans)
        seconds = time.perf_counter() - started
        reference = next(iter(load_rttm(rttm).values()))
        der = ders(reference, hypothesis, Timeline([Segment(0.0, audio.duration)]))  # the whole recording is scored
        counts = (len(hypothesis.labels()), len(reference.labels()))
        results["diarization"][name] = {**der, "speakers": counts[0], "reference_speakers": counts[1], "seconds": seconds}
        print(f"DER {name:<17} collar 0: {der['collar_0.0']:.3f}  0.25: {der['collar_0.25']:.3f}  "
              f"0.5: {der['collar_0.5']:.3f}  speakers {counts[0]} (reference {counts[1]})  {seconds:.1f}s")

    if "clips" in sections:
        results["meeting-ami-clips"] = clip_scores(models, cfg)

    if "ceiling" in sections:
        results["meeting-ami-clips-ceiling"] = ceiling(models)

    if "cpwer" in sections:
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
    models.close()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
