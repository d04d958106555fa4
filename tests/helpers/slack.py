"""Helpers for talking to the running server over slack, shared by the end-to-end tests."""

import hashlib
import hmac
import itertools
import json
import time

import requests

from tests.helpers.stack import SLACK_SIGNING_SECRET

_ids = itertools.count(1)
SETTLE = 2.0  # Slack is acknowledged at once and answered in the background


def sign(body: bytes, timestamp: int, secret: str = SLACK_SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def event_payload(text: str, user: str, channel: str = "D0DIRECT", thread_ts: str | None = None) -> dict:
    n = next(_ids)
    event = {
        "type": "message",
        "channel_type": "im",
        "user": user,
        "text": text,
        "channel": channel,
        "ts": f"1700000{n:03d}.000100",
        "event_ts": f"1700000{n:03d}.000100",
        "client_msg_id": f"msg-{user}-{n}",
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return {
        "token": "unused",
        "team_id": "T0TEAM",
        "api_app_id": "A0APP",
        "type": "event_callback",
        "event_id": f"Ev{user}{n:05d}",
        "event_time": 1_700_000_000,
        "authorizations": [{"user_id": "U0BOT"}],
        "event": event,
    }


def post(stack, payload, *, timestamp=None, signature=None, headers=None, raw=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    sent = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature if signature is not None else sign(body, timestamp),
    }
    sent.update(headers or {})
    return requests.post(f"{stack.url}/webhooks/slack/webhook", data=body, headers=sent, timeout=30)


def posted_to(fake_api, channel, count=1, timeout=30):
    return fake_api.wait_for("chat.postMessage", count, lambda b: b.get("channel") == channel, timeout)


def plain(mrkdwn: str) -> str:
    return " ".join(mrkdwn.replace("*", "").replace("&amp;", "&").replace("’", "'").split())
