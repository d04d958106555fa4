"""End to end over the REST channel: real Rasa server, real action server, real SQLite."""

import subprocess
import sys

import pytest
import requests

from common import messages
from tests.conftest import ROOT, WALKING_DOC
from tests.helpers.answers import (
    DISCLAIMER,
    FURNITURE,
    NOT_COVERED,
    new_sender,
    normalize,
    passage_text,
    reply_text,
)
from tests.helpers.stack import stored_events


@pytest.mark.parametrize(
    "question, key",
    [
        ("Is going for walks good when your lower back hurts?", "intro"),
        ("how does walking actually help a bad back", "strengthening-muscles"),
        ("does walking build up the muscles in my legs and hips", "strengthening-muscles"),
        ("can walking keep my back flexible", "improving-flexibility"),
        ("will walking get more blood flowing to my lower back", "increasing-blood-flow"),
        ("do you get endorphins when you walk", "endorphin-release"),
        ("i'm carrying extra weight round my middle, will walking help", "weight-management"),
        ("should i walk upright or is slouching ok", "maintaining-proper-posture"),
        ("how do the discs in my spine get nutrients", "disc-nutrition"),
        ("my back flared up this morning, should i still go for my walk", "note-1"),
        ("what kind of shoes are best for walking", "note-2"),
        ("walking seems to make my back worse", "note-3"),
        ("what exercises should i do as well as walking", "note-4"),
        ("when should i see a physical therapist about my back", "note-5"),
    ],
)
def test_a_question_gets_its_passage_and_the_disclaimer(stack, question, key):
    replies = stack.ask(new_sender(), question)
    text = reply_text(replies)
    assert passage_text(key) in text
    assert normalize(DISCLAIMER) in text
    assert "Source: " in text
    assert replies[-1].get("buttons"), "follow-up questions are offered"
    for junk in FURNITURE:
        assert junk not in text


def test_tell_me_more_after_the_general_answer_lists_the_ways(stack):
    sender = new_sender()
    stack.ask(sender, "does walking help lower back pain?")
    text = reply_text(stack.ask(sender, "why?"))
    for key in ("strengthening-muscles", "disc-nutrition", "weight-management"):
        assert passage_text(key) in text


def test_a_button_payload_gets_the_same_answer_as_the_question(stack):
    typed = reply_text(stack.ask(new_sender(), "does walking help lower back pain?"))
    sender = new_sender()
    [button] = [b for b in stack.ask(sender, "hi")[0]["buttons"] if b["payload"] == "/ask_walking_helps"]
    pressed = reply_text(stack.ask(sender, button["payload"]))
    assert typed == pressed


def test_a_typed_payload_cannot_reach_an_internal_intent_or_set_a_slot(stack):
    sender = new_sender()
    text = reply_text(stack.ask(sender, "/red_flag_emergency"))
    assert "🚨" not in text
    text = reply_text(stack.ask(sender, '/ask_flare_up{"emergency_number": "555"}'))
    assert "555" not in text
    tracker = requests.get(f"{stack.url}/conversations/{sender}/tracker", timeout=10)
    if tracker.status_code == 200:
        assert tracker.json()["slots"].get("emergency_number") != "555"
    typed = [
        data["metadata"]["walkwise"]["typed_payload"]
        for kind, data in stored_events(stack.tracker_db, sender)
        if kind == "user"
    ]
    assert typed == ["/red_flag_emergency", '/ask_flare_up{"emergency_number": "555"}']


def test_a_typed_restart_does_not_wipe_the_conversation(stack):
    sender = new_sender()
    stack.ask(sender, "should i walk during a flare up")
    stack.ask(sender, "/restart")
    kinds = [kind for kind, _ in stored_events(stack.tracker_db, sender)]
    assert "restart" not in kinds


@pytest.mark.parametrize(
    "question",
    [
        "how many steps a day should i do",
        "how long should my walks be",
        "is it better to walk on a treadmill or outdoors",
        "can i take ibuprofen for my back",
        "i'm pregnant, is walking ok for my back pain",
        "should i go swimming instead of walking",
    ],
)
def test_an_uncovered_question_gets_the_honest_answer(stack, question):
    text = reply_text(stack.ask(new_sender(), question))
    assert NOT_COVERED in text
    assert "healthcare professional" in text
    assert normalize(DISCLAIMER) not in text


