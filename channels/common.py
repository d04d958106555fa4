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

SHARED_IDS_ENV = "WALKWISE_SHARED_IDS_URL"


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
    """Remembers the last ``size`` ids seen, to drop duplicate deliveries.

    Behind a balancer a repeated delivery can reach another server, so when
    ``WALKWISE_SHARED_IDS_URL`` names a Redis (scripts/cluster sets it) each id
    is also claimed there (``SET NX`` with a day's expiry), shared by every
    server. If Redis cannot be reached the server's own memory decides, so a
    message is never dropped for want of Redis."""

    SHARED_SECONDS = 86_400

    def __init__(self, size: int = 10_000, namespace: str = "ids", shared_url: str | None = None) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._namespace = namespace
        url = shared_url if shared_url is not None else env(SHARED_IDS_ENV)
        self._shared = None
        if url:
            import redis

            self._shared = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def seen(self, key: object) -> bool:
        """True if ``key`` was seen before (here or, when shared, by another
        server); remembers it either way."""
        key = str(key)
        if self._seen_here(key):
            return True
        if self._shared is None:
            return False
        import redis

        try:
            claimed = self._shared.set(
                f"walkwise:seen:{self._namespace}:{key}", b"1", nx=True, ex=self.SHARED_SECONDS
            )
        except redis.RedisError as error:
            logger.warning("shared ids unreachable (%s); this server's memory decides", type(error).__name__)
            return False
        return not claimed

    def _seen_here(self, key: str) -> bool:
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
