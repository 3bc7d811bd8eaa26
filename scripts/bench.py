#!/usr/bin/env python
"""Speed and memory of the pipeline, against a naive baseline, on long real recordings.

    .venv/bin/python scripts/bench.py [--minutes 1 10 60] [--files 1] [--runs 3] [--summary] [--baseline-max 10]
        [--configs ...] [--json report.json]

Inputs are built by concatenating real recordings from ../shared/data (scripts/make_long.py);
--files N splits each into N files (each starting with a different recording) run as one batch,
as `offrecord run` runs several files: every transcript, then every summary. Each configuration
runs in its own process, --runs times; medians are reported per stage: wall seconds,
CPU-seconds per audio-second, real-time factor (audio seconds per wall second), and the peak RSS
of the main process; below each table, the peak RSS of all its processes together (the summary
model runs in a child process), sampled every 0.2 s, and with --summary where the summary's time
went (per phase: calls, prompt tokens evaluated, tokens generated, seconds). Configurations:

- offrecord: this pipeline, default models and settings. The recogniser and diarizer are loaded
  before the clock starts (timed as "load"); the summary model starts inside the summarize stage,
  after they are freed (one stage's models at a time).
  Speech recognition and diarization run side by side, so their CPU time is given for the pair.
- offrecord-sequential: the same with parallel_stages off (one stage after the other, all
  threads each): the before of that optimisation, and each stage's own CPU time.
- offrecord-all-loaded: the same with keep_models_loaded, all three models loaded up front
  and held: the before of loading one stage's models at a time.
- naive: faster-whisper with its default settings (float32 on CPU, no VAD; word timestamps on,
  as attribution needs them) then pyannote's stock embedding extraction (the network run for
  every 10 s window and speaker), models loaded for the file. pyannote cannot decode a path
  here (torchcodec does not load beside CPU torch), so it too gets the audio in memory.
- fw-batched: faster-whisper's fastest CPU setup for the same model (batched, int8, VAD), ASR
  only: the reference for "ASR CPU cost within 1.5x of faster-whisper's best".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from offrecord.metrics import cost_table

ROOT = Path(__file__).resolve().parent.parent
TOTAL = "total (without load)"
CONFIGS = ["offrecord", "offrecord-sequential", "offrecord-all-loaded", "fw-batched", "naive"]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> dict:
    return {"seconds": time.perf_counter() - start[0], "cpu_seconds": time.process_time() - start[1],
            "peak_rss_mb": peak_mb()}


class TreePeak:
    """The largest RSS of this process and all its children together (the summary model runs in
    a child process, which this process's own ru_maxrss leaves out), sampled every 0.2 s."""

    def __init__(self):
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "TreePeak":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.peak_mb = max(self.peak_mb, sum(rss_mb(pid) for pid in tree(os.getpid())))


def tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid] + [p for child in children for p in tree(int(child))]


def rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # it ended meanwhile
        return 0.0
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(found[1]) / 1024 if found else 0.0


def child_offrecord(paths: list[Path], summary: bool, parallel: bool = True, keep_loaded: bool = False) -> dict:
    """Like `offrecord run` on the files: every transcript, then every summary."""
    from offrecord.config import load_config
    from offrecord.run.models import Models
    from offrecord.run.process import Shared, transcribe_file
    from offrecord.run.progress import Reporter
    from offrecord.store import ModelStore

    cfg = load_config(None, {"summary": {"enabled": summary}, "parallel_stages": parallel,
                             "keep_models_loaded": keep_loaded})
    models = Models(cfg, ModelStore())
    start = clock()
    models.asr, models.diarizer  # noqa: B018  (load now, to time loading apart from the work)
    if summary and keep_loaded:
        models.summarizer  # noqa: B018
    stages = {"load": since(start)}
    with tempfile.TemporaryDirectory() as out, TreePeak() as peak:
        start = clock()
        pending = [transcribe_file(path, Path(out) / path.stem, Shared(cfg, models, Reporter(None))) for path in paths]
        results, phases = [], {}
        for part in pending:
            results.append(part.finish())
            # the summarizer counts one recording at a time: a batch's cost is the sum
            for name, cost in (models.summarizer.usage["phases"] if summary else {}).items():
                into = phases.setdefault(name, dict.fromkeys(cost, 0))
                for key, value in cost.items():
                    into[key] += value
        total = since(start)
    models.close()
    for s in (s for result in results for s in result.stages):
        stage = stages.setdefault(s.stage, {"seconds": 0.0, "cpu_seconds": 0.0, "peak_rss_mb": 0.0})
        stage["seconds"] += s.seconds
        stage["cpu_seconds"] = None if s.cpu_seconds is None or stage["cpu_seconds"] is None \
            else stage["cpu_seconds"] + s.cpu_seconds
        stage["peak_rss_mb"] = max(stage["peak_rss_mb"], s.peak_rss_mb)
    stages[TOTAL] = total
    return {"duration": sum(r.duration for r in results), "stages": stages, "tree_peak_mb": peak.peak_mb,
            "summary_phases": phases}


