"""The review tool in headless Chromium: conversations held with the real bot
over REST, the review app served by uvicorn (`python -m review serve`), and
every step done as a member of staff would, with clicks and typing."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Locator, Page, StorageState, expect
from sqlalchemy import create_engine, select

from review.tables import conversations
from tests.conftest import ROOT
from tests.helpers.stack import Stack, free_port, wait_until

USERNAME = "browser-admin"
PASSWORD = "browser-review-password"
WRONG = "Unknown username or wrong password."
WALKING = "Does walking help lower back pain?"
UNCOVERED = "How many steps should I walk every day?"
RED_FLAG = "I can't feel my bum and I've wet myself"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
TIMEOUT = 10_000


class Seeded:
    """The senders of the conversations held with the bot, by kind."""

    def __init__(self, stack: Stack) -> None:
        run = uuid.uuid4().hex[:8]
        self.email = f"jane.{run}@example.com"
        self.erased_email = f"erase.me.{run}@example.com"
        self.texts = {
            "walking": WALKING,
            "uncovered": UNCOVERED,
            "red_flag": RED_FLAG,
            "script": SCRIPT,
            "img": IMG,
            "email": f"Please write to me at {self.email} about walking",
            "erased": f"My e-mail is {self.erased_email}, is walking good for my back?",
        }
        self.senders = {kind: f"browser-{kind}-{run}" for kind in self.texts}
        for kind, text in self.texts.items():
            assert stack.ask(self.senders[kind], text), f"the bot did not answer {text!r}"
        self.url = f"sqlite:///{stack.tracker_db}"

    def conversation(self, kind: str) -> int | None:
        """The summary id the review app gave this kind's conversation."""
        engine = create_engine(self.url, future=True)
        try:
            with engine.connect() as connection:
                found = connection.execute(
                    select(conversations.c.id).where(conversations.c.sender_id == self.senders[kind])
                ).scalar()
        finally:
            engine.dispose()
        return int(found) if found is not None else None


@pytest.fixture(scope="module")
def seeded(stack: Stack) -> Seeded:
    return Seeded(stack)


