"""Thumbs up or down on an answer, as every channel takes them.

A thumbs click is not a message to the bot: it never goes through Rasa's NLU
or dialogue. Each channel handles it as its own request or event and stores it
with ``review.feedback.record_answer_feedback``, in the tracker store's
database, against the bot message it is about.

The reference to that message is its timestamp (Rasa gives it to the output
channel with the message, and stores the same float with the event), signed
together with the sender id: ``<timestamp>~<16 hex>``. A reference is only
good for the conversation it was sent to, so a page, a REST client or a chat
cannot rate answers sent to someone else, even knowing their sender id.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

from sqlalchemy.engine import Engine

from review import settings
from review.db import engine_for
from review.feedback import REASON_MAX_CHARS, VALUES, UnknownAnswer, clean_reason, is_answer

logger = logging.getLogger(__name__)

__all__ = [
    "REASON_MAX_CHARS",
    "BadFeedback",
    "Feedback",
    "FeedbackRefs",
    "ForgedFeedback",
    "UnknownAnswer",
    "VALUES",
    "clean_reason",
    "is_answer",
    "parse_feedback",
    "store",
]

SIGNATURE_CHARS = 16
MAX_REF_CHARS = 64
# A widget click can arrive before Rasa has saved the turn it rates: an
# unknown answer is looked up again a few times before the request is refused.
RETRY_DELAYS = (0.25, 0.5, 1.0)


class BadFeedback(ValueError):
    """A feedback request that is malformed (400)."""


class ForgedFeedback(BadFeedback):
    """A reference that was not issued to this sender (403)."""


@dataclass(frozen=True)
class Feedback:
    ref: str
    value: str
    reason: Optional[str] = None


class FeedbackRefs:
    """Issues and checks the signed references put on answers."""

    def __init__(self, key: bytes) -> None:
        self.key = hmac.new(key, b"walkwise-feedback", hashlib.sha256).digest()

    def _sign(self, sender_id: str, timestamp: str) -> str:
        message = f"{sender_id}\n{timestamp}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()[:SIGNATURE_CHARS]

    def issue(self, sender_id: str, timestamp: float) -> str:
        stamp = repr(float(timestamp))
        return f"{stamp}~{self._sign(sender_id, stamp)}"

    def for_message(self, sender_id: str, message: Mapping[str, Any]) -> Optional[str]:
        """The reference for a bot message if people may rate it, else None."""
        timestamp = message.get("timestamp")
        if not is_answer(message) or isinstance(timestamp, bool) or not isinstance(timestamp, (int, float)):
            return None
        return self.issue(sender_id, timestamp)

    def timestamp(self, sender_id: str, ref: object) -> float:
        """The bot message's timestamp, or BadFeedback / ForgedFeedback."""
        if not isinstance(ref, str) or not ref or len(ref) > MAX_REF_CHARS or ref.count("~") != 1:
            raise BadFeedback("'ref' must be the feedback reference sent with the answer")
        stamp, signature = ref.split("~")
        try:
            timestamp = float(stamp)
        except ValueError:
            raise BadFeedback("'ref' must be the feedback reference sent with the answer") from None
        if not math.isfinite(timestamp):
            raise BadFeedback("'ref' must be the feedback reference sent with the answer")
        if not hmac.compare_digest(signature, self._sign(sender_id, stamp)):
            raise ForgedFeedback("this feedback reference was not issued to this conversation")
        return timestamp


def default_refs() -> FeedbackRefs:
    """References signed with the server's session key (``WALKWISE_SESSION_SECRET``
    or var/session-secret), so they stay good across restarts."""
    from channels.socketio import session_key

    return FeedbackRefs(session_key())


def parse_feedback(body: object) -> Feedback:
    """The ref, value and cleaned reason of a feedback body such as
    ``{"ref": "...", "value": "down", "reason": "too long"}``."""
    if not isinstance(body, dict):
        raise BadFeedback('the body must be a JSON object like {"ref": "...", "value": "up"}')
    value = body.get("value")
    if value not in VALUES:
        raise BadFeedback('\'value\' must be "up" or "down"')
    ref = body.get("ref")
    if not isinstance(ref, str) or not ref.strip():
        raise BadFeedback("'ref' must be the feedback reference sent with the answer")
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise BadFeedback("'reason' must be a string")
    return Feedback(ref=ref.strip(), value=value, reason=clean_reason(reason) if value == "down" else None)


def tracker_engine(agent: Any) -> Engine:
    """The engine of the database Rasa keeps conversations in: the SQL tracker
    store's own URL when there is one (so feedback sits beside the events it
    is about), otherwise the review tool's ``WALKWISE_TRACKER_DB_URL``."""
    store = getattr(agent, "tracker_store", None)
    store = getattr(store, "_tracker_store", store)  # unwrap FailSafeTrackerStore
    engine = getattr(store, "engine", None)
    url = getattr(engine, "url", None)
    if url is not None and hasattr(url, "render_as_string"):
        return engine_for(url.render_as_string(hide_password=False))
    return engine_for(settings.database_url())


async def store(
    engine: Callable[[], Engine],
    sender_id: str,
    timestamp: float,
    feedback: Feedback,
) -> int:
    """Records the feedback off the event loop; the answer's event id, or
    UnknownAnswer once the retries are spent (nothing stored)."""
    from review.feedback import record_answer_feedback

    loop = asyncio.get_running_loop()
    for delay in (*RETRY_DELAYS, None):
        try:
            return await loop.run_in_executor(
                None,
                lambda: record_answer_feedback(
                    sender_id, timestamp, feedback.value, feedback.reason, engine=engine()
                ),
            )
        except UnknownAnswer:
            if delay is None:
                raise
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
