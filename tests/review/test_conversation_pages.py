from __future__ import annotations

import json
import re

import pytest
import yaml
from sqlalchemy import func, select

from review.feedback import record_feedback
from review.tables import audit, conversations, events
from tests.review.conftest import csrf
from tests.review.pages import found
from tests.review.seed import EMAIL, IMG, PHONE, SCRIPT, SQL, seed


@pytest.fixture
def seeded(engine):
    seed(engine)
    return engine


def conversation_id(engine, sender: str) -> int:
    with engine.connect() as connection:
        return connection.execute(
            select(conversations.c.id).where(conversations.c.sender_id == sender)
        ).scalar()


def listed(client, query: str = "") -> list[str]:
    page = client.get(f"/conversations?{query}").text
    return re.findall(r'<a href="/conversations/(\d+)">', page)


def ids(engine, *senders: str) -> set[str]:
    return {str(conversation_id(engine, sender)) for sender in senders}


def test_list_shows_every_conversation_newest_first(reviewer, seeded) -> None:
    shown = listed(reviewer)
    assert len(shown) == 7
    assert shown[0] == str(conversation_id(seeded, "triage"))
    assert shown[-1] == str(conversation_id(seeded, "old"))


@pytest.mark.parametrize(
    "query, senders",
    [
        ("channel=socketio", {"hostile"}),
        ("tier=emergency", {"redflag"}),
        ("tier=any", {"redflag"}),
        ("triage=1", {"triage"}),
        ("not_covered=1", {"uncovered", "triage"}),
        ("low_confidence=1&threshold=0.5", {"hostile", "triage"}),
        ("low_confidence=1&threshold=0.25", {"hostile"}),
        ("q=steps", {"uncovered"}),
        ("q=STEPS&not_covered=1&channel=rest", {"uncovered"}),
        ("not_covered=1&channel=socketio", set()),
        ("q=100%25", set()),
        ("not_reviewed=1", {"walker", "uncovered", "redflag", "hostile", "contact", "triage", "old"}),
    ],
)
def test_filters_combine(reviewer, seeded, query: str, senders: set[str]) -> None:
    assert set(listed(reviewer, query)) == ids(seeded, *senders)


def test_date_filters(reviewer, seeded) -> None:
    from datetime import date, timedelta

    today = date.today()
    recent = set(listed(reviewer, f"from={(today - timedelta(days=2)).isoformat()}"))
    assert str(conversation_id(seeded, "old")) not in recent and len(recent) == 6
    old = listed(reviewer, f"to={(today - timedelta(days=50)).isoformat()}")
    assert old == [str(conversation_id(seeded, "old"))]


def test_flagged_reviewed_and_thumbs_down_filters(reviewer, seeded) -> None:
    walker = conversation_id(seeded, "walker")
    page = reviewer.get(f"/conversations/{walker}").text
    event_id = found(r'name="event_id" value="(\d+)"', page, 1)
    token = csrf(reviewer)
    reviewer.post(
        f"/conversations/{walker}/flag", data={"csrf_token": token, "event_id": event_id, "reason": "check"}
    )
    reviewer.post(f"/conversations/{walker}/reviewed", data={"csrf_token": token})
    assert listed(reviewer, "flagged=1") == [str(walker)]
    assert str(walker) not in listed(reviewer, "not_reviewed=1")
    with seeded.connect() as connection:
        bot = connection.execute(
            select(events.c.id).where(events.c.sender_id == "contact", events.c.type_name == "bot")
        ).scalar()
    record_feedback("contact", bot, "down", "unhelpful", engine=seeded)
    assert listed(reviewer, "thumbs_down=1") == [str(conversation_id(seeded, "contact"))]
    assert listed(reviewer, "thumbs_down=1&channel=rest") == []
    rows = reviewer.get("/conversations").text.split("<tr")
    [contact_row] = [r for r in rows if f'/conversations/{conversation_id(seeded, "contact")}"' in r]
    badge = ">thumbs down</span>"
    assert badge in contact_row
    assert [r for r in rows if badge in r] == [contact_row]


