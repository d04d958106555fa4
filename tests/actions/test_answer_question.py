import pytest
from rasa_sdk.events import SlotSet

from actions.answer_question import ActionAnswerQuestion, ActionTellMore, GuidanceAnswerer
from actions.names import TEXT_GUIDANCE_UNAVAILABLE, TEXT_NO_TOPIC_YET, TEXT_NOTHING_MORE
from common.formatting import without_markup
from guidance.ingest import ingest_file
from guidance.store import GuidanceStore
from tests.conftest import ROOT, WALKING_DOC, WALKING_SLUG
from understanding.retrieval import PassageRef, Plan

DISCLAIMER = (
    "Always consult with a healthcare professional or physical therapist about any persistent "
    "or severe back pain or before starting a new exercise regimen."
)


def plain(text: str) -> str:
    return without_markup(text)


@pytest.fixture
def answer(store, routes):
    return ActionAnswerQuestion(GuidanceAnswerer(store, routes))


def run(action, dispatcher, tracker):
    events = action.run(dispatcher, tracker, {})
    return events, dispatcher.messages


@pytest.mark.parametrize(
    "intent, expected",
    [
        (
            "ask_strengthening_muscles",
            "Strengthening Muscles: Walking activates the muscles in your feet, legs, hips, and torso.",
        ),
        (
            "ask_flexibility",
            "Improving Flexibility: Regular walking can help maintain flexibility and range of motion.",
        ),
        ("ask_blood_flow", "Increasing Blood Flow: Walking can increase blood flow to the lower back"),
        (
            "ask_endorphins",
            "Endorphin Release: Like all forms of exercise, walking can trigger the release of endorphins",
        ),
        ("ask_weight", "Weight Management: Walking can help with weight management."),
        ("ask_posture", "Maintaining Proper Posture: Walking, especially if done with good form"),
        ("ask_disc_nutrition", "Disc Nutrition: The discs in our spine lack a direct blood supply."),
        (
            "ask_flare_up",
            "If you’re experiencing acute back pain or a flare-up, you may want to rest for a day or two",
        ),
        (
            "ask_shoes_and_bags",
            "Consider wearing supportive shoes and avoid carrying heavy bags on one shoulder",
        ),
        (
            "ask_walking_makes_worse",
            "If walking seems to make your back pain worse, stop and consult with a healthcare professional.",
        ),
        (
            "ask_other_exercises",
            "It’s also beneficial to complement walking with other exercises that strengthen the core",
        ),
        ("ask_see_professional", DISCLAIMER),
        ("ask_walking_helps", "Yes, walking can be beneficial for many people with lower back pain."),
    ],
)
def test_a_question_gets_its_passage_the_disclaimer_and_the_source(
    answer, dispatcher, make_tracker, intent, expected
):
    events, [message] = run(answer, dispatcher, make_tracker(intent))
    text = plain(message["text"])
    assert expected in text
    assert text.count(DISCLAIMER) == 1
    assert text.rstrip().splitlines()[-1].startswith("Source: “Can Walking Help with Lower Back Pain?”")
    assert 2 <= len(message["buttons"]) <= 3
    assert all(b["payload"].startswith("/ask_") for b in message["buttons"])
    assert events == [SlotSet("last_topic", intent)]


def test_a_specific_question_gets_its_passage_not_the_whole_page(answer, dispatcher, make_tracker):
    _, [message] = run(answer, dispatcher, make_tracker("ask_weight"))
    assert "Weight Management" in message["text"]
    for other in ("Strengthening Muscles", "Disc Nutrition", "flare-up", "In conclusion"):
        assert other not in message["text"]


def test_the_general_answer_names_the_ways_without_their_text(answer, dispatcher, make_tracker):
    _, [message] = run(answer, dispatcher, make_tracker("ask_walking_helps"))
    assert "7. Disc Nutrition" in message["text"]
    assert "imbibition" not in message["text"]
    assert "In conclusion, walking can be a beneficial and low-impact exercise" in message["text"]


def test_an_unrouted_intent_gets_the_honest_answer(answer, dispatcher, make_tracker):
    events, [message] = run(answer, dispatcher, make_tracker("ask_not_covered"))
    assert message["response"] == "utter_not_covered"
    assert events == [SlotSet("last_topic", None)]


def test_an_edit_changes_the_answer_without_retraining(answer, store, dispatcher, make_tracker, tmp_path):
    edited = tmp_path / "walking-lower-back-pain.txt"
    edited.write_bytes(WALKING_DOC.read_bytes().replace(b"rest for a day or two", b"rest for a day"))
    ingest_file(store, edited)
    _, [message] = run(answer, dispatcher, make_tracker("ask_flare_up"))
    assert "rest for a day before starting" in message["text"]
    assert "a day or two" not in message["text"]


def test_a_missing_passage_is_not_answered_from_a_partial_lookup(routes, dispatcher, make_tracker, tmp_path):
    store = GuidanceStore(f"sqlite:///{tmp_path / 'empty.db'}")
    action = ActionAnswerQuestion(GuidanceAnswerer(store, routes))
    events, [message] = run(action, dispatcher, make_tracker("ask_flare_up"))
    assert message["text"] == TEXT_GUIDANCE_UNAVAILABLE
    assert events == []


