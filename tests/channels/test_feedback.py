"""Thumbs on answers: the references, parsing and validation, what each output
channel attaches, and storing against the right bot event (unit tier: no
servers; a SQLite file stands in for the tracker store)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import create_engine, insert, select
from sqlalchemy.engine import Engine

from channels import feedback as thumbs
from channels.feedback import BadFeedback, Feedback, FeedbackRefs, ForgedFeedback, parse_feedback
from channels.rest import RestOutput
from channels.slack import (
    REASON_ACTION,
    SECTION_LIMIT,
    SlackOutput,
    _sections,
    feedback_action,
    feedback_block,
    reason_block,
)
from channels.socketio import WidgetOutput
from channels.telegram import TelegramOutput, feedback_row, marked_keyboard, parse_callback
from review.feedback import UnknownAnswer, clean_reason, is_answer, record_answer_feedback
from review.tables import events, feedback
from tests.helpers.running import run_async

REFS = FeedbackRefs(b"unit-test-key")
STAMP = 1764253123.4567893
GUIDANCE = {"walkwise": {"answer": {"kind": "guidance", "passages": []}}, "timestamp": STAMP}
NOT_COVERED = {"utter_action": "utter_not_covered", "timestamp": STAMP}
RED_FLAG = {"utter_action": "utter_red_flag_emergency", "timestamp": STAMP}


# --- references ---------------------------------------------------------------


def test_a_reference_is_good_only_for_its_sender() -> None:
    ref = REFS.issue("alice", STAMP)
    assert REFS.timestamp("alice", ref) == STAMP
    with pytest.raises(ForgedFeedback):
        REFS.timestamp("bob", ref)
    with pytest.raises(ForgedFeedback):
        FeedbackRefs(b"another-key").timestamp("alice", ref)
    stamp, signature = ref.split("~")
    with pytest.raises(ForgedFeedback):
        REFS.timestamp("alice", f"{STAMP + 0.001!r}~{signature}")


@pytest.mark.parametrize(
    "ref", ["", "abc", "1.5", "1.5~", "x~y~z", "nan~" + "0" * 16, "inf~0", 5, None, "1" * 65]
)
def test_a_malformed_reference_is_refused(ref: Any) -> None:
    with pytest.raises(BadFeedback):
        REFS.timestamp("alice", ref)


def test_a_reference_is_issued_only_for_answers() -> None:
    assert REFS.for_message("alice", GUIDANCE) and REFS.for_message("alice", NOT_COVERED)
    assert REFS.for_message("alice", RED_FLAG) is None
    assert REFS.for_message("alice", {"walkwise": {"answer": {}}}) is None  # no timestamp
    red_flag_answer = {
        "walkwise": {"answer": {"kind": "guidance"}, "red_flag": {"tier": "urgent"}},
        "timestamp": 1.0,
    }
    assert REFS.for_message("alice", red_flag_answer) is None


def test_is_answer() -> None:
    assert is_answer(GUIDANCE) and is_answer(NOT_COVERED)
    assert not is_answer(RED_FLAG) and not is_answer({}) and not is_answer(None)
    assert not is_answer({"walkwise": {"red_flag_reminder": "urgent"}})
    assert not is_answer({"walkwise": {"answer": "not a dict"}})


# --- parsing and the reason ------------------------------------------------------


def test_parse_feedback() -> None:
    ref = REFS.issue("alice", STAMP)
    assert parse_feedback({"ref": ref, "value": "up"}) == Feedback(ref, "up", None)
    assert parse_feedback({"ref": ref, "value": "up", "reason": "dropped on a thumbs up"}).reason is None
    assert parse_feedback({"ref": f" {ref} ", "value": "down", "reason": " a\nb "}) == Feedback(
        ref, "down", "a b"
    )
    for body in (
        [ref],
        "x",
        {"ref": ref},
        {"ref": ref, "value": "UP"},
        {"ref": ref, "value": True},
        {"value": "up"},
        {"ref": "", "value": "up"},
        {"ref": 1, "value": "up"},
        {"ref": ref, "value": "down", "reason": ["x"]},
    ):
        with pytest.raises(BadFeedback):
            parse_feedback(body)


def test_the_reason_is_one_clean_line_of_at_most_200_characters() -> None:
    assert clean_reason("  too\r\nlong\tand \x00\x1b[31mvague\u202e  ") == "too long and [31mvague"
    assert clean_reason("zero\u200bwidth\u2028line") == "zerowidth line"
    assert clean_reason("é") == "é"  # NFC
    assert clean_reason("x" * 500) == "x" * 200
    assert clean_reason("\n\t ") is None and clean_reason(None) is None and clean_reason(7) is None
    assert clean_reason("<b>bold</b>") == "<b>bold</b>"  # stored as text, escaped where shown


# --- storing ---------------------------------------------------------------------


@pytest.fixture
def tracker(tmp_path: Path) -> Engine:
    """A tracker store's events table without the review tables (they are made
    by their migrations at the first feedback)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'conversations.db'}", future=True)
    events.create(engine)
    rows = [
        ("alice", "user", 100.0, {"event": "user", "text": "shoes?"}),
        ("alice", "bot", 101.25, {"event": "bot", "text": "Wear shoes.", "metadata": GUIDANCE}),
        ("alice", "bot", 102.5, {"event": "bot", "text": "Call 999.", "metadata": RED_FLAG}),
        ("alice", "bot", 103.75, {"event": "bot", "text": "Not covered.", "metadata": NOT_COVERED}),
        ("bob", "bot", 104.0, {"event": "bot", "text": "Wear shoes.", "metadata": GUIDANCE}),
    ]
    with engine.begin() as connection:
        for sender, kind, when, data in rows:
            connection.execute(
                insert(events).values(sender_id=sender, type_name=kind, timestamp=when, data=json.dumps(data))
            )
    return engine


