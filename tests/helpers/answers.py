"""Helpers shared by the end-to-end tests."""

import re
import secrets
import string

from common.formatting import without_markup
from guidance.parser import parse
from tests.conftest import ROOT, WALKING_DOC

DOCUMENT = parse(WALKING_DOC.read_bytes())
RED_FLAGS = parse((ROOT / "guidance" / "documents" / "red-flags-lower-back-pain.txt").read_bytes())
DISCLAIMER = DOCUMENT.passage("note-5").text
FURNITURE = ("About Me", "Pretium", "Leave a Comment")
NOT_COVERED = "The guidance I have doesn't cover that"


def normalize(text: str) -> str:
    text = without_markup(text)
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("“", '"').replace("”", '"'))


def reply_text(replies: list[dict]) -> str:
    return normalize("\n".join(r.get("text") or "" for r in replies))


def passage_text(key: str) -> str:
    passage = DOCUMENT.passage(key)
    return normalize(f"{passage.title}: {passage.text}" if passage.title else passage.text)


def new_sender() -> str:
    """A new conversation id, in letters only.

    The logs mask any run of seven or more digits as a phone number (a channel's
    sender id can be one), so an id in hexadecimal digits could come out masked
    in the log lines the tests look for.
    """
    return "e2e-" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))


EMERGENCY = "🚨 Emergency: Call your local emergency number or go to an emergency department now."
URGENT = "⚠️ Urgent: See a doctor today: ask for a same-day GP appointment or go to an urgent care centre."
REMINDER = "Reminder about the symptom you mentioned:"


def assert_advice_alone(replies, advice):
    """The tier's advice, word for word from the document, alone in the reply."""
    key = "emergency-advice" if advice == EMERGENCY else "urgent-advice"
    assert replies[0]["text"].startswith(advice)
    assert normalize(RED_FLAGS.passage(key).text) in normalize(replies[0]["text"])
    # Rasa's channels send each paragraph as its own message: the advice, then the source.
    assert [r["text"][:7] for r in replies[1:]] == ["Source:"]
    assert "“Red Flags in Lower Back Pain" in replies[1]["text"]
    assert not any(r.get("buttons") for r in replies)
    assert "beneficial" not in reply_text(replies)
