from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from review.audit import sender_ref
from review.privacy import apply_retention, erase_sender
from review.tables import audit, conversations, events
from tests.review.conftest import SECRET, csrf
from tests.review.privacy_helpers import everything_mentioning
from tests.review.seed import NOW, seed


@pytest.fixture
def seeded(engine):
    seed(engine)
    return engine


def conversation_id(engine, sender: str) -> int:
    with engine.connect() as connection:
        return connection.execute(
            select(conversations.c.id).where(conversations.c.sender_id == sender)
        ).scalar()


def test_erase_from_the_web_needs_confirmation_and_leaves_nothing(admin, seeded) -> None:
    from review.feedback import record_feedback

    record_feedback("contact", NOW, "down", "bad", engine=seeded)
    cid = conversation_id(seeded, "contact")
    admin.get(f"/conversations/{cid}")
    token = csrf(admin)
    admin.post(f"/conversations/{cid}/note", data={"csrf_token": token, "body": "note about contact"})
    confirm = admin.post("/erase/confirm", data={"csrf_token": token, "sender_id": "contact"})
    assert "1 conversations" in confirm.text and "Type the sender id again" in confirm.text
    assert everything_mentioning(seeded, "contact")  # nothing erased yet
    refused = admin.post("/erase", data={"csrf_token": token, "sender_id": "contact", "confirm": "contac"})
    assert refused.status_code == 400
    done = admin.post("/erase", data={"csrf_token": token, "sender_id": "contact", "confirm": "contact"})
    assert "Erased:" in done.text
    assert everything_mentioning(seeded, "contact") == []
    assert everything_mentioning(seeded, "jo.bloggs") == []
    with seeded.connect() as connection:
        actions = (
            connection.execute(
                select(audit.c.action)
                .where(audit.c.sender_ref == sender_ref(SECRET, "contact"))
                .order_by(audit.c.id)
            )
            .scalars()
            .all()
        )
    # The view, the view after adding the note, then the erasure.
    assert actions == ["view", "view", "erase"]
    # Other senders are untouched.
    assert everything_mentioning(seeded, "walker")


def test_reviewer_cannot_erase(reviewer, seeded) -> None:
    token = csrf(reviewer)
    assert (
        reviewer.post(
            "/erase", data={"csrf_token": token, "sender_id": "walker", "confirm": "walker"}
        ).status_code
        == 403
    )
    assert everything_mentioning(seeded, "walker")


def test_erase_function(seeded) -> None:
    done = erase_sender(seeded, "hostile", username="cli", secret=SECRET)
    assert done.events > 0 and done.review_rows > 0
    assert everything_mentioning(seeded, "hostile") == []


def test_retention_deletes_only_old_conversations(seeded) -> None:
    assert apply_retention(seeded, 30, username="cli", secret=SECRET) == 1
    assert everything_mentioning(seeded, "an old question") == []
    with seeded.connect() as connection:
        senders = set(connection.execute(select(events.c.sender_id)).scalars())
    assert "old" not in senders and {"walker", "contact"} <= senders
    assert apply_retention(seeded, 30, username="cli", secret=SECRET) == 0
    with pytest.raises(ValueError):
        apply_retention(seeded, 0, username="cli", secret=SECRET)


def test_audit_log_is_append_only(admin, seeded) -> None:
    admin.get("/conversations/1")
    with pytest.raises(DBAPIError):
        with seeded.begin() as connection:
            connection.execute(audit.update().values(username="someone else"))
    with pytest.raises(DBAPIError):
        with seeded.begin() as connection:
            connection.execute(audit.delete())
    with seeded.connect() as connection:
        assert {row.username for row in connection.execute(select(audit))} == {"ada"}


def test_audit_page_filters_by_sender(admin, seeded) -> None:
    walker = conversation_id(seeded, "walker")
    admin.get(f"/conversations/{walker}")
    page = admin.get("/audit?sender_id=walker").text
    assert sender_ref(SECRET, "walker") in page and ">view<" in page
    assert ">login<" not in page


def test_events_stored_after_erasing_the_newest_sender_are_still_summarised(engine) -> None:
    from review.summary import refresh
    from tests.helpers import rasa_events as ev

    ev.store(engine, "first", ev.session_start(NOW) + ev.walking_question(NOW + 1))
    ev.store(engine, "newest", ev.session_start(NOW + 10) + ev.walking_question(NOW + 11))
    refresh(engine)
    erase_sender(engine, "newest", username="cli", secret=SECRET)
    # On SQLite these reuse the erased events' ids.
    ev.store(engine, "later", ev.session_start(NOW + 20) + ev.not_covered_question(NOW + 21))
    refresh(engine)
    with engine.connect() as connection:
        senders = set(connection.execute(select(conversations.c.sender_id)).scalars())
    assert senders == {"first", "later"}
