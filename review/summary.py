"""Keeps the conversation summaries current: an incremental pass over the
events Rasa stored since the last pass (by event id), cheap when nothing is new.

Event ids are handed out when a row is inserted, not when it is committed: on
PostgreSQL a slow transaction can commit id 100 after a pass has read 101 and
moved its mark past both. So each pass records the ids missing from the range
it read (``review_event_gaps``), and every later pass reads any that have
appeared since, for ``GAP_SECONDS``; after that a missing id is taken to be a
rolled-back insert (or an erased event) and forgotten.

A conversation is one session of one sender: it starts at the sender's first
event or at a session start, unless the current one has no user message yet.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

from sqlalchemy import bindparam, delete, func, insert, inspect, select, update
from sqlalchemy.engine import Connection, Engine

from review.masking import mask
from review.tables import conversations, event_gaps, events, messages, progress
from review.transcript import Event, event_from_row

logger = logging.getLogger(__name__)

PROGRESS_NAME = "events"
BATCH = 5000
# How long a missing event id is looked for again; far longer than any turn's
# transaction (the tracker store's statements time out after a second).
GAP_SECONDS = 600.0
# Only ids this close below the newest id read are recorded as gaps: a late
# commit is one of the most recent inserts.
GAP_WINDOW = 10_000
SEARCH_TEXT_LIMIT = 20_000
TIER_ORDER = {None: 0, "urgent": 1, "emergency": 2}
# The columns a pass recomputes; the review status is left alone.
SUMMARY_FIELDS = {c.name for c in conversations.columns} - {"id", "reviewed_at", "reviewed_by", "flagged"}


def day_of(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%d")


@dataclass
class _Conversation:
    row: dict[str, Any]
    new_message: dict[str, Any] | None = None
    # The latest user message, whose outcome the bot's replies set.
    last_message: dict[str, Any] | None = None
    last_message_stored: bool = False
    looked_up: bool = False
    dirty: bool = False


@dataclass
class _Pass:
    connection: Connection
    open: dict[str, _Conversation] = field(default_factory=dict)
    new_messages: list[dict[str, Any]] = field(default_factory=list)
    changed_messages: dict[int, dict[str, Any]] = field(default_factory=dict)

    def preload(self, senders: set[str]) -> None:
        """Loads the latest conversation of each sender not already open, in a few queries."""
        wanted = sorted(senders - set(self.open))
        for chunk in (wanted[i : i + 500] for i in range(0, len(wanted), 500)):
            rows = self.connection.execute(
                select(conversations).where(conversations.c.sender_id.in_(chunk)).order_by(conversations.c.id)
            ).mappings()
            for row in rows:  # the last one per sender wins
                self.open[row["sender_id"]] = _Conversation(row=dict(row))

    def conversation_of(self, event: Event) -> _Conversation | None:
        return self.open.get(event.sender_id)

    def last_message_of(self, state: _Conversation) -> dict[str, Any] | None:
        """The conversation's latest user message; read from the table only when the
        bot replies in a later pass than the message."""
        if state.last_message is None and not state.looked_up:
            state.looked_up = True
            row = (
                self.connection.execute(
                    select(messages)
                    .where(messages.c.conversation_id == state.row["id"])
                    .order_by(messages.c.event_id.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
            if row is not None:
                state.last_message, state.last_message_stored = dict(row), True
        return state.last_message

    def start(self, event: Event) -> _Conversation:
        row: dict[str, Any] = dict(
            sender_id=event.sender_id,
            first_event_id=event.id,
            last_event_id=event.id,
            started_at=event.timestamp,
            last_at=event.timestamp,
            started_day=day_of(event.timestamp),
            channel=None,
            user_turns=0,
            first_question=None,
            red_flag_tier=None,
            triage_asked=False,
            not_covered=False,
            fallback=False,
            min_confidence=None,
            search_text="",
            flagged=False,
        )
        row["id"] = self.connection.execute(insert(conversations), row).inserted_primary_key[0]
        state = _Conversation(row=row, looked_up=True)
        self.open[event.sender_id] = state
        return state

    def apply(self, event: Event) -> None:
        state = self.conversation_of(event)
        if state is None or (event.starts_session and state.row["user_turns"] > 0):
            state = self.start(event)
        row = state.row
        # A late-committed event (see the module's docstring) can be older than the rest.
        row["last_event_id"] = max(row["last_event_id"], event.id)
        row["first_event_id"] = min(row["first_event_id"], event.id)
        row["last_at"] = max(row["last_at"], event.timestamp)
        state.dirty = True
        if event.is_user:
            self._user(state, event)
        elif event.is_bot:
            self._bot(state, event)

    def _user(self, state: _Conversation, event: Event) -> None:
        row = state.row
        row["user_turns"] += 1
        row["channel"] = row["channel"] or event.channel
        text = event.text.strip()
        if row["first_question"] is None and text and not text.startswith("/"):
            row["first_question"] = text[:500]
        if text and len(row["search_text"]) < SEARCH_TEXT_LIMIT:
            # Masked, so a search cannot find a conversation by an address it hides.
            row["search_text"] = (row["search_text"] + "\n" + mask(text).lower())[:SEARCH_TEXT_LIMIT]
        if event.confidence is not None:
            low = row["min_confidence"]
            row["min_confidence"] = event.confidence if low is None else min(low, event.confidence)
        tier = event.red_flag.tier if event.red_flag else None
        if TIER_ORDER.get(tier, 0) > TIER_ORDER.get(row["red_flag_tier"], 0):
            row["red_flag_tier"] = tier
        row["not_covered"] = row["not_covered"] or event.not_covered
        row["fallback"] = row["fallback"] or event.fallback
        message = dict(
            event_id=event.id,
            conversation_id=row["id"],
            sender_id=event.sender_id,
            timestamp=event.timestamp,
            day=day_of(event.timestamp),
            channel=event.channel,
            text=event.text,
            intent=event.intent,
            confidence=event.confidence,
            red_flag_tier=tier,
            answered_from_guidance=False,
            not_covered=event.not_covered,
            fallback=event.fallback,
            triage_asked=False,
        )
        self.new_messages.append(message)
        state.last_message, state.last_message_stored = message, False

    def _bot(self, state: _Conversation, event: Event) -> None:
        row = state.row
        row["not_covered"] = row["not_covered"] or event.not_covered
        row["triage_asked"] = row["triage_asked"] or event.asks_triage
        message = self.last_message_of(state)
        if message is None:
            return
        before = (message["answered_from_guidance"], message["not_covered"], message["triage_asked"])
        message["answered_from_guidance"] = message["answered_from_guidance"] or event.answered_from_guidance
        message["not_covered"] = message["not_covered"] or event.not_covered
        message["triage_asked"] = message["triage_asked"] or event.asks_triage
        changed = before != (
            message["answered_from_guidance"],
            message["not_covered"],
            message["triage_asked"],
        )
        if changed and state.last_message_stored:
            self.changed_messages[message["event_id"]] = message

    def flush(self) -> None:
        if self.new_messages:
            self.connection.execute(insert(messages), self.new_messages)
        if self.changed_messages:
            self.connection.execute(
                update(messages).where(messages.c.event_id == bindparam("_event_id")),
                [
                    {
                        "_event_id": message["event_id"],
                        "answered_from_guidance": message["answered_from_guidance"],
                        "not_covered": message["not_covered"],
                        "triage_asked": message["triage_asked"],
                    }
                    for message in self.changed_messages.values()
                ],
            )
        changed = [
            {"_id": state.row["id"], **{k: v for k, v in state.row.items() if k in SUMMARY_FIELDS}}
            for state in self.open.values()
            if state.dirty
        ]
        if changed:
            self.connection.execute(
                update(conversations).where(conversations.c.id == bindparam("_id")), changed
            )


def events_table_exists(engine: Engine) -> bool:
    return inspect(engine).has_table(events.name)


def _claim(connection: Connection, batch: int) -> tuple[int, int] | None:
    """Moves the progress mark over the next batch; None when nothing is new or
    another pass took it first."""
    last = connection.execute(
        select(progress.c.last_event_id).where(progress.c.name == PROGRESS_NAME)
    ).scalar()
    if last is None:
        connection.execute(insert(progress).values(name=PROGRESS_NAME, last_event_id=0))
        last = 0
    ids = select(events.c.id).where(events.c.id > last).order_by(events.c.id).limit(batch).subquery()
    upto = connection.execute(select(func.max(ids.c.id))).scalar()
    if upto is None:
        return None
    claimed = connection.execute(
        update(progress)
        .where(progress.c.name == PROGRESS_NAME, progress.c.last_event_id == last)
        .values(last_event_id=upto)
    ).rowcount
    return (last, upto) if claimed == 1 else None


def _record_gaps(connection: Connection, low: int, high: int, present: Iterable[int]) -> None:
    """Notes the ids in (low, high] that were not there when the range was read."""
    connection.execute(delete(event_gaps).where(event_gaps.c.event_id > low, event_gaps.c.event_id <= high))
    start = max(low, high - GAP_WINDOW)
    missing = sorted(set(range(start + 1, high + 1)) - set(present))
    if missing:
        now = time.time()
        connection.execute(insert(event_gaps), [{"event_id": i, "noticed_at": now} for i in missing])


def _fill_gaps(engine: Engine) -> int:
    """Summarises the recorded gaps' events that have been committed since; forgets
    gaps older than GAP_SECONDS. Returns how many events it read."""
    with engine.begin() as connection:
        # Read first: a page's pass takes no write lock when there is no gap.
        if connection.execute(select(event_gaps.c.event_id).limit(1)).first() is None:
            return 0
        connection.execute(delete(event_gaps).where(event_gaps.c.noticed_at < time.time() - GAP_SECONDS))
        gaps = select(event_gaps.c.event_id)
        rows = connection.execute(select(events).where(events.c.id.in_(gaps)).order_by(events.c.id)).all()
        # Each gap is claimed by deleting it: a concurrent pass that deleted it
        # first has summarised that event, or will.
        mine = [
            row
            for row in rows
            if connection.execute(delete(event_gaps).where(event_gaps.c.event_id == row.id)).rowcount == 1
        ]
        return apply_events(connection, mine) if mine else 0


def apply_events(connection: Connection, rows: Iterable[Any]) -> int:
    summariser = _Pass(connection)
    parsed = [event_from_row(row) for row in rows]
    summariser.preload({event.sender_id for event in parsed})
    for event in parsed:
        summariser.apply(event)
    summariser.flush()
    return len(parsed)


def refresh(engine: Engine, batch: int | None = None, max_batches: int | None = None) -> int:
    """Summarises the events stored since the last pass, ``batch`` at a time and at
    most ``max_batches`` batches (all of them by default); returns how many it read."""
    if not events_table_exists(engine):
        return 0
    size = batch or BATCH
    total = _fill_gaps(engine)
    done = 0
    while max_batches is None or done < max_batches:
        with engine.begin() as connection:
            claimed = _claim(connection, size)
            if claimed is None:
                return total
            low, high = claimed
            rows = connection.execute(
                select(events).where(events.c.id > low, events.c.id <= high).order_by(events.c.id)
            ).all()
            _record_gaps(connection, low, high, (row.id for row in rows))
            total += apply_events(connection, rows)
        done += 1
    return total


def backlog(engine: Engine) -> int:
    """How many stored events the summaries have not read yet."""
    if not events_table_exists(engine):
        return 0
    with engine.connect() as connection:
        last = connection.execute(
            select(progress.c.last_event_id).where(progress.c.name == PROGRESS_NAME)
        ).scalar()
        return int(
            connection.execute(
                select(func.count()).select_from(events).where(events.c.id > (last or 0))
            ).scalar()
            or 0
        )


class Summariser:
    """Keeps the summaries current in a background thread, so that neither the
    tool's start nor a page waits for a large store to be read."""

    def __init__(self, engine: Engine, every_seconds: float) -> None:
        self.engine = engine
        self.every_seconds = every_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="review-summariser", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                # A batch at a time, so that stop() is heard between batches.
                while not self._stop.is_set() and refresh(self.engine, max_batches=1):
                    pass
            except Exception:  # noqa: BLE001 - a database outage must not end the thread
                logger.exception("summary pass failed; trying again")
            self._stop.wait(self.every_seconds)
