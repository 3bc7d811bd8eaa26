#!/usr/bin/env python
"""The same batch locally and on a Dask LocalCluster: throughput and peak memory per worker.

    .venv/bin/python scripts/bench_cluster.py [--workers 2] [--summary] [--runs 1] [FILE ...]

Without files, takes 8 short real recordings from ../shared/data (the bundled call, the AMI clip,
JFK, five LibriVox readings). The local run is `offrecord run` in a child process; the cluster
run starts a LocalCluster of --workers single-threaded worker processes (the `local:N` of
`--cluster`). Prints wall time, audio seconds per wall second, and peak RSS: of the local process
and of each worker (with its summary model's process, when there is one).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from offrecord.cli.process import sample_path
from offrecord.cluster.batch import Cluster
from offrecord.config import load_config
from offrecord.stages.decode import stated_duration

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def default_files() -> list[Path]:
    return [sample_path(), DATA / "meeting-ami-es2004a/ES2004a-750-810.wav", DATA / "speech/jfk/jfk.wav",
            *sorted((DATA / "speech/librivox").glob("*.wav"))[:5]]


def peak_rss_mb() -> tuple[float, float]:
    """(this process, its largest child) in MB."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def local_run(files: list[Path], overrides: dict, out: Path) -> dict:
    config = out.parent / "bench.json"
    config.write_text(json.dumps(overrides))
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "offrecord", "-q", "run", *map(str, files), "--out", str(out),
                          "--config", str(config)], capture_output=True, text=True)
    wall = time.perf_counter() - started
    if run.returncode:
        raise SystemExit(f"local run failed: {run.stderr[-2000:]}")
    return {"wall_s": wall, "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)}


def cluster_run(files: list[Path], overrides: dict, out: Path, workers: int) -> dict:
    cfg = load_config(None, overrides)
    cluster = Cluster(f"local:{workers}")
    try:
        cluster.check(files, out, cfg)
        started = time.perf_counter()
        outcomes = cluster.run([cluster.task(f, out / f.stem, f.name) for f in files], cfg, out, False, lambda o: None)
        wall = time.perf_counter() - started
        peaks = cluster.client.run(peak_rss_mb)
    finally:
        cluster.close()
    if not all(o.ok for o in outcomes):
        raise SystemExit(f"cluster run failed: {[o.error for o in outcomes if not o.ok]}")
    return {"wall_s": wall, "per_worker_peak_rss_mb": {w: [round(p) for p in v] for w, v in peaks.items()},
            "tasks_per_worker": {w: sum(o.worker == w for o in outcomes) for w in peaks}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--summary", action="store_true", help="with the summary (default: transcripts only)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    files = [f.resolve() for f in (args.files or default_files())]
    audio = sum(stated_duration(f) or 0.0 for f in files)
    overrides = {} if args.summary else {"summary": {"enabled": False}}
    report: dict = {"files": len(files), "audio_s": round(audio, 1), "summary": args.summary, "local": [], "cluster": []}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            report["local"].append(local_run(files, overrides, Path(tmp) / "local"))
        with tempfile.TemporaryDirectory() as tmp:
            report["cluster"].append(cluster_run(files, overrides, Path(tmp) / "cluster", args.workers))
    for kind in ("local", "cluster"):
        wall = statistics.median(r["wall_s"] for r in report[kind])
        report[f"{kind}_median_wall_s"] = round(wall, 1)
        report[f"{kind}_audio_s_per_s"] = round(audio / wall, 2)
    print(json.dumps(report, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
