"""``GET /ready``: whether this Rasa server can answer and keep what it is told.

200 ``{"status": "ready", ...}`` when the model is loaded, the tracker store's
database answers and the action server's ``/health`` does; otherwise 503
``{"status": "not ready", "reasons": [...]}``. ``journal_pending`` counts the
events waiting in the tracker store's journal (``server/tracker_store.py``).
No authentication and no personal data: it is for a balancer or a monitor.
Rasa's own ``/``, ``/status`` and ``/version`` are untouched.

At start-up the server logs whether the tracker store's database answered; it
serves anyway, and turns ready by itself once the database is back.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Tuple

import aiohttp
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from server.tracker_store import WalkWiseTrackerStore

logger = logging.getLogger(__name__)

ROUTE = "/ready"
CHECK_SECONDS = 3.0


def walkwise_store(agent: Any) -> Optional[WalkWiseTrackerStore]:
    """The agent's WalkWise tracker store, inside any wrapper, or None."""
    store = getattr(agent, "tracker_store", None)
    for candidate in (store, getattr(store, "_tracker_store", None)):
        if isinstance(candidate, WalkWiseTrackerStore):
            return candidate
    return None


def health_url(action_url: str) -> str:
    """The action server's health address, from its webhook address."""
    base = action_url.rstrip("/")
    if base.endswith("/webhook"):
        base = base[: -len("/webhook")]
    return base + "/health"


async def action_server_reason(action_url: Optional[str]) -> Optional[str]:
    if not action_url:
        return None
    try:
        timeout = aiohttp.ClientTimeout(total=CHECK_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(health_url(action_url)) as answer:
                if answer.status == 200:
                    return None
                return f"action server answered {answer.status}"
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        return f"action server unreachable ({type(error).__name__})"


async def store_reason(store: Optional[WalkWiseTrackerStore]) -> Optional[str]:
    if store is None:
        return None
    try:
        return await asyncio.wait_for(store.check(), CHECK_SECONDS)
    except asyncio.TimeoutError:
        return "tracker store database did not answer in time"


async def readiness(agent: Any) -> Tuple[bool, Dict[str, Any]]:
    """(ready, body) for ``agent`` (None while the model loads)."""
    reasons: List[str] = []
    if agent is None or not agent.is_ready():
        reasons.append("model not loaded")
    store = walkwise_store(agent)
    endpoint = getattr(agent, "action_endpoint", None)
    found = await asyncio.gather(store_reason(store), action_server_reason(getattr(endpoint, "url", None)))
    reasons.extend(reason for reason in found if reason)
    body: Dict[str, Any] = {"status": "not ready" if reasons else "ready", "reasons": reasons}
    if store is not None:
        body["journal_pending"] = store.journal.count()
    return not reasons, body


async def ready(request: Request) -> HTTPResponse:
    ok, body = await readiness(getattr(request.app.ctx, "agent", None))
    return response.json(body, status=200 if ok else 503)


async def report_at_start(app: Sanic, _: Any) -> None:
    store = walkwise_store(getattr(app.ctx, "agent", None))
    if store is None:
        return
    store.start()
    reason = await store_reason(store)
    if reason:
        logger.error("%s at start-up: serving anyway; GET %s answers 503 until it is back", reason, ROUTE)
    else:
        logger.info("tracker store database reached")


async def stop_store(app: Sanic, _: Any) -> None:
    store = walkwise_store(getattr(app.ctx, "agent", None))
    if store is not None:
        await store.close()


def register(app: Sanic) -> None:
    """Adds the route and the start/stop listeners to Rasa's app."""
    app.add_route(ready, ROUTE, methods=["GET"], name="walkwise_ready")
    app.register_listener(report_at_start, "after_server_start")
    app.register_listener(stop_store, "after_server_stop")
