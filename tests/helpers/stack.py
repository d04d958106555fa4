"""Starts the real action server and Rasa server for end-to-end tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import requests

from common import paths
from tests.conftest import ROOT

MODEL = paths.MODEL

# The secrets and ports the end-to-end stack runs with.
SLACK_SIGNING_SECRET = "test-signing-secret"
TELEGRAM_SECRET = "test-telegram-secret"
TELEGRAM_TOKEN = "123456:TEST-TOKEN"
WIDGET_ORIGIN_PORT = 18080


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stored_events(db: Path, sender: str) -> list[tuple[str, dict[str, Any]]]:
    """(type, data) of each event stored for ``sender`` in a SQLite tracker store, in order."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
    return [(kind, json.loads(data)) for kind, data in rows]


def stored_user_texts(db: Path, sender: str) -> list[str]:
    return [data.get("text") or "" for kind, data in stored_events(db, sender) if kind == "user"]


def wait_until(url: str, process: subprocess.Popen, log: Path, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer in {seconds}s:\n{log.read_text()[-3000:]}")


@dataclass
class Stack:
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    extra_credentials: str = ""
    # endpoints.yml's tracker_store block; "" is WalkWise's store on tracker_db (SQLite)
    tracker_store: str = ""
    rasa_args: list[str] = field(default_factory=list)  # added to `python -m server run`
    model: Path = MODEL
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def tracker_db(self) -> Path:
        return self.workdir / "conversations.db"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            PYTHONPATH=str(ROOT),
            TF_CPP_MIN_LOG_LEVEL="2",
            RASA_TELEMETRY_ENABLED="false",
            SQLALCHEMY_SILENCE_UBER_WARNING="1",
            WALKWISE_GUIDANCE_DB_URL=f"sqlite:///{self.workdir / 'guidance.db'}",
        )
        env.update(self.env)
        return env

    def prepare(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "guidance.ingest"],
            cwd=ROOT,
            env=self._env(),
            check=True,
            capture_output=True,
        )
        (self.workdir / "endpoints.yml").write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.action_port}/webhook"\n'
            + (
                self.tracker_store
                or "tracker_store:\n  type: server.tracker_store.WalkWiseTrackerStore\n"
                f"  dialect: sqlite\n  db: {self.tracker_db}\n  journal: {self.workdir / 'tracker-journal'}\n"
            )
        )
        credentials = (ROOT / "credentials.yml").read_text() + self.extra_credentials
        (self.workdir / "credentials.yml").write_text(credentials)

    def start_actions(self) -> None:
        log = self.workdir / "actions.log"
        env = self._env() | {"SANIC_HOST": "127.0.0.1"}
        self.processes["actions"] = process = subprocess.Popen(
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.action_port)],
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_until(f"http://127.0.0.1:{self.action_port}/health", process, log)

    def start_rasa(self) -> None:
        log = self.workdir / "rasa.log"
        self.processes["rasa"] = process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "server",
                "run",
                "--model",
                str(self.model),
                "--endpoints",
                str(self.workdir / "endpoints.yml"),
                "--credentials",
                str(self.workdir / "credentials.yml"),
                "--port",
                str(self.rasa_port),
                "--interface",
                "127.0.0.1",
                *self.rasa_args,
            ],
            cwd=ROOT,
            env=self._env(),
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_until(f"{self.url}/", process, log)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    @contextmanager
    def running(self) -> Iterator["Stack"]:
        """Prepares and starts the action server and the Rasa server, and stops both after."""
        self.prepare()
        try:
            self.start_actions()
            self.start_rasa()
            yield self
        finally:
            self.stop_all()

    def ask(self, sender: str, text: Any, timeout: float = 60) -> list[dict]:
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=timeout
        )
        assert response.status_code == 200, response.text
        return response.json()


def stored_events_at(url: str, sender: str) -> list[tuple[str, dict[str, Any]]]:
    """(type, data) of each event stored for ``sender`` in the tracker store at a
    SQLAlchemy ``url`` (PostgreSQL, for the cluster), in order."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT type_name, data FROM events WHERE sender_id = :sender ORDER BY id"),
                {"sender": sender},
            ).fetchall()
    finally:
        engine.dispose()
    return [(kind, json.loads(data)) for kind, data in rows]
