"""The "check my symptoms" screen: a Rasa form, one yes-or-no question per turn.

The form stops at the first "yes" to an emergency question; the result is the
advice of the most urgent tier answered "yes", or "no red flags" followed by
the guidance.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answer_question import GuidanceAction
from actions.names import INTENT_WALKING_HELPS
from common import settings
from common.names import EMERGENCY, METADATA_KEY, RESPONSE_FOR_TIER, URGENT

FORM = "symptom_check_form"
# The form's questions, in the order asked, and the tier a "yes" means.
SCREEN: dict[str, str] = {
    "screen_saddle": EMERGENCY,
    "screen_bladder_bowel": EMERGENCY,
    "screen_legs": EMERGENCY,
    "screen_sexual": EMERGENCY,
    "screen_injury": EMERGENCY,
    "screen_fever": URGENT,
    "screen_weight_loss": URGENT,
    "screen_cancer": URGENT,
    "screen_night_pain": URGENT,
    "screen_sweats_swelling": URGENT,
}
TEXT_NO_RED_FLAGS = (
    "No red flags: you answered no to each warning sign, so nothing you've told me needs urgent care. "
    "If anything changes, or you're worried, please speak to a healthcare professional. "
    "Here is what the guidance says about walking:"
)


def screen_result(answers: dict[str, Any]) -> tuple[str | None, list[str]]:
    """The most urgent tier answered "yes" (or None) and the questions answered "yes"."""
    yes = [name for name in SCREEN if answers.get(name) is True]
    tiers = {SCREEN[name] for name in yes}
    tier = EMERGENCY if EMERGENCY in tiers else URGENT if URGENT in tiers else None
    return tier, yes


def remaining_questions(answers: dict[str, Any]) -> list[str]:
    """The questions still to ask: none after a "yes" to an emergency question."""
    asked = [name for name in SCREEN if answers.get(name) is not None]
    if any(answers.get(name) is True and SCREEN[name] == EMERGENCY for name in asked):
        return asked
    return list(SCREEN)


class ValidateSymptomCheckForm(FormValidationAction):
    """Runs on each answer of the screen; ends it early after an emergency "yes"."""

    def name(self) -> str:
        return f"validate_{FORM}"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return remaining_questions({name: tracker.get_slot(name) for name in SCREEN})


class ActionSymptomCheckResult(GuidanceAction):
    """Runs when the screen ends: the advice, or "no red flags" and the guidance."""

    def name(self) -> str:
        return "action_symptom_check_result"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        answers = {name: tracker.get_slot(name) for name in SCREEN}
        tier, yes = screen_result(answers)
        record = {METADATA_KEY: {"symptom_check": {"tier": tier, "yes": yes, "answers": answers}}}
        events: list[dict[str, Any]] = []
        if tier:
            # The configured number, as on every other path to the advice (the
            # answers to the screen carry no entity that would fill the slot).
            number = settings.current().emergency_number
            filled = {"emergency_number": number} if number else {}
            dispatcher.utter_message(response=RESPONSE_FOR_TIER[tier], **filled, **record)
            events = [SlotSet("emergency_number", number)] if number else []
        else:
            dispatcher.utter_message(text=TEXT_NO_RED_FLAGS, **record)
            events = self.send(dispatcher, INTENT_WALKING_HELPS)
        return events + [SlotSet(name, None) for name in SCREEN]
