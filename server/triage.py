"""Reads the answer to the red-flag triage question.

When a message may show a red flag, the bot asks one question
(``utter_red_flag_triage``). The next message is read here, in the Rasa
server, so it works on every channel and without the action server:

* "yes" (typed, or the button) gives the advice of the flag's tier; so does
  "not sure", the safe side of a safety question;
* "no" answers what the first message asked, if it asked a guidance
  question (an intent of the routes, or passages the retrieval found), or
  says that nothing points to urgent care;
* a reply that answers nothing ("ok thanks", or words the assistant does
  not understand) gets the question once more: a safety question is not
  dropped for a thank-you;
* a reply that puts the symptom asked about down to an everyday cause
  ("yes, but only because my boots are too tight, fine once they're off")
  is a "no";
* anything else is understood as a new message. A red flag in the reply
  wins, unless it is the one asked about ("no, I've been dieting" after a
  question about weight loss is a "no").

The answer is recorded in the parse data under ``red_flag.triage``.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, Optional

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, Event, UserUttered

from common.names import (
    EMERGENCY,
    EXPLAINED,
    GUIDANCE_KEY,
    INTENT_AFFIRM,
    INTENT_DENY,
    INTENT_GUIDANCE,
    INTENT_RED_FLAG_POSSIBLE,
    INTENT_TRIAGE_CLEAR,
    RED_FLAG_KEY,
    RESPONSE_TRIAGE_QUESTION,
    TOLD_AS_PAST,
    TRIAGE_UNSPECIFIED,
    URGENT,
)

YES = re.compile(
    r"^\W*(y|ya|ye|yeh|yh|yah|yas|yus|yes+|yeah|yea|yep|yup|aye|actually yes|affirmative|correct|"
    r"definitely|absolutely|sure|true|"
    r"uh huh|it is|it has|it does|i do|i have|i am|i did|afraid so|unfortunately( yes)?|both)\b",
    re.IGNORECASE,
)
NO = re.compile(
    r"^\W*(n|no+|nope|nah|na|never|neither|none|not really|not at all|negative|i don'?t|i haven'?t|"
    r"it isn'?t|it'?s not|it doesn'?t|it hasn'?t)\b",
    re.IGNORECASE,
)
# Not sure counts as yes: the safe side of a safety question.
UNSURE = re.compile(
    r"^\W*(maybe|possibly|probably|perhaps|not sure|unsure|i'?m not sure|don'?t know|i don'?t know|dunno|idk|"
    r"i think so|kind of|sort of|a bit)\b",
    re.IGNORECASE,
)
MIN_INTENT_CONFIDENCE = 0.6
# Replies that answer nothing: the question is asked once more.
NO_ANSWER_INTENTS = frozenset({"thanks", "nlu_fallback"})


def pending_triage(events: Iterable[Event]) -> Optional[Dict[str, Any]]:
    """The ``red_flag`` record of the message the triage question was about,
    when that question is the bot's latest action; else None."""
    asked = False
    for event in reversed(list(events)):
        if isinstance(event, ActionExecuted):
            if event.action_name == ACTION_LISTEN_NAME:
                continue
            if event.action_name != RESPONSE_TRIAGE_QUESTION:
                return None
            asked = True
        elif isinstance(event, UserUttered):
            if not asked:
                return None
            record = (event.parse_data or {}).get(RED_FLAG_KEY) or {}
            return record if record.get("possible") else None
    return None


def answer_of(parse_data: Dict[str, Any]) -> Optional[str]:
    """ "yes", "no" or None for a reply to the triage question."""
    text = (parse_data.get("text") or "").strip()
    intent = parse_data.get("intent") or {}
    answers = {INTENT_AFFIRM: "yes", INTENT_DENY: "no"}
    name = str(intent.get("name") or "")
    if text.startswith("/"):
        return answers.get(name)
    if YES.match(text) or UNSURE.match(text):
        return "yes"
    if NO.match(text):
        return "no"
    if intent.get("confidence", 0) >= MIN_INTENT_CONFIDENCE:
        return answers.get(name)
    return None


def resolve(
    parse_data: Dict[str, Any],
    pending: Dict[str, Any],
    answerable: Iterable[str],
    flag_updates: Any,
) -> None:
    """Rewrites ``parse_data`` for the answer to the triage question.

    ``flag_updates(tier, flag, phrase)`` returns the parse-data keys of a red
    flag; ``answerable`` are the intents the guidance answers.
    """
    possible = pending.get("possible") or {}
    found = parse_data.get(RED_FLAG_KEY) or {}
    if found.get("tier") and found.get("flag") != possible.get("flag"):
        return  # a new red flag in the reply wins
    answer = answer_of(parse_data)
    # A reply that itself may be a red flag ("temp is 39 n im shivering")
    # answers the question: the safe side is the advice, not a second
    # question. After the general question, the reply says which flag it is;
    # after a question about one flag, the more urgent of the two is kept.
    # A reply that tells its symptom as long past or gone ("years ago I had
    # numbness, fixed since; this is just stiffness from driving") is a no,
    # whether or not it is itself read as a possible red flag.
    own = found.get("possible") or {}
    if answer is None and found.get(TOLD_AS_PAST):
        answer = "no"
    if answer is None and (parse_data.get("intent") or {}).get("name") == INTENT_RED_FLAG_POSSIBLE:
        answer = "no" if own.get(TOLD_AS_PAST) else "yes"
        general = possible.get("question") == TRIAGE_UNSPECIFIED
        if answer == "yes" and own.get("tier") and (general or possible.get("tier") != EMERGENCY):
            possible = {**possible, **{k: own.get(k) for k in ("flag", "tier", "phrase")}}
    # "Yeah it came with the back pain, but it's only my hamstrings, tight
    # after football": a reply that puts the symptom asked about down to an
    # everyday cause is a no, unless it tells a red flag of its own.
    if answer != "no" and not found.get("tier") and possible.get("flag") in (found.get(EXPLAINED) or ()):
        answer = "no"
    if answer is None:
        name = (parse_data.get("intent") or {}).get("name")
        if name in NO_ANSWER_INTENTS and not found.get("tier") and not pending.get("asked_again"):
            parse_data["intent"] = {"name": INTENT_RED_FLAG_POSSIBLE, "confidence": 1.0}
            parse_data["intent_ranking"] = [parse_data["intent"]]
            parse_data[RED_FLAG_KEY] = {**pending, "tier": None, "asked_again": True}
        return
    record = {"flag": possible.get("flag"), "answer": answer}
    if answer == "yes":
        tier = possible.get("tier") or URGENT
        parse_data.update(flag_updates(tier, possible.get("flag"), possible.get("phrase")))
        parse_data[RED_FLAG_KEY]["triage"] = record
        return
    held = pending.get("held_intent")
    held_guidance = pending.get("held_guidance")
    if held == INTENT_GUIDANCE and held_guidance:
        parse_data[GUIDANCE_KEY] = held_guidance
        name = INTENT_GUIDANCE
    else:
        name = held if held in set(answerable) else INTENT_TRIAGE_CLEAR
    parse_data["intent"] = {"name": name, "confidence": 1.0}
    parse_data["intent_ranking"] = [parse_data["intent"]]
    parse_data[RED_FLAG_KEY] = {"tier": None, "triage": record}
