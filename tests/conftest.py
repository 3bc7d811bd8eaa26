"""Shared fixtures. Tests use the real small models from the local store and real recordings
from ../shared/data (skipped, with a reason, when that folder is not beside the checkout)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from pipeline.config import load_config

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"

# The small models: whisper-tiny.en and the 0.5B summariser keep the suite fast on 2 cores.
FAST = {"asr": {"model": "whisper-tiny.en"}, "summary": {"model": "qwen2.5-coder-0.5b-instruct"}}


def pyannote_sample(name: str) -> Path:
    spec = importlib.util.find_spec("pyannote.audio")
    return Path(list(spec.submodule_search_locations)[0]) / "sample" / name


@pytest.fixture(scope="session", autouse=True)
def private_settings(tmp_path_factory):
    """Tests never read or write the user's own settings folder (voices, config)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("OFFRECORD_HOME", str(tmp_path_factory.mktemp("home")))
    mp.delenv("OFFRECORD_CONFIG", raising=False)
    yield
    mp.undo()


@pytest.fixture(scope="session")
def sample_wav() -> Path:
    return pyannote_sample("sample.wav")


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared/data is not beside the checkout")
    return SHARED


@pytest.fixture(scope="session")
def fast_config():
    return load_config(None, FAST)
