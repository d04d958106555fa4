import logging

import pytest

from channels.common import RecentIds, to_slack_mrkdwn, to_telegram_html
from channels.slack import SlackInput
from channels.socketio import SessionIds
from channels.telegram import TelegramInput


@pytest.fixture
def no_secrets(monkeypatch):
    for name in (
        "WALKWISE_SLACK_BOT_TOKEN",
        "WALKWISE_SLACK_SIGNING_SECRET",
        "WALKWISE_TELEGRAM_TOKEN",
        "WALKWISE_TELEGRAM_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    "channel, names", [(SlackInput, "WALKWISE_SLACK_BOT_TOKEN"), (TelegramInput, "WALKWISE_TELEGRAM_TOKEN")]
)
def test_a_channel_without_secrets_is_off_with_a_log_line(no_secrets, caplog, channel, names):
    with caplog.at_level(logging.WARNING):
        blueprint = channel.from_credentials(None).blueprint(lambda message: None)
    assert blueprint.name.endswith("_disabled")
    assert f"{channel.name()} channel is off: set {names}" in caplog.text


def test_with_secrets_the_channel_is_on(monkeypatch):
    monkeypatch.setenv("WALKWISE_TELEGRAM_TOKEN", "1:x")
    monkeypatch.setenv("WALKWISE_TELEGRAM_SECRET", "s")
    assert not TelegramInput.from_credentials(None).blueprint(lambda message: None).name.endswith("_disabled")


def test_telegram_text_is_escaped_for_html():
    assert to_telegram_html("a < b & **Bold** <script>") == "a &lt; b &amp; <b>Bold</b> &lt;script&gt;"


def test_slack_text_is_mrkdwn():
    assert to_slack_mrkdwn("1. **Title**: a < b & c") == "1. *Title*: a &lt; b &amp; c"


def test_recent_ids_forget_the_oldest():
    ids = RecentIds(size=2)
    assert [ids.seen(x) for x in (1, 2, 1, 3, 2, 1)] == [False, False, True, False, False, False]


def test_session_ids_are_signed():
    issuer = SessionIds(b"key")
    session = issuer.issue()
    assert issuer.is_valid(session)
    assert not SessionIds(b"other").is_valid(session)
    token, signature = session.split(".")
    other = "1" if token[-1] != "1" else "2"
    assert not issuer.is_valid(f"{token[:-1]}{other}.{signature}")
    assert not issuer.is_valid(None) and not issuer.is_valid("a.b.c")


def _redis_or_skip(url: str) -> None:
    import os

    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        reason = f"Redis is not reachable at {url}: {type(error).__name__}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def test_shared_ids_are_seen_by_every_server():
    """Two servers' RecentIds on one real Redis: a repeat delivered to the other is dropped."""
    import uuid

    url = "redis://127.0.0.1:6379/3"
    _redis_or_skip(url)
    namespace = f"test-{uuid.uuid4().hex}"
    first, second = (
        RecentIds(namespace=namespace, shared_url=url),
        RecentIds(namespace=namespace, shared_url=url),
    )
    assert first.seen(41) is False
    assert second.seen(41) is True
    assert second.seen(42) is False
    assert first.seen(42) is True
    assert RecentIds(namespace=namespace + "-other", shared_url=url).seen(41) is False


def test_without_redis_each_server_still_drops_its_own_repeats():
    ids = RecentIds(namespace="test", shared_url="redis://127.0.0.1:1/0")  # nothing listens on port 1
    assert ids.seen("a") is False
    assert ids.seen("a") is True
    assert ids.seen("b") is False
