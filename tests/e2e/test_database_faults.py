"""The tracker store's database fails under a real Rasa server (pitfall #2).

SQLite: in the middle of a conversation another connection holds the file's
write lock (reads work, writes fail), holds its exclusive lock (nothing
works), or the file is made immutable (``chattr +i``: even root cannot write
it). PostgreSQL: a server of the test's own (tests/helpers/postgres.py) is
down when the bot starts, then stopped and started in the middle of a
conversation, and its ``events`` table locked against writes. Each test
checks what the person got and how fast, and that every turn is stored once
the database is back, in order, with nothing twice: the turns before and
after the fault, and a message that got the apology with that apology
(journalled, then added to the conversation). The figures are printed (``-s``
shows them).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import requests

from common.messages import NOT_UNDERSTOOD
from tests.helpers import postgres
from tests.helpers.answers import normalize
from tests.helpers.faults import (
    APOLOGY,
    QUESTIONS,
    TURN_SECONDS,
    Conversation,
    check_every_turn_stored,
    report,
    turns,
)
from tests.helpers.stack import Stack, stored_events, stored_events_at


def ready(stack: Stack) -> tuple[int, dict]:
    answer = requests.get(f"{stack.url}/ready", timeout=15)
    return answer.status_code, answer.json()


def wait_ready(stack: Stack, seconds: float = 30) -> float:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        status, body = ready(stack)
        if status == 200 and body.get("journal_pending") == 0:
            return time.monotonic() - start
        time.sleep(0.2)
    raise AssertionError(f"not ready after {seconds}s: {ready(stack)}")


# SQLite ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_stack(tmp_path_factory) -> Iterator[Stack]:
    stack = Stack(Path(tmp_path_factory.mktemp("dbfaults")))
    with stack.running():
        yield stack


@contextmanager
def sqlite_lock(db: Path, mode: str) -> Iterator[None]:
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute(f"BEGIN {mode}")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


@contextmanager
def immutable(path: Path) -> Iterator[None]:
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        reason = f"chattr +i does not work here: {done.stderr.strip() or done.returncode}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.mark.parametrize("fault", ["write lock", "unwritable file"])
def test_sqlite_writes_failing_mid_conversation(sqlite_stack, fault):
    """Reads work, writes fail: the person gets normal answers; the turns wait
    in the journal and reach the database, in order, once it can be written."""
    conversation = Conversation(sqlite_stack)
    conversation.say(QUESTIONS[0])
    hold = sqlite_lock(sqlite_stack.tracker_db, "IMMEDIATE") if fault == "write lock" else None
    with hold or immutable(sqlite_stack.tracker_db):
        for question in QUESTIONS[1:4]:
            conversation.say(question)
        status, body = ready(sqlite_stack)
        assert body["journal_pending"] > 0
        stored_during = turns(stored_events(sqlite_stack.tracker_db, conversation.sender))
    conversation.say(QUESTIONS[4])
    back_in = wait_ready(sqlite_stack)
    report(f"sqlite {fault}", conversation, range(1, 4))
    print(
        f"[sqlite {fault}] stored during the fault: {len(stored_during)} of 4 turns;"
        f" ready {back_in:.1f}s after"
    )
    assert all(reply and reply != APOLOGY for _, reply, _ in conversation.seen)
    assert all(seconds < TURN_SECONDS for _, _, seconds in conversation.seen)
    assert len(stored_during) == 1
    check_every_turn_stored(conversation, stored_events(sqlite_stack.tracker_db, conversation.sender))


def test_sqlite_locked_mid_conversation(sqlite_stack):
    """Nothing can be read: the person is told, promptly; the message and the
    apology wait in the journal, and are stored between the turns before and
    after, in order, once the lock is gone."""
    conversation = Conversation(sqlite_stack)
    conversation.say(QUESTIONS[0])
    conversation.say(QUESTIONS[1])
    with sqlite_lock(sqlite_stack.tracker_db, "EXCLUSIVE"):
        reply, seconds = conversation.say(QUESTIONS[2])
        status, body = ready(sqlite_stack)
    pending_during = body["journal_pending"]
    conversation.say(QUESTIONS[3])
    back_in = wait_ready(sqlite_stack)
    report("sqlite exclusive lock", conversation, range(2, 3))
    lost = check_every_turn_stored(conversation, stored_events(sqlite_stack.tracker_db, conversation.sender))
    print(f"[sqlite exclusive lock] journalled during: {pending_during} events; lost: {lost} turns")
    assert reply == APOLOGY and seconds < TURN_SECONDS
    assert status == 503 and "tracker store" in body["reasons"][0]
    assert pending_during == 3  # the message, the apology, action_listen
    assert back_in < TURN_SECONDS
    assert [r != APOLOGY for _, r, _ in conversation.seen] == [True, True, False, True]
    assert normalize(NOT_UNDERSTOOD) not in conversation.seen[3][1]


def test_rasa_status_still_answers(sqlite_stack):
    assert requests.get(f"{sqlite_stack.url}/", timeout=10).ok


# PostgreSQL -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg() -> Iterator[postgres.PostgresServer]:
    server = postgres.own_server()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="module")
def pg_url(pg) -> str:
    """The bot's own database, created while PostgreSQL is up; PostgreSQL is then stopped."""
    database = f"walkwise_faults_{uuid.uuid4().hex[:8]}"
    pg.start()
    pg.create_database(database)
    pg.stop()
    return pg.url(database)


