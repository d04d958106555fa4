import pytest
import yaml
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from tests.conftest import ROOT
from understanding.uncovered_topics import UncoveredTopicCheck


@pytest.fixture(scope="module")
def check():
    return UncoveredTopicCheck()


def run(check, nlp, text, intent):
    msg = Message({TEXT: text})
    msg.set(SPACY_DOCS[TEXT], nlp(text))
    msg.set("intent", {"name": intent, "confidence": 0.8})
    msg.set("intent_ranking", [{"name": intent, "confidence": 0.8}])
    check.process([msg])
    return msg


@pytest.mark.parametrize(
    "text, topic",
    [
        ("how quickly should i walk", "speed"),
        ("how many steps a day", "steps"),
        ("how long should my walks be", "duration"),
        ("is the treadmill as good as walking outside", "treadmill or outdoors"),
        ("can I take ibuprofen before a walk", "painkillers"),
        ("i'm pregnant, does walking help my back", "pregnancy"),
        ("is jogging ok with back pain", "other activities"),
        ("would swimming be better than walking", "other activities"),
    ],
)
def test_an_uncovered_topic_is_named_and_the_intent_kept(check, nlp, text, topic):
    msg = run(check, nlp, text, "ask_how_walking_helps")
    assert msg.get("intent")["name"] == "ask_how_walking_helps"
    assert msg.get("uncovered_topic") == {"topic": topic, "phrase": msg.get("uncovered_topic")["phrase"]}
    assert msg.get("uncovered_topic")["phrase"].lower() in text.lower()


def test_no_training_example_of_a_guidance_intent_in_nlu_yml_names_a_topic(check, nlp):
    routed = set(yaml.safe_load((ROOT / "guidance" / "routes.yml").read_text())["walking-lower-back-pain"])
    for block in yaml.safe_load((ROOT / "data" / "nlu.yml").read_text())["nlu"]:
        if block["intent"] not in routed:
            continue
        for line in block["examples"].splitlines():
            text = line.strip()[2:]
            assert check.topic(nlp(text)) is None, text


@pytest.mark.parametrize(
    "text",
    [
        "how long should I rest before walking after a flare up",
        "can walking act as a natural painkiller",
        "does walking speed up healing",
    ],
)
def test_covered_phrasings_that_share_a_keyword_name_no_topic(check, nlp, text):
    assert run(check, nlp, text, "ask_flare_up").get("uncovered_topic") is None
