"""The review tool over conversations held with the real bot: the Rasa server
and action server write the tracker store, and the review app reads it."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import create_engine, select
from starlette.testclient import TestClient

from review.settings import Settings
from review.tables import conversations
from review.users import ADMIN, add_user
from review.web.app import create_app
from tests.review.pages import form_token

PASSWORD = "e2e-review-password"
SECRET = "e2e-review-secret-" + "y" * 40
WALKING = "Does walking help lower back pain?"
UNCOVERED = "How many steps should I walk every day?"
RED_FLAG = "I can't feel my bum and I've wet myself"
HOSTILE = "<script>alert(1)</script>"
EMAIL = "jane.doe@example.com"


@pytest.fixture(scope="module")
def senders(stack) -> dict[str, str]:
    run = uuid.uuid4().hex[:8]
    names = {
        kind: f"review-{kind}-{run}" for kind in ("walking", "uncovered", "red_flag", "hostile", "email")
    }
    stack.ask(names["walking"], WALKING)
    stack.ask(names["uncovered"], UNCOVERED)
    stack.ask(names["red_flag"], RED_FLAG)
    stack.ask(names["hostile"], HOSTILE)
    stack.ask(names["email"], f"Please write to me at {EMAIL} about walking")
    return names


@pytest.fixture(scope="module")
def client(stack, senders):
    url = f"sqlite:///{stack.tracker_db}"
    engine = create_engine(url, future=True)
    app = create_app(Settings(database_url=url, secret=SECRET, login_delay=0.0), engine)
    with TestClient(app) as client:  # the app migrates and summarises at start
        add_user(engine, username="e2e-admin", password=PASSWORD, role=ADMIN)
        page = client.get("/login").text
        token = form_token(page)
        signed_in = client.post(
            "/login", data={"username": "e2e-admin", "password": PASSWORD, "csrf_token": token, "next": "/"}
        )
        assert signed_in.status_code == 200
        client.engine = engine  # type: ignore[attr-defined]
        yield client
    engine.dispose()


def conversation_of(client, sender: str) -> int:
    with client.engine.connect() as connection:
        found = connection.execute(
            select(conversations.c.id).where(conversations.c.sender_id == sender)
        ).scalar()
    assert found is not None, f"no conversation summarised for {sender}"
    return found


def listed(client, query: str) -> set[int]:
    return {
        int(n)
        for n in re.findall(r'<a href="/conversations/(\d+)">', client.get(f"/conversations?{query}").text)
    }


def test_list_shows_the_conversations_with_their_channel(client, senders) -> None:
    page = client.get("/conversations?channel=rest").text
    for sender in senders.values():
        assert f'href="/conversations/{conversation_of(client, sender)}"' in page
    assert WALKING in page and UNCOVERED in page


def test_filters_find_each_kind(client, senders) -> None:
    red, uncovered, walking = (
        conversation_of(client, senders[k]) for k in ("red_flag", "uncovered", "walking")
    )
    emergency = listed(client, "tier=emergency")
    assert red in emergency and walking not in emergency
    not_covered = listed(client, "not_covered=1")
    assert uncovered in not_covered and walking not in not_covered
    assert listed(client, "q=steps+should+i+walk&channel=rest") >= {uncovered}
    assert walking not in listed(client, "q=steps+should+i+walk")


def test_walking_answer_shows_its_passage(client, senders) -> None:
    page = client.get(f"/conversations/{conversation_of(client, senders['walking'])}").text
    assert "walking-lower-back-pain /" in page and "(version " in page


def test_uncovered_answer_is_marked(client, senders) -> None:
    page = client.get(f"/conversations/{conversation_of(client, senders['uncovered'])}").text
    assert "not covered" in page


def test_red_flag_is_shown_with_its_tier_and_phrase(client, senders) -> None:
    page = client.get(f"/conversations/{conversation_of(client, senders['red_flag'])}").text
    assert "red flag: emergency" in page
    assert "detected by " in page and "detected by ?" not in page


def test_hostile_message_is_escaped(client, senders) -> None:
    page = client.get(f"/conversations/{conversation_of(client, senders['hostile'])}").text
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_email_is_masked(client, senders) -> None:
    cid = conversation_of(client, senders["email"])
    assert EMAIL not in client.get(f"/conversations/{cid}").text
    assert EMAIL not in client.get("/conversations").text
    token = form_token(client.get("/").text)
    assert EMAIL in client.post(f"/conversations/{cid}/unmask", data={"csrf_token": token}).text


def test_dashboard_counts_the_channel(client, senders) -> None:
    page = client.get("/").text
    assert re.search(r"<title>\d{4}-\d\d-\d\d rest: \d+</title>", page)


def test_thumbs_down_on_a_real_reply_is_filterable(client, senders) -> None:
    from review.feedback import record_feedback
    from review.tables import events

    sender = senders["walking"]
    with client.engine.connect() as connection:
        bot_event = connection.execute(
            select(events.c.id).where(events.c.sender_id == sender, events.c.type_name == "bot")
        ).scalar()
    record_feedback(sender, bot_event, "down", "too long", engine=client.engine)
    assert conversation_of(client, sender) in listed(client, "thumbs_down=1")


def test_erased_sender_leaves_nothing_and_can_talk_again(stack, client, senders) -> None:
    from tests.review.privacy_helpers import everything_mentioning

    sender = senders["email"]
    token = form_token(client.get("/erase").text)
    client.post("/erase/confirm", data={"csrf_token": token, "sender_id": sender})
    done = client.post("/erase", data={"csrf_token": token, "sender_id": sender, "confirm": sender})
    assert "Erased:" in done.text
    assert everything_mentioning(client.engine, sender) == []
    assert everything_mentioning(client.engine, EMAIL) == []
    assert stack.ask(sender, WALKING)  # the bot starts afresh for the same sender
    page = client.get("/conversations?q=does+walking+help").text
    assert EMAIL not in page
    assert conversation_of(client, sender) in listed(client, "q=does+walking+help")
