"""Shared fixtures. Tests use the real small models from the local store and real recordings
from ../shared/data (skipped, with a reason, when that folder is not beside the checkout)."""

from __future__ import annotations

import importlib.util
import os
import shutil
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


@pytest.fixture
def chromium(tmp_path):
    """Headless Chromium driven by selenium, offline (Debian's chromium and chromium-driver)."""
    if shutil.which("chromedriver") is None:
        pytest.skip("chromium-driver is not installed")
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium must not try to fetch a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required",
                 f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1000,1400"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    yield driver
    driver.quit()
