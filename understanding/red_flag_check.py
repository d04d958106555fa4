"""The red-flag check, as a Rasa NLU component that runs inside the Rasa server.

It runs on every message, after the intent classifiers, so it sees whatever
was predicted and has the last word:

* a red-flag pattern that is not negated sets the intent to
  ``red_flag_emergency`` or ``red_flag_urgent`` (confidence 1.0);
* otherwise a classifier prediction of one of those intents (at least
  ``intent_threshold``) stands, unless the patterns found only negated
  mentions or the message is a general question about red flags;
* a general question about red flags becomes ``ask_red_flags``.

What it found is added to the parse data under ``red_flag`` (tier, flag,
phrase, how it was found), so the transcript records it, and as entities that
fill the ``red_flag_tier`` and ``emergency_number`` slots. The emergency
number comes from ``WALKWISE_EMERGENCY_NUMBER``; without it the domain's
default text ("your local emergency number") is used.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from understanding.message_check import MessageCheck
from understanding.red_flags import EMERGENCY, URGENT, Finding, RedFlagDetector

RED_FLAG_KEY = "red_flag"
INTENT_FOR_TIER = {EMERGENCY: "red_flag_emergency", URGENT: "red_flag_urgent"}
TIER_FOR_INTENT = {intent: tier for tier, intent in INTENT_FOR_TIER.items()}
INTENT_ASK_RED_FLAGS = "ask_red_flags"
EMERGENCY_NUMBER_ENV = "WALKWISE_EMERGENCY_NUMBER"
MAX_PHRASE_CHARS = 200


def red_flag_updates(
    *,
    text: Text,
    tier: Text,
    flag: Optional[Text],
    phrase: Optional[Text],
    detected_by: Text,
    entities: List[Dict[Text, Any]],
    ranking: List[Dict[Text, Any]],
    emergency_number: Optional[Text],
) -> Dict[Text, Any]:
    """The parse-data keys a red flag sets: intent, ranking, ``red_flag`` and the
    entities that fill the ``red_flag_tier`` and ``emergency_number`` slots."""
    intent = INTENT_FOR_TIER[tier]
    kept = [e for e in entities if e.get("entity") not in ("red_flag_tier", "emergency_number")]
    found = {"red_flag_tier": tier}
    if emergency_number:
        found["emergency_number"] = emergency_number
    kept += [
        {"entity": name, "value": value, "start": 0, "end": len(text),
         "confidence_entity": 1.0, "extractor": RedFlagCheck.__name__}
        for name, value in found.items()
    ]
    return {
        INTENT: {"name": intent, "confidence": 1.0},
        INTENT_RANKING_KEY: [{"name": intent, "confidence": 1.0}, *[e for e in ranking if e.get("name") != intent]],
        RED_FLAG_KEY: {"tier": tier, "flag": flag, "phrase": phrase, "detected_by": detected_by},
        ENTITIES: kept,
    }


def red_flag_intent(parse_data: Dict[Text, Any]) -> Optional[Text]:
    """The red-flag intent a parse result must have, if it holds a red flag."""
    found = parse_data.get(RED_FLAG_KEY) or {}
    return INTENT_FOR_TIER.get(found.get("tier"))


def configured_emergency_number() -> Optional[Text]:
    return os.environ.get(EMERGENCY_NUMBER_ENV, "").strip() or None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RedFlagCheck(MessageCheck):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intent_threshold": 0.6, "fallback_threshold": 0.45}

    def __init__(self, config: Dict[Text, Any], emergency_number: Optional[Text] = None) -> None:
        super().__init__(config)
        self.intent_threshold = float(config.get("intent_threshold", 0.6))
        self.fallback_threshold = float(config.get("fallback_threshold", 0.45))
        self.emergency_number = emergency_number or configured_emergency_number()
        self._detector: Optional[RedFlagDetector] = None

    def check(self, message: Message) -> None:
        doc = message.get(SPACY_DOCS[TEXT])
        if doc is None:
            return
        if self._detector is None or self._detector.vocab is not doc.vocab:
            self._detector = RedFlagDetector(doc.vocab)
        finding = self._detector.check(doc)
        if finding.tier:
            self._mark(message, finding.tier, finding.flag, finding.phrase, "pattern")
            return
        predicted = self._classifier_red_flag(message)
        if predicted and not finding.negated_only and not finding.general_question:
            text = message.get(TEXT) or ""
            self._mark(message, TIER_FOR_INTENT[predicted], None, text[:MAX_PHRASE_CHARS], "intent")
            return
        if finding.general_question:
            self._set_intent(message, INTENT_ASK_RED_FLAGS)
        elif predicted or _top_intent(message) in TIER_FOR_INTENT:
            self._demote(message, finding)

    def _classifier_red_flag(self, message: Message) -> Optional[Text]:
        for entry in message.get(INTENT_RANKING_KEY) or []:
            if entry.get("name") in TIER_FOR_INTENT and entry.get("confidence", 0) >= self.intent_threshold:
                return entry["name"]
        return None

    def _mark(self, message: Message, tier: Text, flag: Optional[Text], phrase: Optional[Text], how: Text) -> None:
        updates = red_flag_updates(
            text=message.get(TEXT) or "",
            tier=tier,
            flag=flag,
            phrase=phrase,
            detected_by=how,
            entities=message.get(ENTITIES, []),
            ranking=message.get(INTENT_RANKING_KEY) or [],
            emergency_number=self.emergency_number,
        )
        for key, value in updates.items():
            message.set(key, value, add_to_output=True)

    @staticmethod
    def _set_intent(message: Message, name: Text) -> None:
        ranking = [e for e in message.get(INTENT_RANKING_KEY) or [] if e.get("name") != name]
        message.set(INTENT, {"name": name, "confidence": 1.0}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [{"name": name, "confidence": 1.0}, *ranking], add_to_output=True)

    def _demote(self, message: Message, finding: Finding) -> None:
        """Drops a red-flag prediction the patterns contradict (e.g. "no numbness")."""
        ranking = [e for e in message.get(INTENT_RANKING_KEY) or [] if e.get("name") not in TIER_FOR_INTENT]
        best = ranking[0] if ranking else {"name": "nlu_fallback", "confidence": 1.0}
        if best.get("confidence", 0) < self.fallback_threshold:
            best = {"name": "nlu_fallback", "confidence": self.fallback_threshold}
        message.set(INTENT, dict(best), add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        message.set(
            RED_FLAG_KEY,
            {"tier": None, "negated": [m.text for m in finding.mentions if m.negated]},
            add_to_output=True,
        )


def _top_intent(message: Message) -> Optional[Text]:
    return (message.get(INTENT) or {}).get("name")
