"""server/tracker_speed.py gives the list stock Rasa's applied_events gives,
on conversations with every kind of event that rewinds or resets one."""

import random

import pytest
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from server import tracker_speed

STOCK = DialogueStateTracker.applied_events
FORM = "symptom_check_form"


def make_event(rng: random.Random, n: int):
    choice = rng.random()
    if choice < 0.25:
        return ActionExecuted(rng.choice(["action_listen", "action_answer_guidance", FORM]))
    if choice < 0.45:
        return UserUttered(
            f"message {n}", {"name": rng.choice(["greet", "affirm", "deny"]), "confidence": 1.0}
        )
    if choice < 0.55:
        return BotUttered(f"answer {n}")
    if choice < 0.65:
        return SlotSet("answer", n)
    if choice < 0.75:
        return ActiveLoop(rng.choice([FORM, None]))
    return rng.choice(
        [
            LoopInterrupted(True),
            ActionExecutionRejected(FORM),
            UserUtteranceReverted(),
            ActionReverted(),
            Restarted(),
            SessionStarted(),
        ]
    )


def conversation(seed: int) -> DialogueStateTracker:
    rng = random.Random(seed)
    tracker = DialogueStateTracker("someone", [])
    for n in range(rng.randint(0, 120)):
        tracker.events.append(make_event(rng, n))  # no replay: only the list matters here
    return tracker


@pytest.mark.parametrize("seed", range(300))
def test_the_applied_events_are_stock_rasa_s(seed):
    tracker = conversation(seed)
    assert [id(e) for e in tracker_speed.applied_events(tracker)] == [id(e) for e in STOCK(tracker)]


def test_a_long_plain_conversation_keeps_every_event():
    tracker = DialogueStateTracker("someone", [])
    for n in range(200):
        tracker.events.extend([ActionExecuted("action_listen"), UserUttered(f"q {n}"), BotUttered("a")])
    assert tracker_speed.applied_events(tracker) == list(tracker.events)


def test_a_subclass_of_an_event_is_treated_as_its_base():
    class MyRestart(Restarted):
        pass

    tracker = DialogueStateTracker("someone", [])
    tracker.events.extend([UserUttered("before"), MyRestart(), UserUttered("after")])
    assert [e.text for e in tracker_speed.applied_events(tracker)] == ["after"]
