"""Regenerate docs/screenshot.png: the page in Debian's chromium (Playwright), answering a description that
shows the danger headline, a "Not sure yet" answer and its explanation.

    .venv/bin/python scripts/screenshot.py [OUT.png]
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
TEXT = ("My calf has been tight and sore for a week since hill repeats, worse going downstairs. "
        "Since flying back yesterday it is swollen and warm.")


def main(out: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless",
                               "true", "--server.address", "127.0.0.1", "--server.port", str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, env=os.environ.copy())
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--headless", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1100, "height": 2050})
            page.goto(f"http://127.0.0.1:{port}")
            box = page.get_by_role("textbox", name="Describe what you feel, in your own words")
            box.wait_for(timeout=60_000)
            box.fill(TEXT)
            page.get_by_role("button", name="Classify").click()
            page.locator("q.cc-ev-words").first.wait_for(timeout=30_000)
            page.wait_for_timeout(2500)  # the chart draws, the page scrolls to the answer
            page.mouse.move(5, 5)  # no chart toolbar
            page.evaluate("() => { for (const el of document.querySelectorAll('*')) if (el.scrollTop) el.scrollTop = 0; }")
            page.wait_for_timeout(500)
            page.screenshot(path=str(out))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshot.png")
