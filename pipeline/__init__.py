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
# Spinning OpenMP workers stall badly on 2 cores when another stage or process is busy
# (measured 10-20x slowdowns in torch and llama.cpp); passive waiting avoids it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# Each library is given its thread count explicitly (CTranslate2's cpu_threads, torch's
# set_num_threads, llama.cpp's n_threads). Left to OpenMP's default of every core, the recogniser
# wrote other word probabilities than with 1 (numpy's BLAS or CTranslate2 summing in another
# order), so a worker of a Dask cluster (whose nanny sets 1) disagreed with a local run of the
# same file. No slower here.
os.environ.setdefault("OMP_NUM_THREADS", "1")
