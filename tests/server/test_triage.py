"""The triage reader: which message the question was about, and the answer."""

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from server import triage

POSSIBLE = {
    "tier": None,
    "possible": {"flag": "saddle-numbness", "tier": "emergency", "score": 0.4, "phrase": "numb"},
    "held_intent": "ask_walking_helps",
}


def asked(record=POSSIBLE):
    return [
        UserUttered("it's gone a bit numb", parse_data={"red_flag": record}),
        ActionExecuted("utter_red_flag_triage"),
        BotUttered("Before I answer, one quick safety question."),
        ActionExecuted("action_listen"),
    ]


def updates(tier, flag, phrase):
    return {
        "intent": {"name": f"red_flag_{tier}", "confidence": 1.0},
        "red_flag": {"tier": tier, "flag": flag, "phrase": phrase, "detected_by": "triage"},
    }


def test_the_pending_question_is_found_after_the_bot_asked_it():
    assert triage.pending_triage(asked()) == POSSIBLE


def test_nothing_is_pending_once_the_bot_did_something_else():
    events = asked() + [UserUttered("hi"), ActionExecuted("utter_greet"), ActionExecuted("action_listen")]
    assert triage.pending_triage(events) is None


def test_nothing_is_pending_when_the_message_was_not_a_possible_flag():
    assert triage.pending_triage(asked({"tier": None})) is None


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "Yes, since yesterday",
        "yeah both of them",
        "yep",
        "y",
        "YES!!",
        "I do",
        "it is, started monday",
        "not sure",
        "I don't know",
        "maybe",
    ],
)
def test_typed_yes(text):
    assert (
        triage.answer_of({"text": text, "intent": {"name": "ask_walking_helps", "confidence": 0.9}}) == "yes"
    )


@pytest.mark.parametrize(
    "text",
    [
        "no",
        "No, it's been like that for years",
        "nope",
        "nah",
        "not really",
        "I don't think so",
        "none of those",
    ],
)
def test_typed_no(text):
    assert (
        triage.answer_of({"text": text, "intent": {"name": "ask_walking_helps", "confidence": 0.9}}) == "no"
    )


def test_buttons_and_confident_intents_answer_too():
    assert triage.answer_of({"text": "/affirm", "intent": {"name": "affirm", "confidence": 1.0}}) == "yes"
    assert triage.answer_of({"text": "/deny", "intent": {"name": "deny", "confidence": 1.0}}) == "no"
    assert (
        triage.answer_of({"text": "afraid it is", "intent": {"name": "affirm", "confidence": 0.9}}) == "yes"
    )
    assert (
        triage.answer_of({"text": "what about my knees", "intent": {"name": "affirm", "confidence": 0.3}})
        is None
    )
    assert (
        triage.answer_of({"text": "/ask_flare_up", "intent": {"name": "ask_flare_up", "confidence": 1}})
        is None
    )


def test_yes_gives_the_flags_advice_and_records_the_answer():
    parse = {"text": "yes", "intent": {"name": "affirm", "confidence": 0.99}}
    triage.resolve(parse, POSSIBLE, {"ask_walking_helps"}, updates)
    assert parse["intent"]["name"] == "red_flag_emergency"
    assert parse["red_flag"]["triage"] == {"flag": "saddle-numbness", "answer": "yes"}
    assert parse["red_flag"]["detected_by"] == "triage"


def test_no_answers_the_question_the_first_message_asked():
    parse = {"text": "no", "intent": {"name": "deny", "confidence": 0.99}}
    triage.resolve(parse, POSSIBLE, {"ask_walking_helps"}, updates)
    assert parse["intent"]["name"] == "ask_walking_helps"
    assert parse["red_flag"] == {"tier": None, "triage": {"flag": "saddle-numbness", "answer": "no"}}


def test_no_answers_the_passages_the_retrieval_found_for_the_first_message():
    plan = {"intents": [], "passages": [{"document": "desk", "key": "item-2"}], "uncovered": None}
    pending = {**POSSIBLE, "held_intent": "ask_guidance", "held_guidance": plan}
    parse = {"text": "no", "intent": {"name": "deny", "confidence": 0.99}, "guidance": {"passages": []}}
    triage.resolve(parse, pending, {"ask_walking_helps"}, updates)
    assert parse["intent"]["name"] == "ask_guidance"
    assert parse["guidance"] == plan


def test_no_without_a_question_to_answer_says_nothing_urgent_was_found():
    parse = {"text": "no", "intent": {"name": "deny", "confidence": 0.99}}
    triage.resolve(parse, {**POSSIBLE, "held_intent": "nlu_fallback"}, {"ask_walking_helps"}, updates)
    assert parse["intent"]["name"] == "red_flag_triage_clear"


def test_a_new_red_flag_in_the_reply_wins():
    parse = {
        "text": "no but I wet myself",
        "intent": {"name": "red_flag_emergency", "confidence": 1.0},
        "red_flag": {"tier": "emergency", "flag": "bladder-or-bowel-problems"},
    }
    triage.resolve(parse, POSSIBLE, {"ask_walking_helps"}, updates)
    assert parse["red_flag"]["flag"] == "bladder-or-bowel-problems"


def test_an_unrelated_reply_is_left_alone():
    parse = {"text": "how far should I walk", "intent": {"name": "ask_not_covered", "confidence": 0.9}}
    triage.resolve(parse, POSSIBLE, {"ask_walking_helps"}, updates)
    assert parse["intent"]["name"] == "ask_not_covered" and "red_flag" not in parse