@pytest.fixture(scope="module")
def server(stack: Stack, seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real review app (`python -m review serve`) over the stack's tracker store."""
    var = tmp_path_factory.mktemp("review-var")
    env = dict(os.environ)
    env.update(PYTHONPATH=str(ROOT), WALKWISE_TRACKER_DB_URL=seeded.url, WALKWISE_VAR_DIR=str(var))
    env.pop("WALKWISE_REVIEW_SECRET", None)
    added = subprocess.run(
        [sys.executable, "-m", "review", "add-user", USERNAME, "--role", "admin"],
        cwd=ROOT,
        env=env,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    port = free_port()
    log = var / "review.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "review", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(f"{url}/health", process, log, seconds=60)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sign_in(page: Page, username: str, password: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture(scope="module")
def signed_in(browser: Browser, server: str) -> StorageState:
    """The cookies of a session started through the sign-in form."""
    context = browser.new_context(base_url=server)
    page = context.new_page()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    sign_in(page, USERNAME, PASSWORD)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible(timeout=TIMEOUT)
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def dialogs() -> list[str]:
    return []


@pytest.fixture
def review_page(browser: Browser, server: str, signed_in: StorageState, dialogs: list[str]) -> Iterator[Page]:
    """A signed-in tab; a dialog (an alert() a page ran) or a browser error fails the test."""
    context = browser.new_context(
        base_url=server, storage_state=signed_in, viewport={"width": 1200, "height": 900}
    )
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    errors: list[str] = []  # e.g. a Content-Security-Policy refusal; 400s and 404s are expected

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/")
    yield page
    context.close()
    assert dialogs == [], f"a page opened a dialog: {dialogs}"
    assert errors == [], f"the browser reported errors: {errors}"


def open_list(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Conversations").click()
    expect(page.get_by_role("heading", name="Conversations")).to_be_visible()


def row_link(page: Page, conversation_id: int | None) -> Locator:
    assert conversation_id is not None, "the conversation was not summarised"
    return page.locator(f'a[href="/conversations/{conversation_id}"]')


def search(page: Page, text: str) -> None:
    field = page.get_by_label("Search user messages")
    field.fill(text)
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"[?&]q="))


def test_sign_in_answers_a_wrong_name_like_a_wrong_password(browser: Browser, server: str) -> None:
    context = browser.new_context(base_url=server)
    page = context.new_page()
    try:
        page.goto("/login")
        answers = []
        for name, password in ((USERNAME, "not-the-password"), ("nobody-" + uuid.uuid4().hex[:6], PASSWORD)):
            sign_in(page, name, password)
            # The page that answers keeps the name typed, so this waits for the new answer.
            expect(page.get_by_label("Username")).to_have_value(name)
            expect(page.get_by_label("Password")).to_have_value("")
            expect(page.get_by_role("alert")).to_be_visible()
            answers.append(page.get_by_role("alert").inner_text())
            expect(page).to_have_url(re.compile(r"/login$"))
        assert answers == [WRONG, WRONG]
        sign_in(page, USERNAME, PASSWORD)
        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible(timeout=TIMEOUT)
        expect(page.get_by_text(f"{USERNAME} (admin)")).to_be_visible()
    finally:
        context.close()


def test_dashboard_shows_charts_and_their_tables(review_page: Page, seeded: Seeded, artifacts: Path) -> None:
    page = review_page
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    charts = page.locator("main svg[role=img]")
    expect(charts).to_have_count(4)
    for label in (
        "Conversations per day by channel",
        "User messages per day by channel",
        "How user messages were answered",
        "Most asked topics (intents)",
    ):
        chart = page.get_by_role("img", name=label)
        expect(chart).to_be_visible()
        assert chart.locator("rect").count() > 0, label
        table = page.locator("table", has=page.locator("caption", has_text=label))
        expect(table).to_have_count(1)
        assert table.locator("tbody tr").count() > 0, label
    # The bars carry the numbers on hover, and the table under the chart has the same channel.
    assert re.search(
        r"\d{4}-\d\d-\d\d rest: \d+", charts.first.locator("rect title").first.text_content() or ""
    )
    per_day = page.locator("table", has=page.locator("caption", has_text="Conversations per day by channel"))
    expect(per_day.locator("thead th", has_text="rest")).to_have_count(1)
    answered = page.locator("table", has=page.locator("caption", has_text="How user messages were answered"))
    emergencies = answered.locator("tbody tr", has=page.get_by_role("rowheader", name="Red flag: emergency"))
    expect(emergencies.locator("td").first).to_have_text(re.compile(r"^[1-9]\d*$"))
    # The most frequent unanswered questions: other tests' questions may crowd
    # the seeded one out of the top rows, so it is looked for on the full page.
    unanswered = page.locator("main table").last
    expect(unanswered.locator("tbody tr")).not_to_have_count(0)
    assert seeded.email not in page.content() and seeded.erased_email not in page.content()
    page.screenshot(path=str(artifacts / "review-dashboard.png"), full_page=True)
    page.get_by_role("link", name="Unanswered questions").click()
    expect(page.get_by_role("heading", name="Unanswered questions", level=1)).to_be_visible()
    expect(page.get_by_text(UNCOVERED).first).to_be_visible()


def test_filtering_to_red_flags_keeps_the_filter_in_the_url(
    review_page: Page, seeded: Seeded, artifacts: Path
) -> None:
    page = review_page
    open_list(page)
    expect(row_link(page, seeded.conversation("walking"))).to_have_count(1)
    page.get_by_label("Red flag").select_option("emergency")
    page.get_by_label("Channel").select_option("rest")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"/conversations\?.*tier=emergency"))
    assert "channel=rest" in page.url
    expect(page.get_by_label("Red flag")).to_have_value("emergency")
    red = row_link(page, seeded.conversation("red_flag"))
    expect(red).to_have_count(1)
    row = page.locator("tbody tr", has=red)
    expect(row.locator(".badge.emergency")).to_have_text("red flag: emergency")
    for kind in ("walking", "uncovered", "script"):
        expect(row_link(page, seeded.conversation(kind))).to_have_count(0)
    # Export links follow the filters too.
    assert "tier=emergency" in (page.get_by_role("link", name="CSV").get_attribute("href") or "")
    page.screenshot(path=str(artifacts / "review-list.png"), full_page=True)


