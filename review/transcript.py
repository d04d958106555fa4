"""Rasa's stored events read as a transcript: pure functions over event rows,
no database and no Rasa imports."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from common.names import METADATA_KEY, RED_FLAG_KEY, RESPONSE_TRIAGE_QUESTION, TIERS

# common.names.INTENT_NOT_COVERED in newer trees; spelled out here so the review
# tool reads transcripts written before that name existed.
INTENT_NOT_COVERED = "ask_not_covered"
FALLBACK_INTENT = "nlu_fallback"
NOT_COVERED_RESPONSE = "utter_not_covered"
SESSION_START_ACTION = "action_session_start"
# Actions a test story leaves out: Rasa runs them on its own.
IMPLICIT_ACTIONS = {"action_listen", SESSION_START_ACTION}


@dataclass(frozen=True)
class Passage:
    document: str
    key: str
    title: str
    section: str
    version: str


@dataclass(frozen=True)
class RedFlag:
    tier: str
    flag: str
    phrase: str
    detected_by: str


@dataclass(frozen=True)
class Event:
    """One stored event, with the parts the review tool shows."""

    id: int
    sender_id: str
    type_name: str
    timestamp: float
    action_name: str | None = None
    text: str = ""
    intent: str | None = None
    confidence: float | None = None
    channel: str | None = None
    red_flag: RedFlag | None = None
    # A red flag the check was unsure of (it asked the triage question instead).
    possible_flag: str | None = None
    utter_action: str | None = None
    answer_kind: str | None = None
    passages: tuple[Passage, ...] = field(default_factory=tuple)

    @property
    def is_user(self) -> bool:
        return self.type_name == "user"

    @property
    def is_bot(self) -> bool:
        return self.type_name == "bot"

    @property
    def starts_session(self) -> bool:
        return self.type_name == "session_started" or (
            self.type_name == "action" and self.action_name == SESSION_START_ACTION
        )

    @property
    def not_covered(self) -> bool:
        if self.is_user:
            return self.intent == INTENT_NOT_COVERED
        return self.utter_action == NOT_COVERED_RESPONSE or self.answer_kind == "not_covered"

    @property
    def fallback(self) -> bool:
        return self.is_user and self.intent == FALLBACK_INTENT

    @property
    def asks_triage(self) -> bool:
        return self.is_bot and self.utter_action == RESPONSE_TRIAGE_QUESTION

    @property
    def answered_from_guidance(self) -> bool:
        return self.is_bot and self.answer_kind == "guidance"


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _red_flag(parse_data: Mapping[str, Any]) -> RedFlag | None:
    finding = _dict(parse_data.get(RED_FLAG_KEY))
    tier = finding.get("tier")
    if tier not in TIERS:
        return None
    how = finding.get("detected_by")
    return RedFlag(
        tier=str(tier),
        flag=_text(finding.get("flag")),
        phrase=_text(finding.get("phrase")),
        detected_by=how if isinstance(how, str) else ("classifier" if "score" in finding else ""),
    )


def _possible_flag(parse_data: Mapping[str, Any]) -> str | None:
    possible = _dict(_dict(parse_data.get(RED_FLAG_KEY)).get("possible"))
    flag = possible.get("flag")
    return str(flag) if flag else None


def _passages(metadata: Mapping[str, Any]) -> tuple[str | None, tuple[Passage, ...]]:
    answer = _dict(_dict(metadata.get(METADATA_KEY)).get("answer"))
    kind = answer.get("kind")
    passages = []
    for item in answer.get("passages") or []:
        item = _dict(item)
        passages.append(
            Passage(
                document=_text(item.get("document")),
                key=_text(item.get("key")),
                title=_text(item.get("title")),
                section=_text(item.get("section")),
                version=str(item.get("version") or ""),
            )
        )
    return (kind if isinstance(kind, str) else None), tuple(passages)


def parse_event(
    *,
    id: int,
    sender_id: str,
    type_name: str,
    timestamp: float | None,
    action_name: str | None = None,
    intent_name: str | None = None,
    data: str | None,
) -> Event:
    """An ``events`` row as an :class:`Event`; unreadable data gives an event with no details."""
    body: Mapping[str, Any] = {}
    if data and type_name in ("user", "bot"):  # the only kinds whose data the review reads
        try:
            body = _dict(json.loads(data))
        except ValueError:
            pass
        if "\\ud" in data.lower():  # an escaped surrogate: maybe a lone one, which no database can store
            body = _dict(_valid_unicode(body))
    when = timestamp if timestamp is not None else _float(body.get("timestamp")) or 0.0
    common: dict[str, Any] = dict(
        id=id, sender_id=sender_id, type_name=type_name, timestamp=when, action_name=action_name
    )
    if type_name == "user":
        parse_data = _dict(body.get("parse_data"))
        intent = _dict(parse_data.get("intent"))
        channel = body.get("input_channel")
        return Event(
            **common,
            text=_text(body.get("text")),
            intent=intent.get("name") or intent_name,
            confidence=_float(intent.get("confidence")),
            channel=channel if isinstance(channel, str) else None,
            red_flag=_red_flag(parse_data),
            possible_flag=_possible_flag(parse_data),
        )
    if type_name == "bot":
        metadata = _dict(body.get("metadata"))
        kind, passages = _passages(metadata)
        utter = metadata.get("utter_action")
        return Event(
            **common,
            text=_text(body.get("text")),
            utter_action=utter if isinstance(utter, str) else None,
            answer_kind=kind,
            passages=passages,
        )
    return Event(**common)


def _valid_unicode(value: Any) -> Any:
    """``value`` with lone surrogates (invalid Unicode that JSON can carry) replaced."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {_valid_unicode(k): _valid_unicode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_valid_unicode(v) for v in value]
    return value


def event_from_row(row: Any) -> Event:
    return parse_event(
        id=row.id,
        sender_id=row.sender_id,
        type_name=row.type_name,
        timestamp=row.timestamp,
        action_name=row.action_name,
        intent_name=row.intent_name,
        data=row.data,
    )