@pytest.fixture(scope="module")
def pg_stack(pg, pg_url, tmp_path_factory) -> Iterator[Stack]:
    """A bot whose tracker store is PostgreSQL, started while PostgreSQL is down."""
    workdir = Path(tmp_path_factory.mktemp("pgfaults"))
    database = pg_url.rsplit("/", 1)[1]
    stack = Stack(
        workdir,
        tracker_store=(
            "tracker_store:\n  type: server.tracker_store.WalkWiseTrackerStore\n  dialect: postgresql\n"
            f"  url: 127.0.0.1\n  port: {pg.port}\n  db: {database}\n  username: postgres\n"
            f"  journal: {workdir / 'tracker-journal'}\n"
        ),
    )
    try:
        with stack.running():
            yield stack
    finally:
        if not pg.running():
            pg.start()


def rasa_log(stack: Stack) -> str:
    return (stack.workdir / "rasa.log").read_text(errors="replace")


def test_postgres_down_at_start_then_back(pg, pg_url, pg_stack):
    """The server starts anyway and says so; /ready is 503 with the reason,
    the person is told; once PostgreSQL is up, it is ready by itself."""
    assert "unreachable (OperationalError) at start-up: serving anyway" in rasa_log(pg_stack)
    status, body = ready(pg_stack)
    assert status == 503 and body["status"] == "not ready"
    assert body["reasons"] == ["tracker store database unreachable (OperationalError)"]
    conversation = Conversation(pg_stack)
    reply, seconds = conversation.say(QUESTIONS[0])
    assert reply == APOLOGY and seconds < TURN_SECONDS
    pg.start()
    back_in = wait_ready(pg_stack)
    reply, _ = conversation.say(QUESTIONS[1])
    report("postgres down at start", conversation, range(0, 1))
    lost = check_every_turn_stored(conversation, stored_events_at(pg_url, conversation.sender))
    print(f"[postgres down at start] ready {back_in:.1f}s after PostgreSQL started; lost: {lost} turns")
    # The apology was the conversation's first turn: the next one is understood all the same.
    assert reply != APOLOGY and normalize(NOT_UNDERSTOOD) not in reply