def test_a_dead_database_gets_an_apology(routes, dispatcher, make_tracker, tmp_path):
    store = GuidanceStore(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    action = ActionAnswerQuestion(GuidanceAnswerer(store, routes))
    _, [message] = run(action, dispatcher, make_tracker("ask_flare_up"))
    assert message["text"] == TEXT_GUIDANCE_UNAVAILABLE


def test_tell_me_more_after_the_general_answer_lists_the_ways(store, routes, dispatcher, make_tracker):
    action = ActionTellMore(GuidanceAnswerer(store, routes))
    slots = {"last_topic": "ask_walking_helps"}
    events, [message] = run(action, dispatcher, make_tracker("tell_me_more", slots=slots))
    text = plain(message["text"])
    for n, title in enumerate(
        [
            "Strengthening Muscles",
            "Improving Flexibility",
            "Increasing Blood Flow",
            "Endorphin Release",
            "Weight Management",
            "Maintaining Proper Posture",
            "Disc Nutrition",
        ],
        1,
    ):
        assert f"{n}. {title}: " in text
    assert DISCLAIMER in text
    assert events == [SlotSet("last_topic", "ask_how_walking_helps")]


def test_tell_me_more_after_a_specific_answer_says_that_is_all(store, routes, dispatcher, make_tracker):
    action = ActionTellMore(GuidanceAnswerer(store, routes))
    _, [message] = run(action, dispatcher, make_tracker("tell_me_more", slots={"last_topic": "ask_flare_up"}))
    assert message["text"] == TEXT_NOTHING_MORE
    assert [b["payload"] for b in message["buttons"]] == ["/ask_walking_makes_worse", "/ask_see_professional"]


def test_tell_me_more_before_any_answer_asks_what_to_explain(store, routes, dispatcher, make_tracker):
    action = ActionTellMore(GuidanceAnswerer(store, routes))
    events, [message] = run(action, dispatcher, make_tracker("tell_me_more"))
    assert message["text"] == TEXT_NO_TOPIC_YET
    assert message["buttons"][0]["payload"] == "/ask_how_walking_helps"
    assert events == []


DESK = ROOT / "tests" / "guidance" / "fixtures" / "desk-sitting-posture.txt"


def with_plan(make_tracker, intent, plan: Plan, topic=None):
    tracker = make_tracker(intent)
    tracker.latest_message["guidance"] = plan.as_dict()
    if topic:
        tracker.latest_message["uncovered_topic"] = {"topic": topic, "phrase": topic}
    return tracker


def test_the_source_line_names_the_version(answer, store, dispatcher, make_tracker):
    version = store.active_version(WALKING_SLUG)
    _, [message] = run(answer, dispatcher, make_tracker("ask_weight"))
    source = message["text"].rstrip().splitlines()[-1]
    assert f"(version {version.ingested_at:%Y-%m-%d}, {version.content_hash[:8]})" in source


def test_a_two_part_question_gets_both_passages_and_one_disclaimer(answer, dispatcher, make_tracker):
    plan = Plan(intents=["ask_flare_up", "ask_disc_nutrition"])
    events, [message] = run(answer, dispatcher, with_plan(make_tracker, "ask_flare_up", plan))
    text = plain(message["text"])
    assert "rest for a day or two" in text and "imbibition" in text
    assert text.count(DISCLAIMER) == 1
    assert text.count("Source:") == 1
    assert events == [SlotSet("last_topic", "ask_flare_up")]
    quoted = message["walkwise"]["answer"]["passages"]
    assert [(q["document"], q["key"]) for q in quoted] == [
        (WALKING_SLUG, "disc-nutrition"),
        (WALKING_SLUG, "note-1"),
    ]
    assert all(q["version"].startswith("version ") for q in quoted)


def test_a_half_covered_question_gets_its_half_and_says_what_is_not_covered(answer, dispatcher, make_tracker):
    plan = Plan(intents=["ask_flare_up"], uncovered=True)
    _, [message] = run(answer, dispatcher, with_plan(make_tracker, "ask_flare_up", plan, "painkillers"))
    text = plain(message["text"])
    assert "rest for a day or two" in text
    assert "The guidance I have doesn't cover medicines" in text
    assert text.index("rest for a day or two") < text.index("doesn't cover medicines")


def test_a_passage_of_a_document_without_routes_comes_with_its_own_disclaimer(
    answer, store, dispatcher, make_tracker
):
    ingest_file(store, DESK, "desk-sitting-posture")
    plan = Plan(passages=[PassageRef("desk-sitting-posture", "chair-height")])
    events, [message] = run(answer, dispatcher, with_plan(make_tracker, "ask_guidance", plan))
    text = plain(message["text"])
    assert "Chair Height: Adjust your chair so your feet rest flat on the floor" in text
    assert "consult a healthcare professional or physical therapist" in text
    assert DISCLAIMER not in text
    assert "Source: “How Should You Sit at a Desk with Lower Back Pain?” (version " in text
    assert "Lumbar Support" not in text
    assert events == [SlotSet("last_topic", None)]


def test_ask_guidance_without_passages_gets_the_honest_answer(answer, dispatcher, make_tracker):
    _, [message] = run(answer, dispatcher, make_tracker("ask_guidance"))
    assert message["response"] == "utter_not_covered"


def test_a_button_payload_without_a_plan_answers_its_intent(answer, dispatcher, make_tracker):
    tracker = make_tracker("ask_posture")
    tracker.latest_message["guidance"] = Plan().as_dict()
    _, [message] = run(answer, dispatcher, tracker)
    assert "Maintaining Proper Posture" in message["text"]
