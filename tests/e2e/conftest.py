from pathlib import Path

import pytest

from tests.e2e.fake_api import FakeApi
from tests.e2e.stack import MODEL, Stack

SLACK_SIGNING_SECRET = "test-signing-secret"
TELEGRAM_SECRET = "test-telegram-secret"
TELEGRAM_TOKEN = "123456:TEST-TOKEN"
WIDGET_ORIGIN_PORT = 18080


@pytest.fixture(scope="session")
def fake_api():
    api = FakeApi().start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory, fake_api) -> Stack:
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
    )
    stack.prepare()
    try:
        stack.start_actions()
        stack.start_rasa()
        yield stack
    finally:
        stack.stop_all()