def stored(engine: Engine) -> list[tuple]:
    with engine.connect() as connection:
        return [
            (r.sender_id, r.bot_event_id, r.bot_timestamp, r.value, r.reason)
            for r in connection.execute(select(feedback).order_by(feedback.c.id))
        ]


def test_feedback_is_stored_against_the_answer_and_replaces_the_earlier_one(tracker: Engine) -> None:
    assert record_answer_feedback("alice", 101.25, "down", "too\nlong", engine=tracker) == 2
    assert stored(tracker) == [("alice", 2, 101.25, "down", "too long")]
    record_answer_feedback("alice", 101.25, "up", "ignored", engine=tracker)
    record_answer_feedback("alice", 103.75, "down", None, engine=tracker)
    assert stored(tracker) == [("alice", 2, 101.25, "up", None), ("alice", 4, 103.75, "down", None)]


@pytest.mark.parametrize(
    "sender, when",
    [("alice", 100.0), ("alice", 102.5), ("alice", 104.0), ("carol", 101.25), ("alice", 999.0)],
    ids=["a user message", "red-flag advice", "someone else's answer", "unknown sender", "no such event"],
)
def test_feedback_on_anything_but_the_senders_answer_stores_nothing(tracker: Engine, sender, when) -> None:
    with pytest.raises(UnknownAnswer):
        record_answer_feedback(sender, when, "down", "x", engine=tracker)
    assert stored(tracker) == []


def test_a_bad_value_or_reference_type_is_refused(tracker: Engine) -> None:
    with pytest.raises(ValueError):
        record_answer_feedback("alice", 101.25, "meh", engine=tracker)
    with pytest.raises(ValueError):
        record_answer_feedback("alice", True, "up", engine=tracker)  # type: ignore[arg-type]


