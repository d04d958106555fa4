"""WalkWise's tracker store on real SQLite files, with real lock failures:
another connection holds the database's write lock (reads work, writes fail)
or its exclusive lock (nothing works), as a busy or stuck process would."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from server.tracker_store import (
    Backoff,
    TrackerStoreUnavailable,
    WalkWiseTrackerStore,
    engine_options,
    retrying,
)
from tests.helpers.running import run_async

SECRET = "my back hurts since tuesday"


def make_store(db: Path, **options: Any) -> WalkWiseTrackerStore:
    options = {
        "read_tries": 2,
        "write_tries": 2,
        "lock_wait": 0.1,
        "journal": str(db.parent / "journal"),
        **options,
    }
    return WalkWiseTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(db), **options)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "conversations.db"


def rows(db: Path, sender: str = "someone") -> list[tuple[str, str]]:
    with sqlite3.connect(db) as connection:
        found = connection.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
    return [(kind, data) for kind, data in found]


def texts(db: Path, sender: str = "someone") -> list[str]:
    import json

    return [json.loads(data).get("text") or "" for kind, data in rows(db, sender) if kind in ("user", "bot")]


@contextmanager
def sqlite_lock(db: Path, mode: str) -> Iterator[None]:
    """Holds ``BEGIN IMMEDIATE`` (others may read, not write) or ``BEGIN EXCLUSIVE`` (neither)."""
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute(f"BEGIN {mode}")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


def turn(tracker: DialogueStateTracker, text: str) -> None:
    tracker.update(UserUttered(text))
    tracker.update(BotUttered(f"answer to {text}"))
    tracker.update(ActionExecuted("action_listen"))


async def converse(store: WalkWiseTrackerStore, sender: str, *messages: str) -> None:
    for text in messages:
        tracker = await store.get_or_create_tracker(sender)
        turn(tracker, text)
        await store.save(tracker)


# Backoff and retrying -------------------------------------------------------------------------


def test_backoff_doubles_between_tries():
    assert list(Backoff(4, first_delay=0.1).delays()) == pytest.approx([0.1, 0.2, 0.4])
    assert list(Backoff(1).delays()) == []


def test_retrying_tries_again_then_succeeds():
    calls: list[float] = []

    async def flaky() -> str:
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise sa.exc.OperationalError("x", {}, Exception("down"))
        return "ok"

    assert run_async(retrying(flaky, Backoff(3, first_delay=0.05), "test")) == "ok"
    assert len(calls) == 3
    assert calls[2] - calls[1] >= 0.09  # the second wait is twice the first


def test_retrying_gives_up_with_the_last_error():
    calls = 0

    async def down() -> None:
        nonlocal calls
        calls += 1
        raise OSError(calls)

    with pytest.raises(OSError) as raised:
        run_async(retrying(down, Backoff(2, first_delay=0.01), "test"))
    assert calls == 2 and raised.value.args == (2,)


# Writing only what is new (pitfall #11) ---------------------------------------------------------


def test_a_conversation_round_trips_in_order(db):
    store = make_store(db)
    run_async(converse(store, "someone", "one", "two", "three"))
    assert texts(db) == ["one", "answer to one", "two", "answer to two", "three", "answer to three"]
    tracker = run_async(store.retrieve("someone"))
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["one", "two", "three"]


def test_rows_are_what_stock_rasa_writes(db, tmp_path):
    ours = make_store(db)
    stock = SQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(tmp_path / "stock.db"))
    tracker = DialogueStateTracker("someone", [])
    turn(tracker, "one")
    run_async(ours.save(DialogueStateTracker.from_events("someone", list(tracker.events))))
    run_async(stock.save(tracker))
    query = "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id"
    with sqlite3.connect(db) as a, sqlite3.connect(tmp_path / "stock.db") as b:
        assert a.execute(query).fetchall() == b.execute(query).fetchall()


def test_a_save_neither_counts_nor_rereads_the_history(db):
    store = make_store(db)
    run_async(converse(store, "someone", *[f"message {n}" for n in range(30)]))
    statements: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    async def one_turn() -> None:
        tracker = await store.retrieve("someone")
        statements.clear()
        turn(tracker, "one more")
        await store.save(tracker)

    run_async(one_turn())
    assert statements and all(s.lstrip().upper().startswith("INSERT") for s in statements), statements
    assert len(rows(db)) == 1 + 30 * 3 + 3


def test_a_tracker_it_did_not_read_is_counted_as_stock_rasa_does(db):
    store = make_store(db)
    run_async(converse(store, "someone", "one"))
    stored = run_async(store.retrieve("someone"))
    replica = DialogueStateTracker.from_dict("someone", [e.as_dict() for e in stored.events])
    turn(replica, "two")
    run_async(store.save(replica))
    assert texts(db) == ["one", "answer to one", "two", "answer to two"]


def test_only_the_latest_session_is_read(db):
    store = make_store(db)
    tracker = DialogueStateTracker("someone", [])
    turn(tracker, "old session")
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    turn(tracker, "new session")
    run_async(store.save(tracker))
    latest = run_async(store.retrieve("someone"))
    full = run_async(store.retrieve_full_tracker("someone"))
    assert [e.text for e in latest.events if isinstance(e, UserUttered)] == ["new session"]
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == ["old session", "new session"]


def test_indexes_are_added_to_a_table_stock_rasa_made(db):
    SQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(db))
    store = make_store(db)
    run_async(converse(store, "someone", "one"))
    indexes = {index["name"] for index in sa.inspect(store.engine).get_indexes("events")}
    assert {"ix_events_sender_id_id", "ix_events_sender_id_type_name_id"} <= indexes


def test_engines_check_connections_before_use():
    assert engine_options("postgresql://u@h/db")["pool_pre_ping"] is True
    assert engine_options("postgresql://u@h/db")["connect_args"]["connect_timeout"] > 0
    assert engine_options("sqlite:///x.db", 0.5)["connect_args"] == {"timeout": 0.5}


# Faults -------------------------------------------------------------------------------------------


def test_a_write_that_keeps_failing_is_journalled_loudly_and_read_back(db, caplog):
    store = make_store(db)
    run_async(converse(store, "someone", "before"))
    with sqlite_lock(db, "IMMEDIATE"):
        run_async(converse(store, "someone", SECRET, "during"))
        assert texts(db) == ["before", "answer to before"]
        assert store.journal.count() == 6
        tracker = run_async(store.retrieve("someone"))  # reads still work: the journal is read too
        assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["before", SECRET, "during"]
    run_async(converse(store, "someone", "after"))
    assert texts(db) == [
        "before",
        "answer to before",
        SECRET,
        f"answer to {SECRET}",
        "during",
        "answer to during",
        "after",
        "answer to after",
    ]
    assert store.journal.count() == 0
    assert "kept in the journal" in caplog.text
    assert "tuesday" not in caplog.text


def test_the_flusher_writes_the_journal_when_the_database_is_back(db):
    store = make_store(db)

    async def scenario() -> float:
        await converse(store, "someone", "before")
        with sqlite_lock(db, "IMMEDIATE"):
            await converse(store, "someone", "during")
            await asyncio.sleep(1.5)  # the flusher tries, and fails
            assert store.journal.count() == 3
        released = time.monotonic()
        while store.journal.has_any() and time.monotonic() - released < 15:
            await asyncio.sleep(0.1)
        return time.monotonic() - released

    seconds = run_async(scenario())
    assert texts(db) == ["before", "answer to before", "during", "answer to during"]
    assert seconds < 10


def test_a_read_that_keeps_failing_raises_instead_of_starting_empty(db, caplog):
    store = make_store(db, read_tries=3)
    run_async(converse(store, "someone", "before"))
    with sqlite_lock(db, "EXCLUSIVE"):
        start = time.monotonic()
        with pytest.raises(TrackerStoreUnavailable):
            run_async(store.get_or_create_tracker("someone"))
        assert time.monotonic() - start < 5
    assert "could not read the conversation of someone (OperationalError, 3 tries)" in caplog.text
    assert texts(db) == ["before", "answer to before"]


def test_a_database_missing_at_start_is_created_when_it_comes(tmp_path):
    db = tmp_path / "later" / "conversations.db"
    # The folder does not exist: SQLite cannot open the file.
    store = make_store(db, write_tries=1, journal=str(tmp_path / "journal"))

    async def scenario() -> None:
        tracker = store.init_tracker("someone")
        turn(tracker, "while away")
        await store.save(tracker)
        assert store.is_down and store.journal.count() == 3
        db.parent.mkdir()
        deadline = time.monotonic() + 15
        while store.journal.has_any() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)

    run_async(scenario())
    assert texts(db) == ["while away", "answer to while away"]
    assert run_async(store.check()) is None


# A turn answered without its conversation (the read failed) ---------------------------------------


def unread_turn(text: str) -> list[dict]:
    return [
        UserUttered(text).as_dict(),
        BotUttered("sorry, not read", metadata={"walkwise": {"reason": "database_unavailable"}}).as_dict(),
        ActionExecuted("action_listen").as_dict(),
    ]


@pytest.mark.parametrize("written_by", ["the flusher", "the next turn"])
def test_an_unread_turn_is_added_after_the_stored_events_and_the_next_turn_follows_it(db, written_by):
    store = make_store(db)

    async def scenario() -> None:
        await converse(store, "someone", "before")
        with sqlite_lock(db, "EXCLUSIVE"):
            with pytest.raises(TrackerStoreUnavailable) as raised:
                await store.get_or_create_tracker("someone")
            await store.keep_unread_turn("someone", unread_turn(SECRET), raised.value.cause)
        assert store.journal.count() == 3
        if written_by == "the flusher":
            deadline = time.monotonic() + 15
            while store.journal.has_any() and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert not store.journal.has_any()
        await converse(store, "someone", "after")
        await store.close()

    run_async(scenario())
    assert texts(db) == [
        "before",
        "answer to before",
        SECRET,
        "sorry, not read",
        "after",
        "answer to after",
    ]
    # the new tracker's action_listen, then three events for each turn: none twice, none skipped
    assert [kind for kind, _ in rows(db)] == ["action"] + ["user", "bot", "action"] * 3
    assert store.journal.count() == 0


def test_a_new_conversation_whose_first_message_was_unread(db):
    """No stored events yet: the unread turn is the conversation's start, and the next turn follows it."""
    store = make_store(db)

    async def scenario() -> None:
        await store.keep_unread_turn("someone", unread_turn("first"), OSError("away"))
        tracker = await store.retrieve("someone")
        assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["first"]
        turn(tracker, "second")
        await store.save(tracker)
        await store.close()

    run_async(scenario())
    assert texts(db) == ["first", "sorry, not read", "second", "answer to second"]
    assert store.journal.count() == 0


def test_postgres_connections_give_up_on_a_lock_as_sqlite_does():
    assert engine_options("postgresql://u@h/db", 0.5)["connect_args"]["options"] == "-c lock_timeout=500"
