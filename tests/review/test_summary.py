from __future__ import annotations

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from review import migrate
from review.summary import refresh
from review.tables import conversations, event_gaps, events, messages, progress
from tests.helpers import rasa_events as ev

T0 = 1_780_000_000.0


def _all(engine: Engine):
    with engine.connect() as connection:
        return connection.execute(select(conversations).order_by(conversations.c.id)).mappings().all()


def test_migrations_reach_head(engine: Engine) -> None:
    assert migrate.current(engine) == migrate.head()


def test_one_conversation_is_summarised(engine: Engine) -> None:
    ev.store(
        engine,
        "alice",
        ev.session_start(T0)
        + ev.walking_question(T0 + 1)
        + ev.not_covered_question(T0 + 10)
        + ev.red_flag_message(T0 + 20),
    )
    assert refresh(engine) == 3 + 4 * 3
    [row] = _all(engine)
    assert row["sender_id"] == "alice"
    assert row["channel"] == "rest"
    assert row["user_turns"] == 3
    assert row["first_question"] == "Does walking help my back?"
    assert row["red_flag_tier"] == "emergency"
    assert row["not_covered"] is True
    assert row["fallback"] is False
    assert row["triage_asked"] is False
    assert row["min_confidence"] == 0.81
    assert "how many steps" in row["search_text"]
    assert row["started_at"] == T0


def test_messages_record_outcomes(engine: Engine) -> None:
    ev.store(
        engine, "bob", ev.session_start(T0) + ev.walking_question(T0 + 1) + ev.not_covered_question(T0 + 5)
    )
    refresh(engine)
    with engine.connect() as connection:
        rows = connection.execute(select(messages).order_by(messages.c.event_id)).mappings().all()
    assert [(r["answered_from_guidance"], r["not_covered"]) for r in rows] == [(True, False), (False, True)]


def test_refresh_is_incremental_and_cheap_when_nothing_is_new(engine: Engine) -> None:
    ev.store(engine, "carol", ev.session_start(T0) + [ev.user("Hello", T0 + 1, intent="greet")])
    assert refresh(engine) == 4
    assert refresh(engine) == 0
    # The bot's reply arrives in a later pass: the stored message is updated.
    ev.store(
        engine,
        "carol",
        [
            ev.bot("Passage", T0 + 2, answer=ev.GUIDANCE_ANSWER),
            ev.user("Triage?", T0 + 3, intent="red_flag_possible"),
            ev.bot("Do you have numbness?", T0 + 4, utter_action="utter_red_flag_triage"),
        ],
    )
    assert refresh(engine) == 3
    [row] = _all(engine)
    assert row["user_turns"] == 2
    assert row["triage_asked"] is True
    with engine.connect() as connection:
        first = connection.execute(select(messages).order_by(messages.c.event_id)).mappings().first()
        mark = connection.execute(select(progress.c.last_event_id)).scalar()
    assert first["answered_from_guidance"] is True
    assert mark == 7


def test_a_new_session_starts_a_new_conversation(engine: Engine) -> None:
    ev.store(engine, "dan", ev.session_start(T0) + ev.walking_question(T0 + 1))
    refresh(engine)
    ev.store(engine, "dan", ev.session_start(T0 + 7200) + ev.not_covered_question(T0 + 7201))
    ev.store(engine, "erin", ev.session_start(T0 + 7300) + [ev.user("hi", T0 + 7301, intent="nlu_fallback")])
    refresh(engine, batch=3)
    rows = _all(engine)
    assert [(r["sender_id"], r["user_turns"], r["not_covered"], r["fallback"]) for r in rows] == [
        ("dan", 1, False, False),
        ("dan", 1, True, False),
        ("erin", 1, False, True),
    ]


def test_unreadable_event_data_is_skipped_not_fatal(engine: Engine) -> None:
    from sqlalchemy import insert

    from review.tables import events

    with engine.begin() as connection:
        connection.execute(
            insert(events).values(sender_id="x", type_name="user", timestamp=T0, data="{not json")
        )
    assert refresh(engine) == 1
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(conversations)).scalar() == 1


def test_migrations_go_down_and_up_again(engine: Engine) -> None:
    from sqlalchemy import inspect

    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) == {"events", "review_alembic_version"}
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()


def test_a_lone_surrogate_stored_by_an_older_server_does_not_stop_the_summary(engine: Engine) -> None:
    ev.store(engine, "odd", ev.session_start(T0) + ev.walking_question(T0 + 1, text="walk\ud9a5ing?"))
    ev.store(engine, "next", ev.session_start(T0 + 5) + ev.walking_question(T0 + 6))
    refresh(engine)
    rows = {row["sender_id"]: row for row in _all(engine)}
    assert rows["odd"]["first_question"] == "walk\ufffding?"
    assert rows["next"]["first_question"] == "Does walking help my back?"


