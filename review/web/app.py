"""The review web app: ``create_app(settings)`` builds it (tests pass their own
settings); ``python -m review serve`` runs it with uvicorn."""

from __future__ import annotations

import contextlib
from typing import AsyncIterator

from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from review import migrate
from review.db import engine_for
from review.settings import Settings
from review.summary import Summariser
from review.web import admin_pages, auth_pages, conversation_pages, insight_pages
from review.web.context import make_templates

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend((k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items())
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def prepare(engine: Engine) -> None:
    """Brings the review tables to the latest migration; the summaries catch up
    in the background (see :class:`review.summary.Summariser`)."""
    migrate.upgrade(engine)


async def health(_request: Request) -> Response:
    return Response("ok", media_type="text/plain")


ROUTES = [
    Route("/health", health),
    Route("/login", auth_pages.login_form, methods=["GET"]),
    Route("/login", auth_pages.login, methods=["POST"]),
    Route("/logout", auth_pages.logout, methods=["POST"]),
    Route("/", insight_pages.dashboard_page),
    Route("/unanswered", insight_pages.unanswered_page),
    Route("/unanswered/{group:int}/nlu.yml", insight_pages.unanswered_export),
    Route("/conversations", conversation_pages.conversation_list),
    Route("/conversations/export.{kind:str}", conversation_pages.list_export),
    Route("/conversations/views", conversation_pages.view_save, methods=["POST"]),
    Route("/conversations/views/{id:int}/delete", conversation_pages.view_delete, methods=["POST"]),
    Route("/conversations/{id:int}", conversation_pages.conversation_view),
    Route("/conversations/{id:int}/export.{kind:str}", conversation_pages.conversation_export),
    Route("/conversations/{id:int}/flag", conversation_pages.conversation_flag, methods=["POST"]),
    Route("/conversations/{id:int}/note", conversation_pages.conversation_note, methods=["POST"]),
    Route("/conversations/{id:int}/reviewed", conversation_pages.conversation_reviewed, methods=["POST"]),
    Route("/conversations/{id:int}/unmask", conversation_pages.conversation_unmask, methods=["POST"]),
    Route("/erase", admin_pages.erase_form, methods=["GET"]),
    Route("/erase/confirm", admin_pages.erase_confirm, methods=["POST"]),
    Route("/erase", admin_pages.erase, methods=["POST"]),
    Route("/audit", admin_pages.audit_page),
]


def create_app(settings: Settings, engine: Engine | None = None) -> Starlette:
    engine = engine or engine_for(settings.database_url)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(prepare, engine)
        summariser = None
        if settings.background_refresh_seconds > 0:
            summariser = Summariser(engine, settings.background_refresh_seconds)
            summariser.start()
        try:
            yield
        finally:
            if summariser is not None:
                await run_in_threadpool(summariser.stop)

    app = Starlette(
        routes=_routes(),
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret,
                session_cookie="walkwise_review",
                max_age=int(settings.session_hours * 3600),
                same_site="strict",
                https_only=settings.secure_cookies,
            ),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.templates = make_templates()
    return app


def _routes() -> list[Route]:
    # Export kinds are checked by the route table, not inside handlers.
    return [_restrict_kinds(route) for route in ROUTES]


def _restrict_kinds(route: Route) -> Route:
    if "{kind:str}" not in route.path:
        return route
    allowed = {"csv", "json"} if route.path.startswith("/conversations/export") else {"csv", "json", "yml"}
    inner = route.endpoint

    async def endpoint(request: Request) -> Response:
        if request.path_params.get("kind") not in allowed:
            return Response("Unknown export format.", status_code=404, media_type="text/plain")
        return await inner(request)

    return Route(route.path, endpoint, methods=list(route.methods or ["GET"]))