def test_postgres_restart_mid_conversation(pg, pg_url, pg_stack):
    """Stopped mid-conversation: the person is told while it is down, promptly;
    once it is back the turns go on with no failed try, and every turn is
    stored, in order: the ones told the apology between those before and after."""
    if not pg.running():
        pg.start()
    wait_ready(pg_stack)
    conversation = Conversation(pg_stack)
    conversation.say(QUESTIONS[0])
    conversation.say(QUESTIONS[1])
    try:
        pg.stop()
        conversation.say(QUESTIONS[2])
        conversation.say(QUESTIONS[3])
        status, body = ready(pg_stack)
    finally:
        pg.start()
    log_before = len(rasa_log(pg_stack))
    back_in = wait_ready(pg_stack)
    conversation.say(QUESTIONS[4])
    conversation.say(QUESTIONS[5])
    report("postgres restart", conversation, range(2, 4))
    lost = check_every_turn_stored(conversation, stored_events_at(pg_url, conversation.sender))
    print(f"[postgres restart] ready {back_in:.1f}s after PostgreSQL started; lost: {lost} turns")
    assert status == 503 and body["journal_pending"] == 6
    assert [r != APOLOGY for _, r, _ in conversation.seen] == [True, True, False, False, True, True]
    assert all(seconds < TURN_SECONDS for _, _, seconds in conversation.seen)
    assert (
        "failed (" not in rasa_log(pg_stack)[log_before:]
    )  # pool_pre_ping: no try lost to a dead connection


def test_a_quick_postgres_restart_costs_no_try(pg, pg_url, pg_stack):
    """Restarted while nobody talks: the next turn's pooled connection is
    checked before use (``pool_pre_ping``) instead of failing its first try."""
    if not pg.running():
        pg.start()
    wait_ready(pg_stack)
    conversation = Conversation(pg_stack)
    conversation.say(QUESTIONS[0])
    log_before = len(rasa_log(pg_stack))
    try:
        pg.stop()
    finally:
        pg.start()
    reply, seconds = conversation.say(QUESTIONS[1])
    report("postgres quick restart", conversation, range(0, 0))
    assert reply != APOLOGY and seconds < TURN_SECONDS
    assert "failed (" not in rasa_log(pg_stack)[log_before:]
    check_every_turn_stored(conversation, stored_events_at(pg_url, conversation.sender))


@contextmanager
def pg_write_lock(url: str) -> Iterator[None]:
    """Another session holds ``events`` in EXCLUSIVE mode: reads go on, writes wait (a
    long migration or a stuck transaction); the store gives up after its lock wait."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    connection = engine.connect()
    transaction = connection.begin()
    connection.execute(text("LOCK TABLE events IN EXCLUSIVE MODE"))
    try:
        yield
    finally:
        transaction.rollback()
        connection.close()
        engine.dispose()


def test_postgres_writes_locked_mid_conversation(pg, pg_url, pg_stack):
    """Reads work, writes fail: the person gets normal answers, promptly (not
    held for as long as the lock is); the turns wait in the journal and reach
    the database, in order, once the lock is gone."""
    if not pg.running():
        pg.start()
    wait_ready(pg_stack)
    conversation = Conversation(pg_stack)
    conversation.say(QUESTIONS[0])
    with pg_write_lock(pg_url):
        for question in QUESTIONS[1:4]:
            conversation.say(question)
        status, body = ready(pg_stack)
        stored_during = turns(stored_events_at(pg_url, conversation.sender))
    conversation.say(QUESTIONS[4])
    back_in = wait_ready(pg_stack)
    report("postgres write lock", conversation, range(1, 4))
    lost = check_every_turn_stored(conversation, stored_events_at(pg_url, conversation.sender))
    print(
        f"[postgres write lock] stored during the lock: {len(stored_during)} of 4 turns;"
        f" journalled: {body['journal_pending']} events; ready {back_in:.1f}s after; lost: {lost} turns"
    )
    assert all(reply and reply != APOLOGY for _, reply, _ in conversation.seen)
    assert all(seconds < TURN_SECONDS for _, _, seconds in conversation.seen)
    assert len(stored_during) == 1 and body["journal_pending"] > 0
