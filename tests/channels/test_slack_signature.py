"""Slack's request verification, checked against Slack's own documented example."""

from types import SimpleNamespace

import pytest

from channels.slack import SlackInput

# From Slack's "Verifying requests from Slack" page.
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TIMESTAMP = 1531420618
BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def request(signature=SIGNATURE, timestamp=TIMESTAMP, body=BODY):
    return SimpleNamespace(
        headers={"X-Slack-Signature": signature, "X-Slack-Request-Timestamp": str(timestamp)}, body=body
    )


@pytest.fixture
def channel():
    return SlackInput(slack_token="xoxb-test", slack_signing_secret=SECRET)


@pytest.fixture
def at_signing_time(monkeypatch):
    monkeypatch.setattr("time.time", lambda: TIMESTAMP + 30)


def test_slacks_documented_example_is_accepted(channel, at_signing_time):
    assert channel.is_request_from_slack_authentic(request())


@pytest.mark.parametrize(
    "changed",
    [
        {"signature": SIGNATURE[:-1] + "0"},
        {"body": BODY + b"&x=1"},
        {"timestamp": TIMESTAMP + 1},
        {"signature": ""},
    ],
)
def test_any_change_is_rejected(channel, at_signing_time, changed):
    assert not channel.is_request_from_slack_authentic(request(**changed))


def test_a_request_older_than_five_minutes_is_rejected(channel, monkeypatch):
    monkeypatch.setattr("time.time", lambda: TIMESTAMP + 5 * 60 + 1)
    assert not channel.is_request_from_slack_authentic(request())