def test_the_answer_wins_over_a_mention_of_the_same_flag():
    parse = {
        "text": "no, I've been dieting",
        "intent": {"name": "red_flag_urgent", "confidence": 1.0},
        "red_flag": {"tier": "urgent", "flag": "saddle-numbness"},
    }
    triage.resolve(parse, POSSIBLE, {"ask_walking_helps"}, updates)
    assert parse["intent"]["name"] == "ask_walking_helps"


@pytest.mark.parametrize("text, intent", [("ok thanks", "thanks"), ("hmm", "nlu_fallback")])
def test_a_reply_that_answers_nothing_gets_the_question_once_more(text, intent):
    parse = {"text": text, "intent": {"name": intent, "confidence": 0.9}}
    triage.resolve(parse, POSSIBLE, {"ask_walking_helps"}, updates)
    assert parse["intent"]["name"] == "red_flag_possible"
    assert parse["red_flag"]["possible"] == POSSIBLE["possible"]
    assert parse["red_flag"]["held_intent"] == "ask_walking_helps"
    # The record carries on, so a "yes" to the question asked again still answers it...
    assert triage.pending_triage(asked(parse["red_flag"])) == parse["red_flag"]
    # ...and a second reply that answers nothing is understood as itself.
    again = {"text": text, "intent": {"name": intent, "confidence": 0.9}}
    triage.resolve(again, parse["red_flag"], {"ask_walking_helps"}, updates)
    assert again["intent"]["name"] == intent


@pytest.mark.parametrize("text", ["yeh it started yesterday", "yh", "actually yes, since Monday"])
def test_more_ways_of_typing_yes(text):
    assert triage.answer_of({"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.3}}) == "yes"


def possible_fever_reply():
    """A reply that the red-flag check itself read as a possible fever."""
    return {
        "text": "temp of 39 and shivering since last night",
        "intent": {"name": "red_flag_possible", "confidence": 1.0},
        "red_flag": {"tier": None, "possible": {"flag": "fever", "tier": "urgent", "phrase": "temp"}},
    }


def test_a_reply_that_may_itself_be_a_red_flag_answers_yes():
    unspecified = {**POSSIBLE, "possible": {"flag": None, "tier": None, "score": 0.5, "phrase": None}}
    parse = possible_fever_reply()
    triage.resolve(parse, unspecified, {"ask_walking_helps"}, updates)
    assert parse["intent"]["name"] == "red_flag_urgent"
    assert parse["red_flag"]["flag"] == "fever"
    assert parse["red_flag"]["triage"]["answer"] == "yes"


def test_a_possible_flag_in_the_reply_never_lowers_the_tier_asked_about():
    parse = possible_fever_reply()
    triage.resolve(parse, POSSIBLE, {"ask_walking_helps"}, updates)
    assert parse["intent"]["name"] == "red_flag_emergency"


def test_after_the_general_question_a_reply_naming_a_flag_gets_that_flags_tier():
    general = {**POSSIBLE, "possible": {**POSSIBLE["possible"], "question": "unspecified"}}
    parse = possible_fever_reply()
    triage.resolve(parse, general, {"ask_walking_helps"}, updates)
    assert parse["intent"]["name"] == "red_flag_urgent"
    assert parse["red_flag"]["flag"] == "fever"


def test_a_reply_that_tells_its_symptom_as_long_past_answers_no():
    parse = possible_fever_reply()
    parse["red_flag"]["possible"]["told_as_past"] = True
    triage.resolve(parse, POSSIBLE, {"ask_walking_helps"}, updates)
    assert parse["intent"]["name"] == "ask_walking_helps"
    assert parse["red_flag"]["triage"]["answer"] == "no"
    assert parse["red_flag"]["tier"] is None


def test_a_reply_that_tells_a_symptom_as_long_past_answers_no_even_when_not_itself_asked_about():
    parse = {
        "text": "years ago I had a numb patch, fine since, this is just stiffness",
        "intent": {"name": "nlu_fallback", "confidence": 0.45},
        "red_flag": {"tier": None, "told_as_past": True},
    }
    triage.resolve(parse, POSSIBLE, {"ask_walking_helps"}, updates)
    assert parse["intent"]["name"] == "ask_walking_helps"
    assert parse["red_flag"]["triage"]["answer"] == "no"


@pytest.mark.parametrize(
    "text, explained, tier, answer",
    [
        # A yes that puts the symptom asked about down to an everyday cause.
        (
            "yeah it came with the back pain, but it's only from sitting on a pew, coming back now",
            ["saddle-numbness"],
            None,
            "no",
        ),
        # The cause explains another symptom: still a yes.
        ("yes, and we're in a heatwave", ["night-sweats"], None, "yes"),
        # The reply tells the flag itself: its advice.
        ("yes, sat on the pew and now I can't feel when I wee", ["saddle-numbness"], "emergency", "yes"),
    ],
)
def test_a_reply_that_gives_an_everyday_cause_for_the_symptom_asked_about_is_a_no(
    text, explained, tier, answer
):
    parse = {
        "text": text,
        "intent": {"name": "affirm", "confidence": 0.9},
        "red_flag": {"tier": tier, "flag": "saddle-numbness" if tier else None, "explained": explained},
    }
    triage.resolve(parse, POSSIBLE, {"ask_walking_helps"}, updates)
    if answer == "no":
        assert parse["intent"]["name"] == "ask_walking_helps"
        assert parse["red_flag"]["triage"]["answer"] == "no"
    else:
        assert parse["intent"]["name"] == "red_flag_emergency"