def test_a_red_flag_conversation_is_flagged_noted_and_reviewed(
    review_page: Page, seeded: Seeded, artifacts: Path
) -> None:
    page = review_page
    open_list(page)
    page.get_by_label("Red flag").select_option("emergency")
    page.get_by_role("button", name="Apply").click()
    conversation_id = seeded.conversation("red_flag")
    row_link(page, conversation_id).click()
    expect(page).to_have_url(re.compile(rf"/conversations/{conversation_id}$"))
    message = page.locator(".msg.user", has_text=RED_FLAG)
    expect(message).to_have_count(1)
    finding = message.locator("div", has=page.locator(".badge.emergency"))
    expect(finding).to_contain_text("red flag: emergency")
    expect(finding).to_contain_text(re.compile(r"phrase “.+” · detected by \w"))
    assert "detected by ?" not in (finding.text_content() or "")

    message.get_by_text("Flag this message").click()
    message.get_by_label("Reason").fill("Emergency signs: check the 999 advice was clear")
    message.get_by_role("button", name="Flag").click()
    expect(message.locator(".badge.flagged")).to_have_text(f"flagged by {USERNAME}")
    expect(page.locator(".msg.user", has_text=RED_FLAG)).to_contain_text("check the 999 advice was clear")

    expect(page.get_by_text("add a note before marking it reviewed")).to_be_visible()
    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.get_by_role("alert")).to_contain_text("needs a note before it is marked reviewed")
    expect(page.locator(".badge.reviewed")).to_have_count(0)

    page.get_by_label("Add a note").fill("Cauda equina signs; the bot sent them to A&E.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".msg:not(.user):not(.bot)")).to_contain_text("the bot sent them to A&E.")
    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.locator(".badge.reviewed")).to_have_text(f"reviewed by {USERNAME}")
    expect(page.get_by_role("button", name="Mark reviewed")).to_have_count(0)
    expect(page.get_by_role("alert")).to_have_count(0)
    page.screenshot(path=str(artifacts / "review-conversation.png"), full_page=True)


def test_csv_export_holds_the_conversation_with_the_email_masked(review_page: Page, seeded: Seeded) -> None:
    page = review_page
    open_list(page)
    search(page, "please write to me at")
    conversation_id = seeded.conversation("email")
    row = page.locator("tbody tr", has=row_link(page, conversation_id))
    expect(row).to_contain_text("Please write to me at [email] about walking")
    assert seeded.email not in page.content()
    row_link(page, conversation_id).click()
    expect(page.locator(".msg.user .text")).to_have_text("Please write to me at [email] about walking")
    with page.expect_download() as caught:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = caught.value
    assert download.suggested_filename == f"conversation-{conversation_id}.csv"
    body = Path(download.path()).read_text(encoding="utf-8")
    assert seeded.email not in body
    rows = list(csv.DictReader(io.StringIO(body)))
    users = [r for r in rows if r["role"] == "user"]
    assert [r["text"] for r in users] == ["Please write to me at [email] about walking"]
    assert any(r["role"] == "bot" and r["text"] for r in rows)


def test_hostile_messages_are_shown_as_text(review_page: Page, seeded: Seeded, dialogs: list[str]) -> None:
    page = review_page
    open_list(page)
    search(page, "alert(1)")
    for kind, text in (("script", SCRIPT), ("img", IMG)):
        row = page.locator("tbody tr", has=row_link(page, seeded.conversation(kind)))
        expect(row.locator("td.text")).to_have_text(text)
    assert page.locator("main img, main script").count() == 0
    for kind, text in (("script", SCRIPT), ("img", IMG)):
        open_list(page)
        search(page, "alert(1)")
        row_link(page, seeded.conversation(kind)).click()
        expect(page.locator(".msg.user .text").first).to_have_text(text)
        assert page.locator("main img, main script").count() == 0
        assert page.evaluate("() => document.images.length") == 0
    assert dialogs == []