def child_naive(path: Path) -> dict:
    import numpy as np
    import torch
    from faster_whisper import WhisperModel
    from pyannote.audio import Audio, Model
    from pyannote.audio.pipelines.speaker_diarization import SpeakerDiarization

    from offrecord.config import DiarizationConfig
    from offrecord.stages.decode import decode
    from offrecord.stages.diarize import _LocalSpeakerDiarization
    from offrecord.stages.embedding import CamppEmbedder
    from offrecord.store import ModelStore

    store = ModelStore()
    stages = {}
    start = clock()
    audio = decode(path)
    stages["decode"] = since(start)
    start = clock()
    whisper = WhisperModel(str(store.path("whisper-base")), device="cpu")  # compute_type "default"
    segments, _ = whisper.transcribe(audio.samples, word_timestamps=True)
    list(segments)
    stages["transcribe"] = since(start)

    class PerWindowEmbedding:
        """What pyannote's stock pipeline calls: the whole network on each window crop."""
        sample_rate, metric, dimension, min_num_samples = 16000, "cosine", 192, 400

        def __init__(self, embedder):
            self.embedder = embedder

        def __call__(self, waveforms, masks):
            out = []
            for wav, mask in zip(waveforms, masks):
                feats = self.embedder.trunk_features(wav[0].numpy())
                weights = np.interp(np.linspace(0, 1, len(feats)), np.linspace(0, 1, len(mask)), mask.numpy())
                out.append(self.embedder.pool(feats, weights[:, None].astype(np.float32))[0])
            return np.stack(out)

    class StockDiarization(_LocalSpeakerDiarization):
        get_embeddings = SpeakerDiarization.get_embeddings

    start = clock()
    cfg = DiarizationConfig()
    embedder = CamppEmbedder(store.path("campplus-sv"))
    pipeline = StockDiarization(Model.from_pretrained(str(store.path("pyannote-segmentation-3.0") / "pytorch_model.bin")),
                                embedder, cfg.segmentation_step, cfg.speech_threshold, cfg.count_agreement,
                                cfg.min_clean_share)
    pipeline._embedding = PerWindowEmbedding(embedder)
    pipeline._audio = Audio(sample_rate=16000, mono="downmix")
    pipeline.instantiate({"segmentation": {"min_duration_off": 0.0}, "clustering": {
        "method": "centroid", "min_cluster_size": cfg.min_cluster_size, "threshold": cfg.clustering_threshold}})
    pipeline({"waveform": torch.from_numpy(audio.samples)[None], "sample_rate": 16000, "uri": "x"})
    stages["diarize"] = since(start)
    stages[TOTAL] = {key: sum(stages[s][key] for s in stages) for key in ("seconds", "cpu_seconds")}
    stages[TOTAL]["peak_rss_mb"] = peak_mb()
    return {"duration": audio.duration, "stages": stages}


def child_fw_batched(path: Path) -> dict:
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    from offrecord.stages.decode import decode
    from offrecord.stages.speech import SAMPLE_RATE, SpeechDetector
    from offrecord.store import ModelStore
    from offrecord.system import available_cores

    audio = decode(path)
    start = clock()
    # every core, named: importing offrecord sets OMP_NUM_THREADS=1, which CTranslate2 would follow
    model = WhisperModel(str(ModelStore().path("whisper-base")), device="cpu", compute_type="int8",
                         cpu_threads=available_cores())
    vad = SpeechDetector(threshold=0.5)
    stages = {"load": since(start)}
    start = clock()
    # The batched pipeline's own VAD settings (pauses of 160 ms cut, clips of at most 30 s), with
    # the model run through torch: onnxruntime, which it would use, is never loaded here.
    clips = [{key: sample / SAMPLE_RATE for key, sample in region.items()}
             for region in vad.regions(audio.samples, min_silence_ms=160, max_speech_seconds=30)]
    segments, _ = BatchedInferencePipeline(model).transcribe(audio.samples, batch_size=8, word_timestamps=True,
                                                             clip_timestamps=clips)
    list(segments)
    stages["transcribe"] = since(start)
    return {"duration": audio.duration, "stages": stages}


