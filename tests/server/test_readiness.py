"""GET /ready's checks, against a real SQLite store and a real local HTTP server."""

from __future__ import annotations

import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

import pytest
from rasa.shared.core.domain import Domain

from server import readiness
from server.tracker_store import WalkWiseTrackerStore
from tests.helpers.running import run_async


class Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(self.status if self.path == "/health" else 404)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def action_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/webhook"
    server.shutdown()


def agent(store: Any, action_url: str | None, loaded: bool = True) -> Any:
    return SimpleNamespace(
        tracker_store=store,
        action_endpoint=SimpleNamespace(url=action_url) if action_url else None,
        is_ready=lambda: loaded,
    )


@pytest.fixture
def store(tmp_path: Path) -> WalkWiseTrackerStore:
    return WalkWiseTrackerStore(
        domain=Domain.empty(), dialect="sqlite", db=str(tmp_path / "c.db"), lock_wait=0.1
    )


def test_health_url_comes_from_the_webhook_url():
    assert readiness.health_url("http://127.0.0.1:5055/webhook") == "http://127.0.0.1:5055/health"
    assert readiness.health_url("http://actions:5055/webhook/") == "http://actions:5055/health"


def test_ready_when_everything_answers(store, action_server):
    ok, body = run_async(readiness.readiness(agent(store, action_server)))
    assert ok and body == {"status": "ready", "reasons": [], "journal_pending": 0}


def test_not_ready_while_the_database_is_locked(store, action_server, tmp_path):
    run_async(store.check())  # creates the table
    connection = sqlite3.connect(tmp_path / "c.db", isolation_level=None)
    connection.execute("BEGIN EXCLUSIVE")
    try:
        ok, body = run_async(readiness.readiness(agent(store, action_server)))
    finally:
        connection.execute("ROLLBACK")
    assert not ok
    assert body["reasons"] == ["tracker store database unreachable (OperationalError)"]
    ok, _ = run_async(readiness.readiness(agent(store, action_server)))
    assert ok


def test_not_ready_without_the_action_server_or_the_model(store):
    ok, body = run_async(readiness.readiness(agent(store, "http://127.0.0.1:9/webhook", loaded=False)))
    assert not ok
    assert body["reasons"][0] == "model not loaded"
    assert body["reasons"][1].startswith("action server unreachable")
    ok, body = run_async(readiness.readiness(None))
    assert not ok and body["reasons"] == ["model not loaded"]
