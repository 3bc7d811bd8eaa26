"""report.html: content, and a real click in headless Chromium seeking the audio."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest

from offrecord.data import Claim, Evidence, Highlight, Idea, Quote, Speaker, Summary, Transcript, Turn, Word
from offrecord.outputs.report import report_html


def example(source: Path) -> tuple[Transcript, Summary]:
    def turn(speaker, start, text):
        words = [Word(start + i * 0.4, start + i * 0.4 + 0.3, w, 0.9, speaker, overlap=(w == "<yes>"))
                 for i, w in enumerate(text.split())]
        return Turn(words[0].start, words[-1].end, text, words, speaker)

    t = Transcript(str(source), 30.0, "en", {}, [Speaker("S0", "Diane"), Speaker("S1", "Sheila & <co>")],
                   [turn("S0", 6.4, "Hello. This is Diane in New Jersey."), turn("S1", 14.4, "And I'm Sheila <yes> from Texas.")])
    diane, sheila = [Evidence(6.8, 9.1, "Diane")], [Evidence(14.4, 16.0, "Sheila & <co>")]
    s = Summary("A call <between> two", [Claim("Diane and Sheila talk.", diane + sheila)], [Claim("They meet.", sheila)],
                [Idea("Idea", "Text.", diane)], [Quote("This is Diane in New Jersey.", "Diane", 6.8, 9.1)],
                [Highlight(6.4, "Hello", [Evidence(6.4, 6.7, "Diane")]), Highlight(14.4, "Introductions", sheila)],
                template="meeting", sections=[{"name": "action_items", "title": "Action items", "kind": "actions",
                                               "value": [{"owner": "Diane", "task": "Call back", "due": "Friday",
                                                          "evidence": [{"start": 8.0, "end": 9.0, "speaker": "Diane"}]}]}],
                about=Claim("Two women say where they live.", diane))
    return t, s


def test_report_content_is_escaped_and_linked(tmp_path, sample_wav):
    out = tmp_path / "out" / "sample"
    t, s = example(sample_wav)
    page = report_html(t, s, out)
    assert "<between>" not in page and "&lt;between&gt;" in page and "Sheila &amp; &lt;co&gt;" in page
    # every claim is a link that seeks the player to its evidence: here the turn, the highlight and the bullet
    assert page.count('data-t="14.400"') == 3
    assert page.count('data-t="6.800"') == 4  # the about line, the overview, the idea and the quote
    assert '<li>They meet. <a class="t" href="#" data-t="14.400">00:00:14</a></li>' in page
    assert ('<h2>Action items</h2><ul><li><b>Diane</b>: Call back (due Friday) '
            '<a class="t" href="#" data-t="8.000">00:00:08</a></li></ul>') in page
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