def test_a_turn_the_bot_could_not_read_is_summarised_when_it_is_written_later(engine: Engine) -> None:
    """server/hardening.py keeps a message whose conversation could not be read,
    with the apology, and the tracker store appends them when the database is
    back: after the conversation's events, with earlier timestamps than rows
    already summarised, and with no intent when it could not be parsed."""
    ev.store(engine, "dora", ev.session_start(T0) + ev.walking_question(T0 + 1))
    ev.store(engine, "erin", ev.session_start(T0 + 50) + ev.walking_question(T0 + 51))
    assert refresh(engine) == 14
    unread = ev.user("Is walking good for my posture?", T0 + 30)
    unread["parse_data"]["intent"] = {"name": None, "confidence": 0.0}
    apology = ev.bot("Sorry, I can't reach my records right now", T0 + 30.1)
    apology["metadata"] = {"walkwise": {"reason": "database_unavailable"}}
    ev.store(engine, "dora", [unread, apology, ev.action("action_listen", T0 + 30.2)])
    ev.store(engine, "dora", ev.walking_question(T0 + 60, text="Does walking help my mood?"))
    assert refresh(engine) == 7
    dora = [row for row in _all(engine) if row["sender_id"] == "dora"]
    assert len(dora) == 1
    assert dora[0]["user_turns"] == 3 and dora[0]["last_at"] == T0 + 60.3
    with engine.connect() as connection:
        rows = (
            connection.execute(
                select(messages).where(messages.c.sender_id == "dora").order_by(messages.c.event_id)
            )
            .mappings()
            .all()
        )
    assert [(r["text"], r["intent"], r["answered_from_guidance"]) for r in rows] == [
        ("Does walking help my back?", "ask_walking_benefits", True),
        ("Is walking good for my posture?", None, False),
        ("Does walking help my mood?", "ask_walking_benefits", True),
    ]


def _count_conversation_turns(engine: Engine, sender_id: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.sum(conversations.c.user_turns)).where(conversations.c.sender_id == sender_id)
            ).scalar()
            or 0
        )


def test_an_event_committed_after_a_later_one_is_still_summarised(engine: Engine) -> None:
    """Ids 1-4 are committed after 5-8 were read (a late commit); the next pass reads them."""
    late = ev.rows("late", ev.session_start(T0) + [ev.user("I've wet myself and my back hurts", T0 + 1)])
    early = ev.rows("early", ev.session_start(T0 + 2) + [ev.user("Hello", T0 + 3, intent="greet")])
    with engine.begin() as connection:
        connection.execute(insert(events), [{**row, "id": 5 + i} for i, row in enumerate(early)])
    assert refresh(engine) == len(early)
    with engine.connect() as connection:
        assert connection.execute(select(progress.c.last_event_id)).scalar() == 4 + len(early)
    with engine.begin() as connection:
        connection.execute(insert(events), [{**row, "id": 1 + i} for i, row in enumerate(late)])
    assert refresh(engine) == len(late)
    assert _count_conversation_turns(engine, "late") == 1
    assert refresh(engine) == 0  # read once


def test_a_missing_id_is_forgotten_after_the_gap_period(engine: Engine, monkeypatch) -> None:
    from review import summary

    early = ev.rows("early", ev.session_start(T0) + [ev.user("Hello", T0 + 1, intent="greet")])
    with engine.begin() as connection:
        connection.execute(insert(events), [{**row, "id": 3 + i} for i, row in enumerate(early)])
    refresh(engine)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(event_gaps)).scalar() == 2
    monkeypatch.setattr(summary, "GAP_SECONDS", -1.0)
    refresh(engine)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(event_gaps)).scalar() == 0


def test_postgres_a_turn_committed_late_by_a_slow_transaction_reaches_the_summary(postgres_url: str) -> None:
    """Two real PostgreSQL transactions: the first takes its id, the second takes a
    higher one and commits, a pass runs, then the first commits."""
    from sqlalchemy import create_engine, text

    from tests.review.conftest import _fresh_postgres

    _fresh_postgres(postgres_url).dispose()
    engine = create_engine(postgres_url, future=True)
    try:
        events.create(engine)
        migrate.upgrade(engine)
        slow = engine.connect()
        slow_transaction = slow.begin()
        slow.execute(insert(events), ev.rows("slow", ev.red_flag_message(T0)[:1]))
        ev.store(engine, "quick", ev.session_start(T0 + 1) + [ev.user("Hello", T0 + 2, intent="greet")])
        with engine.connect() as connection:
            ids = connection.execute(text("SELECT max(id) FROM events")).scalar()
        assert refresh(engine) == 4
        slow_transaction.commit()
        slow.close()
        assert ids >= 5  # the slow row's id is below the quick ones
        assert refresh(engine) == 1
        with engine.connect() as connection:
            row = (
                connection.execute(select(conversations).where(conversations.c.sender_id == "slow"))
                .mappings()
                .one()
            )
        assert row["user_turns"] == 1
        assert row["red_flag_tier"] == "emergency"
    finally:
        engine.dispose()
