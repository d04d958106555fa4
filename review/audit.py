"""The append-only audit log: who viewed, exported, unmasked or erased which
sender's transcript, and when. Nothing updates or deletes its rows (triggers
refuse it on both databases).

The sender is recorded as a keyed hash, so the log can still answer "who saw
this sender's conversations" (hash the id to search) after the sender's data
is erased, without keeping the id itself.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from review.tables import audit

VIEW = "view"
EXPORT = "export"
UNMASK = "unmask"
ERASE = "erase"
RETENTION = "retention"
LOGIN = "login"
LOGIN_FAILED = "login_failed"


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: float
    username: str
    action: str
    sender_ref: str | None
    detail: str | None


def sender_ref(secret: str, sender_id: str) -> str:
    return hmac.new(secret.encode(), sender_id.encode(), hashlib.sha256).hexdigest()[:32]


def record(
    target: Engine | Connection,
    *,
    secret: str,
    username: str,
    action: str,
    sender_id: str | None = None,
    detail: str | None = None,
) -> None:
    values = dict(
        at=time.time(),
        username=username,
        action=action,
        sender_ref=sender_ref(secret, sender_id) if sender_id is not None else None,
        detail=detail,
    )
    if isinstance(target, Connection):
        target.execute(insert(audit).values(**values))
        return
    with target.begin() as connection:
        connection.execute(insert(audit).values(**values))


def entries(
    engine: Engine, *, secret: str, sender_id: str | None = None, limit: int = 200, before: int | None = None
) -> list[AuditEntry]:
    query = select(audit).order_by(audit.c.id.desc()).limit(limit)
    if sender_id:
        query = query.where(audit.c.sender_ref == sender_ref(secret, sender_id))
    if before is not None:
        query = query.where(audit.c.id < before)
    with engine.connect() as connection:
        return [AuditEntry(**row) for row in connection.execute(query).mappings()]
