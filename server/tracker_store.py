"""WalkWise's SQL tracker store: no turn lost to a database hiccup, no history replayed.

``endpoints.yml`` names it (``type: server.tracker_store.WalkWiseTrackerStore``,
with the stock ``SQL`` store's settings: ``dialect``, ``db``, ``url``/``host``,
``username``...; ``journal`` optionally names the journal folder). It keeps
stock Rasa's ``events`` table, columns and order, so the review tool reads it
as before. What it changes (pitfalls #2 and #11):

* a failed write is tried again (``WRITE_TRIES`` times with backoff); if the
  database stays away, the turn's events go to an on-disk journal
  (``server/journal.py``, beside the SQLite file or in ``var/``) with an ERROR
  log line, and a background task writes them, in order, when it is back.
  Later turns of that conversation read the journal too, and are written
  after it. There is no fallback to memory;
* a failed read is tried again (``READ_TRIES``), then raises
  :class:`TrackerStoreUnavailable`: the server apologises
  (``server.hardening``) instead of going on with an empty conversation,
  and journals the message and the apology (:meth:`keep_unread_turn`), which
  are written after the conversation's events when the database is back;
* a save writes only the events that came after the ones it read (a count
  kept per tracker), and a read fetches the latest session through an index
  on ``(sender_id, id)``; stock Rasa counted the whole session on every save;
* a read of the latest session fetches only the rows written since this
  server last read the conversation (``server/session_cache.py``, for the 128
  conversations read last), checking that the rows it holds are still there;
* engines check a pooled connection before using it (``pool_pre_ping``), so a
  PostgreSQL restart costs no request; the database may be down at start-up:
  tables and indexes are created when it is first reached.

Database calls run in a small thread pool, so a locked SQLite file or a slow
PostgreSQL never blocks other conversations. Logs carry sender ids, counts
and error classes, never message text.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterator, List, Optional, Text, Tuple, TypeVar

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore, create_engine_kwargs, validate_port
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event as RasaEvent
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from common import settings
from server.journal import Event, Journal
from server.session_cache import SessionCache, session_start

logger = logging.getLogger(__name__)

T = TypeVar("T")

READ_TRIES = 3
WRITE_TRIES = 2  # then the journal, which the flusher retries with backoff
FIRST_DELAY = 0.2  # seconds before the second try; doubled before each next one
SQLITE_BUSY_SECONDS = 1.0  # how long one SQLite call waits for a lock
POSTGRES_CONNECT_SECONDS = 3
FLUSH_EVERY = 1.0  # seconds between the journal's flushes while it holds events
FLUSH_BACKOFF_MAX = 5.0

EVENTS = SQLTrackerStore.SQLEvent.__table__
# Stock Rasa indexes sender_id alone; a session is read, and its start found, by these.
INDEXES = (
    sa.Index("ix_events_sender_id_id", EVENTS.c.sender_id, EVENTS.c.id),
    sa.Index("ix_events_sender_id_type_name_id", EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.id),
)


class TrackerStoreUnavailable(Exception):
    """The conversation could not be read from the database."""

    def __init__(self, sender_id: str, cause: BaseException) -> None:
        super().__init__(f"conversation {sender_id} could not be read ({type(cause).__name__})")
        self.sender_id = sender_id
        self.cause = cause


@dataclass(frozen=True)
class Backoff:
    """``tries`` calls, waiting ``first_delay`` after the first failure, then twice as long each time."""

    tries: int
    first_delay: float = FIRST_DELAY

    def delays(self) -> Iterator[float]:
        return (self.first_delay * 2**n for n in range(max(self.tries - 1, 0)))


async def retrying(call: Callable[[], Awaitable[T]], backoff: Backoff, what: str) -> T:
    """``call()``, tried again after each delay of ``backoff``; the last error is raised."""
    delays = backoff.delays()
    for attempt in itertools.count(1):
        try:
            return await call()
        except Exception as error:
            delay = next(delays, None)
            if delay is None:
                raise
            logger.warning(
                "%s failed (%s, try %d of %d); trying again in %.2fs",
                what,
                type(error).__name__,
                attempt,
                backoff.tries,
                delay,
            )
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


def event_row(sender_id: str, event: Event) -> Dict[str, Any]:
    """The ``events`` row of one serialised event, as stock Rasa writes it."""
    return {
        "sender_id": sender_id,
        "type_name": event.get("event"),
        "timestamp": event.get("timestamp"),
        "intent_name": ((event.get("parse_data") or {}).get("intent") or {}).get(INTENT_NAME_KEY),
        "action_name": event.get("name"),
        "data": json.dumps(event),
    }


def default_journal_folder(dialect: str, db: str) -> Path:
    if dialect == "sqlite" and db and db != ":memory:":
        return Path(db).resolve().parent / "tracker-journal"
    return Path(settings.value("WALKWISE_VAR_DIR")) / "tracker-journal"


class WalkWiseTrackerStore(SQLTrackerStore):
    """Stock ``SQLTrackerStore``'s table and settings, with the behaviour above."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        dialect: Text = "sqlite",
        host: Optional[Text] = None,
        port: Optional[int] = None,
        db: Text = "rasa.db",
        username: Optional[Text] = None,
        password: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        login_db: Optional[Text] = None,
        query: Optional[Dict] = None,
        journal: Optional[Text] = None,
        read_tries: int = READ_TRIES,
        write_tries: int = WRITE_TRIES,
        lock_wait: float = SQLITE_BUSY_SECONDS,
        **kwargs: Dict[Text, Any],
    ) -> None:
        # Not SQLTrackerStore.__init__: it connects at once and loops while the database is down.
        TrackerStore.__init__(self, domain, event_broker, **kwargs)
        url = self.get_db_url(dialect, host, validate_port(port), db, username, password, None, query)
        self.engine = sa.create_engine(url, **engine_options(url, float(lock_wait)))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._login_url = (
            self.get_db_url(dialect, host, validate_port(port), db, username, password, login_db, query)
            if login_db
            else None
        )
        self._database_name = db
        self.journal = Journal(Path(journal) if journal else default_journal_folder(dialect, db))
        self.read_backoff = Backoff(int(read_tries))
        self.write_backoff = Backoff(int(write_tries))
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="tracker-store")
        self._schema_ready = False
        self._down_since: Optional[float] = None
        self._stored: Dict[int, Tuple[weakref.ref, int]] = {}
        self._flusher: Optional[asyncio.Task] = None
        self.sessions = SessionCache(EVENTS)

    # -- the database, in the thread pool -----------------------------------------------------

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        self.start()
        return await asyncio.get_running_loop().run_in_executor(self._pool, partial(function, *args))

    def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        if self._login_url is not None:
            login = sa.create_engine(self._login_url, **engine_options(self._login_url))
            try:
                self._create_database(login, self._database_name)
            finally:
                login.dispose()
        self.Base.metadata.create_all(self.engine, tables=[EVENTS])
        with self.engine.begin() as connection:
            for index in INDEXES:
                index.create(connection, checkfirst=True)
        self._schema_ready = True

    def _session_start(self, connection: sa.engine.Connection, sender_id: str) -> Optional[int]:
        return session_start(connection, EVENTS, sender_id)

    def _load(self, sender_id: str, all_sessions: bool) -> List[Event]:
        self._ensure_schema()
        with self.engine.connect() as connection:
            query = sa.select(EVENTS.c.data).where(EVENTS.c.sender_id == sender_id)
            start = None if all_sessions else self._session_start(connection, sender_id)
            if start is not None:
                query = query.where(EVENTS.c.id >= start)
            rows = connection.execute(query.order_by(EVENTS.c.id)).scalars().all()
        return [json.loads(row) for row in rows]

    def _load_session(self, sender_id: str) -> List[RasaEvent]:
        self._ensure_schema()
        with self.engine.connect() as connection:
            return self.sessions.read(connection, sender_id)

    def _count(self, sender_id: str) -> int:
        """How many events of the latest session are stored (what ``retrieve`` would read)."""
        self._ensure_schema()
        with self.engine.connect() as connection:
            query = sa.select(sa.func.count()).select_from(EVENTS).where(EVENTS.c.sender_id == sender_id)
            start = self._session_start(connection, sender_id)
            if start is not None:
                query = query.where(EVENTS.c.id >= start)
            return int(connection.execute(query).scalar() or 0)

    def _insert(self, sender_id: str, events: List[Event]) -> None:
        if not events:
            return
        self._ensure_schema()
        with self.engine.begin() as connection:
            connection.execute(EVENTS.insert(), [event_row(sender_id, event) for event in events])

    def _write(self, sender_id: str, events: List[Event]) -> int:
        """Writes the sender's journal, then ``events``, in one transaction."""
        return self.journal.write_with(sender_id, partial(self._insert, sender_id), events)

    def _flush_all(self) -> Tuple[int, int]:
        """Writes every journalled conversation; (conversations, events) written."""
        conversations = written = 0
        for sender_id in self.journal.senders():
            written += self._write(sender_id, [])
            conversations += 1
        return conversations, written

    def _ping(self) -> None:
        self._ensure_schema()
        with self.engine.connect() as connection:
            connection.execute(sa.select(EVENTS.c.id).limit(1)).all()

    # -- health -------------------------------------------------------------------------------

    def _went_down(self, error: BaseException) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            logger.error("tracker store database is unreachable (%s)", type(error).__name__)

    def _came_back(self) -> None:
        if self._down_since is not None:
            logger.warning("tracker store database is back after %.1fs", time.monotonic() - self._down_since)
            self._down_since = None

    @property
    def is_down(self) -> bool:
        return self._down_since is not None

    async def check(self) -> Optional[str]:
        """None when the database answers, else why not (for the readiness endpoint)."""
        try:
            await self._run(self._ping)
        except Exception as error:
            self._went_down(error)
            return f"tracker store database unreachable ({type(error).__name__})"
        if not self.journal.has_any():  # else writes may still fail: the flusher will tell
            self._came_back()
        return None

    # -- the background flusher ---------------------------------------------------------------

    def start(self) -> None:
        """Starts the journal's flusher on the running loop (once)."""
        loop = asyncio.get_running_loop()
        if self._flusher is None or self._flusher.done() or self._flusher.get_loop() is not loop:
            self._flusher = loop.create_task(self._keep_flushing())

    async def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            self._flusher = None

    async def _keep_flushing(self) -> None:
        delay = FLUSH_EVERY
        while True:
            await asyncio.sleep(delay)
            if self._schema_ready and not self.is_down and not self.journal.has_any():
                delay = FLUSH_EVERY
                continue
            try:
                conversations, written = await asyncio.get_running_loop().run_in_executor(
                    self._pool, self._flush_and_ping
                )
            except Exception as error:
                self._went_down(error)
                delay = min(delay * 2, FLUSH_BACKOFF_MAX)
                continue
            if written:
                logger.warning(
                    "wrote %d journalled events of %d conversations to the database", written, conversations
                )
            self._came_back()
            delay = FLUSH_EVERY

    def _flush_and_ping(self) -> Tuple[int, int]:
        self._ping()
        return self._flush_all()

    # -- what a tracker holds that is stored --------------------------------------------------

    def _remember(self, tracker: DialogueStateTracker, stored: int) -> None:
        key = id(tracker)

        def forget(_: Any) -> None:
            self._stored.pop(key, None)

        self._stored[key] = (weakref.ref(tracker, forget), stored)

    def _remembered(self, tracker: DialogueStateTracker) -> Optional[int]:
        entry = self._stored.get(id(tracker))
        return entry[1] if entry is not None and entry[0]() is tracker else None

    # -- TrackerStore -------------------------------------------------------------------------

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._retrieve(sender_id, fetch_events_from_all_sessions=False)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        return await self._retrieve(conversation_id, fetch_events_from_all_sessions=True)

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        # The latest session, nothing in the journal: the cache reads only the new rows.
        cached = not fetch_events_from_all_sessions and not self.journal.has_pending(sender_id)

        def load() -> List[Event]:
            return self.journal.read_with(
                sender_id, partial(self._load, sender_id, fetch_events_from_all_sessions)
            )

        try:
            events = await retrying(
                lambda: self._run(partial(self._load_session, sender_id) if cached else load),
                self.read_backoff,
                f"reading {sender_id}",
            )
        except Exception as error:
            self._went_down(error)
            logger.error(
                "could not read the conversation of %s (%s, %d tries)",
                sender_id,
                type(error).__name__,
                self.read_backoff.tries,
            )
            raise TrackerStoreUnavailable(sender_id, error) from error
        if not events:
            return None
        if cached:
            tracker = DialogueStateTracker.from_events(sender_id, events, self.domain.slots)
        else:
            tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        self._remember(tracker, len(tracker.events))
        return tracker

    def init_tracker(self, sender_id: Text) -> DialogueStateTracker:
        """A new conversation's tracker: nothing of it is stored yet."""
        tracker = super().init_tracker(sender_id)
        self._remember(tracker, 0)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Writes the events that came after the ones read; when the database
        stays away, journals them (ERROR) to be written when it is back."""
        try:
            await self.stream_events(tracker)
        except Exception as error:  # the broker's read of the old tracker: never lose the save for it
            logger.error("streaming events of %s failed (%s)", tracker.sender_id, type(error).__name__)
        sender_id = tracker.sender_id
        stored = self._remembered(tracker)
        if stored is None:  # not read here (e.g. the HTTP API's replace): count, as stock Rasa does
            stored = await retrying(
                lambda: self._run(self._count_after_journal, sender_id),
                self.write_backoff,
                f"counting {sender_id}",
            )
        new = [event.as_dict() for event in itertools.islice(tracker.events, stored, None)]
        self._remember(tracker, len(tracker.events))
        if not new:
            return
        backoff = Backoff(1) if self.is_down else self.write_backoff
        try:
            await retrying(lambda: self._run(self._write, sender_id, new), backoff, f"saving {sender_id}")
        except Exception as error:
            self._went_down(error)
            await self._keep(sender_id, new, error)
            return
        self._came_back()

    async def keep_unread_turn(self, sender_id: str, events: List[Event], cause: BaseException) -> None:
        """Journals a turn answered without its conversation (a read that failed:
        the message and the apology), to be written after the conversation's
        stored and journalled events, in order, when the database is back. The
        database is not tried again here: the read has just failed."""
        self.start()
        await self._keep(sender_id, events, cause)

    def _count_after_journal(self, sender_id: str) -> int:
        self._write(sender_id, [])
        return self._count(sender_id)

    async def _keep(self, sender_id: str, events: List[Event], error: BaseException) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(None, self.journal.append, sender_id, events)
        except Exception as journal_error:
            logger.critical(
                "LOST %d events of %s: the database (%s) and the journal (%s) both failed",
                len(events),
                sender_id,
                type(error).__name__,
                type(journal_error).__name__,
            )
            raise
        logger.error(
            "could not save %d events of %s (%s); kept in the journal, written when the database is back",
            len(events),
            sender_id,
            type(error).__name__,
        )


def engine_options(url: Any, lock_wait: float = SQLITE_BUSY_SECONDS) -> Dict[str, Any]:
    """Stock Rasa's engine options, plus a connection check before each use
    (a PostgreSQL restart would otherwise fail the first use of every pooled
    connection) and short connect / lock waits."""
    options = create_engine_kwargs(url)
    options["pool_pre_ping"] = True
    connect_args = dict(options.get("connect_args") or {})
    drivername = url.drivername if isinstance(url, sa.engine.URL) else str(url).split(":", 1)[0]
    if drivername.startswith("sqlite"):
        connect_args.setdefault("timeout", lock_wait)
    elif drivername.startswith("postgresql"):
        connect_args.setdefault("connect_timeout", POSTGRES_CONNECT_SECONDS)
        # A table lock (a migration, VACUUM FULL, a stuck transaction) fails the
        # call after ``lock_wait``, as SQLite's busy timeout does, instead of
        # holding the turn for as long as the lock is held.
        connect_args.setdefault("options", f"-c lock_timeout={max(int(lock_wait * 1000), 1)}")
    options["connect_args"] = connect_args
    return options
