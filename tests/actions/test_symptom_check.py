"""The symptom screen: when it stops, and what it ends with."""

import pytest

from actions.answer_question import GuidanceAnswerer
from actions.symptom_check import (
    SCREEN,
    TEXT_NO_RED_FLAGS,
    ActionSymptomCheckResult,
    remaining_questions,
    screen_result,
)

FIRST_EMERGENCY, *_ = [name for name, tier in SCREEN.items() if tier == "emergency"]
FIRST_URGENT = next(name for name, tier in SCREEN.items() if tier == "urgent")


def test_all_no_is_no_red_flags():
    assert screen_result({name: False for name in SCREEN}) == (None, [])


def test_the_most_urgent_yes_decides():
    answers = {name: False for name in SCREEN} | {FIRST_URGENT: True}
    assert screen_result(answers) == ("urgent", [FIRST_URGENT])
    assert screen_result(answers | {"screen_injury": True})[0] == "emergency"


def test_an_emergency_yes_ends_the_screen():
    assert remaining_questions({FIRST_EMERGENCY: True}) == [FIRST_EMERGENCY]
    assert remaining_questions({FIRST_EMERGENCY: False}) == list(SCREEN)
    assert remaining_questions({FIRST_URGENT: True}) == list(SCREEN)


@pytest.fixture
def action(store, routes):
    return ActionSymptomCheckResult(GuidanceAnswerer(store, routes))


def test_the_result_gives_the_advice_and_clears_the_answers(action, dispatcher, make_tracker):
    tracker = make_tracker(slots={FIRST_EMERGENCY: True})
    events = action.run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["response"] == "utter_red_flag_emergency"
    assert dispatcher.messages[0]["walkwise"]["symptom_check"]["tier"] == "emergency"
    assert {e["name"] for e in events if e["event"] == "slot"} >= set(SCREEN)


def test_no_red_flags_is_followed_by_the_guidance(action, dispatcher, make_tracker):
    tracker = make_tracker(slots={name: False for name in SCREEN})
    action.run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == TEXT_NO_RED_FLAGS
    assert "walking can be beneficial" in dispatcher.messages[1]["text"]
