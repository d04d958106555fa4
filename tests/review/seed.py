"""A small set of conversations covering each signal the review tool shows."""

from __future__ import annotations

import time

from sqlalchemy.engine import Engine

from review.summary import refresh
from tests.helpers import rasa_events as ev

NOW = time.time()
DAY = 86400.0
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
SQL = "'); DROP TABLE events; --"
EMAIL = "jo.bloggs@example.org"
PHONE = "07700 900123"


def seed(engine: Engine) -> None:
    t = NOW - 3600
    ev.store(engine, "walker", ev.session_start(t) + ev.walking_question(t + 1))
    ev.store(
        engine,
        "uncovered",
        ev.session_start(t + 10)
        + ev.not_covered_question(t + 11)
        + ev.not_covered_question(t + 20, "how many steps a day"),
    )
    ev.store(engine, "redflag", ev.session_start(t + 30) + ev.red_flag_message(t + 31))
    ev.store(
        engine,
        "hostile",
        ev.session_start(t + 40)
        + ev.walking_question(t + 41, text=SCRIPT, channel="socketio")
        + ev.walking_question(t + 50, text=IMG, channel="socketio", confidence=0.2)
        + ev.walking_question(t + 60, text=SQL, channel="socketio"),
    )
    ev.store(
        engine,
        "contact",
        ev.session_start(t + 70)
        + ev.walking_question(t + 71, text=f"Email me at {EMAIL} or call {PHONE}", channel="slack"),
    )
    ev.store(
        engine,
        "triage",
        ev.session_start(t + 80)
        + [
            ev.user("my legs feel numb", t + 81, intent="red_flag_possible", confidence=0.6),
            ev.bot("Do you have numbness between your legs?", t + 82, utter_action="utter_red_flag_triage"),
            ev.user("blah blah", t + 90, intent="nlu_fallback", confidence=0.3),
            ev.bot("Sorry", t + 91, utter_action="utter_not_covered"),
        ],
    )
    old = NOW - 100 * DAY
    ev.store(engine, "old", ev.session_start(old) + ev.walking_question(old + 1, text="an old question"))
    refresh(engine)
