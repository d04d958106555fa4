"""Rows for Rasa's ``events`` table, shaped as SQLTrackerStore stores them, for
tests and benchmarks of the review tool that do not start the bot."""

from __future__ import annotations

import json
from typing import Any, Iterable

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from review.tables import events


def session_start(timestamp: float) -> list[dict[str, Any]]:
    return [
        {"event": "action", "name": "action_session_start", "timestamp": timestamp},
        {"event": "session_started", "timestamp": timestamp},
        {"event": "action", "name": "action_listen", "timestamp": timestamp},
    ]


def user(
    text: str,
    timestamp: float,
    *,
    intent: str = "ask_walking_benefits",
    confidence: float = 0.93,
    channel: str = "rest",
    red_flag: dict[str, Any] | None = None,
) -> dict[str, Any]:
    parse_data: dict[str, Any] = {
        "intent": {"name": intent, "confidence": confidence},
        "entities": [],
        "text": text,
    }
    if red_flag is not None:
        parse_data["red_flag"] = red_flag
    return {
        "event": "user",
        "timestamp": timestamp,
        "text": text,
        "parse_data": parse_data,
        "input_channel": channel,
        "message_id": f"m{timestamp}",
        "metadata": {},
    }


def bot(
    text: str,
    timestamp: float,
    *,
    utter_action: str | None = None,
    answer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    if utter_action:
        metadata["utter_action"] = utter_action
    if answer is not None:
        metadata["walkwise"] = {"answer": answer}
    return {"event": "bot", "timestamp": timestamp, "text": text, "data": {}, "metadata": metadata}


def action(name: str, timestamp: float) -> dict[str, Any]:
    return {"event": "action", "name": name, "timestamp": timestamp}


GUIDANCE_ANSWER = {
    "kind": "guidance",
    "passages": [
        {
            "document": "walking-lower-back-pain",
            "key": "strengthening-muscles",
            "title": "Strengthening muscles",
            "section": "How walking helps",
            "version": "3",
        }
    ],
}


def rows(sender_id: str, items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``events`` rows as SQLTrackerStore writes them."""
    out = []
    for item in items:
        intent = item.get("parse_data", {}).get("intent", {}).get("name") if item["event"] == "user" else None
        out.append(
            dict(
                sender_id=sender_id,
                type_name=item["event"],
                timestamp=item["timestamp"],
                intent_name=intent,
                action_name=item.get("name"),
                data=json.dumps(item),
            )
        )
    return out


def store(engine: Engine, sender_id: str, items: Iterable[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        connection.execute(insert(events), rows(sender_id, items))


def walking_question(timestamp: float, text: str = "Does walking help my back?", **user_args: Any) -> list:
    return [
        user(text, timestamp, **user_args),
        action("action_answer_question", timestamp + 0.1),
        bot(
            "Walking strengthens the muscles that support your back.", timestamp + 0.2, answer=GUIDANCE_ANSWER
        ),
        action("action_listen", timestamp + 0.3),
    ]


def not_covered_question(timestamp: float, text: str = "How many steps should I walk a day?") -> list:
    return [
        user(text, timestamp, intent="ask_not_covered", confidence=0.81),
        action("utter_not_covered", timestamp + 0.1),
        bot("The guidance does not cover that.", timestamp + 0.2, utter_action="utter_not_covered"),
        action("action_listen", timestamp + 0.3),
    ]


def red_flag_message(timestamp: float, text: str = "I can't feel my bum and I've wet myself") -> list:
    finding = {
        "tier": "emergency",
        "flag": "cauda_equina",
        "phrase": "can't feel my bum",
        "detected_by": "pattern",
    }
    return [
        user(text, timestamp, intent="red_flag_emergency", confidence=1.0, red_flag=finding),
        action("utter_red_flag_emergency", timestamp + 0.1),
        bot("Call an ambulance now.", timestamp + 0.2, utter_action="utter_red_flag_emergency"),
        action("action_listen", timestamp + 0.3),
    ]
