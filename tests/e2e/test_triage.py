"""The triage question and the symptom screen, end to end over REST, Slack and
Telegram, against the real Rasa and action servers."""

import json
import sqlite3

from tests.helpers.answers import EMERGENCY, URGENT, assert_advice_alone, new_sender, passage_text, reply_text

# A message the trained model is unsure about: it asks before advising.
UNCLEAR = "I had a fall"
QUESTION = "Before I answer, one quick safety question."


def ask_triage(stack, sender, text=UNCLEAR):
    replies = stack.ask(sender, text)
    assert replies[0]["text"].startswith(QUESTION), replies
    assert [b["title"] for b in replies[0]["buttons"]] == ["Yes", "No"]
    return replies


def test_a_typed_yes_gets_the_advice_of_the_flag_asked_about(stack):
    sender = new_sender()
    replies = ask_triage(stack, sender)
    assert "Did your back pain start after this fall or injury" in replies[0]["text"]
    assert_advice_alone(stack.ask(sender, "yes"), EMERGENCY)


def test_the_yes_button_works_too(stack):
    sender = new_sender()
    replies = ask_triage(stack, sender)
    assert_advice_alone(stack.ask(sender, replies[0]["buttons"][0]["payload"]), EMERGENCY)


def test_a_no_goes_on_to_answer_the_question_that_was_asked(stack):
    sender = new_sender()
    # A flare-up alone is no red flag; after a fall, it is asked about.
    ask_triage(stack, sender, "my back flared up this morning after a fall")
    text = reply_text(stack.ask(sender, "no, nothing like that"))
    assert passage_text("note-1") in text
    assert "Emergency" not in text and "Urgent" not in text


def test_a_thank_you_to_the_question_gets_it_once_more_and_a_yes_then_the_advice(stack):
    sender = new_sender()
    first = ask_triage(stack, sender)
    again = stack.ask(sender, "ok thanks")
    assert again[0]["text"] == first[0]["text"], again
    assert_advice_alone(stack.ask(sender, "yes"), EMERGENCY)


def test_a_plain_no_says_nothing_points_to_urgent_care(stack):
    sender = new_sender()
    ask_triage(stack, sender, "I had a fall")
    assert "doesn't sound like one of the warning signs" in reply_text(stack.ask(sender, "no"))


def test_a_yes_that_puts_the_symptom_down_to_an_everyday_cause_is_a_no(stack):
    sender = new_sender()
    ask_triage(stack, sender, "I had a fall")
    text = reply_text(
        stack.ask(sender, "yeah, but only a little slip onto the grass, more embarrassing than anything")
    )
    assert "doesn't sound like one of the warning signs" in text
    assert "Emergency" not in text and "Urgent" not in text


def test_a_red_flag_in_the_answer_still_wins(stack):
    sender = new_sender()
    ask_triage(stack, sender)
    assert_advice_alone(stack.ask(sender, "no, but I wet myself this morning"), EMERGENCY)


def test_the_triage_answer_is_recorded(stack):
    sender = new_sender()
    ask_triage(stack, sender)
    stack.ask(sender, "yes")
    with sqlite3.connect(stack.tracker_db) as db:
        records = [
            json.loads(d)["parse_data"].get("red_flag")
            for (d,) in db.execute(
                "select data from events where sender_id = ? and type_name = 'user' order by id", (sender,)
            )
        ]
    assert records[0]["possible"]["flag"] == "serious-fall-or-accident"
    assert records[1]["tier"] == "emergency" and records[1]["detected_by"] == "triage"
    assert records[1]["triage"] == {"flag": "serious-fall-or-accident", "answer": "yes"}


def test_the_symptom_screen_stops_at_an_emergency_yes(stack):
    sender = new_sender()
    greeting = stack.ask(sender, "hi")
    check = next(b for b in greeting[0]["buttons"] if b["title"] == "Check my symptoms")
    start = stack.ask(sender, check["payload"])
    assert start[1]["text"].startswith("1 of 10:")
    assert_advice_alone(stack.ask(sender, "yes"), EMERGENCY)


def test_the_full_symptom_screen_ends_in_urgent_advice_or_no_red_flags(stack):
    sender = new_sender()
    replies = stack.ask(sender, "can you check my symptoms")
    for number in range(1, 11):
        assert replies[-1]["text"].startswith(f"{number} of 10:"), replies
        replies = stack.ask(sender, "yes" if number == 6 else "no")
    assert_advice_alone(replies, URGENT)
    replies = stack.ask(sender, "check my symptoms")
    for _ in range(10):
        replies = stack.ask(sender, "no")
    assert replies[0]["text"].startswith("No red flags")
    assert "walking can be beneficial" in reply_text(replies)


def test_a_symptom_typed_as_an_answer_to_the_screen_ends_it_with_the_advice_once(stack):
    sender = new_sender()
    replies = stack.ask(sender, "check my symptoms")
    replies = stack.ask(sender, "no")
    replies = stack.ask(sender, "no")
    assert replies[-1]["text"].startswith("3 of 10:"), replies
    replies = stack.ask(sender, "yes, my left leg has gone weak and drags when I walk")
    assert_advice_alone(replies, EMERGENCY)
    after = stack.ask(sender, "does walking help my back?")
    assert not any(r["text"].startswith(("3 of 10:", "4 of 10:")) for r in after), after
    assert not reply_text(after).startswith(EMERGENCY)


def test_a_red_flag_in_the_middle_of_a_walking_conversation_after_a_question(stack):
    sender = new_sender()
    assert passage_text("note-1") in reply_text(stack.ask(sender, "should i walk during a flare-up?"))
    ask_triage(stack, sender)
    assert_advice_alone(stack.ask(sender, "yes, off a ladder"), EMERGENCY)
    assert "Reminder" in reply_text(stack.ask(sender, "what shoes should I wear?"))
