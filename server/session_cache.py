"""The latest session of the conversations this server answered lately, kept
as Rasa events, so that a turn reads from the database only the rows written
since it last read them.

Without it every turn read the whole session back and turned each row into an
event again: after 100 turns that was the largest cost of a turn that grew
with the conversation (pitfall #11). The database stays the truth: each read
counts the rows the cache holds (a conversation erased or rewritten since is
read again in full) and fetches the rows after the last one it holds, which
another server may have written (so several servers can share a database).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import List, Optional

import sqlalchemy as sa
from rasa.shared.core import events as rasa_events
from rasa.shared.core.events import Event, SessionStarted

# Conversations kept; the least recently read goes first.
MAX_CONVERSATIONS = 128


@dataclass
class Session:
    first_id: int  # the id of the session's first row
    last_id: int  # the id of its last row read
    rows: int  # rows from first_id to last_id
    events: List[Event]


def session_start(connection: sa.engine.Connection, table: sa.Table, sender_id: str) -> Optional[int]:
    """The id of the conversation's latest ``session_started`` row, if any."""
    return connection.execute(
        sa.select(sa.func.max(table.c.id)).where(
            table.c.sender_id == sender_id, table.c.type_name == SessionStarted.type_name
        )
    ).scalar()


class SessionCache:
    def __init__(self, table: sa.Table, max_conversations: int = MAX_CONVERSATIONS) -> None:
        self.table = table
        self.max_conversations = max_conversations
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()
        self.full_reads = 0
        self.partial_reads = 0

    def forget(self, sender_id: str) -> None:
        with self._lock:
            self._sessions.pop(sender_id, None)

    def _remember(self, sender_id: str, session: Session) -> None:
        with self._lock:
            self._sessions[sender_id] = session
            self._sessions.move_to_end(sender_id)
            while len(self._sessions) > self.max_conversations:
                self._sessions.popitem(last=False)

    def _cached(self, sender_id: str) -> Optional[Session]:
        with self._lock:
            return self._sessions.get(sender_id)

    def read(self, connection: sa.engine.Connection, sender_id: str) -> List[Event]:
        """The events of the conversation's latest session, as the database holds them now."""
        events = self.table.c
        cached = self._cached(sender_id)
        if cached is not None:
            held = connection.execute(
                sa.select(sa.func.count())
                .select_from(self.table)
                .where(events.sender_id == sender_id, events.id.between(cached.first_id, cached.last_id))
            ).scalar()
            if held != cached.rows:
                cached = None
        if cached is None:
            start = session_start(connection, self.table, sender_id)
            after = (start - 1) if start is not None else -1
        else:
            after = cached.last_id
        rows = connection.execute(
            sa.select(events.id, events.type_name, events.data)
            .where(events.sender_id == sender_id, events.id > after)
            .order_by(events.id)
        ).all()
        if cached is None:
            self.full_reads += 1
            if not rows:
                self.forget(sender_id)
                return []
            session = Session(rows[0].id, rows[-1].id, len(rows), self._events(rows))
        else:
            self.partial_reads += 1
            starts = [index for index, row in enumerate(rows) if row.type_name == SessionStarted.type_name]
            if starts:  # a new session began: it is all that is read
                rows = rows[starts[-1] :]
                session = Session(rows[0].id, rows[-1].id, len(rows), self._events(rows))
            elif rows:
                session = Session(
                    cached.first_id, rows[-1].id, cached.rows + len(rows), cached.events + self._events(rows)
                )
            else:
                session = cached
        self._remember(sender_id, session)
        return list(session.events)

    @staticmethod
    def _events(rows: List[sa.engine.Row]) -> List[Event]:
        return rasa_events.deserialise_events([json.loads(row.data) for row in rows])