def test_the_channels_store_retries_then_refuses(tracker: Engine, monkeypatch) -> None:
    monkeypatch.setattr(thumbs, "RETRY_DELAYS", (0.01,))
    assert run_async(thumbs.store(lambda: tracker, "alice", 101.25, Feedback("r", "up"))) == 2
    with pytest.raises(UnknownAnswer):
        run_async(thumbs.store(lambda: tracker, "alice", 5.0, Feedback("r", "up")))


def test_the_engine_is_the_sql_tracker_stores_own(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'rasa.db'}"
    store = SimpleNamespace(engine=create_engine(url))
    assert str(thumbs.tracker_engine(SimpleNamespace(tracker_store=store)).url) == url
    wrapped = SimpleNamespace(tracker_store=SimpleNamespace(_tracker_store=store))
    assert str(thumbs.tracker_engine(wrapped).url) == url
    monkeypatch.setenv("WALKWISE_TRACKER_DB_URL", f"sqlite:///{tmp_path / 'review.db'}")
    assert str(thumbs.tracker_engine(None).url).endswith("review.db")


# --- what the output channels attach -------------------------------------------------


def test_rest_puts_the_reference_on_the_last_part_of_an_answer_only() -> None:
    async def run() -> list[dict]:
        output = RestOutput(REFS)
        await output.send_response("alice", {"text": "First.\n\nSecond.", **GUIDANCE})
        await output.send_response("alice", {"text": "Call 999.", **RED_FLAG})
        return output.messages

    first, second, red = run_async(run())
    assert "feedback" not in first and "feedback" not in red
    assert REFS.timestamp("alice", second["feedback"]["ref"]) == STAMP


def test_the_widget_gets_the_reference_with_the_answer() -> None:
    sent: list[tuple] = []

    class Sio:
        async def emit(self, event: str, data: dict, room: str) -> None:
            sent.append((event, data, room))

    async def run() -> None:
        output = WidgetOutput(Sio(), "bot_uttered", REFS)
        await output.send_response(
            "s1", {"text": "Answer.", "buttons": [{"title": "T", "payload": "/p"}], **GUIDANCE}
        )
        await output.send_response("s1", {"text": "Call 999.", **RED_FLAG})

    run_async(run())
    assert REFS.timestamp("s1", sent[0][1]["feedback"]["ref"]) == STAMP
    assert sent[0][1]["quick_replies"][0]["payload"] == "/p"
    assert "feedback" not in sent[1][1]


def test_slack_answers_end_with_thumbs_and_red_flags_have_none() -> None:
    posted: list[dict] = []

    class Client:
        async def chat_postMessage(self, **kwargs: Any) -> None:  # noqa: N802
            posted.append(kwargs)

    async def run() -> None:
        output = SlackOutput("xoxb", None, None, "http://127.0.0.1:9/", REFS)
        output.client = Client()  # type: ignore[assignment]
        await output.send_response("U1", {"text": "Answer.", **NOT_COVERED})
        await output.send_response(
            "U1", {"text": "A.", "buttons": [{"title": "T", "payload": "/p"}], **GUIDANCE}
        )
        await output.send_response("U1", {"text": "Call 999.", **RED_FLAG})

    run_async(run())
    text_only, with_buttons, red = posted
    assert (
        text_only["blocks"][0]["text"]["text"] == "Answer."
        and text_only["blocks"][-1]["block_id"] == "walkwise_feedback"
    )
    assert with_buttons["blocks"][1]["elements"][0]["value"] == "/p"
    assert [e["action_id"] for e in with_buttons["blocks"][2]["elements"]] == [
        "walkwise_feedback_up",
        "walkwise_feedback_down",
    ]
    assert "blocks" not in red


