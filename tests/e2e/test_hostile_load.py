"""Hostile input and a flood, against the real servers over REST.

* 2,000 generated messages (a list of naughty strings, and random text drawn
  from every awkward part of Unicode, control characters and lone surrogates
  included): no 5xx, the server still answers a normal question afterwards,
  and no stored text holds a control or bidirectional-override character.
* 2,000 messages from 200 senders at once: every accepted message is
  answered, and every one is stored, in order.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.helpers.answers import new_sender, passage_text, reply_text
from tests.helpers.stack import Stack

NAUGHTY = [
    "",
    " ",
    "\t\n\r",
    "'; DROP TABLE events; --",
    '" OR 1=1 --',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}} ${7*7} #{7*7} %s %n %x",
    "${jndi:ldap://127.0.0.1/a}",
    "../../../../etc/passwd",
    "\x00\x01\x02 null bytes",
    "\u202eright to left override",
    "zero\u200bwidth\u200djoiner\ufeff",
    "Z̸̧̛̗̼͎̈́a̶̡̛̹̤͇l̴̡̜̈́g̸̣̗̈́o̶̢̗̊",
    "😀" * 300,
    "\ud800 lone surrogate",
    "/restart",
    "/red_flag_emergency",
    '/ask_flare_up{"emergency_number": "555"}',
    '/greet{"name": "x"}',
    "/",
    "//",
    "x" * 20_000,
    "ＦＵＬＬＷＩＤＴＨ ｗａｌｋｉｎｇ",
    "walking\u0301\u0302\u0303 help?",
    "NaN",
    "None",
    "null",
    "true",
    "[]",
    "{}",
    "-1",
    "1e309",
]

RANGES = [
    (0x00, 0x1F),
    (0x20, 0x7E),
    (0x7F, 0x9F),
    (0xA0, 0x24F),
    (0x300, 0x36F),
    (0x590, 0x6FF),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x4E00, 0x4E50),
    (0xD800, 0xDFFF),
    (0xFFF0, 0xFFFF),
    (0x1F600, 0x1F64F),
]
CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    """A stack of its own, so that 4,000 messages do not crowd the session's database."""
    own = Stack(Path(tmp_path_factory.mktemp("load")))
    with own.running():
        yield own


def generated(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    messages = list(NAUGHTY)
    while len(messages) < count:
        length = rng.choice([1, 2, 5, 20, 80, 300, 1500])
        chars = []
        for _ in range(length):
            low, high = rng.choice(RANGES)
            chars.append(chr(rng.randint(low, high)))
        text = "".join(chars)
        if rng.random() < 0.3:
            text = rng.choice(["does walking help ", "/ask_posture", "my back ", ""]) + text
        messages.append(text)
    return messages[:count]


def post(url: str, sender: str, text: str) -> requests.Response:
    body = json.dumps({"sender": sender, "message": text}, ensure_ascii=True)
    return requests.post(
        f"{url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}, timeout=120
    )


def user_rows(stack, senders: list[str]) -> list[tuple[str, str]]:
    marks = ",".join("?" * len(senders))
    with sqlite3.connect(stack.tracker_db) as connection:
        query = (
            "SELECT sender_id, data FROM events WHERE type_name = 'user' AND sender_id IN ({}) ORDER BY id"
        )
        rows = connection.execute(query.format(marks), senders).fetchall()
    return [(sender, json.loads(data).get("text") or "") for sender, data in rows]


def test_two_thousand_hostile_messages_get_no_server_error_and_store_clean_text(stack):
    messages = generated(2000)
    senders = [f"fuzz-{i % 100}-{new_sender()}" for i in range(100)]
    jobs = [(senders[i % len(senders)], text) for i, text in enumerate(messages)]
    by_sender: dict[str, list[str]] = {s: [] for s in senders}
    for sender, text in jobs:
        by_sender[sender].append(text)

    def run(sender: str) -> list[int]:
        return [post(stack.url, sender, text).status_code for text in by_sender[sender]]

    with ThreadPoolExecutor(8) as pool:
        statuses = [code for codes in pool.map(run, senders) for code in codes]
    assert len(statuses) == 2000
    assert not [code for code in statuses if code >= 500]
    assert passage_text("disc-nutrition") in reply_text(
        stack.ask(new_sender(), "does walking help my discs?")
    )
    stored = user_rows(stack, senders)
    assert stored, "nothing was stored"
    assert not [text for _, text in stored if CONTROL.search(text)]


def test_a_flood_from_two_hundred_senders_is_answered_and_stored(stack):
    senders = [f"flood-{i}-{new_sender()}" for i in range(200)]
    questions = [
        "does walking help my back?",
        "what shoes should I wear?",
        "should I walk during a flare-up?",
        "how does walking help my discs?",
        "thanks",
    ]

    def converse(sender: str) -> list[tuple[int, bool]]:
        results = []
        for turn in range(10):
            response = post(stack.url, sender, f"{questions[turn % len(questions)]} ({turn})")
            results.append((response.status_code, response.ok and bool(response.json())))
        return results

    with ThreadPoolExecutor(200) as pool:
        outcomes = list(pool.map(converse, senders))
    accepted = [(s, o) for s, results in zip(senders, outcomes, strict=True) for o in results if o[0] == 200]
    assert not [o for results in outcomes for o in results if o[0] not in (200, 429)]
    assert all(answered for _, (_, answered) in accepted)
    stored = user_rows(stack, senders)
    for sender, results in zip(senders, outcomes, strict=True):
        expected = [f"{questions[t % len(questions)]} ({t})" for t, r in enumerate(results) if r[0] == 200]
        assert [text for s, text in stored if s == sender] == expected
