"""Admin pages: erasing a sender (with a confirmation step) and the audit log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from starlette.responses import Response

from review import audit
from review.privacy import erase_sender
from review.summary import refresh
from review.tables import conversations, events
from review.web.context import Ctx, page


def _counts(ctx: Ctx, sender_id: str) -> tuple[int, int]:
    with ctx.engine.connect() as connection:
        found = connection.execute(
            select(func.count()).select_from(conversations).where(conversations.c.sender_id == sender_id)
        ).scalar()
        stored = connection.execute(
            select(func.count()).select_from(events).where(events.c.sender_id == sender_id)
        ).scalar()
    return int(found or 0), int(stored or 0)


@page(admin=True)
def erase_form(ctx: Ctx) -> Response:
    return ctx.render("erase.html", step="ask", sender_id=ctx.query.get("sender_id", ""), done=None)


@page(admin=True)
def erase_confirm(ctx: Ctx) -> Response:
    refresh(ctx.engine)
    sender_id = ctx.form.get("sender_id", "").strip()
    if not sender_id:
        return ctx.render("erase.html", step="ask", sender_id="", done=None, error="Enter a sender id.")
    found, stored = _counts(ctx, sender_id)
    return ctx.render(
        "erase.html", step="confirm", sender_id=sender_id, conversations=found, events=stored, done=None
    )


@page(admin=True)
def erase(ctx: Ctx) -> Response:
    sender_id = ctx.form.get("sender_id", "").strip()
    if not sender_id or ctx.form.get("confirm", "").strip() != sender_id:
        return ctx.render(
            "erase.html",
            status_code=400,
            step="ask",
            sender_id=sender_id,
            done=None,
            error="Type the sender id again to confirm.",
        )
    assert ctx.user is not None
    done = erase_sender(ctx.engine, sender_id, username=ctx.user.username, secret=ctx.settings.secret)
    return ctx.render("erase.html", step="done", sender_id="", done=done)


@page(admin=True)
def audit_page(ctx: Ctx) -> Response:
    sender_id = ctx.query.get("sender_id", "").strip()
    try:
        before = int(ctx.query["before"]) if ctx.query.get("before") else None
    except ValueError:
        before = None
    found = audit.entries(ctx.engine, secret=ctx.settings.secret, sender_id=sender_id or None, before=before)
    return ctx.render(
        "audit.html",
        entries=found,
        sender_id=sender_id,
        when=lambda ts: dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
    )
