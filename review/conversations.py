"""The conversation list (filters that combine, keyset paging) and one
conversation with its events, flags and notes. Returns plain dataclasses."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

from sqlalchemy import and_, exists, insert, or_, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql import Select

from review.tables import conversations, events, feedback, flags, notes
from review.transcript import Event, event_from_row

PAGE_SIZE = 50
DEFAULT_LOW_CONFIDENCE = 0.5
TIER_CHOICES = ("any", "emergency", "urgent")


class ReviewError(ValueError):
    pass


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _float(value: str | None, default: float) -> float:
    try:
        number = float(value) if value else default
    except ValueError:
        return default
    return min(max(number, 0.0), 1.0)


def _on(value: str | None) -> bool:
    return value in {"1", "on", "true", "yes"}


def day_start(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()


@dataclass(frozen=True)
class Filters:
    channel: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    tier: str = ""
    triage: bool = False
    not_covered: bool = False
    low_confidence: bool = False
    threshold: float = DEFAULT_LOW_CONFIDENCE
    thumbs_down: bool = False
    flagged: bool = False
    not_reviewed: bool = False
    q: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> "Filters":
        tier = query.get("tier", "")
        return cls(
            channel=query.get("channel", "").strip()[:50],
            date_from=_date(query.get("from")),
            date_to=_date(query.get("to")),
            tier=tier if tier in TIER_CHOICES else "",
            triage=_on(query.get("triage")),
            not_covered=_on(query.get("not_covered")),
            low_confidence=_on(query.get("low_confidence")),
            threshold=_float(query.get("threshold"), DEFAULT_LOW_CONFIDENCE),
            thumbs_down=_on(query.get("thumbs_down")),
            flagged=_on(query.get("flagged")),
            not_reviewed=_on(query.get("not_reviewed")),
            q=query.get("q", "").strip()[:200],
        )

    def to_query(self) -> dict[str, str]:
        """The filters as query parameters, leaving out those not set."""
        params = {
            "channel": self.channel,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "tier": self.tier,
            "triage": "1" if self.triage else "",
            "not_covered": "1" if self.not_covered else "",
            "low_confidence": "1" if self.low_confidence else "",
            "threshold": str(self.threshold) if self.low_confidence else "",
            "thumbs_down": "1" if self.thumbs_down else "",
            "flagged": "1" if self.flagged else "",
            "not_reviewed": "1" if self.not_reviewed else "",
            "q": self.q,
        }
        return {key: value for key, value in params.items() if value}


def _like(term: str) -> str:
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def apply_filters(query: Select, filters: Filters) -> Select:
    c = conversations.c
    query = query.where(c.user_turns > 0)
    if filters.channel:
        query = query.where(c.channel == filters.channel)
    if filters.date_from:
        query = query.where(c.started_at >= day_start(filters.date_from))
    if filters.date_to:
        query = query.where(c.started_at < day_start(filters.date_to + dt.timedelta(days=1)))
    if filters.tier == "any":
        query = query.where(c.red_flag_tier.isnot(None))
    elif filters.tier:
        query = query.where(c.red_flag_tier == filters.tier)
    if filters.triage:
        query = query.where(c.triage_asked.is_(True))
    if filters.not_covered:
        query = query.where(or_(c.not_covered.is_(True), c.fallback.is_(True)))
    if filters.low_confidence:
        query = query.where(c.min_confidence < filters.threshold)
    if filters.thumbs_down:
        query = query.where(_thumbs_down())
    if filters.flagged:
        query = query.where(c.flagged.is_(True))
    if filters.not_reviewed:
        query = query.where(c.reviewed_at.is_(None))
    if filters.q:
        query = query.where(c.search_text.like(_like(filters.q), escape="\\"))
    return query


def _thumbs_down() -> Any:
    """Whether a person gave a thumbs down to an answer of the conversation."""
    c = conversations.c
    return exists().where(
        feedback.c.sender_id == c.sender_id,
        feedback.c.value == "down",
        feedback.c.bot_timestamp >= c.started_at,
        feedback.c.bot_timestamp <= c.last_at,
    )


@dataclass(frozen=True)
class Summary:
    id: int
    sender_id: str
    started_at: float
    last_at: float
    channel: str | None
    user_turns: int
    first_question: str | None
    red_flag_tier: str | None
    triage_asked: bool
    not_covered: bool
    fallback: bool
    min_confidence: float | None
    flagged: bool
    reviewed_at: float | None
    reviewed_by: str | None
    thumbs_down: bool = False

    @property
    def started(self) -> str:
        return dt.datetime.fromtimestamp(self.started_at, dt.timezone.utc).strftime("%Y-%m-%d %H:%M")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


SUMMARY_COLUMNS = [
    getattr(conversations.c, name) for name in Summary.__dataclass_fields__ if name != "thumbs_down"
] + [_thumbs_down().label("thumbs_down")]


def _summary(row: Mapping[str, Any]) -> Summary:
    return Summary(**{name: row[name] for name in Summary.__dataclass_fields__ if name in row})


@dataclass(frozen=True)
class Page:
    rows: list[Summary]
    next_cursor: str | None


def parse_cursor(cursor: str | None) -> tuple[float, int] | None:
    if not cursor:
        return None
    try:
        started, ident = cursor.split("_", 1)
        return float(started), int(ident)
    except ValueError:
        return None


def list_page(engine: Engine, filters: Filters, cursor: str | None = None, size: int = PAGE_SIZE) -> Page:
    """Newest first; the cursor is the (start time, id) of the last row shown."""
    c = conversations.c
    query = apply_filters(select(*SUMMARY_COLUMNS), filters)
    after = parse_cursor(cursor)
    if after is not None:
        started, ident = after
        query = query.where(or_(c.started_at < started, and_(c.started_at == started, c.id < ident)))
    query = query.order_by(c.started_at.desc(), c.id.desc()).limit(size + 1)
    with engine.connect() as connection:
        rows = [_summary(row) for row in connection.execute(query).mappings()]
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = f"{rows[-1].started_at!r}_{rows[-1].id}" if more and rows else None
    return Page(rows=rows, next_cursor=next_cursor)


def all_matching(engine: Engine, filters: Filters, limit: int = 100_000) -> list[Summary]:
    c = conversations.c
    query = apply_filters(select(*SUMMARY_COLUMNS), filters).order_by(c.started_at.desc(), c.id.desc())
    with engine.connect() as connection:
        return [_summary(row) for row in connection.execute(query.limit(limit)).mappings()]


# The distinct channels by walking the channel index (one probe per channel),
# where SELECT DISTINCT would read every row on PostgreSQL.
CHANNELS_QUERY = text(
    "WITH RECURSIVE found(channel) AS ("
    " SELECT MIN(channel) FROM review_conversations"
    " UNION ALL"
    " SELECT (SELECT MIN(channel) FROM review_conversations WHERE channel > found.channel)"
    " FROM found WHERE found.channel IS NOT NULL)"
    " SELECT channel FROM found WHERE channel IS NOT NULL"
)


def channels(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(row[0] for row in connection.execute(CHANNELS_QUERY))


@dataclass(frozen=True)
class Flag:
    id: int
    event_id: int
    reason: str
    created_by: str
    created_at: float


@dataclass(frozen=True)
class Note:
    id: int
    body: str
    created_by: str
    created_at: float


@dataclass(frozen=True)
class Feedback:
    bot_event_id: int | None
    value: str
    reason: str | None


@dataclass(frozen=True)
class Conversation:
    summary: Summary
    events: list[Event]
    flags: list[Flag] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)

    def feedback_for(self, event_id: int) -> list[Feedback]:
        return [item for item in self.feedback if item.bot_event_id == event_id]

    @property
    def sender_id(self) -> str:
        return self.summary.sender_id

    def flags_for(self, event_id: int) -> list[Flag]:
        return [flag for flag in self.flags if flag.event_id == event_id]


def get_conversation(engine: Engine, conversation_id: int) -> Conversation | None:
    with engine.connect() as connection:
        row = connection.execute(select(conversations).where(conversations.c.id == conversation_id)).first()
        if row is None:
            return None
        found = connection.execute(
            select(events)
            .where(
                events.c.sender_id == row.sender_id,
                events.c.id >= row.first_event_id,
                events.c.id <= row.last_event_id,
            )
            .order_by(events.c.id)
        )
        shown = [event_from_row(item) for item in found]
        flag_rows = connection.execute(
            select(flags).where(flags.c.conversation_id == conversation_id).order_by(flags.c.id)
        )
        note_rows = connection.execute(
            select(notes).where(notes.c.conversation_id == conversation_id).order_by(notes.c.id)
        )
        feedback_rows = connection.execute(
            select(feedback)
            .where(
                feedback.c.sender_id == row.sender_id,
                feedback.c.bot_event_id >= row.first_event_id,
                feedback.c.bot_event_id <= row.last_event_id,
            )
            .order_by(feedback.c.id)
        )
        return Conversation(
            feedback=[Feedback(r.bot_event_id, r.value, r.reason) for r in feedback_rows],
            summary=_summary(row._mapping),
            events=[event for event in shown if event.is_user or event.is_bot or event.type_name == "action"],
            flags=[Flag(r.id, r.event_id, r.reason, r.created_by, r.created_at) for r in flag_rows],
            notes=[Note(r.id, r.body, r.created_by, r.created_at) for r in note_rows],
        )


def add_flag(
    engine: Engine, conversation: Conversation, *, event_id: int, reason: str, username: str
) -> None:
    if event_id not in {event.id for event in conversation.events}:
        raise ReviewError("that message is not in this conversation")
    with engine.begin() as connection:
        connection.execute(
            insert(flags).values(
                conversation_id=conversation.summary.id,
                sender_id=conversation.sender_id,
                event_id=event_id,
                reason=reason.strip()[:2000] or "flagged",
                created_by=username,
                created_at=time.time(),
            )
        )
        connection.execute(
            update(conversations).where(conversations.c.id == conversation.summary.id).values(flagged=True)
        )


def add_note(engine: Engine, summary: Summary, *, body: str, username: str) -> None:
    body = body.strip()
    if not body:
        raise ReviewError("a note cannot be empty")
    with engine.begin() as connection:
        connection.execute(
            insert(notes).values(
                conversation_id=summary.id,
                sender_id=summary.sender_id,
                body=body[:10_000],
                created_by=username,
                created_at=time.time(),
            )
        )


def mark_reviewed(engine: Engine, summary: Summary, *, username: str) -> None:
    """Marks a conversation reviewed; one with a red flag needs a note first."""
    with engine.begin() as connection:
        has_note = connection.execute(select(notes.c.id).where(notes.c.conversation_id == summary.id)).first()
        if summary.red_flag_tier and not has_note:
            raise ReviewError("a conversation with a red flag needs a note before it is marked reviewed")
        connection.execute(
            update(conversations)
            .where(conversations.c.id == summary.id)
            .values(reviewed_at=time.time(), reviewed_by=username)
        )