def test_paging_is_keyset(reviewer, seeded) -> None:
    from review.conversations import Filters, list_page

    first = list_page(seeded, Filters(), size=4)
    second = list_page(seeded, Filters(), cursor=first.next_cursor, size=4)
    assert len(first.rows) == 4 and len(second.rows) == 3 and second.next_cursor is None
    assert not {r.id for r in first.rows} & {r.id for r in second.rows}
    page = reviewer.get("/conversations").text
    assert "Older conversations" not in page


def test_hostile_text_is_escaped_and_sql_is_just_text(reviewer, seeded) -> None:
    hostile = conversation_id(seeded, "hostile")
    for page in (reviewer.get("/conversations").text, reviewer.get(f"/conversations/{hostile}").text):
        assert SCRIPT not in page and IMG not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    view = reviewer.get(f"/conversations/{hostile}").text
    assert "&lt;img src=x onerror=alert(2)&gt;" in view
    assert SQL.replace("'", "&#39;") in view
    with seeded.connect() as connection:
        assert connection.execute(select(func.count()).select_from(events)).scalar() > 0
    assert listed(reviewer, "q=" + "drop table") == [str(hostile)]


def test_conversation_view_shows_intents_red_flags_and_sources(reviewer, seeded) -> None:
    page = reviewer.get(f"/conversations/{conversation_id(seeded, 'redflag')}").text
    assert "red_flag_emergency" in page and "(1.00)" in page
    assert "red flag: emergency" in page and "can&#39;t feel my bum" in page and "detected by pattern" in page
    page = reviewer.get(f"/conversations/{conversation_id(seeded, 'walker')}").text
    assert "walking-lower-back-pain / How walking helps (version 3)" in page
    page = reviewer.get(f"/conversations/{conversation_id(seeded, 'uncovered')}").text
    assert "not covered" in page


def test_contact_details_are_masked_everywhere(reviewer, seeded) -> None:
    contact = conversation_id(seeded, "contact")
    pages = [
        reviewer.get("/conversations").text,
        reviewer.get(f"/conversations/{contact}").text,
        reviewer.get(f"/conversations/{contact}/export.csv").text,
        reviewer.get(f"/conversations/{contact}/export.json").text,
        reviewer.get(f"/conversations/{contact}/export.yml").text,
        reviewer.get("/conversations/export.csv").text,
        reviewer.get("/conversations/export.json").text,
    ]
    for page in pages:
        assert EMAIL not in page and PHONE not in page
    assert "[email]" in pages[1] and "[phone]" in pages[1]


def test_only_an_admin_can_unmask_and_it_is_audited(reviewer, admin, seeded) -> None:
    contact = conversation_id(seeded, "contact")
    assert "Unmask" not in reviewer.get(f"/conversations/{contact}").text
    assert (
        reviewer.post(f"/conversations/{contact}/unmask", data={"csrf_token": csrf(reviewer)}).status_code
        == 403
    )
    page = admin.post(f"/conversations/{contact}/unmask", data={"csrf_token": csrf(admin)}).text
    assert EMAIL in page and PHONE in page
    with seeded.connect() as connection:
        assert "unmask" in [row.action for row in connection.execute(select(audit))]


def test_views_and_exports_are_audited(reviewer, seeded) -> None:
    walker = conversation_id(seeded, "walker")
    reviewer.get(f"/conversations/{walker}")
    reviewer.get(f"/conversations/{walker}/export.json")
    reviewer.get("/conversations/export.csv?channel=rest")
    with seeded.connect() as connection:
        rows = connection.execute(select(audit).order_by(audit.c.id)).all()
    kinds = [(row.username, row.action) for row in rows if row.action != "login"]
    assert kinds == [("rita", "view"), ("rita", "export"), ("rita", "export")]
    assert rows[-1].sender_ref is None and "channel=rest" in rows[-1].detail


