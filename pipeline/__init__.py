"""offrecord: private recordings in, speaker-labelled transcript and summary out, on this machine.

The switches below are set before any model library is imported, because huggingface_hub,
transformers and pyannote read them once at import time. Nothing in offrecord reaches for a
model hub unless the user runs `offrecord models pull`, and pyannote's telemetry (on by default
in pyannote.audio 4) is always off.

onnxruntime is never loaded: its native library looks up a telemetry host
(mobile.events.data.microsoft.com) during every run longer than about 15 s, and
`disable_telemetry_events()` does not stop it. The VAD runs through torch instead
(stages/speech.py), and pyannote, which imports onnxruntime only for embedding models we do not
use, is told it is absent.
"""

import os
import sys

__version__ = "0.1.0"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["PYANNOTE_METRICS_ENABLED"] = "false"
# None in sys.modules makes `import onnxruntime` raise ImportError, the case its importers handle.
sys.modules.setdefault("onnxruntime", None)
# OpenMP's workers wait for each other hundreds of times a token. Spinning until the other is
# done stalls badly on 2 cores when another process is busy (10-20x in torch and llama.cpp);
# going to sleep at once (OMP_WAIT_POLICY=PASSIVE) makes every wait a wake-up, and a quiet
# machine pays for it. A short spin, then sleep: the 1.5B model's step (2 threads, 2,000-token
# prompt) took 111 ms on a quiet machine against 155 passive, and 175 ms beside a busy process
# against 156 (scripts/bench_llama.py --steps 1 3 [--busy]). Most machines are quiet most of the time.
os.environ.setdefault("GOMP_SPINCOUNT", "1000")
# Each library is given its thread count explicitly (CTranslate2's cpu_threads, torch's
# set_num_threads, llama.cpp's n_threads). Left to OpenMP's default of every core, the recogniser
# wrote other word probabilities than with 1 (numpy's BLAS or CTranslate2 summing in another
# order), so a worker of a Dask cluster (whose nanny sets 1) disagreed with a local run of the
# same file. No slower here.
os.environ.setdefault("OMP_NUM_THREADS", "1")
