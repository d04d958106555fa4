"""Pure parts: masking, reading events, filters from the query string."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select

from review.conversations import Filters
from review.masking import mask
from review.summary import refresh
from review.tables import conversations, messages
from review.transcript import parse_event
from tests.helpers import rasa_events as ev


@pytest.mark.parametrize(
    "text, expected",
    [
        ("write to jo.smith+x@example.co.uk please", "write to [email] please"),
        ("call 07700 900123 today", "call [phone] today"),
        ("or +44 (0)20 7946 0958", "or [phone]"),
        ("my number is 555-1234", "my number is [phone]"),
        ("walked 5 km on 2024-01-03 at 10:30", "walked 5 km on 2024-01-03 at 10:30"),
        ("I walk 10000 steps, 3 times", "I walk 10000 steps, 3 times"),
        ("", ""),
    ],
)
def test_mask(text: str, expected: str) -> None:
    assert mask(text) == expected


def test_parse_user_event() -> None:
    finding = {"tier": "urgent", "flag": "night-pain", "phrase": "pain at night", "detected_by": "classifier"}
    item = ev.user(
        "pain at night", 5.0, intent="red_flag_urgent", confidence=0.7, channel="slack", red_flag=finding
    )
    event = parse_event(id=1, sender_id="s", type_name="user", timestamp=5.0, data=json.dumps(item))
    assert (event.text, event.intent, event.confidence, event.channel) == (
        "pain at night",
        "red_flag_urgent",
        0.7,
        "slack",
    )
    assert event.red_flag is not None and event.red_flag.detected_by == "classifier"
    assert not event.not_covered and not event.fallback


def test_parse_bot_event() -> None:
    item = ev.bot("Walking helps.", 6.0, answer=ev.GUIDANCE_ANSWER)
    event = parse_event(id=2, sender_id="s", type_name="bot", timestamp=6.0, data=json.dumps(item))
    assert event.answered_from_guidance and event.passages[0].section == "How walking helps"
    covered = ev.bot("No.", 7.0, answer={"kind": "not_covered"})
    assert parse_event(
        id=3, sender_id="s", type_name="bot", timestamp=7.0, data=json.dumps(covered)
    ).not_covered


def test_parse_tolerates_odd_shapes() -> None:
    odd = {
        "text": 5,
        "parse_data": {"intent": "greet", "red_flag": {"tier": "severe"}},
        "input_channel": ["x"],
    }
    event = parse_event(id=1, sender_id="s", type_name="user", timestamp=None, data=json.dumps(odd))
    assert (event.text, event.intent, event.red_flag, event.channel, event.timestamp) == (
        "",
        None,
        None,
        None,
        0.0,
    )


def test_filters_round_trip_and_reject_junk() -> None:
    query = {
        "low_confidence": "on",
        "channel": "slack",
        "from": "2026-01-02",
        "to": "nope",
        "tier": "severe",
        "threshold": "7",
        "q": " x ",
    }
    filters = Filters.from_query(query)
    assert filters.date_to is None and filters.tier == "" and filters.threshold == 1.0 and filters.q == "x"
    assert Filters.from_query(filters.to_query()) == filters


def test_concurrent_passes_summarise_each_event_once(engine) -> None:
    for n in range(40):
        ev.store(engine, f"s{n}", ev.session_start(1e9 + n) + ev.walking_question(1e9 + n + 0.5))
    errors: list[BaseException] = []

    def run() -> None:
        try:
            refresh(engine, batch=17)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(conversations)).scalar() == 40
        assert connection.execute(select(func.count()).select_from(messages)).scalar() == 40
