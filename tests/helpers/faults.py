"""What the database-fault tests share: a conversation that records what the
person got and how fast, and the check that every turn was stored."""

from __future__ import annotations

import time
from typing import Any, Protocol

from common.messages import DATABASE_UNAVAILABLE
from tests.helpers.answers import new_sender, normalize, reply_text


class Asks(Protocol):
    def ask(self, sender: str, text: Any, timeout: float = 60) -> list[dict]: ...


QUESTIONS = [
    "Does walking help lower back pain?",
    "How does walking strengthen my muscles?",
    "Is walking good for my posture?",
    "Does walking help my mood?",
    "Why is walking better than running for my back?",
    "Does walking help with weight?",
]
APOLOGY = normalize(DATABASE_UNAVAILABLE)
APOLOGY_MARK = {"walkwise": {"reason": "database_unavailable"}}
TURN_SECONDS = 10.0  # an answer, or the apology, within this (the stores' tries take ~1-3 s)


def turns(events: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, str]]:
    """(user text, what the bot said after it) for each stored user message, in order."""
    found: list[tuple[str, list[str]]] = []
    for kind, data in events:
        if kind == "user":
            found.append((data.get("text") or "", []))
        elif kind == "bot" and found:
            found[-1][1].append(data.get("text") or "")
    return [(text, normalize("\n".join(said))) for text, said in found]


class Conversation:
    def __init__(self, stack: Asks) -> None:
        self.stack = stack
        self.sender = new_sender()
        self.seen: list[tuple[str, str, float]] = []  # (sent, reply, seconds)

    def say(self, text: str) -> tuple[str, float]:
        start = time.monotonic()
        reply = reply_text(self.stack.ask(self.sender, text, timeout=60))
        seconds = time.monotonic() - start
        self.seen.append((text, reply, seconds))
        return reply, seconds

    def answered(self) -> list[tuple[str, str]]:
        """What the person sent and got back, for each turn that was not the apology."""
        return [(text, reply) for text, reply, _ in self.seen if reply != APOLOGY]


def report(name: str, conversation: Conversation, fault: range) -> None:
    for index, (_, reply, seconds) in enumerate(conversation.seen):
        what = "apology" if reply == APOLOGY else "answer"
        print(f"[{name}] turn {index + 1}{' (fault)' if index in fault else ''}: {what} in {seconds:.2f}s")


def check_every_turn_stored(conversation: Conversation, events: list) -> int:
    """Every message the person sent, with what they got (the apology too), is
    stored in order, once; the apologies are marked. How many turns were not."""
    assert turns(events) == [(text, reply) for text, reply, _ in conversation.seen]
    users = [data.get("text") for kind, data in events if kind == "user"]
    assert len(users) == len(set(users))  # nothing written twice
    apologies = [
        data for kind, data in events if kind == "bot" and normalize(data.get("text") or "") == APOLOGY
    ]
    assert len(apologies) == len(conversation.seen) - len(conversation.answered())
    assert all(data.get("metadata") == APOLOGY_MARK for data in apologies)
    return len(conversation.seen) - len(turns(events))
