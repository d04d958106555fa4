"""What the channels share: settings from the environment, switching a channel
off when its secrets are missing, de-duplication, and text formatting."""

from __future__ import annotations

import html
import logging
from collections import OrderedDict
from typing import Iterable

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from common import settings
from common.formatting import BOLD

logger = logging.getLogger(__name__)


def env(name: str, default: str | None = None) -> str | None:
    """A text setting of ``common/settings.py``, read afresh and checked
    (``SettingsError`` names a bad one), or ``default`` when it is not set."""
    value = settings.value(name)
    return default if value is None else str(value)


def missing(names: Iterable[str]) -> list[str]:
    return [name for name in names if not env(name)]


def disabled_blueprint(channel: str, absent: list[str]) -> Blueprint:
    """A channel whose secrets are not set: off, said once in the log, and its
    webhook answers 503 instead of processing anything."""
    logger.warning("%s channel is off: set %s to turn it on", channel, ", ".join(absent))
    blueprint = Blueprint(f"{channel}_disabled")

    @blueprint.route("/", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "disabled", "missing": absent})

    @blueprint.route("/webhook", methods=["GET", "POST"])
    async def webhook(_: Request) -> HTTPResponse:
        return response.json({"error": f"the {channel} channel is not configured"}, status=503)

    return blueprint


class RecentIds:
    """Remembers the last ``size`` ids seen, to drop duplicate deliveries."""

    def __init__(self, size: int = 10_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def seen(self, key: object) -> bool:
        """True if ``key`` was seen before; remembers it either way."""
        key = str(key)
        if key in self._ids:
            self._ids.move_to_end(key)
            return True
        self._ids[key] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return False


def to_slack_mrkdwn(text: str) -> str:
    """Our answers use **bold**; Slack's mrkdwn uses *bold* and escapes &, <, >."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return BOLD.sub(r"*\1*", escaped)


def to_telegram_html(text: str) -> str:
    """Text for Telegram's HTML parse mode: everything escaped, **bold** as <b>."""
    return BOLD.sub(r"<b>\1</b>", html.escape(text, quote=False))
