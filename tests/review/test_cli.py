"""scripts/review, run as staff run it."""

from __future__ import annotations

import os
import subprocess
import time

import requests
from sqlalchemy import select

from review.tables import users
from tests.conftest import ROOT
from tests.helpers.stack import free_port
from tests.review.conftest import SECRET
from tests.review.privacy_helpers import everything_mentioning
from tests.review.seed import seed

SCRIPT = str(ROOT / "scripts" / "review")


def run(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ, WALKWISE_TRACKER_DB_URL=database_url, WALKWISE_REVIEW_SECRET=SECRET)
    return subprocess.run([SCRIPT, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120)


def test_add_user_reads_the_password_from_stdin(engine, database_url) -> None:
    done = run(database_url, "add-user", "nina", "--role", "reviewer", stdin="a-long-password-1\n")
    assert done.returncode == 0, done.stderr
    assert "added reviewer 'nina'" in done.stdout
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.username == "nina")).one()
    assert row.role == "reviewer" and "a-long-password-1" not in row.password_hash
    again = run(database_url, "add-user", "nina", "--role", "admin", stdin="a-long-password-1\n")
    assert again.returncode == 1 and "already exists" in again.stderr
    short = run(database_url, "add-user", "omar", "--role", "admin", stdin="short\n")
    assert short.returncode == 1 and "at least 12" in short.stderr


def test_erase_needs_yes(engine, database_url) -> None:
    seed(engine)
    refused = run(database_url, "erase", "walker")
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert everything_mentioning(engine, "walker")
    done = run(database_url, "erase", "walker", "--yes")
    assert done.returncode == 0, done.stderr
    assert everything_mentioning(engine, "walker") == []


def test_retention(engine, database_url) -> None:
    seed(engine)
    done = run(database_url, "retention", "--days", "30")
    assert done.returncode == 0, done.stderr
    assert "deleted 1 conversations" in done.stdout
    assert everything_mentioning(engine, "an old question") == []


def test_serve_upgrades_and_answers(database_url, engine) -> None:
    port = free_port()
    env = dict(
        os.environ,
        WALKWISE_TRACKER_DB_URL=database_url,
        WALKWISE_REVIEW_SECRET=SECRET,
        WALKWISE_REVIEW_PORT=str(port),
    )
    process = subprocess.Popen([SCRIPT], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        login = requests.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert login.url.endswith("/login?next=%2F")
        assert "Username" in login.text
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_set_password_and_remove_user(engine, database_url) -> None:
    from review.users import authenticate

    run(database_url, "add-user", "pat", "--role", "reviewer", stdin="first-password-1\n")
    done = run(database_url, "set-password", "pat", stdin="second-password-2\n")
    assert done.returncode == 0, done.stderr
    assert authenticate(engine, username="pat", password="second-password-2") is not None
    assert authenticate(engine, username="pat", password="first-password-1") is None
    assert run(database_url, "remove-user", "pat").returncode == 0
    missing = run(database_url, "remove-user", "pat")
    assert missing.returncode == 1 and "no user" in missing.stderr
