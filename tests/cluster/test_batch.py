"""The same batch on a real Dask LocalCluster (worker processes, loopback only): each recording
done once, outputs byte-identical to a local run, a worker killed mid-task loses nothing, a
corrupt file fails with its reason while the others finish."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import yaml
from conftest import FAST, pyannote_sample

distributed = pytest.importorskip("distributed", reason="the cluster extra is not installed")

from offrecord.cluster.batch import Cluster  # noqa: E402
from offrecord.cluster.worker import what_this_worker_lacks  # noqa: E402
from offrecord.config import load_config  # noqa: E402
from offrecord.errors import OffrecordError  # noqa: E402

COMPARED = ["transcript.json", "speakers.rttm", "summary.json"]


def offrecord(*args, config):
    return subprocess.run([sys.executable, "-m", "offrecord", *args, "--config", str(config)], capture_output=True,
                          text=True, timeout=900)


@pytest.mark.slow
def test_a_batch_on_the_cluster_matches_a_local_run_and_a_corrupt_file_fails_alone(tmp_path, shared):
    config = tmp_path / "fast.yaml"
    config.write_text(yaml.safe_dump({**FAST, "threads": 1}))
    corrupt = tmp_path / "corrupt.mp3"
    corrupt.write_bytes(b"\xff\xfb\x90\x00" + bytes(range(256)) * 40)
    # two recordings for the two workers (one with a summary), and the corrupt file
    files = [pyannote_sample("sample.wav"), shared / "speech/jfk/jfk.wav", corrupt]
    names = [f.stem for f in files[:2]]
    cluster = offrecord("run", *map(str, files), "--out", str(tmp_path / "cluster"), "--cluster", "local:2",
                        config=config)
    local = offrecord("run", *map(str, files), "--out", str(tmp_path / "local"), config=config)
    for run in (cluster, local):
        assert run.returncode == 1, run.stderr
        errors = [line for line in run.stderr.splitlines() if line.startswith("offrecord: error:")]
        assert errors == [f"offrecord: error: {corrupt}: not a recognised audio or video file (Invalid data found "
                          "when processing input)"], run.stderr
    assert "cluster local:2: 2 worker(s)" in cluster.stderr
    done = [line for line in cluster.stderr.splitlines() if ": done in " in line]
    assert sorted(line.split("]")[0] for line in done) == ["[1/3", "[2/3"]  # each exactly once
    for name in names:
        for output in COMPARED:
            assert (tmp_path / "cluster" / name / output).read_bytes() == (tmp_path / "local" / name / output).read_bytes()
    assert sorted(p.name for p in (tmp_path / "cluster").iterdir()) == sorted([".offrecord", "index.html", *names])


@pytest.mark.slow
def test_a_worker_killed_mid_task_loses_nothing(tmp_path, shared):
    cfg = load_config(None, {**FAST, "summary": {"enabled": False}})
    out = tmp_path / "out"
    files = [shared / "meeting-ami-es2004a/ES2004a-750-810.wav", pyannote_sample("sample.wav"),
             shared / "speech/jfk/jfk.wav"]
    cluster = Cluster("local:2")
    try:
        assert cluster.check(files, out, cfg) == 2
        pids = cluster.client.run(os.getpid)
        tasks = [cluster.task(f, out / f.stem, f.name) for f in files]
        outcomes: list = []
        runner = threading.Thread(target=lambda: outcomes.extend(cluster.run(tasks, cfg, out, False, lambda o: None)))
        runner.start()
        deadline = time.monotonic() + 120
        busy = {}
        while not busy and time.monotonic() < deadline:
            busy = {w: keys for w, keys in cluster.client.processing().items() if keys}
            time.sleep(0.2)
        victim = next(iter(busy))
        time.sleep(3)  # into the task: models loading, audio decoding
        os.kill(pids[victim], signal.SIGKILL)
        runner.join(600)
    finally:
        cluster.close()
    assert sorted(o.task.path.name for o in outcomes) == sorted(f.name for f in files)  # each once
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert victim not in {o.worker for o in outcomes}  # its task was run again by another worker
    for f in files:
        assert (out / f.stem / "transcript.json").exists()
    assert not [p for p in out.rglob("*") if p.name.endswith((".partial", ".tmp")) or ".old-" in p.name]


def test_workers_without_the_offrecord_resource_are_refused(tmp_path):
    plain = distributed.LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None)
    try:
        cluster = Cluster(plain.scheduler_address)
        try:
            with pytest.raises(OffrecordError, match="no worker offers the resource offrecord=1"):
                cluster.check([], tmp_path, load_config(None, {}))
        finally:
            cluster.close()
    finally:
        plain.close()


def test_a_worker_that_cannot_see_the_files_or_lacks_models_says_so(tmp_path):
    cfg = load_config(None, {"models": {"store": str(tmp_path / "empty-store")}})
    problems = what_this_worker_lacks([str(tmp_path / "nowhere.wav")], str(tmp_path / "probe"), ["whisper-base"],
                                      cfg.model_dump_json())
    assert len(problems) == 3
    assert "cannot see the output folder" in problems[0] and "nowhere.wav" in problems[1]
    assert "lacks the model(s) whisper-base (run `offrecord models install` there)" in problems[2]
    (tmp_path / "probe").write_text("x")
    assert what_this_worker_lacks([], str(tmp_path / "probe"), [], load_config(None, {}).model_dump_json()) == []
