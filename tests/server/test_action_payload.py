"""server/action_payload.py: the action server is sent the recent events, and
reads from them what it read from the whole conversation."""

import random

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from actions.red_flag_reminder import pending_tier
from server.action_payload import RECENT_USER_TURNS, action_call_format, window_start

FLAGGED = {"red_flag": {"tier": "emergency", "flag": "saddle-numbness"}}
REMINDED = {"walkwise": {"red_flag_reminder": "emergency"}}


def turn(rng: random.Random, n: int) -> list:
    parse: dict = {"intent": {"name": "ask_flare_up", "confidence": 0.9}}
    metadata: dict = {}
    roll = rng.random()
    if roll < 0.08:
        parse = {**parse, **FLAGGED}
    elif roll < 0.12:
        parse = {**parse, "red_flag": {"tier": None}}
    elif roll < 0.2:
        metadata = REMINDED
    return [
        ActionExecuted("action_listen"),
        UserUttered(f"message {n}", parse["intent"], parse_data=parse),
        ActionExecuted("action_answer_question"),
        BotUttered(f"answer {n}", metadata=metadata),
        SlotSet("last_topic", "flare-ups"),
    ]


def conversation(seed: int, turns: int) -> list:
    rng = random.Random(seed)
    return [event for n in range(turns) for event in turn(rng, n)]


def as_dicts(events) -> list:
    return [event.as_dict() for event in events]


def test_the_reminder_reads_the_same_from_the_window_as_from_everything():
    for seed in range(400):
        events = conversation(seed, random.Random(seed).randint(0, 60))
        window = events[window_start(events) :]
        assert pending_tier(as_dicts(window)) == pending_tier(as_dicts(events)), seed


def test_the_window_holds_the_recent_user_turns():
    for seed in range(100):
        events = conversation(seed, 40)
        window = events[window_start(events) :]
        assert sum(isinstance(e, UserUttered) for e in window) >= RECENT_USER_TURNS


def test_a_red_flag_long_ago_without_a_reminder_stays_in_the_window():
    events = conversation(1, 0)
    flagged = UserUttered("I can't feel my bum", {"name": "red_flag_emergency"}, parse_data=FLAGGED)
    events = [flagged] + [
        event for n in range(50) for event in turn(random.Random(-1), n) if not isinstance(event, BotUttered)
    ]
    assert window_start(events) == 0
    assert pending_tier(as_dicts(events[window_start(events) :])) == "emergency"


def test_a_long_conversation_without_red_flags_sends_only_the_recent_turns():
    events = [
        event
        for n in range(100)
        for event in turn(random.Random(5), n)[:2] + [ActionExecuted("a"), BotUttered("b")]
    ]
    start = window_start(events)
    assert sum(isinstance(e, UserUttered) for e in events[start:]) == RECENT_USER_TURNS
    assert len(events) - start < 25


def test_the_payload_carries_the_window_and_leaves_the_tracker_whole():
    domain = Domain.empty()
    events = [
        event
        for n in range(30)
        for event in turn(random.Random(7), n)[:2] + [ActionExecuted("a"), BotUttered("b")]
    ]
    tracker = DialogueStateTracker.from_events("someone", events, domain.slots)
    action = RemoteAction("action_answer_question", EndpointConfig("http://127.0.0.1:1/webhook"))
    payload = action_call_format(RemoteAction._action_call_format, action, tracker, domain)
    sent = payload["tracker"]["events"]
    assert [e.get("text") for e in sent if e["event"] == "user"] == [f"message {n}" for n in range(25, 30)]
    assert payload["tracker"]["latest_message"]["text"] == "message 29"
    assert len(tracker.events) == len(events)
    assert payload["tracker"]["latest_event_time"] == events[-1].timestamp
