"""The dashboard's figures for a period, computed in SQL over the summary tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.engine import Engine

from review.conversations import day_start
from review.tables import conversations, feedback, messages

TOP = 10


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @classmethod
    def last_days(cls, days: int, today: dt.date | None = None) -> "Period":
        today = today or dt.datetime.now(dt.timezone.utc).date()
        return cls(start=today - dt.timedelta(days=days - 1), end=today)

    @property
    def days(self) -> list[str]:
        count = (self.end - self.start).days + 1
        return [(self.start + dt.timedelta(days=n)).isoformat() for n in range(max(count, 0))]


@dataclass(frozen=True)
class Dashboard:
    period: Period
    # {channel: {day: count}}
    conversations_per_day: dict[str, dict[str, int]]
    messages_per_day: dict[str, dict[str, int]]
    messages: int
    outcomes: list[tuple[str, int]]
    thumbs_up: int
    thumbs_down: int
    top_intents: list[tuple[str, int]]
    top_unanswered: list[tuple[str, int]]


def _per_day(rows: list) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for day, channel, count in rows:
        out.setdefault(channel or "unknown", {})[day] = int(count)
    return out


def build(engine: Engine, period: Period) -> Dashboard:
    first, last = period.start.isoformat(), period.end.isoformat()
    c, m = conversations.c, messages.c
    in_period = (m.day >= first, m.day <= last)
    with engine.connect() as connection:
        conversation_rows = connection.execute(
            select(c.started_day, c.channel, func.count())
            .where(c.started_day >= first, c.started_day <= last, c.user_turns > 0)
            .group_by(c.started_day, c.channel)
        ).all()
        message_rows = connection.execute(
            select(m.day, m.channel, func.count()).where(*in_period).group_by(m.day, m.channel)
        ).all()
        totals = connection.execute(
            select(
                func.count(),
                func.sum(case((m.answered_from_guidance.is_(True), 1), else_=0)),
                func.sum(case((m.not_covered.is_(True), 1), else_=0)),
                func.sum(case((m.fallback.is_(True), 1), else_=0)),
                func.sum(case((m.red_flag_tier == "emergency", 1), else_=0)),
                func.sum(case((m.red_flag_tier == "urgent", 1), else_=0)),
                func.sum(case((m.triage_asked.is_(True), 1), else_=0)),
            ).where(*in_period)
        ).one()
        start, end = day_start(period.start), day_start(period.end + dt.timedelta(days=1))
        thumbs = dict(
            connection.execute(
                select(feedback.c.value, func.count())
                .where(feedback.c.created_at >= start, feedback.c.created_at < end)
                .group_by(feedback.c.value)
            ).all()
        )
        intents = connection.execute(
            select(m.intent, func.count().label("n"))
            .where(*in_period, m.intent.isnot(None))
            .group_by(m.intent)
            .order_by(func.count().desc(), m.intent)
            .limit(TOP)
        ).all()
        question = func.lower(m.text)
        unanswered = connection.execute(
            select(question, func.count())
            .where(*in_period, or_(m.not_covered.is_(True), m.fallback.is_(True)))
            .group_by(question)
            .order_by(func.count().desc(), question)
            .limit(TOP)
        ).all()
    total, guidance, not_covered, fallback, emergency, urgent, triage = (int(x or 0) for x in totals)
    return Dashboard(
        period=period,
        conversations_per_day=_per_day(conversation_rows),
        messages_per_day=_per_day(message_rows),
        messages=total,
        outcomes=[
            ("Answered from guidance", guidance),
            ("Not covered", not_covered),
            ("Fallback (not understood)", fallback),
            ("Red flag: emergency", emergency),
            ("Red flag: urgent", urgent),
            ("Triage question asked", triage),
        ],
        thumbs_up=int(thumbs.get("up", 0)),
        thumbs_down=int(thumbs.get("down", 0)),
        top_intents=[(str(name), int(n)) for name, n in intents],
        top_unanswered=[(str(text), int(n)) for text, n in unanswered],
    )
