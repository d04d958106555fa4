"""Every review test runs on SQLite and on PostgreSQL.

PostgreSQL: a throwaway database per test session on 127.0.0.1:5432 (user
postgres, or ``WALKWISE_TEST_POSTGRES_URL``), its schema reset for each test.
When it cannot be reached the PostgreSQL runs are skipped, except under CI=true,
where they fail.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from review import migrate
from review.settings import Settings
from review.tables import events
from tests.review.pages import form_token

POSTGRES_ADMIN_URL = os.environ.get(
    "WALKWISE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SECRET = "test-secret-" + "x" * 40


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its lowest cost: the tests check the flow, not the hash's strength."""
    from argon2 import PasswordHasher

    from review import users

    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    name = f"walkwise_review_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any connection failure means "no PostgreSQL"
        admin.dispose()
        reason = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {type(error).__name__}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fresh_postgres(url: str) -> Engine:
    engine = create_engine(url, future=True)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'conversations.db'}"
    url = request.getfixturevalue("postgres_url")
    _fresh_postgres(url).dispose()
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """Rasa's events table (as the tracker store makes it) and the migrated review tables."""
    engine = create_engine(database_url, future=True)
    events.create(engine)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret=SECRET, login_delay=0.0)


ADMIN_PASSWORD = "admin-password-123"
REVIEWER_PASSWORD = "reviewer-password-123"


@pytest.fixture
def app(settings: Settings, engine: Engine):
    from review.users import ADMIN, REVIEWER, add_user
    from review.web.app import create_app

    add_user(engine, username="ada", password=ADMIN_PASSWORD, role=ADMIN)
    add_user(engine, username="rita", password=REVIEWER_PASSWORD, role=REVIEWER)
    return create_app(settings, engine)


def _client(app):
    from starlette.testclient import TestClient

    return TestClient(app, base_url="http://testserver")


def sign_in(client, username: str, password: str):

    page = client.get("/login")
    token = form_token(page.text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )


@pytest.fixture
def anonymous(app):
    with _client(app) as client:
        yield client


@pytest.fixture
def admin(app):
    with _client(app) as client:
        assert sign_in(client, "ada", ADMIN_PASSWORD).status_code == 303
        yield client


@pytest.fixture
def reviewer(app):
    with _client(app) as client:
        assert sign_in(client, "rita", REVIEWER_PASSWORD).status_code == 303
        yield client


def csrf(client, path: str = "/conversations") -> str:

    return form_token(client.get(path).text)