def run_child(config: str, paths: list[Path], summary: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", config, *map(str, paths)] + (["--summary"] if summary else [])
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"bench: {config} on {paths[0].name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_row(results: list[dict]) -> dict:
    duration = results[0]["duration"]
    row = {}
    for stage in results[0]["stages"]:
        seconds = statistics.median(r["stages"][stage]["seconds"] for r in results)
        cpus = [r["stages"][stage]["cpu_seconds"] for r in results]
        row[stage] = {"seconds": round(seconds, 2),
                      "cpu_per_audio_s": round(statistics.median(cpus) / duration, 4) if None not in cpus else None,
                      "x_real_time": round(duration / seconds, 1) if seconds > 0 else None,
                      "peak_rss_mb": round(max(r["stages"][stage]["peak_rss_mb"] for r in results))}
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 10, 60])
    parser.add_argument("--files", type=int, default=1, help="split each input into this many files, run as one batch")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--summary", action="store_true", help="include the summary stage (default model)")
    parser.add_argument("--baseline-max", type=float, default=10, help="run the naive baseline up to this many minutes")
    parser.add_argument("--configs", nargs="+", choices=CONFIGS, default=CONFIGS, help="which to run (default: all)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        config, paths = args.child[0], [Path(p) for p in args.child[1:]]
        result = {"offrecord": lambda: child_offrecord(paths, args.summary),
                  "offrecord-sequential": lambda: child_offrecord(paths, args.summary, parallel=False),
                  "offrecord-all-loaded": lambda: child_offrecord(paths, args.summary, keep_loaded=True),
                  "naive": lambda: child_naive(paths[0]),
                  "fw-batched": lambda: child_fw_batched(paths[0])}[config]()
        print(json.dumps(result))
        return 0
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in args.minutes:
            wavs = [Path(tmp) / f"long-{minutes:g}min-{n}.wav" for n in range(1, args.files + 1)]
            for first, wav in enumerate(wavs):
                subprocess.run([sys.executable, str(ROOT / "scripts" / "make_long.py"), str(wav), "--minutes",
                                str(minutes / args.files), "--first", str(first)], check=True, capture_output=True,
                               cwd=ROOT)
            batch = f"{minutes:g} min" + (f" in {args.files} files" if args.files > 1 else "")
            for config in [c for c in args.configs if c != "naive" or minutes <= args.baseline_max]:
                if args.files > 1 and config in ("naive", "fw-batched"):
                    continue  # one file each: they are references for one recording's stages
                runs = [run_child(config, wavs, args.summary) for _ in range(args.runs)]
                row = report[f"{batch} / {config}"] = median_row(runs)
                print_table(f"{batch} / {config} (median of {args.runs})", row)
                if "tree_peak_mb" in runs[0]:
                    peaks = sorted(r["tree_peak_mb"] for r in runs)
                    row["all processes"] = {"peak_rss_mb_median": round(statistics.median(peaks)),
                                            "peak_rss_mb_runs": [round(p) for p in peaks]}
                    print(f"peak RSS of all its processes together (the summary model's included): median "
                          f"{statistics.median(peaks):.0f} MB, runs {', '.join(f'{p:.0f}' for p in peaks)}")
                if phases := runs[0].get("summary_phases"):
                    row["summary phases (first run)"] = phases
                    print("\nthe summary's cost, first run:", *cost_table(phases), sep="\n")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


def print_table(title: str, row: dict) -> None:
    print(f"\n{title}\n{'stage':<22}{'wall s':>9}{'CPU-s/audio-s':>15}{'x real time':>13}{'peak RSS MB':>13}")
    for stage, v in row.items():
        cpu = f"{v['cpu_per_audio_s']:.4f}" if v["cpu_per_audio_s"] is not None else ""
        rt = f"{v['x_real_time']:.1f}" if v["x_real_time"] else ""
        print(f"{stage:<22}{v['seconds']:>9.2f}{cpu:>15}{rt:>13}{v['peak_rss_mb']:>13}")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
