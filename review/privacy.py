"""Erasing one sender, and deleting conversations past the retention period."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.engine import Connection, Engine

from review import audit
from review.summary import PROGRESS_NAME, events_table_exists, refresh
from review.tables import SENDER_TABLES, conversations, events, feedback, flags, messages, notes, progress


def _rewind_progress(connection: Connection) -> None:
    """SQLite gives the next event the highest remaining id plus one, so after the
    newest events are deleted new ones can reuse their ids: move the summary
    pass's mark back so it still reads them."""
    newest = connection.execute(select(func.max(events.c.id))).scalar() or 0
    connection.execute(
        update(progress)
        .where(progress.c.name == PROGRESS_NAME, progress.c.last_event_id > newest)
        .values(last_event_id=newest)
    )


@dataclass(frozen=True)
class Erased:
    events: int
    review_rows: int


def erase_sender(engine: Engine, sender_id: str, *, username: str, secret: str) -> Erased:
    """Deletes every stored row of this sender: Rasa's events and each review table."""
    with engine.begin() as connection:
        removed_events = 0
        if events_table_exists(engine):
            removed_events = connection.execute(
                delete(events).where(events.c.sender_id == sender_id)
            ).rowcount
            _rewind_progress(connection)
        review_rows = sum(
            connection.execute(delete(table).where(table.c.sender_id == sender_id)).rowcount
            for table in SENDER_TABLES
        )
        audit.record(
            connection,
            secret=secret,
            username=username,
            action=audit.ERASE,
            sender_id=sender_id,
            detail=f"{removed_events} events, {review_rows} review rows",
        )
    return Erased(events=removed_events, review_rows=review_rows)


def _delete_conversation(connection: Connection, row: object) -> int:
    sender, first, last = row.sender_id, row.first_event_id, row.last_event_id  # type: ignore[attr-defined]
    started, ended = row.started_at, row.last_at  # type: ignore[attr-defined]
    removed = connection.execute(
        delete(events).where(events.c.sender_id == sender, events.c.id >= first, events.c.id <= last)
    ).rowcount
    for table in (messages, flags, notes):
        connection.execute(delete(table).where(table.c.conversation_id == row.id))  # type: ignore[attr-defined]
    connection.execute(
        delete(feedback).where(
            and_(feedback.c.sender_id == sender, feedback.c.bot_timestamp >= started),
            feedback.c.bot_timestamp <= ended,
        )
    )
    connection.execute(delete(conversations).where(conversations.c.id == row.id))  # type: ignore[attr-defined]
    return removed


def apply_retention(
    engine: Engine, days: float, *, username: str, secret: str, now: float | None = None
) -> int:
    """Deletes conversations whose last event is older than ``days``; returns how many."""
    if days <= 0:
        raise ValueError("the retention period must be positive")
    refresh(engine)
    cutoff = (time.time() if now is None else now) - days * 86400
    count = 0
    with engine.begin() as connection:
        old = connection.execute(select(conversations).where(conversations.c.last_at < cutoff)).all()
        for row in old:
            _delete_conversation(connection, row)
            count += 1
        if count:
            _rewind_progress(connection)
        # Feedback that names no stored message.
        connection.execute(
            delete(feedback).where(feedback.c.bot_timestamp.is_(None), feedback.c.created_at < cutoff)
        )
        audit.record(
            connection,
            secret=secret,
            username=username,
            action=audit.RETENTION,
            detail=f"{count} conversations older than {days:g} days",
        )
    return count
