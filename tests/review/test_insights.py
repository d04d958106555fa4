from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml
from sqlalchemy import select

from review import charts, dashboard, unanswered
from review.feedback import record_feedback
from review.tables import events, feedback
from tests.review.pages import found
from tests.review.seed import NOW, seed


@pytest.fixture
def seeded(engine):
    seed(engine)
    return engine


def test_dashboard_figures(seeded) -> None:
    figures = dashboard.build(seeded, dashboard.Period.last_days(30))
    assert sum(sum(days.values()) for days in figures.conversations_per_day.values()) == 6
    assert set(figures.conversations_per_day) == {"rest", "socketio", "slack"}
    outcomes = dict(figures.outcomes)
    assert figures.messages == 10
    assert outcomes["Answered from guidance"] == 5
    assert outcomes["Not covered"] == 3
    assert outcomes["Fallback (not understood)"] == 1
    assert outcomes["Red flag: emergency"] == 1
    assert outcomes["Triage question asked"] == 1
    assert figures.top_intents[0] == ("ask_walking_benefits", 5)
    assert ("how many steps a day", 1) in figures.top_unanswered


def test_dashboard_page_draws_svg_with_titles_and_tables(reviewer, seeded) -> None:
    with seeded.connect() as connection:
        bot = connection.execute(select(events.c.id).where(events.c.type_name == "bot")).scalar()
    record_feedback("walker", bot, "up", engine=seeded)
    page = reviewer.get("/").text
    assert page.count("<svg") == 4
    # Conversations and messages per day (the seed may straddle midnight).
    rest = [int(n) for n in re.findall(r"<title>\d{4}-\d\d-\d\d rest: (\d+)</title>", page)]
    assert sum(rest) == 4 + 6
    assert '<table class="visually-hidden">' in page
    assert "<title>Answered from guidance: 5 (50.0%)</title>" in page
    assert "Thumbs up: <strong>1</strong>" in page
    assert "<script" not in page
    old = (dt.date.today() - dt.timedelta(days=100)).isoformat()
    page = reviewer.get(f"/?from={old}&to={old}").text
    assert "1 user messages in the period" in page


def test_dashboard_ignores_a_bad_period(reviewer, seeded) -> None:
    assert reviewer.get("/?from=yesterday&to='; drop").status_code == 200


def test_stacked_chart_geometry() -> None:
    chart = charts.stacked_by_day(
        {"rest": {"2026-01-01": 2}, "slack": {"2026-01-01": 2}}, ["2026-01-01", "2026-01-02"]
    )
    assert [bar.title for bar in chart.bars] == ["2026-01-01 rest: 2", "2026-01-01 slack: 2"]
    assert chart.bars[0].height == pytest.approx(chart.bars[1].height)
    assert chart.maximum == 4


def test_unanswered_groups_similar_questions() -> None:
    questions = [
        unanswered.Question(1, "How many steps should I walk a day?", "not covered"),
        unanswered.Question(2, "how many steps a day should I walk", "not covered"),
        unanswered.Question(3, "How many steps should I walk a day?", "not covered"),
        unanswered.Question(4, "Can I go swimming with back pain?", "not covered"),
        unanswered.Question(5, "is swimming ok for back pain", "fallback"),
        unanswered.Question(6, "What about yoga?", "not covered"),
    ]
    groups = unanswered.group(questions)
    assert [g.count for g in groups] == [3, 2, 1]
    assert groups[0].id == 1 and groups[1].id == 4
    assert groups[0].distinct()[0] == ("How many steps should I walk a day?", 2)


def test_nlu_yaml_is_valid_rasa_data() -> None:
    body = unanswered.nlu_yaml(
        ["How many steps?", "how many steps?", "a: b # c", "- dash"], intent="ask steps!"
    )
    data = yaml.safe_load(body)
    assert data["nlu"][0]["intent"] == "ask_steps_"
    assert data["nlu"][0]["examples"].splitlines() == ["- How many steps?", "- a: b # c", "- - dash"]


def test_unanswered_page_and_export(reviewer, seeded) -> None:
    with seeded.connect() as connection:
        bot = connection.execute(
            select(events.c.timestamp).where(events.c.sender_id == "contact", events.c.type_name == "bot")
        ).scalar()
    record_feedback("contact", bot, "down", "wrong answer", engine=seeded)
    page = reviewer.get("/unanswered").text
    assert "How many steps should I walk a day?" in page
    assert "[email]" in page and "jo.bloggs" not in page  # the thumbs-down question, masked
    link = found(r'href="(/unanswered/\d+/nlu.yml[^"]*)"', page, 1).replace("&amp;", "&")
    exported = reviewer.get(link)
    assert exported.headers["content-disposition"].startswith("attachment")
    assert yaml.safe_load(exported.text)["nlu"][0]["examples"].startswith("- ")


def test_record_feedback_by_timestamp_finds_the_event(seeded) -> None:
    with seeded.connect() as connection:
        bot_id, when = connection.execute(
            select(events.c.id, events.c.timestamp).where(
                events.c.sender_id == "walker", events.c.type_name == "bot"
            )
        ).one()
    record_feedback("walker", when, "down", "  ", engine=seeded)
    record_feedback("walker", bot_id, "up", engine=seeded)
    with seeded.connect() as connection:
        rows = connection.execute(select(feedback).order_by(feedback.c.id)).all()
    assert [(r.bot_event_id, r.bot_timestamp, r.value, r.reason) for r in rows] == [
        (bot_id, when, "down", None),
        (bot_id, when, "up", None),
    ]
    with pytest.raises(ValueError):
        record_feedback("walker", bot_id, "meh", engine=seeded)


def test_period_default_and_bounds() -> None:
    from review.web.insight_pages import period_of

    assert (period_of({}).end - period_of({}).start).days == 29
    swapped = period_of({"from": "2026-02-01", "to": "2026-01-01"})
    assert swapped.start < swapped.end
    assert (
        period_of({"from": "2000-01-01", "to": "2026-01-01"}).end
        - period_of({"from": "2000-01-01", "to": "2026-01-01"}).start
    ).days == 365
    assert NOW > 0
