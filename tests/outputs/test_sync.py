"""The outputs of a recording stay in step: summarize and rename rewrite every file that shows
what they change (report.html included), a rerun never drops a summary silently, and
--embed-audio makes a report that plays with no recording beside it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml
from conftest import FAST

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def published(tmp_path_factory, sample_wav):
    root = tmp_path_factory.mktemp("sync")
    (root / "fast.yaml").write_text(yaml.safe_dump(FAST))
    run = offrecord(root, "run", str(sample_wav), "--out", str(root / "out"))
    assert run.returncode == 0, run.stderr
    return root


def offrecord(root, *args):
    return subprocess.run([sys.executable, "-m", "offrecord", *args, "--config", str(root / "fast.yaml")],
                          capture_output=True, text=True, timeout=600)


def copy(published, tmp_path):
    shutil.copytree(published / "out", tmp_path / "out")
    return tmp_path / "out" / "sample"


def read(folder, name):
    return (folder / name).read_text(encoding="utf-8")


def test_summarize_rewrites_summary_and_report_together(published, tmp_path):
    folder = copy(published, tmp_path)
    # the file itself, not its text: the small test model may keep nothing the meeting template
    # adds, and the report then reads as before
    before = (folder / "report.html").stat().st_ino
    run = offrecord(published, "summarize", str(folder / "transcript.json"), "--template", "meeting")
    assert run.returncode == 0, run.stderr
    summary = json.loads(read(folder, "summary.json"))
    assert summary["template"] == "meeting"
    assert (folder / "report.html").stat().st_ino != before  # written anew, beside the summary
    report = read(folder, "report.html").replace("&#x27;", "'").replace("&amp;", "&").replace("&quot;", '"')
    assert f"<title>{summary['title']}" in report
    for claim in summary["overview"] + summary["at_a_glance"] + summary["highlights"]:
        assert claim["text"] in report
    for section in summary["sections"]:
        if section["value"]:
            assert f"<h2>{section['title']}</h2>" in report
    assert read(folder, "summary.md").startswith(f"# {summary['title']}")


def test_rename_reaches_every_output_and_is_remembered(published, tmp_path):
    folder = copy(published, tmp_path)
    names = {s["id"]: s["name"] for s in json.loads(read(folder, "transcript.json"))["speakers"]}
    diane = next(i for i, n in names.items() if n == "Diane")
    quotes_before = [q["text"] for q in json.loads(read(folder, "summary.json"))["quotes"]]
    run = offrecord(published, "rename", str(folder), "Diane=Ann", "-q")
    assert run.returncode == 0, run.stderr
    t = json.loads(read(folder, "transcript.json"))
    assert {s["id"]: (s["name"], s["name_source"]) for s in t["speakers"]}[diane] == ("Ann", "user")
    assert re.search(r"^Ann: ", read(folder, "transcript.srt"), re.M) and "<v Ann>" in read(folder, "transcript.vtt")
    assert "] Ann:**" in read(folder, "transcript.md") and "] Ann: " in read(folder, "transcript.txt")
    assert ">Ann</span>" in read(folder, "report.html")
    for name in ("transcript.srt", "transcript.vtt", "transcript.md", "transcript.txt", "report.html"):
        assert not re.search(r"(\] |<v |>|^)Diane(:|\*\*|>|</span>)", read(folder, name), re.M), name
    summary = json.loads(read(folder, "summary.json"))
    assert [q["text"] for q in summary["quotes"]] == quotes_before  # the words said are never edited
    assert all(q["speaker"] != "Diane" for q in summary["quotes"])
    assert "Diane" not in json.dumps({k: v for k, v in summary.items() if k != "quotes"})
    # a rerun into the folder keeps the name (the stages come from the cache), and its summary
    rerun = offrecord(published, "run", str(t["source"]), "--out", str(folder.parent), "--no-summary")
    assert rerun.returncode == 0, rerun.stderr
    assert {s["id"]: s["name"] for s in json.loads(read(folder, "transcript.json"))["speakers"]}[diane] == "Ann"
    assert json.loads(read(folder, "summary.json")) == summary


def test_a_rerun_without_the_summary_drops_it_only_out_loud(published, tmp_path, sample_wav):
    folder = copy(published, tmp_path)
    kept = offrecord(published, "run", str(sample_wav), "--out", str(folder.parent), "--no-summary")
    assert kept.returncode == 0 and (folder / "summary.json").exists()
    changed = offrecord(published, "run", str(sample_wav), "--out", str(folder.parent), "--no-summary",
                        "--speakers", "Ann,Bob")
    assert changed.returncode == 0
    assert not (folder / "summary.json").exists()
    assert "the earlier summary no longer matches the transcript" in changed.stderr
    assert "Words worth saving" not in read(folder, "report.html")


@pytest.mark.skipif(shutil.which("chromedriver") is None, reason="chromium-driver is not installed")
def test_an_embedded_recording_plays_with_nothing_beside_the_report(published, tmp_path, sample_wav):
    os.environ.setdefault("SE_OFFLINE", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    copy_of_call = tmp_path / "call.wav"
    shutil.copy(sample_wav, copy_of_call)
    run = offrecord(published, "run", str(copy_of_call), "--out", str(tmp_path / "out"), "--no-summary", "--embed-audio")
    assert run.returncode == 0, run.stderr
    page = tmp_path / "mailed" / "report.html"
    page.parent.mkdir()
    shutil.move(tmp_path / "out" / "call" / "report.html", page)
    copy_of_call.unlink()  # nothing to link to any more
    assert 'src="data:audio/ogg;base64,' in page.read_text()
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--autoplay-policy=no-user-gesture-required", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.get(page.as_uri())
        WebDriverWait(driver, 20).until(
            lambda d: d.execute_script("return document.getElementById('player').readyState") >= 1)
        assert driver.execute_script("return document.getElementById('player').duration") == pytest.approx(30.0, abs=0.5)
        driver.find_elements(By.CSS_SELECTOR, "#transcript a[data-t]")[2].click()
        WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.getElementById('player').currentTime") > 5)
    finally:
        driver.quit()
