"""The review tool at scale: list and search pages over 100,000 conversations.

    .venv/bin/python -m benchmarks.review_scale [--conversations 100000] [--url sqlite:///...]

Fills a temporary SQLite tracker store (or the empty database at --url) with
generated conversations, events shaped as Rasa stores them and bulk-inserted,
summarises them as the app does at start, then prints how long the list page,
filtered pages, a deep page and full-text searches take through the web app.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import create_engine, insert
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from review import migrate
from review.settings import Settings
from review.summary import refresh
from review.tables import events
from review.users import ADMIN, add_user
from review.web.app import create_app
from tests.helpers import rasa_events as ev

QUESTIONS = [
    "Does walking help lower back pain?",
    "How does walking strengthen my back muscles?",
    "Should I walk during a flare-up?",
    "What shoes are best for walking?",
    "Is it ok to walk if it hurts a bit?",
    "How many steps should I walk a day?",
    "Can I go swimming instead?",
    "Does walking help with weight loss and my back?",
]
CHANNELS = ["rest", "socketio", "slack", "telegram"]
START = time.time() - 365 * 86400


def conversation(rng: random.Random, n: int) -> list[dict[str, Any]]:
    t = START + n * (365 * 86400 / 100_000) + rng.random()
    items = ev.session_start(t)
    channel = rng.choice(CHANNELS)
    for turn in range(rng.randint(1, 3)):
        when = t + 10 * (turn + 1)
        question = f"{rng.choice(QUESTIONS)} (case {n})"
        roll = rng.random()
        if roll < 0.1:
            items += ev.not_covered_question(when, question)
        elif roll < 0.12:
            items += ev.red_flag_message(when)
        else:
            items += ev.walking_question(
                when, question, channel=channel, confidence=round(rng.uniform(0.3, 1), 2)
            )
    return items


def fill(engine: Engine, count: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    batch: list[dict[str, Any]] = []
    total = 0
    with engine.begin() as connection:
        for n in range(count):
            batch += ev.rows(f"sender-{n}", conversation(rng, n))
            if len(batch) >= 20_000:
                connection.execute(insert(events), batch)
                total += len(batch)
                batch = []
        if batch:
            connection.execute(insert(events), batch)
            total += len(batch)
    return total


def timed(action: Callable[[], Any], repeat: int = 5) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--url", help="an empty database (default: a temporary SQLite file)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="review-scale-"))
    url = args.url or f"sqlite:///{folder / 'conversations.db'}"
    engine = create_engine(url, future=True)
    events.create(engine, checkfirst=True)
    migrate.upgrade(engine)

    start = time.perf_counter()
    stored = fill(engine, args.conversations)
    took = time.perf_counter() - start
    print(f"stored {stored:,} events of {args.conversations:,} conversations in {took:.1f}s")
    start = time.perf_counter()
    refresh(engine)
    print(f"first summary pass: {time.perf_counter() - start:.1f}s")
    start = time.perf_counter()
    refresh(engine)
    print(f"summary pass with nothing new: {(time.perf_counter() - start) * 1000:.1f} ms")

    add_user(engine, username="bench", password="bench-password-1", role=ADMIN)
    app = create_app(Settings(database_url=url, secret="b" * 40, login_delay=0.0), engine)
    with TestClient(app) as client:
        token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login", data={"username": "bench", "password": "bench-password-1", "csrf_token": token})
        first = client.get("/conversations").text
        after = first.split('rel="next"')[0].rsplit("after=", 1)[1].split('"')[0]
        pages = {
            "list, first page": "/conversations",
            "list, second page": f"/conversations?after={after}",
            "list, page from one year back": f"/conversations?after={START + 86400:.6f}_999999999",
            "channel + not covered": "/conversations?channel=slack&not_covered=1",
            "red flag tier emergency": "/conversations?tier=emergency",
            "low confidence < 0.35, not reviewed": (
                "/conversations?low_confidence=1&threshold=0.35&not_reviewed=1"
            ),
            "search q=swimming": "/conversations?q=swimming",
            "search q=case 99999 (rare)": "/conversations?q=case+99999",
            "search q=zzzz (no match)": "/conversations?q=zzzz",
            "search + channel + date": "/conversations?q=shoes&channel=rest&from=2026-06-01&to=2026-06-30",
            "dashboard, 30 days": "/",
        }
        print(f"\n{'page':40} {'median ms':>10} {'max ms':>8}")
        for name, path in pages.items():
            assert client.get(path).status_code == 200, path
            median, worst = timed(partial(client.get, path))
            print(f"{name:40} {median:10.1f} {worst:8.1f}")
    print(f"\n(database: {url})")


if __name__ == "__main__":
    main()
