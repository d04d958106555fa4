"""server/session_cache.py: a read through the cache gives what a full read
of the database gives, whoever wrote or erased the rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

from server.tracker_store import WalkWiseTrackerStore
from tests.helpers.running import run_async
from tests.server.test_tracker_store import make_store


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "conversations.db"


def add_turn(tracker, n: int) -> None:
    tracker.update(UserUttered(f"question {n}", {"name": "ask_flare_up", "confidence": 0.9}))
    tracker.update(ActionExecuted("action_answer_question"))
    tracker.update(BotUttered(f"answer {n}"))
    tracker.update(ActionExecuted("action_listen"))


def turn(store: WalkWiseTrackerStore, n: int, sender: str = "someone") -> None:
    async def one() -> None:
        tracker = await store.get_or_create_tracker(sender)
        add_turn(tracker, n)
        await store.save(tracker)

    run_async(one())


def read(store: WalkWiseTrackerStore, sender: str = "someone") -> list[dict] | None:
    tracker = run_async(store.retrieve(sender))
    return None if tracker is None else [event.as_dict() for event in tracker.events]


def full_read(db: Path, sender: str = "someone") -> list[dict] | None:
    """What a store that has never read the conversation reads."""
    return read(make_store(db), sender)


def test_each_turn_reads_only_the_new_rows_and_the_same_events(db):
    store = make_store(db)
    for n in range(30):
        turn(store, n)
        assert read(store) == full_read(db)
    assert store.sessions.full_reads == 2  # the first found nothing to keep
    assert store.sessions.partial_reads == 58  # the other 29 turns and 29 reads
    assert [e["text"] for e in read(store) if e["event"] == "user"] == [f"question {n}" for n in range(30)]


def test_rows_another_server_wrote_are_read(db):
    first, second = make_store(db), make_store(db)
    for n in range(10):
        turn(first if n % 2 else second, n)
        assert read(first) == read(second) == full_read(db)
    assert len([e for e in read(first) if e["event"] == "user"]) == 10


def test_a_conversation_erased_since_is_read_again(db):
    store = make_store(db)
    for n in range(5):
        turn(store, n)
    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM events WHERE sender_id = 'someone'")
    assert read(store) is None
    turn(store, 7)
    assert [e["text"] for e in read(store) if e["event"] == "user"] == ["question 7"]
    assert read(store) == full_read(db)


def test_a_new_session_is_all_that_is_read(db):
    store = make_store(db)
    for n in range(3):
        turn(store, n)

    async def new_session() -> None:
        tracker = await store.get_or_create_tracker("someone")
        tracker.update(ActionExecuted("action_session_start"))
        tracker.update(SessionStarted())
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)

    run_async(new_session())
    turn(store, 9)
    events = read(store)
    assert events == full_read(db)
    assert events[0]["event"] == "session_started"
    assert [e["text"] for e in events if e["event"] == "user"] == ["question 9"]


def test_the_cache_keeps_the_conversations_read_last(db):
    store = make_store(db)
    store.sessions.max_conversations = 3
    for sender in ["a", "b", "c", "d"]:
        turn(store, 1, sender)
        read(store, sender)
    assert list(store.sessions._sessions) == ["b", "c", "d"]
    assert read(store, "a") == full_read(db, "a")
