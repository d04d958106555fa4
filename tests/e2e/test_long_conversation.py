"""A long conversation through the real servers: the policy that reads only
the recent turns (policies/recent_rules.py) predicts, at every step, what
stock RulePolicy's whole-history reading predicts, and the last turns are
still answered as the first ones were."""

import json
import sqlite3
import tempfile
from pathlib import Path

from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from policies.recent_rules import RecentRulePolicy
from tests.e2e.test_triage import ask_triage
from tests.helpers.answers import EMERGENCY, URGENT, assert_advice_alone, new_sender, passage_text, reply_text
from tests.helpers.stack import MODEL

QUESTIONS = [
    ("hi", None),
    ("does walking help lower back pain?", None),
    ("should i walk during a flare-up?", "note-1"),
    ("what shoes should I wear?", None),
    ("is walking good for my posture?", None),
]


def load_policy() -> tuple:
    storage, metadata = LocalModelStorage.from_model_archive(Path(tempfile.mkdtemp()), MODEL)
    node = next(node for node in metadata.predict_schema.nodes.values() if node.uses is RecentRulePolicy)
    policy = RecentRulePolicy.load(
        {**RecentRulePolicy.get_default_config(), **node.config},
        storage,
        node.resource,
        ExecutionContext(metadata.predict_schema),
    )
    return policy, metadata.domain


def stored_events(stack, sender: str) -> list:
    with sqlite3.connect(stack.tracker_db) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    return [Event.from_parameters(json.loads(data)) for (data,) in rows]


def talk(stack, sender: str) -> None:
    """Questions, a triage question answered yes, the symptom screen, a red
    flag typed in the middle, and questions again: about 45 messages."""
    for round_ in range(4):
        for text, passage in QUESTIONS:
            replies = stack.ask(sender, text)
            if passage:
                assert passage_text(passage) in reply_text(replies)
        if round_ == 1:
            ask_triage(stack, sender)
            stack.ask(sender, "yes")
        if round_ == 2:
            replies = stack.ask(sender, "check my symptoms")
            for number in range(1, 11):
                assert replies[-1]["text"].startswith(f"{number} of 10:"), replies
                replies = stack.ask(sender, "yes" if number == 6 else "no")
            assert_advice_alone(replies, URGENT)


def test_every_prediction_of_a_long_conversation_is_the_whole_history_s(stack):
    sender = new_sender()
    talk(stack, sender)
    assert_advice_alone(
        stack.ask(sender, "I can't feel my bum or my private parts since this morning"), EMERGENCY
    )
    assert passage_text("note-1") in reply_text(stack.ask(sender, "should i walk during a flare-up?"))

    policy, domain = load_policy()
    horizon = policy.horizon
    assert horizon is not None
    events = stored_events(stack, sender)
    assert sum(isinstance(e, ActionExecuted) for e in events) > 10 * horizon  # long enough to cut

    compared = 0
    for end in range(1, len(events) + 1):
        if not isinstance(events[end - 1], (ActionExecuted, UserUttered)):
            continue
        tracker = DialogueStateTracker.from_events(sender, events[:end], domain.slots)
        policy.horizon = horizon
        recent = policy.predict_action_probabilities(tracker, domain)
        policy.horizon = None  # stock RulePolicy: every state of the conversation
        whole = policy.predict_action_probabilities(tracker, domain)
        assert recent.probabilities == whole.probabilities, end
        assert recent.events == whole.events, end
        assert (recent.is_end_to_end_prediction, recent.is_no_user_prediction) == (
            whole.is_end_to_end_prediction,
            whole.is_no_user_prediction,
        ), end
        compared += 1
    assert compared > 100


def test_a_reminder_is_due_however_many_small_turns_came_between(stack):
    """The action server is sent the recent events only (server/action_payload.py),
    and still sees a red flag older than them that no reminder followed."""
    sender = new_sender()
    assert_advice_alone(
        stack.ask(sender, "I can't feel my bum or my private parts since this morning"), EMERGENCY
    )
    for text in ["hi", "thanks", "hello", "thank you", "ok", "hi there", "thanks a lot", "hello again"]:
        assert "Reminder" not in reply_text(stack.ask(sender, text))
    first = reply_text(stack.ask(sender, "what shoes should I wear?"))
    assert first.startswith("Reminder about the symptom you mentioned:")
    assert "Reminder" not in reply_text(stack.ask(sender, "what shoes should I wear?"))
