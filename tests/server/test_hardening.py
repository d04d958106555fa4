"""Each patch of stock Rasa on its own, around a stand-in for the function it
wraps, with Rasa's own trackers, events and output channel."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa.core.actions.action import ActionExecutionRejection
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import ActionExecuted, BotUttered, Restarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from common import messages
from server import hardening
from server.rate_limit import RateLimiter
from server.text_input import MAX_MESSAGE_CHARS
from tests.helpers.running import run_async


def run(coroutine: Any) -> Any:
    return run_async(coroutine)


class Recorder:
    """Stands in for the stock function: records its arguments, returns ``result``."""

    def __init__(self, result: Any = None, effect: Any = None) -> None:
        self.calls: list[tuple] = []
        self.result = result
        self.effect = effect

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append(args)
        if self.effect is not None:
            return await self.effect(*args)
        return self.result


def tracker_with(*events: Any) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("someone", list(events))


# handle_message ---------------------------------------------------------------------------------


def test_text_is_cleaned_before_rasa_sees_it():
    original = Recorder()
    message = UserMessage("walk\u202e\u200b ing?\x07", sender_id="someone")
    run(hardening.handle_message(original, None, message))
    [(_, passed)] = original.calls
    assert passed.text == "walk ing?"


def test_a_long_message_is_cut_and_marked():
    original = Recorder()
    message = UserMessage("a" * (MAX_MESSAGE_CHARS + 500), sender_id="someone")
    run(hardening.handle_message(original, None, message))
    assert len(message.text) <= MAX_MESSAGE_CHARS
    assert message.metadata["walkwise"]["truncated_from"] == MAX_MESSAGE_CHARS + 500


@pytest.mark.parametrize("text", ["", "   ", "🙂 ?!", "\u200b\u202e"])
def test_text_without_words_is_told_so_instead_of_a_guess(text):
    original = Recorder()
    message = UserMessage(text, sender_id="someone")
    replies = run(hardening.handle_message(original, None, message))
    assert original.calls == []  # neither understood nor stored
    assert replies == [{"recipient_id": "someone", "text": hardening.NO_WORDS_REPLY}]


def test_a_slash_payload_is_not_taken_for_a_message_without_words():
    original = Recorder()
    run(hardening.handle_message(original, None, UserMessage("/restart", sender_id="someone")))
    assert len(original.calls) == 1


# parse_message ----------------------------------------------------------------------------------


def test_a_red_flag_intent_survives_whatever_replaced_it():
    parsed = {"text": "x", "intent": {"name": "ask_flare_up"}, "red_flag": {"tier": "emergency"}}
    result = run(hardening.parse_message(Recorder(parsed), None, UserMessage("x")))
    assert result["intent"] == {"name": "red_flag_emergency", "confidence": 1.0}


def test_a_payload_is_checked_for_red_flags():
    parsed = {
        "text": '/ask_flare_up{"note": "I wet myself"}',
        "intent": {"name": "ask_flare_up"},
        "entities": [],
    }
    result = run(hardening.parse_message(Recorder(parsed), None, UserMessage(parsed["text"])))
    assert result["intent"]["name"] == "red_flag_emergency"
    assert result["red_flag"]["detected_by"] == "pattern"


def test_a_reply_to_the_triage_question_is_read_with_the_tracker():
    possible = {"tier": None, "possible": {"flag": "fever", "tier": "urgent"}, "held_intent": None}
    tracker = tracker_with(
        UserUttered("I feel hot", parse_data={"red_flag": possible}),
        ActionExecuted("utter_red_flag_triage"),
        BotUttered("Before I answer, one quick safety question."),
        ActionExecuted("action_listen"),
    )
    parsed = {"text": "yes", "intent": {"name": "affirm", "confidence": 0.99}, "entities": []}
    result = run(hardening.parse_message(Recorder(parsed), None, UserMessage("yes"), tracker))
    assert result["intent"]["name"] == "red_flag_urgent"
    assert result["red_flag"]["triage"] == {"flag": "fever", "answer": "yes"}


# run_prediction_loop ----------------------------------------------------------------------------


def test_a_silent_turn_gets_an_answer():
    tracker = tracker_with(UserUttered("/unknown", intent={"name": "unknown"}))
    channel = CollectingOutputChannel()
    run(hardening.run_prediction_loop(Recorder(), None, channel, tracker))
    assert channel.messages[-1]["text"] == messages.NOT_UNDERSTOOD


def test_a_restart_says_so():
    async def restart(processor, channel, tracker):
        tracker.update(Restarted())

    tracker = tracker_with(UserUttered("/restart", intent={"name": "restart"}))
    channel = CollectingOutputChannel()
    run(hardening.run_prediction_loop(Recorder(effect=restart), None, channel, tracker))
    assert channel.messages[-1]["text"] == messages.STARTED_OVER


def test_a_turn_that_answered_is_left_alone():
    async def answer(processor, channel, tracker):
        tracker.update(BotUttered("an answer"))

    tracker = tracker_with(UserUttered("hi", intent={"name": "greet"}))
    channel = CollectingOutputChannel()
    run(hardening.run_prediction_loop(Recorder(effect=answer), None, channel, tracker))
    assert channel.messages == []


def test_a_cut_message_gets_too_long_without_running_the_policies():
    original = Recorder()
    cut = UserUttered("a" * 10, intent={"name": "greet"}, metadata={"walkwise": {"truncated_from": 9000}})
    channel = CollectingOutputChannel()
    run(hardening.run_prediction_loop(original, None, channel, tracker_with(cut)))
    assert original.calls == []
    assert channel.messages[-1]["text"] == messages.MESSAGE_TOO_LONG


def test_a_cut_message_with_a_red_flag_still_gets_the_advice():
    original = Recorder()
    cut = UserUttered(
        "I wet myself",
        intent={"name": "red_flag_emergency"},
        parse_data={"intent": {"name": "red_flag_emergency"}, "red_flag": {"tier": "emergency"}},
        metadata={"walkwise": {"truncated_from": 9000}},
    )
    run(hardening.run_prediction_loop(original, None, CollectingOutputChannel(), tracker_with(cut)))
    assert len(original.calls) == 1


def test_a_message_over_the_rate_limit_is_asked_to_slow_down_and_recorded():
    limiter = RateLimiter(1, 60, clock=lambda: 0.0)
    original = Recorder()
    first = tracker_with(UserUttered("hi", intent={"name": "greet"}))
    run(hardening.run_prediction_loop(original, None, CollectingOutputChannel(), first, limiter=limiter))
    assert len(original.calls) == 1
    second = tracker_with(UserUttered("does walking help?", intent={"name": "ask_walking_helps"}))
    channel = CollectingOutputChannel()
    run(hardening.run_prediction_loop(original, None, channel, second, limiter=limiter))
    assert len(original.calls) == 1, "the dialogue did not run"
    assert channel.messages[-1]["text"] == messages.SLOW_DOWN
    reply = second.events[-1]
    assert isinstance(reply, BotUttered) and reply.metadata["walkwise"]["reason"] == "rate_limited"


def test_a_red_flag_over_the_rate_limit_still_gets_the_advice():
    limiter = RateLimiter(1, 60, clock=lambda: 0.0)
    assert limiter.allow("someone")
    original = Recorder()
    flagged = UserUttered(
        "I wet myself",
        intent={"name": "red_flag_emergency"},
        parse_data={"intent": {"name": "red_flag_emergency"}, "red_flag": {"tier": "emergency"}},
    )
    run(
        hardening.run_prediction_loop(
            original, None, CollectingOutputChannel(), tracker_with(flagged), limiter=limiter
        )
    )
    assert len(original.calls) == 1


# run_remote_action ------------------------------------------------------------------------------


class Action:
    def name(self) -> str:
        return "action_answer_question"


def remote(original: Recorder, timeout: float = 1.0) -> list:
    return run(
        hardening.run_remote_action(original, Action(), None, None, tracker_with(), None, timeout=timeout)
    )


def test_an_action_that_fails_becomes_an_apology_recorded_for_staff():
    async def fail(*args):
        raise ConnectionError("refused")

    [event] = remote(Recorder(effect=fail))
    assert event.text == messages.ACTION_UNAVAILABLE
    assert event.metadata["walkwise"] == {
        "action_failed": "action_answer_question",
        "reason": "ConnectionError",
    }


def test_an_action_that_hangs_is_cut_at_the_timeout():
    async def hang(*args):
        await asyncio.sleep(5)

    [event] = remote(Recorder(effect=hang), timeout=0.2)
    assert event.metadata["walkwise"]["reason"] == "timeout"


def test_a_rejected_action_is_left_to_rasa():
    async def reject(*args):
        raise ActionExecutionRejection("validate_symptom_check_form")

    with pytest.raises(ActionExecutionRejection):
        remote(Recorder(effect=reject))


def test_an_action_that_answers_passes_its_events_through():
    assert remote(Recorder(result=["events"])) == ["events"]


# install ----------------------------------------------------------------------------------------


def test_install_wraps_each_function_once():
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor

    hardening.install()
    first = MessageProcessor.handle_message
    hardening.install()
    assert MessageProcessor.handle_message is first
    for function in (
        MessageProcessor.handle_message,
        MessageProcessor.parse_message,
        MessageProcessor._run_prediction_loop,
        RemoteAction.run,
    ):
        assert function.__module__ == "server.hardening" or hasattr(function, "__wrapped__")


# the tracker store (pitfall #2) ----------------------------------------------------------------


def test_a_conversation_that_cannot_be_read_gets_an_apology_and_goes_no_further():
    from rasa.core.channels.channel import CollectingOutputChannel

    from server.tracker_store import TrackerStoreUnavailable

    async def unreadable(*args: Any) -> None:
        raise TrackerStoreUnavailable("someone", OSError("database away"))

    channel = CollectingOutputChannel()
    original = Recorder(effect=unreadable)
    replies = run(
        hardening.apologise_when_store_unavailable(original, None, UserMessage("hi", channel, "someone"))
    )
    assert [reply["text"] for reply in replies] == [messages.DATABASE_UNAVAILABLE]
    assert len(original.calls) == 1


def test_the_unread_message_and_its_apology_are_journalled_for_the_conversation(tmp_path):
    """Every message that got an answer is kept: the message (parsed without
    the conversation), the apology marked for staff, and action_listen go to
    the store's journal, to be added after the conversation's stored events."""
    from types import SimpleNamespace

    from rasa.shared.core.domain import Domain

    from server.tracker_store import TrackerStoreUnavailable, WalkWiseTrackerStore

    store = WalkWiseTrackerStore(
        domain=Domain.empty(), dialect="sqlite", db=str(tmp_path / "c.db"), journal=str(tmp_path / "journal")
    )
    parse = {
        "text": "does walking help",
        "intent": {"name": "ask_walking", "confidence": 0.9},
        "entities": [],
    }

    async def unreadable(*args: Any) -> None:
        raise TrackerStoreUnavailable("someone", OSError("database away"))

    async def parse_message(message: UserMessage, tracker: Any) -> dict:
        assert tracker is None
        return parse

    async def scenario(processor: Any, text: str) -> list:
        message = UserMessage(
            text, CollectingOutputChannel(), "someone", input_channel="rest", message_id="m1"
        )
        replies = await hardening.apologise_when_store_unavailable(
            Recorder(effect=unreadable), processor, message
        )
        await store.close()
        return replies

    replies = run(
        scenario(SimpleNamespace(tracker_store=store, parse_message=parse_message), "does walking help")
    )
    assert [reply["text"] for reply in replies] == [messages.DATABASE_UNAVAILABLE]
    user, bot, listen = store.journal.pending("someone")
    assert (user["event"], user["text"], user["parse_data"]["intent"]["name"]) == (
        "user",
        "does walking help",
        "ask_walking",
    )
    assert (user["input_channel"], user["message_id"]) == ("rest", "m1")
    assert (bot["event"], bot["text"]) == ("bot", messages.DATABASE_UNAVAILABLE)
    assert bot["metadata"] == {"walkwise": {"reason": "database_unavailable"}}
    assert (listen["event"], listen["name"]) == ("action", "action_listen")
    assert user["timestamp"] <= bot["timestamp"] <= listen["timestamp"]

    async def unparseable(message: UserMessage, tracker: Any) -> dict:
        raise RuntimeError("model away")

    run(scenario(SimpleNamespace(tracker_store=store, parse_message=unparseable), "second"))
    second = store.journal.pending("someone")[3]
    assert second["text"] == "second" and second["parse_data"]["intent"] == {"name": None, "confidence": 0.0}


def test_other_errors_are_not_turned_into_the_apology():
    async def broken(*args: Any) -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError):
        run(hardening.apologise_when_store_unavailable(Recorder(effect=broken), None, UserMessage("hi")))


def test_walkwise_store_is_not_wrapped_in_the_fail_safe_store(tmp_path):
    from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
    from rasa.shared.core.domain import Domain

    from server.tracker_store import WalkWiseTrackerStore

    def stock(store: Any, domain: Any) -> Any:
        return FailSafeTrackerStore(store)

    domain = Domain.empty()
    ours = WalkWiseTrackerStore(dialect="sqlite", db=str(tmp_path / "c.db"))
    assert hardening.unwrapped_tracker_store(stock, ours, domain) is ours
    assert ours.domain is domain
    other = hardening.unwrapped_tracker_store(stock, InMemoryTrackerStore(domain), domain)
    assert isinstance(other, FailSafeTrackerStore)


def test_the_app_gets_the_readiness_route():
    from sanic import Sanic

    app = hardening.add_readiness(lambda name: Sanic(name), "walkwise_readiness_test")
    assert any(route.path == "ready" for route in app.router.routes)


def test_event_types_are_resolved_once_then_remembered():
    from rasa.shared.core.events import ActionExecuted as Executed
    from rasa.shared.core.events import Event

    walks: list[str] = []

    def stock(type_name: str, default: Any = None) -> Any:
        walks.append(type_name)
        return {Executed.type_name: Executed}.get(type_name, default)

    hardening._event_classes.pop(Executed.type_name, None)
    assert hardening.resolve_event_type(stock, Executed.type_name) is Executed
    assert hardening.resolve_event_type(stock, Executed.type_name) is Executed
    assert walks == [Executed.type_name]
    assert hardening.resolve_event_type(stock, "no_such_event", Event) is Event
    assert "no_such_event" not in hardening._event_classes


def test_install_wraps_the_agent_events_and_app_once():
    import rasa.core.run
    from rasa.core.agent import Agent
    from rasa.shared.core.events import Event

    hardening.install()
    hardening.install()
    for function in (Agent._create_tracker_store, Event.resolve_by_type, rasa.core.run.configure_app):
        assert hasattr(function, "__wrapped__") and not hasattr(function.__wrapped__, "__wrapped__")


@pytest.mark.parametrize(
    "payload, words",
    [
        ('/ask_flare_up{"note": "I wet myself"}', "ask flare up. I wet myself"),
        ('/ask_flare_up{"emergency_number": "555"}', "ask flare up. 555"),
        ("/red_flag_emergency", "red flag emergency"),
        ("/restart", "restart"),
        ("/ask_posture{not json", "ask posture. not json"),
    ],
)
def test_a_typed_payload_is_read_as_the_words_it_holds(payload, words):
    assert hardening.payload_words(payload) == words


def test_an_action_servers_answer_is_validated_with_the_schema_checked_once(monkeypatch):
    import jsonschema
    from rasa.core.actions.action import RemoteAction

    checks = []
    kind = jsonschema.validators.validator_for(RemoteAction.action_response_format_spec())
    original_check = kind.check_schema
    monkeypatch.setattr(kind, "check_schema", classmethod(lambda c, s: checks.append(s) or original_check(s)))
    monkeypatch.setattr(hardening, "_response_validator", [])
    stock = RemoteAction._validate_action_result
    action = RemoteAction("action_answer", None)
    good = {"events": [{"event": "slot", "name": "topic", "value": "x"}], "responses": [{"text": "hi"}]}
    for _ in range(3):
        assert hardening.validate_action_result(stock, action, good) is True
    assert len(checks) == 1
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        hardening.validate_action_result(stock, action, {"events": "not a list"})
