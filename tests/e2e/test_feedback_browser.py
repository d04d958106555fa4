"""The widget's thumbs, in headless Chromium (the `page` fixture of
tests/e2e/conftest.py: /usr/bin/chromium with --no-sandbox, driven by
Playwright): two toggle buttons under each answer, a one-line reason after
"Not helpful", all usable from the keyboard, stored against the right answer."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.e2e.test_feedback import GUIDANCE_QUESTION, RED_FLAG_QUESTION, feedback_of
from tests.e2e.test_widget_browser import ask, bot_messages, open_widget


def session_of(page) -> str:
    return page.evaluate(
        "() => JSON.parse(Object.entries(localStorage).find(([k]) => k.endsWith(':session'))[1])"
    )


def rows_when(stack, sender: str, predicate, timeout: float = 15) -> list:
    deadline = time.monotonic() + timeout
    rows = feedback_of(stack, sender)
    while not predicate(rows) and time.monotonic() < deadline:
        time.sleep(0.2)
        rows = feedback_of(stack, sender)
    return rows


def test_thumbs_down_with_a_reason_from_the_keyboard(page, stack, artifacts):
    open_widget(page)
    expect(page.locator(".ww-feedback")).to_have_count(0)  # not on the greeting
    ask(page, GUIDANCE_QUESTION)
    expect(bot_messages(page).last).to_contain_text("Consider wearing supportive shoes", timeout=30_000)
    group = page.get_by_role("group", name="Was this answer helpful?")
    expect(group).to_have_count(1)
    helpful = group.get_by_role("button", name="Helpful", exact=True)
    not_helpful = group.get_by_role("button", name="Not helpful", exact=True)
    expect(helpful).to_have_attribute("aria-pressed", "false")
    expect(not_helpful).to_have_attribute("aria-pressed", "false")

    not_helpful.focus()
    page.keyboard.press("Enter")
    expect(not_helpful).to_have_attribute("aria-pressed", "true")
    expect(helpful).to_have_attribute("aria-pressed", "false")
    reason = page.get_by_label("What was wrong? (optional, one line)")
    expect(reason).to_be_focused()
    expect(reason).to_have_attribute("maxlength", "200")
    session = session_of(page)
    [row] = rows_when(stack, session, lambda rows: len(rows) == 1)
    assert (row.value, row.reason) == ("down", None)

    page.keyboard.type("<b>Not</b> about my shoes")
    page.screenshot(path=str(artifacts / "widget-feedback.png"))
    page.keyboard.press("Enter")
    expect(page.locator(".ww-feedback-status")).to_have_text("Thanks, your comment was sent.")
    expect(not_helpful).to_be_focused()
    [row] = rows_when(stack, session, lambda rows: rows and rows[0].reason)
    assert (row.value, row.reason) == ("down", "<b>Not</b> about my shoes")
    assert "Consider wearing supportive shoes" in row.data
    expect(page.locator(".ww-root b")).to_have_count(0)  # nothing is rendered as HTML

    # The pressed state survives a reload; "Helpful" then replaces the thumbs down.
    page.reload()
    helpful = page.get_by_role("button", name="Helpful", exact=True)
    expect(page.get_by_role("button", name="Not helpful", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator(".ww-status")).to_be_empty(timeout=20_000)
    helpful.click()
    expect(helpful).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Not helpful", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    [row] = rows_when(stack, session, lambda rows: rows and rows[0].value == "up")
    assert (row.value, row.reason) == ("up", None)


def test_escape_closes_the_reason_field_not_the_chat(page):
    open_widget(page)
    ask(page, GUIDANCE_QUESTION)
    not_helpful = page.get_by_role("button", name="Not helpful", exact=True)
    expect(not_helpful).to_be_visible(timeout=30_000)
    not_helpful.click()
    reason = page.get_by_label("What was wrong? (optional, one line)")
    expect(reason).to_be_focused()
    page.keyboard.press("Escape")
    expect(reason).to_have_count(0)
    expect(page.locator(".ww-panel")).to_be_visible()
    expect(not_helpful).to_be_focused()


def test_red_flag_advice_has_no_thumbs(page):
    open_widget(page)
    ask(page, RED_FLAG_QUESTION)
    expect(bot_messages(page).last).to_contain_text("Emergency", timeout=30_000)
    expect(page.locator(".ww-feedback")).to_have_count(0)
