"""Signing in and out. A wrong name and a wrong password get the same answer;
repeated failures, per username and per address, are slowed and then locked out."""

from __future__ import annotations

import time

from starlette.responses import RedirectResponse, Response

from review import audit
from review.users import (
    authenticate,
    clear_failures,
    locked_for,
    recent_failures,
    record_failure,
    throttle_keys,
)
from review.web.context import Ctx, page

WRONG = "Unknown username or wrong password."
LOCKED = "Too many failed sign-ins. Wait a few minutes and try again."
MAX_DELAY = 5.0


def safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@page(public=True)
def login_form(ctx: Ctx) -> Response:
    return ctx.render("login.html", next=safe_next(ctx.query.get("next")), error=None)


@page(public=True)
def login(ctx: Ctx) -> Response:
    username = ctx.form.get("username", "").strip()[:100]
    password = ctx.form.get("password", "")[:1000]
    target = safe_next(ctx.form.get("next"))
    address = ctx.request.client.host if ctx.request.client else "unknown"
    keys = throttle_keys(username, address)
    settings = ctx.settings
    if locked_for(ctx.engine, keys, settings.login_attempts) > 0:
        return ctx.render("login.html", status_code=429, next=target, error=LOCKED, username=username)
    # Each recent failure slows the next answer a little (the worker thread waits, not the loop).
    time.sleep(min(MAX_DELAY, settings.login_delay * recent_failures(ctx.engine, keys)))
    user = authenticate(ctx.engine, username=username, password=password) if username and password else None
    if user is None:
        record_failure(ctx.engine, keys)
        return ctx.render("login.html", status_code=401, next=target, error=WRONG, username=username)
    clear_failures(ctx.engine, keys[0])
    ctx.request.session.clear()
    ctx.request.session.update(uid=user.id, key=user.session_key, login_at=time.time())
    audit.record(ctx.engine, secret=settings.secret, username=user.username, action=audit.LOGIN)
    return RedirectResponse(target, status_code=303)


@page(public=True)
def logout(ctx: Ctx) -> Response:
    ctx.request.session.clear()
    return RedirectResponse("/login", status_code=303)
