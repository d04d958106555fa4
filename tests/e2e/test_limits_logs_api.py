"""A stack of its own, as an operator would run it, against the real servers:

* a low rate limit (3 messages per sender in 10 minutes): the fourth message
  gets "please slow down" and is stored with that reply, and a red flag over
  the limit still gets its advice;
* Rasa's HTTP API on (``--enable-api``, with ``WALKWISE_JWT_SECRET``): no
  token, an expired token or one without an expiry is refused; a valid one
  works;
* a configured emergency number (``WALKWISE_EMERGENCY_NUMBER``): every path
  to the advice (a red flag told directly, a "yes" to the triage question,
  a "yes" in the symptom screen, the urgent tier) shows it;
* the default log level: neither server's log holds the message text, the
  e-mail address or the phone number people wrote, even when an action fails
  (bad data is written into the guidance database for real, last).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Iterator

import jwt
import pytest
import requests

from common import messages
from tests.helpers.answers import EMERGENCY, new_sender, passage_text, reply_text
from tests.helpers.stack import Stack, stored_events

JWT_SECRET = "a-test-jwt-secret-of-at-least-32-characters"
LIMIT = 3
EMERGENCY_NUMBER = "112"
DISTINCTIVE = "quokka-zebra-7391"
EMAIL = "walker.tester@example.org"
PHONE = "07700 900123"
PRIVATE = (DISTINCTIVE, EMAIL, PHONE, "900123", "walker.tester")


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    own = Stack(Path(tmp_path_factory.mktemp("limits")), rasa_args=["--enable-api"])
    own.env.update(
        WALKWISE_RATE_LIMIT=str(LIMIT),
        WALKWISE_RATE_WINDOW="600",
        WALKWISE_JWT_SECRET=JWT_SECRET,
        WALKWISE_EMERGENCY_NUMBER=EMERGENCY_NUMBER,
    )
    with own.running():
        yield own


def token(*, expires_in: float | None, role: str = "admin", secret: str = JWT_SECRET) -> str:
    payload: dict = {"user": {"username": "staff", "role": role}}
    if expires_in is not None:
        payload["exp"] = int(time.time() + expires_in)
    return jwt.encode(payload, secret, algorithm="HS256")


def test_messages_over_the_limit_are_asked_to_slow_down_stored_and_red_flags_still_answered(stack):
    sender = new_sender()
    for _ in range(LIMIT):
        assert passage_text("disc-nutrition") in reply_text(stack.ask(sender, "does walking help my discs?"))
    slowed = stack.ask(sender, "what shoes should I wear?")
    assert reply_text(slowed) == messages.SLOW_DOWN
    advice = stack.ask(sender, "I wet myself this morning and my back is agony")
    assert advice[0]["text"].startswith(EMERGENCY.replace("your local emergency number", EMERGENCY_NUMBER))
    assert reply_text(stack.ask(new_sender(), "what shoes should I wear?")) != messages.SLOW_DOWN

    events = [
        (kind, data) for kind, data in stored_events(stack.tracker_db, sender) if kind in ("user", "bot")
    ]
    users = [data["text"] for kind, data in events if kind == "user"]
    assert users[-2:] == ["what shoes should I wear?", "I wet myself this morning and my back is agony"]
    after = events[[data.get("text") for _, data in events].index("what shoes should I wear?") + 1]
    assert after[0] == "bot" and after[1]["text"] == messages.SLOW_DOWN
    assert after[1]["metadata"]["walkwise"]["reason"] == "rate_limited"


def test_every_path_to_the_advice_shows_the_configured_emergency_number(stack):
    def advice(replies: list[dict]) -> str:
        assert replies[0]["text"].startswith(("🚨", "⚠️")), replies
        return replies[0]["text"]

    told = advice(stack.ask(new_sender(), "I wet myself this morning and my back is agony"))
    sender = new_sender()
    assert stack.ask(sender, "I had a fall")[0]["text"].startswith("Before I answer")
    after_triage = advice(stack.ask(sender, "yes"))
    sender = new_sender()
    stack.ask(sender, "check my symptoms")
    after_screen = advice(stack.ask(sender, "yes"))
    urgent = advice(stack.ask(new_sender(), "I've had a fever for two days and my lower back hurts"))
    for path, text in [
        ("told", told),
        ("triage", after_triage),
        ("screen", after_screen),
        ("urgent", urgent),
    ]:
        assert f"call {EMERGENCY_NUMBER}" in text.lower(), (path, text)
        assert "your local emergency number" not in text


def test_the_http_api_needs_a_valid_jwt_with_an_expiry(stack):
    sender = new_sender()
    stack.ask(sender, "hi")
    url = f"{stack.url}/conversations/{sender}/tracker"

    def status(headers: dict | None = None) -> int:
        return requests.get(url, headers=headers or {}, timeout=10).status_code

    def bearer(value: str) -> dict:
        return {"Authorization": f"Bearer {value}"}

    assert status() == 401
    assert status(bearer(token(expires_in=-600))) == 401, "an expired token"
    assert status(bearer(token(expires_in=None))) == 401, "a token without an expiry"
    assert status(bearer(token(expires_in=300, secret="another-secret-of-at-least-32-chars"))) == 401
    assert status(bearer(token(expires_in=300, role="user"))) == 403, "another person's conversation"
    assert requests.get(f"{url}?token={JWT_SECRET}", timeout=10).status_code == 401
    assert status(bearer(token(expires_in=300))) == 200


def test_logs_at_the_default_level_hold_no_message_text_e_mail_or_phone_number(stack):
    """Last in this module: it breaks the stack's guidance data."""
    sender = new_sender()
    private = f"does walking help my discs? {DISTINCTIVE}, write to {EMAIL} or call {PHONE}"
    assert passage_text("disc-nutrition") in reply_text(stack.ask(sender, private))
    stack.ask(sender, f'/ask_posture{{"email": "{EMAIL}", "phone": "{PHONE}"}}')
    stack.ask(new_sender(), f"I wet myself {DISTINCTIVE} {EMAIL} {PHONE}")

    # Bad data in the guidance database: the answering action raises, rasa-sdk
    # logs the exception (whose message quotes the bad value) and answers 500
    # with the whole tracker in the body.
    with sqlite3.connect(stack.workdir / "guidance.db") as database:
        database.execute("UPDATE guidance_versions SET ingested_at = ?", (f"not a date {DISTINCTIVE}",))
    failing = new_sender()
    replies = stack.ask(failing, f"how does walking help my discs? {DISTINCTIVE} {EMAIL} {PHONE}")
    assert reply_text(replies) == messages.ACTION_UNAVAILABLE, "the action failed for real"
    time.sleep(1)  # let both servers write their logs

    for name in ("rasa.log", "actions.log"):
        log = (stack.workdir / name).read_text(encoding="utf-8", errors="replace")
        leaked = [item for item in PRIVATE if item in log]
        assert not leaked, f"{name} holds {leaked}"
    rasa_log = (stack.workdir / "rasa.log").read_text(encoding="utf-8", errors="replace")
    actions_log = (stack.workdir / "actions.log").read_text(encoding="utf-8", errors="replace")
    assert f"custom action action_answer_question failed for {failing}" in rasa_log, rasa_log[-2000:]
    assert "(message withheld)" in actions_log, "the action server logged the failure, without its message"
