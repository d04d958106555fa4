"""Thumbs up or down on a bot reply, recorded by the channels."""

from __future__ import annotations

import json
import re
import threading
import time
import unicodedata
from typing import Any, Mapping

from sqlalchemy import delete, insert, inspect, select
from sqlalchemy.engine import Engine

from common.names import METADATA_KEY, RED_FLAG_KEY
from review import settings
from review.db import engine_for
from review.tables import events, feedback

VALUES = ("up", "down")


def record_feedback(
    sender_id: str,
    bot_event_id_or_timestamp: int | float,
    value: str,
    reason: str | None = None,
    *,
    engine: Engine | None = None,
) -> None:
    """Stores a thumbs ``"up"`` or ``"down"`` for the bot message given by its
    event id (an int) or its timestamp (a float, as Rasa sends it to channels).

    The engine defaults to the tracker store's (``WALKWISE_TRACKER_DB_URL``).
    """
    if value not in VALUES:
        raise ValueError(f"feedback is one of {VALUES}, not {value!r}")
    engine = engine or engine_for(settings.database_url())
    event_id: int | None = None
    timestamp: float | None = None
    with engine.begin() as connection:
        if isinstance(bot_event_id_or_timestamp, int) and not isinstance(bot_event_id_or_timestamp, bool):
            event_id = bot_event_id_or_timestamp
            timestamp = connection.execute(
                select(events.c.timestamp).where(events.c.id == event_id, events.c.sender_id == sender_id)
            ).scalar()
        else:
            timestamp = float(bot_event_id_or_timestamp)
            event_id = connection.execute(
                select(events.c.id).where(
                    events.c.sender_id == sender_id,
                    events.c.type_name == "bot",
                    events.c.timestamp == timestamp,
                )
            ).scalar()
        connection.execute(
            insert(feedback).values(
                sender_id=sender_id,
                bot_event_id=event_id,
                bot_timestamp=timestamp,
                value=value,
                reason=(reason or "").strip()[:2000] or None,
                created_at=time.time(),
            )
        )


# What the channels use: one thumbs per person and answer (a second click
# replaces the first, so the dashboard counts people, not clicks), only on a
# bot message that is an answer, and never on a message that does not exist.

REASON_MAX_CHARS = 200
NOT_COVERED_RESPONSE = "utter_not_covered"
# Control characters and line or paragraph separators become spaces (the
# reason is one line); bidirectional overrides and isolates, zero-width
# characters and the byte-order mark are dropped.
_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]")


class UnknownAnswer(LookupError):
    """No answer of that sender has that reference: nothing was stored."""


def clean_reason(reason: object, limit: int = REASON_MAX_CHARS) -> str | None:
    """One line of plain text, at most ``limit`` characters, or None."""
    if not isinstance(reason, str):
        return None
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", _BREAKS.sub(" ", reason)))
    text = " ".join(text.split())[:limit].strip()
    return text or None


def is_answer(message: Mapping[str, Any] | None) -> bool:
    """Whether a bot message (Rasa's message dict, or a stored event's
    metadata) is an answer people may rate: a guidance answer or the
    not-covered answer. Red-flag advice, triage questions and the rest are not."""
    if not isinstance(message, Mapping):
        return False
    walkwise = message.get(METADATA_KEY)
    if isinstance(walkwise, Mapping) and walkwise.get(RED_FLAG_KEY):
        return False
    if isinstance(walkwise, Mapping) and isinstance(walkwise.get("answer"), Mapping):
        return True
    return message.get("utter_action") == NOT_COVERED_RESPONSE


_tables_ready: set[str] = set()
_tables_lock = threading.Lock()


def ensure_tables(engine: Engine) -> None:
    """Creates the review tables (by their Alembic migrations) when the
    database has none yet, e.g. before the review tool was first started."""
    key = str(engine.url)
    if key in _tables_ready:
        return
    with _tables_lock:
        if key not in _tables_ready and not inspect(engine).has_table(feedback.name):
            from review import migrate

            migrate.upgrade(engine)
        _tables_ready.add(key)


def record_answer_feedback(
    sender_id: str,
    bot_timestamp: float,
    value: str,
    reason: object = None,
    *,
    engine: Engine | None = None,
) -> int:
    """Stores a person's thumbs on one of the answers they were sent, found by
    the bot message's timestamp, replacing their earlier thumbs on it.

    The reason is cleaned to one line of at most 200 characters. Returns the
    event id of the answer; raises UnknownAnswer (storing nothing) when the
    sender has no answer with that timestamp, ValueError for a bad value."""
    if value not in VALUES:
        raise ValueError(f"feedback is one of {VALUES}, not {value!r}")
    if isinstance(bot_timestamp, bool) or not isinstance(bot_timestamp, (int, float)):
        raise ValueError("the answer's reference must be its timestamp")
    engine = engine or engine_for(settings.database_url())
    ensure_tables(engine)
    with engine.begin() as connection:
        rows = connection.execute(
            select(events.c.id, events.c.data).where(
                events.c.sender_id == sender_id,
                events.c.type_name == "bot",
                events.c.timestamp == float(bot_timestamp),
            )
        ).all()
        event_id = next((row.id for row in rows if is_answer(_metadata(row.data))), None)
        if event_id is None:
            raise UnknownAnswer("no answer with that reference in this conversation")
        connection.execute(
            delete(feedback).where(feedback.c.sender_id == sender_id, feedback.c.bot_event_id == event_id)
        )
        connection.execute(
            insert(feedback).values(
                sender_id=sender_id,
                bot_event_id=event_id,
                bot_timestamp=float(bot_timestamp),
                value=value,
                reason=clean_reason(reason) if value == "down" else None,
                created_at=time.time(),
            )
        )
    return event_id


def _metadata(data: str | None) -> Mapping[str, Any] | None:
    try:
        event = json.loads(data or "")
    except ValueError:
        return None
    return event.get("metadata") if isinstance(event, dict) else None
