"""Helpers for talking to the running server over telegram, shared by the end-to-end tests."""

import itertools
import json

import requests

from tests.helpers.stack import TELEGRAM_SECRET

_ids = itertools.count(700_000_000)
_chats = itertools.count(9_100_000)


def update_with(**content) -> dict:
    return {"update_id": next(_ids), **content}


def message(chat_id: int, text: str | None = None, **extra) -> dict:
    body = {
        "message_id": next(_ids),
        "date": 1_700_000_000,
        "chat": {"id": chat_id, "type": "private", "first_name": "Pat"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Pat"},
        **extra,
    }
    if text is not None:
        body["text"] = text
    return body


def post(stack, update, secret=TELEGRAM_SECRET, raw: bytes | None = None):
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return requests.post(
        f"{stack.url}/webhooks/telegram/webhook", data=raw or json.dumps(update), headers=headers, timeout=60
    )


def sent_to(fake_api, chat_id, count=1, timeout=30):
    return fake_api.wait_for("/sendMessage", count, lambda b: str(b.get("chat_id")) == str(chat_id), timeout)


# The webhook answers after the update is processed, so what was not sent by
# then will not be sent: absence is checked after a short settle time.
SETTLE = 1.0


def plain(html_text: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"</?b>", "", html_text)).replace("’", "'")
