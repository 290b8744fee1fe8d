"""End to end in a real browser: Playwright drives Debian's chromium against `streamlit run app.py`."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip("Chromium is not installed (apt-get install chromium); CI installs it", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(model, tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=os.environ.copy(), stdout=open(tmp_path / "server.log", "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + (tmp_path / "server.log").read_text())
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture
def page(server):
    """The page in Debian's chromium (headless), loaded, with its description box ready."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1100, "height": 1600})
        page.goto(server)
        page.get_by_role("textbox", name="Describe what you feel, in your own words").wait_for(timeout=60_000)
        yield page
        browser.close()


def describe(page, text: str) -> None:
    page.get_by_role("textbox", name="Describe what you feel, in your own words").fill(text)
    page.get_by_role("button", name="Classify").click()


def test_browser_classify_shows_label_and_evidence(page, tmp_path):
    start = time.perf_counter()
    describe(page, "no swelling, my calf seized up at mile 20 and let go after I stretched it")
    page.get_by_role("heading", name="Calf cramp").wait_for(timeout=30_000)
    elapsed = time.perf_counter() - start
    page.locator("span.cc-token", has_text="seized").first.wait_for(timeout=10_000)
    assert page.locator("span.cc-neg", has_text="swelling").count() == 1
    page.screenshot(path=str(tmp_path / "calfcheck.png"), full_page=True)
    if os.environ.get("CALFCHECK_SCREENSHOT"):
        shutil.copy(tmp_path / "calfcheck.png", os.environ["CALFCHECK_SCREENSHOT"])
    print(f"\nclick to answer: {elapsed * 1000:.0f} ms")


# true once the page lists `n` answers and has finished its rerun (no stale elements left)
ANSWERED = """n => { const el = [...document.querySelectorAll('p')].find(p => p.innerText.startsWith('Your answers:'));
                     return el !== undefined && el.innerText.split('\u201d').length - 1 === n
                            && document.querySelector('[data-stale="true"]') === null; }"""


def test_browser_answering_a_question_changes_label_bars_and_explanation(page, tmp_path):
    """An unsure description; "not sure" to the red-flag questions, then "yes" to the question the
    model picks: the heading, the probability bars and the highlighted explanation all change."""
    describe(page, "My calf has hurt on and off for two weeks. It hurts when I run. Not sure what it is.")
    page.get_by_text("Is your calf swollen, warm or red?").wait_for(timeout=30_000)
    label = page.locator("h3").first.inner_text()
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart.wait_for(timeout=10_000)
    page.wait_for_timeout(1000)  # let the chart draw
    bars = chart.screenshot()
    words = page.locator("span.cc-token").all_inner_texts()
    for n in range(1, 4):  # "not sure" to the red-flag questions, one at a time
        page.get_by_role("button", name="Not sure").click()
        page.wait_for_function(ANSWERED, arg=n, timeout=30_000)
    assert page.locator("h3").first.inner_text() == label  # "not sure" changes nothing
    asked = page.locator("p", has_text="One question would help:").inner_text()
    page.get_by_role("button", name="Yes", exact=True).click()
    page.wait_for_function(ANSWERED, arg=4, timeout=30_000)
    assert page.get_by_text("What changed.").count() == 1
    assert page.locator("h3").first.inner_text() != label
    page.wait_for_timeout(1000)  # let the chart redraw
    assert chart.screenshot() != bars
    assert len(page.locator("span.cc-token").all_inner_texts()) > len(words)  # the answer is explained too
    print(f"\nasked: {asked}; answer now: {page.locator('h3').first.inner_text()}")
    page.screenshot(path=str(tmp_path / "asked.png"), full_page=True)
    if os.environ.get("CALFCHECK_SCREENSHOT_ASKED"):
        shutil.copy(tmp_path / "asked.png", os.environ["CALFCHECK_SCREENSHOT_ASKED"])


