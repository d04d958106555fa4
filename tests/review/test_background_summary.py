"""A large unread backlog neither holds up the tool's start nor a page: pages read
a bounded number of batches and say what is left; a background pass reads the rest."""

from __future__ import annotations

import dataclasses
import re
import time

import pytest

from review import summary
from review.summary import backlog, refresh
from review.users import REVIEWER, add_user
from review.web.app import create_app
from tests.helpers import rasa_events as ev
from tests.review.conftest import REVIEWER_PASSWORD, _client, sign_in

T0 = 1_780_000_000.0
SENDERS = 12
PER = len(ev.session_start(T0)) + 1  # events per conversation; read 2 at a time
NOTICE = "stored events are still being summarised"


@pytest.fixture
def unread(engine, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(summary, "BATCH", 2)
    for n in range(SENDERS):
        ev.store(
            engine,
            f"s{n}",
            ev.session_start(T0 + n) + [ev.user(f"question {n}", T0 + n + 0.5, intent="greet")],
        )
    add_user(engine, username="rita", password=REVIEWER_PASSWORD, role=REVIEWER)
    return engine


def listed(client) -> list[str]:
    return re.findall(r'<a href="/conversations/(\d+)">', client.get("/conversations").text)


def test_refresh_reads_at_most_the_batches_asked(unread) -> None:
    assert backlog(unread) == SENDERS * PER
    assert refresh(unread, max_batches=3) == 6
    assert backlog(unread) == SENDERS * PER - 6
    assert refresh(unread) == SENDERS * PER - 6
    assert backlog(unread) == 0


def test_a_page_reads_one_batch_and_says_the_list_is_incomplete(unread, settings) -> None:
    app = create_app(dataclasses.replace(settings, background_refresh_seconds=0), unread)
    with _client(app) as client:
        assert sign_in(client, "rita", REVIEWER_PASSWORD).status_code == 303
        page = client.get("/conversations").text
        assert NOTICE in page
        assert len(re.findall(r'<a href="/conversations/(\d+)">', page)) < SENDERS
        for _ in range(SENDERS * PER):
            if backlog(unread) == 0:
                break
            client.get("/conversations")
        page = client.get("/conversations").text
        assert NOTICE not in page
        assert len(re.findall(r'<a href="/conversations/(\d+)">', page)) == SENDERS


def test_the_background_pass_catches_up_without_any_page_being_asked_for(unread, settings) -> None:
    app = create_app(
        dataclasses.replace(settings, refresh_on_request=False, background_refresh_seconds=0.05), unread
    )
    with _client(app):
        deadline = time.monotonic() + 20
        while backlog(unread) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert backlog(unread) == 0
    ev.store(unread, "late", ev.session_start(T0 + 100) + [ev.user("later", T0 + 101, intent="greet")])
    time.sleep(0.3)
    assert backlog(unread) == PER  # the pass stopped with the app
