"""What every page handler gets: the request, the signed-in user, the form, and
a render helper. Handlers are plain functions run in a worker thread, so their
database calls do not block the event loop."""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from review import audit
from review.masking import mask
from review.settings import Settings
from review.summary import backlog, refresh
from review.users import User, get_user

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
CSRF_FIELD = "csrf_token"


def make_templates() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["urlencode"] = urlencode
    environment.globals["mask"] = mask
    environment.filters["utc"] = utc
    return environment


def utc(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def csrf_valid(request: Request, submitted: str | None) -> bool:
    expected = request.session.get("csrf")
    return bool(expected and submitted and hmac.compare_digest(str(expected), submitted))


@dataclass
class Ctx:
    request: Request
    settings: Settings
    engine: Engine
    templates: Environment
    user: User | None = None
    form: dict[str, str] = field(default_factory=dict)
    # Stored events the summaries have not read yet (shown as a notice).
    backlog: int = 0

    def refresh_summaries(self) -> None:
        """A bounded summary pass before a page that lists conversations; what it
        leaves is read by the background pass, and the page says so."""
        if self.settings.refresh_on_request:
            refresh(self.engine, max_batches=self.settings.request_refresh_batches)
        self.backlog = backlog(self.engine)

    @property
    def query(self) -> dict[str, str]:
        return dict(self.request.query_params)

    def audit(self, action: str, *, sender_id: str | None = None, detail: str | None = None) -> None:
        """Records what the signed-in staff member did (review/audit.py)."""
        audit.record(
            self.engine,
            secret=self.settings.secret,
            username=self.user.username if self.user else "",
            action=action,
            sender_id=sender_id,
            detail=detail,
        )

    def render(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        template = self.templates.get_template(name)
        html = template.render(
            user=self.user,
            csrf_token=csrf_token(self.request),
            path=self.request.url.path,
            backlog=self.backlog,
            **context,
        )
        return HTMLResponse(html, status_code=status_code)


def _signed_in_user(request: Request, settings: Settings, engine: Engine) -> User | None:
    user_id = request.session.get("uid")
    login_at = request.session.get("login_at", 0)
    if not isinstance(user_id, int) or time.time() - float(login_at) > settings.session_hours * 3600:
        return None
    user = get_user(engine, user_id)
    if user is None or not hmac.compare_digest(str(request.session.get("key", "")), user.session_key):
        return None
    return user


Handler = Callable[[Ctx], Response]


def page(
    *, admin: bool = False, public: bool = False
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wraps a handler: signs in (or redirects to the login page), checks the role
    and, for a POST, the CSRF token, then runs it in a worker thread."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            state = request.app.state
            ctx = Ctx(
                request=request, settings=state.settings, engine=state.engine, templates=state.templates
            )
            if request.method == "POST":
                form = await request.form()
                ctx.form = {key: value for key, value in form.items() if isinstance(value, str)}
                if not csrf_valid(request, ctx.form.get(CSRF_FIELD)):
                    return PlainTextResponse(
                        "The form expired or was not sent from this site. Go back and reload.", 403
                    )
            if not public:
                ctx.user = await run_in_threadpool(_signed_in_user, request, state.settings, state.engine)
                if ctx.user is None:
                    request.session.pop("uid", None)
                    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
                if admin and not ctx.user.is_admin:
                    return PlainTextResponse("Only an admin can do that.", 403)
            return await run_in_threadpool(handler, ctx)

        return endpoint

    return wrap
