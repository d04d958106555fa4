"""The one-time reminder of a red flag raised earlier in the conversation.

When a walking question follows a red-flag message, the answer is preceded,
once, by the first sentence of that tier's advice from the red-flag document.
Whether it is due is read from the transcript: a user message whose parse data
holds a red flag, with no reminder sent since.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from common.reminders import flagged_tier, is_reminder
from guidance.store import GuidanceStore

RED_FLAG_DOCUMENT = "red-flags-lower-back-pain"
ADVICE_PASSAGE = {"emergency": "emergency-advice", "urgent": "urgent-advice"}
DEFAULT_EMERGENCY_NUMBER = "your local emergency number"


def pending_tier(events: Iterable[dict[str, Any]]) -> str | None:
    """The tier of the latest red flag not yet followed by a reminder."""
    for event in reversed(list(events)):
        if event.get("event") == "bot":
            if is_reminder(event.get("metadata")):
                return None
        elif event.get("event") == "user":
            tier = flagged_tier(event.get("parse_data"))
            if tier:
                return tier
    return None


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0]


def reminder_text(store: GuidanceStore, tier: str, emergency_number: str | None) -> str | None:
    """ "Reminder: <first sentence of the tier's advice>", or None if the store lacks it."""
    found = store.passages(RED_FLAG_DOCUMENT, [ADVICE_PASSAGE[tier]])
    if not found:
        return None
    sentence = first_sentence(found[0].text)
    if emergency_number and emergency_number != DEFAULT_EMERGENCY_NUMBER:
        sentence = sentence.replace(DEFAULT_EMERGENCY_NUMBER, emergency_number)
    return f"Reminder about the symptom you mentioned: {sentence}"