def test_erasing_a_sender_removes_it_and_the_audit_log_keeps_the_trail(
    review_page: Page, seeded: Seeded
) -> None:
    page = review_page
    sender, conversation_id = seeded.senders["erased"], seeded.conversation("erased")
    # A view and an export, for the audit log.
    open_list(page)
    search(page, "my e-mail is")
    expect(page.locator("tbody tr", has=row_link(page, conversation_id))).to_contain_text(
        "My e-mail is [email], is walking good for my back?"
    )
    row_link(page, conversation_id).click()
    expect(page.locator(".meta code")).to_have_text(sender)
    with page.expect_download() as caught:
        page.get_by_role("link", name="JSON", exact=True).click()
    assert seeded.erased_email not in Path(caught.value.path()).read_text(encoding="utf-8")

    page.get_by_role("link", name="Erase a sender").click()
    page.get_by_label("Sender id").fill(sender)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text(re.compile(r"has 1 conversations and \d+ stored events"))).to_be_visible()
    expect(page.locator("main code")).to_have_text(sender)
    page.get_by_label("Type the sender id again to confirm").fill(sender)
    page.get_by_role("button", name="Erase everything of this sender").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Erased: [1-9]\d* events"))

    open_list(page)
    expect(page.locator("tbody tr")).not_to_have_count(0)
    expect(row_link(page, conversation_id)).to_have_count(0)
    search(page, "my e-mail is")
    expect(page.get_by_role("heading", name="Conversations")).to_be_visible()
    expect(row_link(page, conversation_id)).to_have_count(0)
    page.goto(f"/conversations/{conversation_id}")
    expect(page.locator("body")).to_have_text("No such conversation.")

    page.go_back()
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    page.get_by_label("Only this sender id").fill(sender)
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/audit\?sender_id="))
    actions = page.locator("tbody tr td:nth-child(3)")
    expect(actions).to_have_text(["erase", "export", "view"])
    rows = page.locator("tbody tr")
    expect(rows.nth(0)).to_contain_text(USERNAME)
    expect(rows.nth(1)).to_contain_text(f"conversation {conversation_id} as json")
    # The log keeps a keyed hash, never the sender id itself.
    expect(page.locator("tbody")).not_to_contain_text(sender)
    expect(rows.nth(0).locator("code")).to_have_text(re.compile(r"^[0-9a-f]{32}$"))


def test_a_thumbs_down_given_in_the_widget_is_found_in_the_tool(page: Page, review_page: Page) -> None:
    from tests.e2e.test_widget_browser import ask, bot_messages, open_widget

    open_widget(page)
    ask(page, "should i keep walking when my back flares up")
    expect(bot_messages(page).last).to_contain_text("rest for a day or two", timeout=30_000)
    page.get_by_role("button", name="Not helpful", exact=True).last.click()
    reason = page.get_by_label("What was wrong? (optional, one line)")
    reason.fill("I wanted to know about my knee too")
    reason.press("Enter")
    expect(page.locator(".ww-feedback-status")).to_have_text("Thanks, your comment was sent.")

    open_list(review_page)
    review_page.get_by_label("thumbs down").check()
    review_page.get_by_role("button", name="Apply").click()
    expect(review_page).to_have_url(re.compile(r"[?&]thumbs_down=1"))
    row = review_page.locator("tr", has_text="should i keep walking when my back flares up")
    expect(row).to_have_count(1)
    expect(row.locator(".badge", has_text="thumbs down")).to_be_visible()
    row.get_by_role("link").first.click()
    expect(review_page.get_by_text("I wanted to know about my knee too")).to_be_visible()
    expect(review_page.locator(".badge", has_text="thumbs down")).to_be_visible()
