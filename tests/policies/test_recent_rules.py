"""policies/recent_rules.py: the recent states are the last states of the
whole conversation's, computed as stock Rasa computes them."""

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from policies.recent_rules import longest_rule, recent_states
from tests.conftest import ROOT

DOMAIN = Domain.load(ROOT / "domain.yml")
FORM = "symptom_check_form"


def conversation(turns: int) -> DialogueStateTracker:
    """Questions, slots set and changed, the symptom form started and left."""
    events = [ActionExecuted("action_session_start"), ActionExecuted("action_listen")]
    for n in range(turns):
        events += [
            UserUttered(
                f"question {n}", {"name": "ask_walking_benefits" if n % 2 else "greet", "confidence": 0.9}
            ),
            ActionExecuted("action_answer_question"),
            BotUttered(f"answer {n}"),
            SlotSet("last_topic", f"topic-{n % 3}"),
        ]
        if n % 7 == 3:
            events += [ActionExecuted(FORM), ActiveLoop(FORM), SlotSet("screen_saddle", n % 2 == 0)]
        if n % 7 == 5:
            events += [ActiveLoop(None), SlotSet("red_flag_tier", "urgent")]
        events.append(ActionExecuted("action_listen"))
    return DialogueStateTracker.from_events("someone", events, DOMAIN.slots)


@pytest.mark.parametrize("turns", [0, 1, 5, 40])
def test_the_recent_states_are_the_last_of_the_whole_conversation_s(turns):
    tracker = conversation(turns)
    whole = tracker.past_states(DOMAIN)
    for horizon in range(1, len(whole) + 3):
        assert recent_states(tracker, DOMAIN, horizon) == whole[-horizon:], horizon


def test_the_states_carry_the_loop_of_their_time():
    # The form starts at turn 38 (38 % 7 == 3) and ends at turn 40.
    assert recent_states(conversation(39), DOMAIN, 2)[-1]["active_loop"] == {"name": FORM}
    assert "active_loop" not in recent_states(conversation(41), DOMAIN, 2)[-1]


def test_the_horizon_is_the_longest_learned_rule():
    lookup = {"rules": {'[{"a": 1}, {"b": 2}]': "x", '[{"a": 1}]': "y"}, "rules_for_loop_unhappy_path": {}}
    assert longest_rule(lookup) == 2
    lookup["rules_for_loop_unhappy_path"] = {'[{"a": 1}, {"b": 2}, {"c": 3}]': "z"}
    assert longest_rule(lookup) == 3
    assert longest_rule({}) == 0
