"""Fixtures for the end-to-end tests: the real servers, a stand-in for Slack's
and Telegram's APIs, and, for the widget, a page site and headless Chromium."""

import os
import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import ROOT
from tests.helpers.fake_api import FakeApi
from tests.helpers.stack import (
    MODEL,
    SLACK_SIGNING_SECRET,
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    WIDGET_ORIGIN_PORT,
    Stack,
)

CHROMIUM = Path("/usr/bin/chromium")
BUNDLE = ROOT / "widget" / "dist" / "walkwise-widget.js"
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="session")
def fake_api():
    api = FakeApi().start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory, fake_api) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail("no trained model: run scripts/train first (scripts/test does)")
    stack = Stack(Path(tmp_path_factory.mktemp("stack")))
    stack.env.update(
        WALKWISE_SLACK_BOT_TOKEN="xoxb-test-token",
        WALKWISE_SLACK_SIGNING_SECRET=SLACK_SIGNING_SECRET,
        WALKWISE_SLACK_API_URL=f"{fake_api.url}/slack/api/",
        WALKWISE_TELEGRAM_TOKEN=TELEGRAM_TOKEN,
        WALKWISE_TELEGRAM_SECRET=TELEGRAM_SECRET,
        WALKWISE_TELEGRAM_API_URL=f"{fake_api.url}/telegram",
        WALKWISE_WIDGET_ORIGINS=f"http://127.0.0.1:{WIDGET_ORIGIN_PORT},http://localhost:{WIDGET_ORIGIN_PORT}",
        WALKWISE_SESSION_SECRET="test-session-secret",
        # The tests write faster than people (the symptom screen twice is 22
        # messages); the rate limit has its own stack in test_limits_logs_api.py.
        WALKWISE_RATE_LIMIT="100",
    )
    with stack.running():
        yield stack


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Clinic</title></head>
<body><main><h1>Clinic page</h1><p>Content.</p></main>
<script src="/walkwise-widget.js" data-server-url="{server}" data-title="Ask WalkWise"
 data-primary-color="#0b5394" data-greeting="Hi! Ask me about walking and lower back pain."></script>
</body></html>"""


@pytest.fixture(scope="session")
def site(stack, tmp_path_factory):
    if not BUNDLE.exists():
        pytest.fail("the widget is not built: run scripts/install")
    folder = tmp_path_factory.mktemp("site")
    shutil.copy(BUNDLE, folder / "walkwise-widget.js")
    (folder / "index.html").write_text(PAGE.format(server=stack.url))

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", WIDGET_ORIGIN_PORT), partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{WIDGET_ORIGIN_PORT}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: scripts/install-browser installs it")
        pytest.skip("Chromium is not installed (scripts/install-browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(site)
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
