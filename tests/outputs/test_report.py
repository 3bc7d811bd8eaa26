"""report.html: content, and a real click in headless Chromium seeking the audio."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest

from pipeline.data import Highlight, Idea, Quote, Speaker, Summary, Transcript, Turn, Word
from pipeline.outputs.report import report_html


def example(source: Path) -> tuple[Transcript, Summary]:
    def turn(speaker, start, text):
        words = [Word(start + i * 0.4, start + i * 0.4 + 0.3, w, 0.9, speaker, overlap=(w == "<yes>"))
                 for i, w in enumerate(text.split())]
        return Turn(words[0].start, words[-1].end, text, words, speaker)

    t = Transcript(str(source), 30.0, "en", {}, [Speaker("S0", "Diane"), Speaker("S1", "Sheila & <co>")],
                   [turn("S0", 6.4, "Hello. This is Diane in New Jersey."), turn("S1", 14.4, "And I'm Sheila <yes> from Texas.")])
    s = Summary("A call <between> two", "Diane and Sheila talk.", ["They meet."], [Idea("Idea", "Text.")],
                [Quote("This is Diane in New Jersey.", "Diane", 6.8, 9.1)],
                [Highlight(6.4, "Hello"), Highlight(14.4, "Introductions")],
                template="meeting", sections=[{"name": "action_items", "title": "Action items", "kind": "actions",
                                               "value": [{"owner": "Diane", "task": "Call back", "due": "Friday"}]}])
    return t, s


def test_report_content_is_escaped_and_linked(tmp_path, sample_wav):
    out = tmp_path / "out" / "sample"
    t, s = example(sample_wav)
    page = report_html(t, s, out)
    assert "<between>" not in page and "&lt;between&gt;" in page and "Sheila &amp; &lt;co&gt;" in page
    assert page.count('data-t="14.400"') == 2  # the highlight and the turn
    assert "<h2>Action items</h2><ul><li><b>Diane</b>: Call back (due Friday)</li></ul>" in page
    src = page.split('<audio id="player" controls preload="metadata" src="')[1].split('"')[0]
    assert (out / unquote(src)).resolve() == sample_wav.resolve()


def written_report(tmp_path: Path, sample_wav: Path) -> Path:
    """The example's report.html, its player pointing at a copy of the 30 s sample call."""
    out = tmp_path / "sample"
    out.mkdir()
    shutil.copy(sample_wav, tmp_path / "call.wav")
    t, s = example(tmp_path / "call.wav")
    (out / "report.html").write_text(report_html(t, s, out), encoding="utf-8")
    return out / "report.html"


def test_clicking_a_highlight_seeks_the_audio_in_chromium(tmp_path, sample_wav, chromium):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = chromium
    driver.get(written_report(tmp_path, sample_wav).as_uri())
    link = driver.find_element(By.CSS_SELECTOR, '#highlights a[data-t="14.400"]')
    link.click()
    WebDriverWait(driver, 20).until(
        lambda d: abs(d.execute_script("return document.getElementById('player').currentTime") - 14.4) < 0.5)
    assert driver.execute_script("return document.getElementById('player').duration") == pytest.approx(30.0, abs=0.2)
    driver.save_screenshot(str(tmp_path / "report.png"))
    assert (tmp_path / "report.png").stat().st_size > 10_000
    if os.environ.get("OFFRECORD_KEEP_SCREENSHOT"):
        shutil.copy(tmp_path / "report.png", os.environ["OFFRECORD_KEEP_SCREENSHOT"])


def test_report_opened_at_a_time_seeks_there_in_chromium(tmp_path, sample_wav, chromium):
    from selenium.webdriver.support.ui import WebDriverWait

    chromium.get(written_report(tmp_path, sample_wav).as_uri() + "#t=21.5")
    WebDriverWait(chromium, 20).until(
        lambda d: abs(d.execute_script("return document.getElementById('player').currentTime") - 21.5) < 1.0)
    chromium.execute_script("location.hash = '#t=7'")  # a second moment in the same page
    WebDriverWait(chromium, 20).until(
        lambda d: abs(d.execute_script("return document.getElementById('player').currentTime") - 7.0) < 1.0)
