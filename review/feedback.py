"""Thumbs up or down on a bot reply, recorded by the channels."""

from __future__ import annotations

import time

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

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
