"""Conversations as CSV, JSON and Rasa test stories, with user text masked
unless an admin unmasked it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import yaml

from review.conversations import Conversation, Summary
from review.masking import masked
from review.transcript import IMPLICIT_ACTIONS, Event

MESSAGE_FIELDS = [
    "event_id",
    "time",
    "role",
    "text",
    "intent",
    "confidence",
    "red_flag_tier",
    "red_flag_phrase",
    "answer",
    "feedback",
    "flags",
]
SUMMARY_FIELDS = [
    "id",
    "sender_id",
    "started",
    "channel",
    "user_turns",
    "first_question",
    "red_flag_tier",
    "triage_asked",
    "not_covered",
    "fallback",
    "min_confidence",
    "flagged",
    "reviewed",
]


def iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).isoformat(timespec="seconds")


def answer_label(event: Event) -> str:
    if event.not_covered:
        return "not covered"
    if event.passages:
        return "; ".join(
            f"{p.document} / {p.section or p.title} (version {p.version})" for p in event.passages
        )
    return ""


def message_rows(conversation: Conversation, unmasked: bool = False) -> list[dict[str, Any]]:
    rows = []
    for event in conversation.events:
        if not (event.is_user or event.is_bot):
            continue
        flag = event.red_flag
        rows.append(
            {
                "event_id": event.id,
                "time": iso(event.timestamp),
                "role": "user" if event.is_user else "bot",
                "text": masked(event.text, unmasked) if event.is_user else event.text,
                "intent": event.intent or "",
                "confidence": event.confidence if event.confidence is not None else "",
                "red_flag_tier": flag.tier if flag else "",
                "red_flag_phrase": masked(flag.phrase, unmasked) if flag else "",
                "answer": answer_label(event) if event.is_bot else "",
                "feedback": "; ".join(
                    f"{item.value}: {item.reason}" if item.reason else item.value
                    for item in conversation.feedback_for(event.id)
                ),
                "flags": "; ".join(f.reason for f in conversation.flags_for(event.id)),
            }
        )
    return rows


def summary_row(summary: Summary) -> dict[str, Any]:
    return {
        "id": summary.id,
        "sender_id": summary.sender_id,
        "started": iso(summary.started_at),
        "channel": summary.channel or "",
        "user_turns": summary.user_turns,
        "first_question": masked(summary.first_question),
        "red_flag_tier": summary.red_flag_tier or "",
        "triage_asked": summary.triage_asked,
        "not_covered": summary.not_covered,
        "fallback": summary.fallback,
        "min_confidence": summary.min_confidence if summary.min_confidence is not None else "",
        "flagged": summary.flagged,
        "reviewed": summary.reviewed_at is not None,
    }


def _csv(fields: list[str], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        # A leading = + - @ would make a spreadsheet run the cell as a formula.
        writer.writerow(
            {k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@\t\r" else v) for k, v in row.items()}
        )
    return out.getvalue()


def conversation_csv(conversation: Conversation, unmasked: bool = False) -> str:
    return _csv(MESSAGE_FIELDS, message_rows(conversation, unmasked))


def conversation_json(conversation: Conversation, unmasked: bool = False) -> str:
    body = {
        "conversation": summary_row(conversation.summary),
        "messages": message_rows(conversation, unmasked),
        "notes": [{"by": n.created_by, "at": iso(n.created_at), "text": n.body} for n in conversation.notes],
    }
    return json.dumps(body, indent=2, ensure_ascii=False)


def list_csv(rows: list[Summary]) -> str:
    return _csv(SUMMARY_FIELDS, [summary_row(row) for row in rows])


def list_json(rows: list[Summary]) -> str:
    return json.dumps([summary_row(row) for row in rows], indent=2, ensure_ascii=False)


def rasa_test_story(conversation: Conversation) -> str:
    """The conversation as a Rasa test story, for tests/conversations/ once reviewed."""
    steps: list[dict[str, Any]] = []
    for event in conversation.events:
        if event.is_user:
            text = " ".join(masked(event.text).split())
            step: dict[str, Any] = {"user": text}
            if event.intent:
                step["intent"] = event.intent
            steps.append(step)
        elif event.type_name == "action" and event.action_name and event.action_name not in IMPLICIT_ACTIONS:
            steps.append({"action": event.action_name})
    summary = conversation.summary
    story = {
        "version": "3.1",
        "stories": [{"story": f"conversation {summary.id} ({iso(summary.started_at)})", "steps": steps}],
    }
    return yaml.safe_dump(story, sort_keys=False, allow_unicode=True, width=1000)
