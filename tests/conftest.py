"""Shared fixtures. Tests use the real small models from the local store and real recordings
from ../shared/data (skipped, with a reason, when that folder is not beside the checkout)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from offrecord.config import load_config
from offrecord.data import Speaker, Transcript, Turn, Word
from offrecord.summary.verify import content_stems

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"

# The small models: whisper-tiny.en and the 0.5B summariser keep the suite fast on 2 cores.
FAST = {"asr": {"model": "whisper-tiny.en"}, "summary": {"model": "qwen2.5-coder-0.5b-instruct"}}


def pyannote_sample(name: str) -> Path:
    spec = importlib.util.find_spec("pyannote.audio")
    return Path(list(spec.submodule_search_locations)[0]) / "sample" / name


def meeting(shared: Path, times: int = 1, turns: int | None = None, name: str = "ES2011a") -> Transcript:
    """An AMI meeting's human transcript (QMSum; ES2011a unless named), `times` over, at a steady
    speaking pace."""
    raw = json.loads((shared / "meeting-ami-es2011a" / f"qmsum-{name}.json").read_text())["meeting_transcripts"]
    texts = [(turn["speaker"], re.sub(r"\{\w+\}|\s+(?=[.,?!'])", "", turn["content"]).split()) for turn in raw[:turns]]
    names = sorted({speaker for speaker, _ in texts})
    segments, now = [], 0.0
    for _ in range(times):
        for speaker, words in texts:
            if not words:
                continue
            ws = [Word(now + i * 0.35, now + i * 0.35 + 0.3, w, 1.0, speaker) for i, w in enumerate(words)]
            segments.append(Turn(ws[0].start, ws[-1].end, " ".join(words), ws, speaker))
            now = ws[-1].end + 0.3
    return Transcript(source="meeting.wav", duration=now, language="en", models={},
                      speakers=[Speaker(n, n) for n in names], segments=segments)


def sample_reference() -> Transcript:
    """pyannote's human transcript of sample.wav (sample.stm): its words spread over each line's time."""
    turns = []
    for line in pyannote_sample("sample.stm").read_text().splitlines():
        _, _, who, start, end, *words = line.split()
        step = (float(end) - float(start)) / len(words)
        ws = [Word(float(start) + i * step, float(start) + (i + 1) * step, w, 1.0, who) for i, w in enumerate(words)]
        turns.append(Turn(ws[0].start, ws[-1].end, " ".join(words), ws, who))
    return Transcript("sample.wav", 30.0, "en", {}, [Speaker("Diane", "Diane"), Speaker("Sheila", "Sheila")], turns)


def claims(s: dict) -> list[dict]:
    """Every sentence the summary asserts, each {"text", "evidence", ...}."""
    items = ([s["about"]] if s["about"] else []) + s["overview"] + s["at_a_glance"] + s["ideas"] + s["highlights"]
    for section in s["sections"]:
        if isinstance(section["value"], list):
            items += [{**v, "text": v.get("text", v.get("task"))} for v in section["value"]]
        elif section["value"]:
            items.append({"text": section["value"], "evidence": section["evidence"]})
    return items


def check_summary(s: dict, t: dict) -> list[dict]:
    """Every claim's evidence lies in the transcript, names the speaker who said those words, and
    holds most of the claim's content words; quotes are the transcript's own words."""
    assert set(s) == {"title", "about", "overview", "at_a_glance", "ideas", "quotes", "highlights", "template", "sections"}
    assert isinstance(s["title"], str) and s["title"].strip()
    names = {sp["id"]: sp["name"] for sp in t["speakers"]}
    found = claims(s)
    for claim in found:
        assert claim["text"].strip() and claim["evidence"], claim
        said = []
        for e in claim["evidence"]:
            turns = [seg for seg in t["segments"] if seg["start"] <= e["start"] <= e["end"] <= seg["end"]]
            assert turns and names[turns[0]["speaker"]] == e["speaker"], (claim, e)
            said += [w["word"] for w in turns[0]["words"] if e["start"] <= w["start"] and w["end"] <= e["end"]]
        # names are not content; a name of two words is one however it is written ("project manager"),
        # a one-word name only as written ("Marketing" the speaker, not "marketing" the work)
        text = claim["text"]
        for name in names.values():
            text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", text, flags=re.IGNORECASE if " " in name else 0)
        wanted = set(content_stems(text))
        assert len(wanted & set(content_stems(" ".join(said)))) >= len(wanted) / 2, claim
    for q in s["quotes"]:
        # verbatim, by that speaker, at that time
        assert any(names[seg["speaker"]] == q["speaker"] and q["text"] in " ".join(w["word"] for w in seg["words"])
                   and seg["start"] <= q["start"] < q["end"] <= seg["end"] for seg in t["segments"]), q
    word_starts = {w["start"] for seg in t["segments"] for w in seg["words"]}
    for h in s["highlights"]:
        assert h["start"] in word_starts and h["start"] in {e["start"] for e in h["evidence"]}
    return found


def pytest_collection_modifyitems(items):
    """Tests marked `first` (the longest) are started before the rest."""
    items.sort(key=lambda item: item.get_closest_marker("first") is None)


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
