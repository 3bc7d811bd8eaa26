#!/usr/bin/env python
"""Does diarization beside speech recognition pay on this machine? A trial for issue 6.

    .venv/bin/python scripts/make_long.py /tmp/ten.wav --minutes 10
    .venv/bin/python scripts/bench_overlap.py sequential /tmp/ten.wav
    .venv/bin/python scripts/bench_overlap.py concurrent /tmp/ten.wav

sequential: ASR then diarization, each with every core (what `offrecord run` does today).
concurrent: both at once in two threads, one core each. Prints wall and CPU seconds as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

from pipeline.audio import decode
from pipeline.config import load_config
from pipeline.diarize import Diarizer
from pipeline.store import ModelStore
from pipeline.transcribe import Transcriber


def main() -> int:
    mode, wav = sys.argv[1], sys.argv[2]
    cfg = load_config(None, {})
    store = ModelStore()
    audio = decode(wav)
    threads = os.cpu_count() if mode == "sequential" else 1
    asr = Transcriber(store.path(cfg.asr.model), cfg.asr, threads)
    d = cfg.diarization
    diarizer = Diarizer(store.path(d.segmentation_model), store.path(d.embedding_model), d, threads)
    seconds = {}

    def timed(name, fn):
        start = time.perf_counter()
        fn(audio)
        seconds[name] = round(time.perf_counter() - start, 1)

    start, cpu = time.perf_counter(), time.process_time()
    if mode == "sequential":
        timed("asr", asr.transcribe)
        timed("diarize", diarizer.diarize)
    else:
        beside = threading.Thread(target=timed, args=("diarize", diarizer.diarize))
        beside.start()
        timed("asr", asr.transcribe)
        beside.join()
    print(json.dumps({"mode": mode, "audio_s": round(audio.duration), "wall_s": round(time.perf_counter() - start, 1),
                      "cpu_s": round(time.process_time() - cpu, 1), **seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
