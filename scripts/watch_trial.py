#!/usr/bin/env python
"""A crash trial of the watch folder: N recordings, the watcher killed with SIGKILL K times at
random moments and restarted; then count what was lost or done twice.

    .venv/bin/python scripts/watch_trial.py [--files 12] [--kills 5] [--seed 1]

Uses the small models (whisper-tiny.en, no summary) and recordings from ../shared/data.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=12)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pool = sorted((DATA / "speech").rglob("*.wav")) + [DATA / "meeting-ami-es2004a/ES2004a-750-810.wav"]
    work = Path(tempfile.mkdtemp(prefix="offrecord-trial-"))
    inbox, out = work / "in", work / "out"
    inbox.mkdir()
    config = work / "trial.yaml"
    config.write_text(yaml.safe_dump({"asr": {"model": "whisper-tiny.en"}, "summary": {"enabled": False},
                                      "watch": {"settle_seconds": 0.5, "retry_seconds": 0, "max_attempts": args.kills + 2}}))
    chosen = rng.sample(pool, min(args.files, len(pool)))
    for i, src in enumerate(chosen):
        (inbox / f"{i:02d}-{src.name}").write_bytes(src.read_bytes())
    log = work / "watch.log"

    def start(*extra):
        return subprocess.Popen([sys.executable, "-m", "offrecord", "watch", str(inbox), "--out", str(out),
                                 "--config", str(config), "--log-json", *extra],
                                stdout=subprocess.DEVNULL, stderr=open(log, "a"))

    started = time.monotonic()
    for _ in range(args.kills):
        proc = start()
        time.sleep(rng.uniform(3.0, 12.0))  # model loading takes a few seconds: kills land everywhere
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    final = start("--once")
    final.wait()
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    done = [e["file"] for e in events if e["event"] == "done"]
    expected = {p.name for p in inbox.iterdir()}
    complete = {p.name for p in out.iterdir() if not p.name.startswith(".") and (p / "transcript.json").exists()}
    lost = sorted(expected - {n for n in done})
    duplicated = sorted({n for n in done if done.count(n) > 1})
    inputs_intact = all((inbox / f"{i:02d}-{src.name}").read_bytes() == src.read_bytes() for i, src in enumerate(chosen))
    print(f"{len(expected)} files, {args.kills} kills, {len(lost)} lost, {len(duplicated)} duplicated, "
          f"{len(complete)} complete output folders, inputs intact: {inputs_intact}, "
          f"{time.monotonic() - started:.0f}s (work folder {work})")
    return 0 if not lost and not duplicated and inputs_intact and len(complete) == len(expected) else 1


if __name__ == "__main__":
    sys.exit(main())
