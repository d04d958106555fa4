"""Red flags end to end over REST: the urgent advice first, in every state."""

import pytest

from tests.helpers.answers import (
    EMERGENCY,
    RED_FLAGS,
    REMINDER,
    URGENT,
    assert_advice_alone,
    new_sender,
    normalize,
    passage_text,
    reply_text,
)
from tests.helpers.stack import stored_events


def test_a_red_flag_as_the_very_first_message(stack):
    assert_advice_alone(stack.ask(new_sender(), "I wet myself this morning and my back is agony"), EMERGENCY)


@pytest.mark.parametrize(
    "message",
    [
        "i cant feel my bum and my back hurts",
        "both my legs have gone weak and numb",
        "I fell down the stairs and now my back hurts",
        "Hi, my back has been sore for weeks and I walk a lot. Today I noticed my groin feels numb, "
        "sort of like pins and needles. Anyway, how many steps should I do?",
    ],
)
def test_emergency_messages_get_the_emergency_advice(stack, message):
    assert_advice_alone(stack.ask(new_sender(), message), EMERGENCY)


def test_an_urgent_red_flag_gets_the_urgent_advice(stack):
    assert_advice_alone(
        stack.ask(new_sender(), "I've had a fever for two days and my lower back hurts"), URGENT
    )


def test_a_red_flag_in_the_middle_of_a_walking_conversation(stack):
    sender = new_sender()
    assert passage_text("note-1") in reply_text(stack.ask(sender, "should i walk during a flare-up?"))
    assert_advice_alone(stack.ask(sender, "ok but now I can't pee properly"), EMERGENCY)


def test_a_red_flag_after_a_button_click(stack):
    sender = new_sender()
    greeting = stack.ask(sender, "hi")
    payload = greeting[0]["buttons"][0]["payload"]
    assert reply_text(stack.ask(sender, payload))
    assert_advice_alone(stack.ask(sender, "my legs keep giving way"), EMERGENCY)


def test_a_red_flag_inside_a_button_payload(stack):
    replies = stack.ask(new_sender(), '/ask_flare_up{"note": "I wet myself"}')
    assert_advice_alone(replies, EMERGENCY)


def test_the_next_walking_answer_repeats_the_reminder_once(stack):
    sender = new_sender()
    stack.ask(sender, "I've lost control of my bladder")
    first = stack.ask(sender, "what shoes should I wear for walking")
    assert (
        first[0]["text"]
        == f"{REMINDER} Call your local emergency number or go to an emergency department now."
    )
    assert passage_text("note-2") in reply_text(first[1:])
    second = stack.ask(sender, "does walking help with posture")
    assert REMINDER not in reply_text(second)


def test_negations_and_ordinary_aches_get_no_alarm(stack):
    for message in (
        "I don't have any numbness, is walking ok?",
        "my legs feel tired after a walk",
        "tingling in one leg when I sit long",
        "pain when I bend",
    ):
        text = reply_text(stack.ask(new_sender(), message))
        assert "Emergency" not in text, message


def test_a_question_about_red_flags_gets_an_explanation(stack):
    replies = stack.ask(new_sender(), "what are red flags?")
    text = reply_text(replies)
    assert not replies[0]["text"].startswith(("🚨", "⚠️"))
    assert normalize(RED_FLAGS.passage("saddle-numbness").text) in text
    assert normalize(RED_FLAGS.passage("night-sweats").text) in text


def test_a_red_flag_in_a_message_over_the_length_cap_still_gets_the_advice(stack):
    message = "I walk a lot. " * 20 + "I wet myself yesterday. " + "My back hurts. " * 300
    assert len(message) > 4_000
    assert_advice_alone(stack.ask(new_sender(), message), EMERGENCY)


def test_the_red_flag_is_recorded_for_staff(stack):
    sender = new_sender()
    stack.ask(sender, "does walking help?")
    stack.ask(sender, "I can't feel my bum")
    rows = stored_events(stack.tracker_db, sender)
    flagged = [
        d["parse_data"]["red_flag"] for t, d in rows if t == "user" and d["parse_data"].get("red_flag")
    ]
    [record] = flagged
    assert {k: record[k] for k in ("tier", "flag", "phrase")} == {
        "tier": "emergency",
        "flag": "saddle-numbness",
        "phrase": "can't feel my bum",
    }
    assert record["detected_by"] == "classifier+pattern" and 0.6 <= record["score"] <= 1.0
    slots = [(d["name"], d["value"]) for t, d in rows if t == "slot"]
    assert ("red_flag_tier", "emergency") in slots


def test_the_advice_arrives_with_the_action_server_stopped(stack):
    stack.stop("actions")
    try:
        assert_advice_alone(stack.ask(new_sender(), "I wet myself and my back hurts", timeout=30), EMERGENCY)
        assert_advice_alone(
            stack.ask(new_sender(), "I've got night sweats and back pain", timeout=30), URGENT
        )
    finally:
        stack.start_actions()
