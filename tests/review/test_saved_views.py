"""Saved views of the conversation list: per member of staff, filters only."""

from __future__ import annotations

import re

import pytest

from review.saved_views import normalised_query, save_view, views_of
from tests.review.conftest import csrf
from tests.review.seed import seed


@pytest.fixture
def seeded(engine):
    seed(engine)
    return engine


def saved_links(html: str) -> dict[str, str]:
    section = html.split('id="saved-views-title"', 1)[1].split("</section>", 1)[0]
    return {
        name: query for query, name in re.findall(r'<a href="/conversations\?([^"]*)">([^<]*)</a>', section)
    }


def listed(client, query: str) -> list[str]:
    return re.findall(r'<a href="/conversations/(\d+)">', client.get(f"/conversations?{query}").text)


def test_a_saved_view_reopens_the_same_filtered_list(reviewer, seeded) -> None:
    wanted = listed(reviewer, "not_covered=1&channel=rest")
    assert wanted
    saved = reviewer.post(
        "/conversations/views",
        data={
            "csrf_token": csrf(reviewer),
            "name": "Unanswered on REST",
            "query": "not_covered=1&channel=rest",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    links = saved_links(reviewer.get("/conversations").text)
    assert list(links) == ["Unanswered on REST"]
    assert listed(reviewer, links["Unanswered on REST"].replace("&amp;", "&")) == wanted


def test_saving_under_the_same_name_replaces_and_names_are_required(reviewer, seeded) -> None:
    token = csrf(reviewer)
    reviewer.post("/conversations/views", data={"csrf_token": token, "name": "Mine", "query": "tier=urgent"})
    reviewer.post(
        "/conversations/views", data={"csrf_token": token, "name": " Mine ", "query": "tier=emergency"}
    )
    assert saved_links(reviewer.get("/conversations").text) == {"Mine": "tier=emergency"}
    refused = reviewer.post(
        "/conversations/views", data={"csrf_token": token, "name": "  ", "query": "tier=urgent"}
    )
    assert refused.status_code == 400 and "Give the view a name." in refused.text


def test_views_are_per_person_and_only_the_owner_deletes_one(reviewer, admin, seeded) -> None:
    reviewer.post(
        "/conversations/views", data={"csrf_token": csrf(reviewer), "name": "Rita's", "query": "flagged=1"}
    )
    assert saved_links(admin.get("/conversations").text) == {}
    [view] = views_of(seeded, "rita")
    other = admin.post(f"/conversations/views/{view.id}/delete", data={"csrf_token": csrf(admin)})
    assert other.status_code == 404
    assert views_of(seeded, "rita") == [view]
    reviewer.post(f"/conversations/views/{view.id}/delete", data={"csrf_token": csrf(reviewer)})
    assert views_of(seeded, "rita") == []


def test_a_view_needs_the_form_token(reviewer, seeded) -> None:
    refused = reviewer.post("/conversations/views", data={"name": "x", "query": "flagged=1"})
    assert refused.status_code == 403
    assert views_of(seeded, "rita") == []


def test_a_view_keeps_only_the_list_filters_and_its_name_is_shown_as_text(reviewer, seeded) -> None:
    assert normalised_query("?tier=bogus&channel=slack&after=99&evil=<script>") == "channel=slack"
    save_view(seeded, "rita", "<script>alert(1)</script>", "q=100%25&flagged=1")
    page = reviewer.get("/conversations").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert saved_links(page)["&lt;script&gt;alert(1)&lt;/script&gt;"] == "flagged=1&amp;q=100%25"