def test_red_flag_conversation_needs_a_note_before_review(reviewer, seeded) -> None:
    red = conversation_id(seeded, "redflag")
    token = csrf(reviewer)
    refused = reviewer.post(f"/conversations/{red}/reviewed", data={"csrf_token": token})
    assert refused.status_code == 400 and "needs a note" in refused.text
    reviewer.post(
        f"/conversations/{red}/note", data={"csrf_token": token, "body": "Advice was given; <b>ok</b>"}
    )
    done = reviewer.post(f"/conversations/{red}/reviewed", data={"csrf_token": token})
    page = done.text
    assert "reviewed by rita" in page and "&lt;b&gt;ok&lt;/b&gt;" in page


def test_flag_must_name_a_message_of_this_conversation(reviewer, seeded) -> None:
    walker = conversation_id(seeded, "walker")
    response = reviewer.post(
        f"/conversations/{walker}/flag",
        data={"csrf_token": csrf(reviewer), "event_id": "999999", "reason": "x"},
    )
    assert response.status_code == 400


def test_exports(reviewer, seeded) -> None:
    uncovered = conversation_id(seeded, "uncovered")
    data = json.loads(reviewer.get(f"/conversations/{uncovered}/export.json").text)
    assert [m["role"] for m in data["messages"]] == ["user", "bot", "user", "bot"]
    assert data["messages"][1]["answer"] == "not covered"
    story = yaml.safe_load(reviewer.get(f"/conversations/{uncovered}/export.yml").text)
    steps = story["stories"][0]["steps"]
    assert steps[0] == {"user": "How many steps should I walk a day?", "intent": "ask_not_covered"}
    assert steps[1] == {"action": "utter_not_covered"}
    csv_text = reviewer.get("/conversations/export.csv?not_covered=1").text
    assert csv_text.splitlines()[0].startswith("id,sender_id,started")
    assert len(csv_text.strip().splitlines()) == 3
    assert reviewer.get("/conversations/export.xml").status_code == 404


def test_csv_export_defuses_formulas(reviewer, engine) -> None:
    from tests.helpers import rasa_events as ev

    ev.store(
        engine, "formula", ev.session_start(1.0e9) + ev.walking_question(1.0e9 + 1, text="=HYPERLINK(1)")
    )
    assert "'=HYPERLINK(1)" in reviewer.get("/conversations/export.csv").text


def test_unknown_conversation_is_404(reviewer, seeded) -> None:
    assert reviewer.get("/conversations/424242").status_code == 404


def test_possible_red_flag_and_times_are_shown(reviewer, engine) -> None:
    from tests.helpers import rasa_events as ev

    possible = {"tier": None, "possible": {"flag": "leg-weakness", "tier": "emergency", "score": 0.6}}
    ev.store(
        engine,
        "maybe",
        ev.session_start(1.7e9)
        + [ev.user("my legs feel numb", 1.7e9 + 1, intent="red_flag_possible", red_flag=possible)],
    )
    page = reviewer.get(f"/conversations/{listed(reviewer)[0]}").text
    assert "possible red flag</span> leg-weakness" in page
    assert "2023-11-14 22:13:21 UTC" in page


def test_feedback_is_shown_on_its_reply(reviewer, seeded) -> None:
    with seeded.connect() as connection:
        bot = connection.execute(
            select(events.c.id).where(events.c.sender_id == "walker", events.c.type_name == "bot")
        ).scalar()
    record_feedback("walker", bot, "down", "<i>too long</i>", engine=seeded)
    page = reviewer.get(f"/conversations/{conversation_id(seeded, 'walker')}").text
    assert "thumbs down</span> &lt;i&gt;too long&lt;/i&gt;" in page


def test_search_cannot_find_a_conversation_by_the_address_it_masks(reviewer, seeded) -> None:
    from tests.review.seed import EMAIL

    assert listed(reviewer, "q=" + EMAIL) == []
    assert listed(reviewer, "q=" + EMAIL.split("@")[0]) == []
