import pytest
import spacy
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from tests.conftest import ROOT
from understanding.red_flag_check import RedFlagCheck


@pytest.fixture(scope="module")
def nlp():
    return spacy.load(ROOT / "build" / "spacy-en-walkwise")


def message(nlp, text, intent, confidence=0.9, ranking=None):
    msg = Message({TEXT: text})
    msg.set(SPACY_DOCS[TEXT], nlp(text))
    msg.set("intent", {"name": intent, "confidence": confidence})
    msg.set("intent_ranking", ranking or [{"name": intent, "confidence": confidence}])
    return msg


def test_a_pattern_overrides_the_predicted_intent_and_fills_the_slots(nlp):
    check = RedFlagCheck({}, emergency_number="999")
    msg = message(nlp, "should I walk? I wet myself today", "ask_flare_up")
    check.process([msg])
    assert msg.get("intent") == {"name": "red_flag_emergency", "confidence": 1.0}
    assert msg.get("red_flag") == {"tier": "emergency", "flag": "bladder-or-bowel-problems",
                                   "phrase": "wet myself", "detected_by": "pattern"}
    assert {(e["entity"], e["value"]) for e in msg.get("entities")} == {
        ("red_flag_tier", "emergency"), ("emergency_number", "999")}


def test_without_a_configured_number_the_domain_default_is_left_alone(nlp):
    msg = message(nlp, "I've got a fever", "ask_walking_helps")
    RedFlagCheck({}).process([msg])
    assert msg.get("intent")["name"] == "red_flag_urgent"
    assert [e["entity"] for e in msg.get("entities")] == ["red_flag_tier"]


def test_the_classifier_catches_what_the_patterns_miss(nlp):
    msg = message(nlp, "my seat area has gone strange", "red_flag_emergency", 0.92)
    RedFlagCheck({}).process([msg])
    assert msg.get("intent")["name"] == "red_flag_emergency"
    assert msg.get("red_flag")["detected_by"] == "intent"


def test_a_weak_classifier_guess_is_not_enough(nlp):
    ranking = [{"name": "red_flag_emergency", "confidence": 0.5}, {"name": "ask_walking_helps", "confidence": 0.4}]
    msg = message(nlp, "is walking ok", "red_flag_emergency", 0.5, ranking)
    RedFlagCheck({}).process([msg])
    assert msg.get("intent")["name"] == "nlu_fallback"


def test_a_negated_symptom_overrules_the_classifier(nlp):
    ranking = [{"name": "red_flag_emergency", "confidence": 0.95}, {"name": "ask_walking_helps", "confidence": 0.05}]
    msg = message(nlp, "I don't have any numbness, is walking ok?", "red_flag_emergency", 0.95, ranking)
    RedFlagCheck({}).process([msg])
    assert msg.get("intent")["name"] != "red_flag_emergency"
    assert msg.get("red_flag")["tier"] is None


def test_a_general_question_becomes_ask_red_flags(nlp):
    msg = message(nlp, "what are red flags?", "red_flag_urgent", 0.8)
    RedFlagCheck({}).process([msg])
    assert msg.get("intent")["name"] == "ask_red_flags"