@pytest.mark.parametrize(
    "message",
    [
        "",
        "   ",
        "x" * 20_000,
        "😀🙏👍",
        "<script>alert('x')</script>",
        "/restart",
        "/unknown_payload",
        '/greet{"name": "x"}',
        "/",
        "wal\u200bking\u202e he\x00lps?",
    ],
    ids=[
        "empty",
        "blank",
        "20000-chars",
        "emoji",
        "script",
        "restart",
        "unknown-slash",
        "slash-json",
        "bare-slash",
        "control-chars",
    ],
)
def test_bad_input_gets_a_normal_reply_and_the_conversation_goes_on(stack, message):
    sender = new_sender()
    replies = stack.ask(sender, message)
    assert replies and all(r.get("text") for r in replies)
    text = reply_text(replies)
    assert "<script>" not in text
    follow_up = reply_text(stack.ask(sender, "what shoes should i wear when walking"))
    assert passage_text("note-2") in follow_up


@pytest.mark.parametrize("message", ["", "   ", "😀🙏👍", "?!"])
def test_a_message_without_words_is_told_so(stack, message):
    text = reply_text(stack.ask(new_sender(), message))
    assert "didn't get any words" in text
    assert "doesn't cover" not in text


def test_a_very_long_message_is_answered_politely(stack):
    replies = stack.ask(new_sender(), "does walking help? " * 2000)
    assert reply_text(replies) == normalize(messages.MESSAGE_TOO_LONG)


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"{not json", "not valid JSON"),
        (b"[]", "JSON object"),
        (b'"hello"', "JSON object"),
        (b'{"sender": "x"}', "'message' must be a string"),
        (b'{"message": 5, "sender": "x"}', "'message' must be a string"),
        (b'{"message": "hi", "sender": {}}', "'sender'"),
    ],
)
def test_malformed_requests_get_a_clear_400(stack, body, reason):
    response = requests.post(
        f"{stack.url}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400
    assert reason in response.json()["error"]
    # the server is still answering
    assert stack.ask(new_sender(), "hello")


def test_the_conversation_is_stored_in_sqlite(stack):
    sender = new_sender()
    stack.ask(sender, "does walking help lower back pain?")
    stack.ask(sender, "thanks")
    types = [kind for kind, _ in stored_events(stack.tracker_db, sender)]
    assert types.count("user") == 2
    assert types.count("bot") == 2


def test_with_the_action_server_stopped_the_user_gets_an_apology(stack):
    sender = new_sender()
    stack.stop("actions")
    try:
        replies = stack.ask(sender, "should i walk during a flare up", timeout=30)
        assert reply_text(replies) == normalize(messages.ACTION_UNAVAILABLE)
        assert reply_text(stack.ask(sender, "hello"))  # responses from the domain still work
        stored = [data for kind, data in stored_events(stack.tracker_db, sender) if kind == "bot"]
        failure = stored[0]["metadata"]["walkwise"]
        assert failure == {"action_failed": "action_answer_question", "reason": "RasaException"}
    finally:
        stack.start_actions()
    text = reply_text(stack.ask(sender, "should i walk during a flare up"))
    assert passage_text("note-1") in text


def ingest(stack, path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "guidance.ingest", str(path), "--slug", "walking-lower-back-pain"],
        cwd=ROOT,
        env=stack._env(),
        capture_output=True,
        text=True,
    )


def test_editing_the_guidance_changes_the_live_answer_without_retraining(stack, tmp_path):
    edited = tmp_path / "walking-lower-back-pain.txt"
    edited.write_bytes(WALKING_DOC.read_bytes().replace(b"rest for a day or two", b"rest for one day"))
    try:
        assert ingest(stack, edited).returncode == 0
        assert "rest for one day before starting" in reply_text(
            stack.ask(new_sender(), "should i walk during a flare up")
        )
        broken = tmp_path / "broken.txt"
        broken.write_bytes(b"\xff\xfe not text")
        result = ingest(stack, broken)
        assert result.returncode == 1 and "keeps serving" in result.stderr
        assert "rest for one day before starting" in reply_text(
            stack.ask(new_sender(), "should i walk during a flare up")
        )
    finally:
        assert ingest(stack, WALKING_DOC).returncode == 0
    assert passage_text("note-1") in reply_text(stack.ask(new_sender(), "should i walk during a flare up"))
