"""'Delete my data' typed in the chat: a confirmation, then nothing of the
person left in the database (Rasa's events and the review tables)."""

import sqlite3

from common.messages import ERASED
from tests.helpers.answers import new_sender, passage_text, reply_text
from tests.helpers.telegram import _chats, message, plain, post, sent_to, update_with

CONFIRM = "Do you want me to delete this conversation and everything stored from it?"


def stored(stack, sender: str) -> int:
    with sqlite3.connect(stack.tracker_db) as connection:
        count = connection.execute("SELECT count(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in (
            "review_conversations",
            "review_messages",
            "review_flags",
            "review_notes",
            "review_feedback",
        ):
            if table in tables:
                count += connection.execute(
                    f"SELECT count(*) FROM {table} WHERE sender_id = ?", (sender,)
                ).fetchone()[0]
    return count


def test_a_confirmed_request_erases_the_conversation(stack):
    sender = new_sender()
    stack.ask(sender, "does walking help my discs?")
    asked = stack.ask(sender, "please delete my data")
    assert CONFIRM in reply_text(asked)
    assert [b["payload"] for b in asked[0]["buttons"]] == ["/affirm", "/deny"]
    assert stored(stack, sender) > 0
    assert reply_text(stack.ask(sender, "yes")) == ERASED
    assert stored(stack, sender) == 0
    # The person can start again; only the new conversation is stored.
    assert passage_text("disc-nutrition") in reply_text(stack.ask(sender, "does walking help my discs?"))
    with sqlite3.connect(stack.tracker_db) as connection:
        texts = connection.execute(
            "SELECT count(*) FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)
        ).fetchone()[0]
    assert texts == 1


def test_the_button_confirms_too(stack):
    sender = new_sender()
    asked = stack.ask(sender, "delete this conversation")
    assert reply_text(stack.ask(sender, asked[0]["buttons"][0]["payload"])) == ERASED
    assert stored(stack, sender) == 0


def test_no_keeps_everything(stack):
    sender = new_sender()
    stack.ask(sender, "does walking help my discs?")
    stack.ask(sender, "delete my data")
    before = stored(stack, sender)
    assert "nothing was deleted" in reply_text(stack.ask(sender, "no"))
    assert stored(stack, sender) > before


def test_a_yes_without_the_question_erases_nothing(stack):
    sender = new_sender()
    stack.ask(sender, "does walking help my discs?")
    stack.ask(sender, "yes")
    assert stored(stack, sender) > 0


def test_telegram_erases_too(stack, fake_api):
    chat = next(_chats)
    post(stack, update_with(message=message(chat, "should i walk during a flare up")))
    sent_to(fake_api, chat)
    post(stack, update_with(message=message(chat, "delete my data")))
    [asked] = sent_to(fake_api, chat, count=2)[1:]
    assert CONFIRM in plain(asked["text"])
    post(stack, update_with(message=message(chat, "yes")))
    [done] = sent_to(fake_api, chat, count=3)[2:]
    assert plain(done["text"]) == ERASED
    assert stored(stack, str(chat)) == 0