def test_slack_feedback_payloads() -> None:
    ref = REFS.issue("U1", STAMP)
    down = feedback_block(ref)["elements"][1]
    payload = {"type": "block_actions", "actions": [{"type": "button", **down}]}
    assert feedback_action(payload) == Feedback(ref, "down", None)
    block = reason_block(ref)
    typed = {
        "type": "plain_text_input",
        "action_id": REASON_ACTION,
        "block_id": block["block_id"],
        "value": "x\ny",
    }
    assert feedback_action({"type": "block_actions", "actions": [typed]}) == Feedback(ref, "down", "x y")
    assert block["element"]["max_length"] == 200 and len(block["block_id"]) <= 255
    # Not feedback: for the bot.
    assert (
        feedback_action({"type": "block_actions", "actions": [{"type": "button", "value": "/affirm"}]})
        is None
    )
    assert feedback_action({"type": "interactive_message"}) is None and feedback_action([]) is None
    with pytest.raises(BadFeedback):
        feedback_action({"type": "block_actions", "actions": [{"action_id": "walkwise_feedback_sideways"}]})
    with pytest.raises(BadFeedback):
        feedback_action({"type": "block_actions", "actions": [{**down, "value": None}]})


def test_long_slack_answers_are_cut_into_sections_at_paragraphs() -> None:
    text = "\n\n".join(["a" * 1000] * 7)
    sections = _sections(text)
    assert all(len(s["text"]["text"]) <= SECTION_LIMIT for s in sections)
    assert "\n\n".join(s["text"]["text"] for s in sections) == text
    assert len(_sections("x" * 7000)) == 3


def test_telegram_answers_get_a_thumbs_row_within_64_bytes() -> None:
    calls: list[tuple[str, dict]] = []

    class Api:
        async def call(self, method: str, **payload: Any) -> dict:
            calls.append((method, payload))
            return {"ok": True}

    async def run() -> None:
        output = TelegramOutput(Api(), REFS)  # type: ignore[arg-type]
        await output.send_response("42", {"text": "Answer.", **GUIDANCE})
        await output.send_response(
            "42", {"text": "A.", "buttons": [{"title": "T", "payload": "/p"}], **NOT_COVERED}
        )
        await output.send_response("42", {"text": "Call 999.", **RED_FLAG})

    run_async(run())
    (_, text_only), (_, with_buttons), (_, red) = calls
    [thumbs_row] = text_only["reply_markup"]["inline_keyboard"]
    assert [b["text"] for b in thumbs_row] == ["👍 Helpful", "👎 Not helpful"]
    assert with_buttons["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "/p"
    assert with_buttons["reply_markup"]["inline_keyboard"][-1] == thumbs_row
    assert "reply_markup" not in red
    # Even a far-future timestamp with every digit fits.
    row = feedback_row(REFS.issue("-1001234567890", 99999999999.99998))
    assert row and all(len(b["callback_data"].encode()) <= 64 for b in row)


def test_telegram_callback_data() -> None:
    ref = REFS.issue("42", STAMP)
    assert parse_callback(f"ww:u:{ref}") == Feedback(ref, "up", None)
    assert parse_callback(f"ww:d:{ref}") == Feedback(ref, "down", None)
    assert parse_callback("/affirm") is None and parse_callback(None) is None
    with pytest.raises(BadFeedback):
        parse_callback(f"ww:x:{ref}")
    with pytest.raises(BadFeedback):
        parse_callback("ww:u:")


def test_telegram_marks_the_pressed_thumbs() -> None:
    ref = REFS.issue("42", STAMP)
    markup = {"inline_keyboard": [[{"text": "T", "callback_data": "/p"}], feedback_row(ref)]}
    marked = marked_keyboard(markup, Feedback(ref, "down"))
    assert marked is not None
    assert [b["text"] for b in marked["inline_keyboard"][1]] == ["👍 Helpful", "👎 Not helpful ✓"]
    again = marked_keyboard(marked, Feedback(ref, "up"))
    assert again is not None
    assert [b["text"] for b in again["inline_keyboard"][1]] == ["👍 Helpful ✓", "👎 Not helpful"]
    assert marked_keyboard(None, Feedback(ref, "up")) is None
