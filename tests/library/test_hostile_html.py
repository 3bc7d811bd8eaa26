"""Text from outside (speaker names, a file name, the model's title and sentences, the recogniser's
words) reaches report.html and the library page only as text: a hostile value in every field adds
no element or attribute to the DOM of either page in a real browser, runs no script, and leaves
the library page's own search working."""

from __future__ import annotations

import json

import pytest
from recordings import publish_recording, transcript

from offrecord import library
from offrecord.config import load_config
from offrecord.data import Claim, Evidence, Highlight, Idea, Quote, Summary
from offrecord.library.page import script_json

# Each payload tries another way out of its context: out of a <script> element (also through the
# parser's "<!--<script" double-escaped state), out of an attribute, out of a text node, and the
# line separators that end a JavaScript line.
PAYLOADS = [
    "</script><img src=x id=pwned1 onerror=alert(1)>",
    "<!--<script></script><img src=x id=pwned2 onerror=alert(2)>",
    "\"><svg id=pwned3 onload=alert(3)>",
    "'><iframe id=pwned4 srcdoc='<script>alert(4)</script>'>",
    "</SCRIPT ><b id=pwned5>&lt;&amp;\u2028\u2029",
]
HOSTILE = " ".join(PAYLOADS)
# every tag either page writes itself
REPORT_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "span", "audio", "a", "ul", "li", "b",
               "br", "blockquote", "div", "script"}
PAGE_TAGS = REPORT_TAGS | {"input", "ol", "table", "tbody", "tr", "th", "td", "mark"}


def hostile_recording(folder):
    source = folder / f"{PAYLOADS[0]}.wav".replace("/", "_")
    lines = [("A", 1.0, f"Hello {HOSTILE} there"), ("B", 9.0, f"Texas {HOSTILE}")]
    t = transcript(source, lines, {"A": f"Ann {PAYLOADS[0]}", "B": f"Bob {PAYLOADS[1]} {PAYLOADS[2]}"})
    ann = [Evidence(1.0, 2.0, t.speakers[0].name)]
    claim = Claim(f"Claim {HOSTILE}", ann)
    s = Summary(f"Title {HOSTILE}", [claim], [claim], [Idea(f"Idea {HOSTILE}", f"Idea text {HOSTILE}", ann)],
                [Quote(f"Quote {HOSTILE}", t.speakers[0].name, 1.0, 2.0)], [Highlight(1.0, f"Moment {HOSTILE}", ann)],
                template="meeting", about=claim,
                sections=[{"name": "decisions", "title": f"Decisions {HOSTILE}", "kind": "list",
                           "value": [{"text": f"Decision {HOSTILE}", "evidence": [{"start": 1.0, "end": 2.0, "speaker": "x"}]}]},
                          {"name": "action_items", "title": f"Actions {HOSTILE}", "kind": "actions",
                           "value": [{"owner": f"Owner {HOSTILE}", "task": f"Task {HOSTILE}", "due": f"Due {HOSTILE}",
                                      "evidence": [{"start": 9.0, "end": 10.0, "speaker": "y"}]}]},
                          {"name": "notes", "title": f"Notes {HOSTILE}", "kind": "text", "value": f"Note {HOSTILE}",
                           "evidence": [{"start": 1.0, "end": 2.0, "speaker": "x"}]},
                          {"name": "tags", "title": f"Tags {HOSTILE}", "kind": "list", "value": [f"Tag {HOSTILE}"]}])
    return t, s


@pytest.fixture
def out(tmp_path):
    out = tmp_path / "out"
    t, s = hostile_recording(tmp_path)
    folder = publish_recording(out, "call", t, s, date=1_700_000_000)
    library.update(out, folder, load_config(None, {"library": {"meaning_model": None}}))
    return out


def test_script_json_reads_back_exactly_and_holds_no_markup():
    value = {"name": HOSTILE, "list": PAYLOADS}
    text = script_json(value)
    assert json.loads(text) == value
    for unsafe in ("<", ">", "&", "\u2028", "\u2029"):
        assert unsafe not in text


def dom_is_the_pages_own(driver, allowed: set[str]) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 (no dialog opened)
    tags = set(driver.execute_script("return [...document.querySelectorAll('*')].map(e => e.localName)"))
    assert tags <= allowed, tags - allowed
    foreign = driver.execute_script(
        "return [...document.querySelectorAll('*')].flatMap(e => [...e.attributes].map(a => a.name))"
        ".filter(n => n.startsWith('on') || n === 'srcdoc')")
    assert foreign == []
    assert driver.execute_script("return document.querySelectorAll('[id^=pwned]').length") == 0


def test_hostile_values_stay_text_in_the_report_in_chromium(out, chromium):
    from selenium.webdriver.common.by import By

    chromium.get((out / "call" / "report.html").as_uri())
    dom_is_the_pages_own(chromium, REPORT_TAGS)
    assert chromium.find_element(By.TAG_NAME, "h1").text.startswith(f"Title {PAYLOADS[0]} {PAYLOADS[1]}")
    body = chromium.find_element(By.TAG_NAME, "body").text
    for payload in PAYLOADS[:4]:
        assert payload in body  # shown as the words they are


def test_hostile_values_stay_text_in_the_library_page_and_its_search_works_in_chromium(out, chromium):
    from selenium.webdriver.common.by import By

    chromium.get((out / "index.html").as_uri())
    dom_is_the_pages_own(chromium, PAGE_TAGS)
    chromium.find_element(By.ID, "q").send_keys("texas")
    # the page's data parsed (a JSON escape that JSON.parse rejects would leave no results)
    hits = chromium.find_elements(By.CSS_SELECTOR, "#results li")
    assert len(hits) == 1 and PAYLOADS[0] in hits[0].text and f"Bob {PAYLOADS[1]}" in hits[0].text
    dom_is_the_pages_own(chromium, PAGE_TAGS)
