"""Which settings make a finished recording a new watch job."""

from __future__ import annotations

import pytest

from offrecord.config import load_config
from offrecord.watch.watcher import job_settings_hash


@pytest.mark.parametrize("change", [
    {"watch": {"retry_seconds": 5, "max_attempts": 9, "settle_seconds": 1}},
    {"parallel_stages": False},
    {"threads": 1},
    {"models": {"store": "/elsewhere"}},
])
def test_settings_that_shape_no_output_keep_the_job(change):
    assert job_settings_hash(load_config(None, change)) == job_settings_hash(load_config(None, {}))


@pytest.mark.parametrize("change", [
    {"asr": {"model": "whisper-tiny.en"}},
    {"diarization": {"enabled": False}},
    {"diarization": {"clustering_threshold": 0.5}},
    {"speakers": {"names": ["Ann"]}},
    {"summary": {"template": "meeting"}},
    {"summary": {"enabled": False}},
    {"output": {"formats": ["json"]}},
])
def test_settings_that_shape_outputs_make_a_new_job(change):
    assert job_settings_hash(load_config(None, change)) != job_settings_hash(load_config(None, {}))