def test_browser_phone_danger_banner_is_in_view_after_classify(server):
    """Issue 21: on a 390x844 phone the form fills the screen; after Classify the page scrolls so that the
    danger headline is visible without the user scrolling."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        page.goto(server)
        page.get_by_role("textbox", name="Describe what you feel, in your own words").wait_for(timeout=60_000)
        describe(page, "my calf is swollen and warm after a long flight and I'm a bit short of breath")
        headline = page.get_by_role("heading", name="Possible blood clot in the lungs")
        headline.wait_for(timeout=30_000)
        page.wait_for_timeout(2000)  # the scroll runs within 1.5 s of the answer
        box = page.evaluate("""() => { const h = [...document.querySelectorAll('h2')]
                                          .find(e => e.innerText.includes('Possible blood clot in the lungs'));
                                       const r = h.getBoundingClientRect(); return [r.top, r.bottom, innerHeight]; }""")
        assert 0 <= box[0] and box[1] <= box[2], box
        browser.close()


def test_browser_evidence_words_are_the_typed_text_and_icons_render(page, tmp_path):
    """Issue 22: every evidence word the page shows occurs in what was typed; the danger headline's icon is a
    Material Symbol (drawn from Streamlit's own font), not an emoji that chromium without an emoji font boxes."""
    text = "My calf is swollen and warm after a long flight, it has hurt on and off, a bit worst when I walk."
    describe(page, text)
    page.get_by_role("heading", name="Possible blood clot").wait_for(timeout=30_000)
    page.locator("q.cc-ev-words").first.wait_for(timeout=10_000)
    words = page.locator("q.cc-ev-words").all_inner_texts()
    assert words and all(w in text for w in words), words
    assert not {"bite", "wrong"} & set(words)
    items = page.locator("li.cc-evidence").all_inner_texts()
    assert all(re.search(r": (strong|some|slight) evidence (for|against)", i) for i in items), items
    icon = page.locator("h2 span[role='img']").first
    assert icon.inner_text() == "warning" and "Material Symbols" in icon.evaluate("e => getComputedStyle(e).fontFamily")
    # the ligature is drawn by the icon font: the glyph is about square, not the word "warning" set in text
    box = icon.bounding_box()
    assert box and box["width"] < 2 * box["height"], box
    page.screenshot(path=str(tmp_path / "danger.png"), full_page=True)
    if os.environ.get("CALFCHECK_SCREENSHOT_DANGER"):
        shutil.copy(tmp_path / "danger.png", os.environ["CALFCHECK_SCREENSHOT_DANGER"])


def test_browser_batch_tab_honours_the_id_column_and_shows_errors_in_full(page, tmp_path):
    """Issue 22: a CSV's `id` column names its rows; an error is shown in full, the file name as typed
    (no KaTeX for "$", no emoji for ":smile:")."""
    (tmp_path / "posts.csv").write_text("id,text\np1,my calf seized up at mile 20\np2,stiff achilles every morning\n")
    odd = tmp_path / "cost $5 and $6 :smile:.txt"
    odd.write_text("   ")
    page.get_by_role("tab", name="Batch").click()
    page.locator("input[type='file']").set_input_files([str(tmp_path / "posts.csv"), str(odd)])
    page.get_by_text("1 not classified:").wait_for(timeout=60_000)
    said = page.locator("[data-testid='stMarkdownContainer']", has_text="empty text").inner_text().replace("\u2060", "")
    assert "cost $5 and $6 :smile:.txt: empty text: write where and how the calf hurts" in said
    page.wait_for_timeout(1000)
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.wait_for(timeout=10_000)
    cells = page.locator("[data-testid='stDataFrame'] table [role='gridcell']").all_inner_texts()
    assert {"p1", "p2", "Calf cramp", "Achilles tendinitis"} <= set(cells), cells
    assert "None" not in cells and "muscle_cramp" not in cells
    page.screenshot(path=str(tmp_path / "batch.png"), full_page=True)
    if os.environ.get("CALFCHECK_SCREENSHOT_BATCH"):
        shutil.copy(tmp_path / "batch.png", os.environ["CALFCHECK_SCREENSHOT_BATCH"])
