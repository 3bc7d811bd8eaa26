"""OUT/index.html: the recordings newest first, and its own search, used in headless Chromium:
type a query, click a result, and the recording's report plays from that moment."""

from __future__ import annotations

import json
import shutil

import pytest
from recordings import publish_recording, transcript

from offrecord import library
from offrecord.config import load_config
from offrecord.data import Claim, Summary

CALL = [("A", 1.0, "Hello, this is Diane in New Jersey."), ("B", 14.4, "And I'm Sheila from Texas </script> <b>hi</b>."),
        ("A", 21.2, "I heard the power supply lasts two days.")]


@pytest.fixture
def out(tmp_path, sample_wav):
    cfg = load_config(None, {"library": {"meaning_model": None}})
    out = tmp_path / "out"
    shutil.copy(sample_wav, tmp_path / "call.wav")
    summary = Summary("Two callers <introduce> themselves",
                      [Claim("Diane and Sheila say where they live."), Claim("Then more.")], [], [], [], [])
    folder = publish_recording(out, "call", transcript(tmp_path / "call.wav", CALL, {"A": "Diane", "B": "Sheila"}), summary,
                               date=1_700_000_000)
    library.update(out, folder, cfg)
    older = publish_recording(out, "older", transcript(tmp_path / "older.wav", [("A", 3.0, "Texas weather again.")]),
                              date=1_600_000_000)
    library.update(out, older, cfg)
    return out


def test_page_lists_recordings_newest_first_with_what_they_are_about(out):
    page = (out / "index.html").read_text()
    data = json.loads(page.split('<script type="application/json" id="library">')[1].split("</script>")[0])
    assert [r["title"] for r in data["recordings"]] == ["Two callers <introduce> themselves", "older"]
    assert data["recordings"][0]["about"] == "Diane and Sheila say where they live."
    assert data["recordings"][0]["speakers"] == ["Diane", "Sheila"]
    assert data["recordings"][1]["report"] == "older/report.html"
    assert ["Sheila", "And I'm Sheila from Texas </script> <b>hi</b>."] in [m[2:] for m in data["moments"]]
    assert "<introduce>" not in page.split("<table")[1].split("</table>")[0]  # escaped in the HTML


def test_searching_in_the_page_opens_the_report_at_the_moment(out, chromium):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = chromium
    driver.get((out / "index.html").as_uri())
    rows = driver.find_elements(By.CSS_SELECTOR, "#recordings tr td:first-child")
    assert [r.text.splitlines()[0] for r in rows] == ["Two callers <introduce> themselves", "older"]
    box = driver.find_element(By.ID, "q")
    box.send_keys("texas")
    hits = driver.find_elements(By.CSS_SELECTOR, "#results li")
    assert [h.find_element(By.CSS_SELECTOR, ".hit").text for h in hits] == [
        "Two callers <introduce> themselves · 00:00:14 · Sheila", "older · 00:00:03 · A"]
    assert [m.text for m in hits[0].find_elements(By.TAG_NAME, "mark")] == ["Texas"]
    assert "</script> <b>hi</b>" in hits[0].text  # shown as text, never run as markup
    box.clear()
    box.send_keys('"power supply" days')
    assert driver.find_element(By.ID, "count").text == "1 moment"
    box.clear()
    box.send_keys("sheila")
    driver.find_element(By.CSS_SELECTOR, "#results .hit").click()
    WebDriverWait(driver, 20).until(lambda d: d.current_url.endswith("/call/report.html#t=14.40"))
    WebDriverWait(driver, 20).until(
        lambda d: abs(d.execute_script("return document.getElementById('player').currentTime") - 14.4) < 1.0)
    box_missing = driver.find_elements(By.ID, "q")
    assert box_missing == []  # it is the report now
