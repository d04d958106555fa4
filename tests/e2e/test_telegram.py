"""Telegram: real-shaped updates posted to the running server's webhook; the
answers go to a local stand-in for the Bot API."""

import pytest
import requests

from channels.telegram import NO_TEXT_REPLY
from tests.helpers.answers import DISCLAIMER, passage_text
from tests.helpers.stack import TELEGRAM_TOKEN
from tests.helpers.telegram import (
    SETTLE,
    _chats,
    message,
    plain,
    post,
    sent_to,
    update_with,
)


def test_a_message_is_answered_with_the_passage_and_disclaimer(stack, fake_api):
    chat = next(_chats)
    assert (
        post(stack, update_with(message=message(chat, "should i walk during a flare up"))).status_code == 200
    )
    [sent] = sent_to(fake_api, chat)
    assert sent["parse_mode"] == "HTML"
    text = " ".join(plain(sent["text"]).split())
    assert passage_text("note-1") in text and DISCLAIMER.replace("’", "'") in text
    assert sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"].startswith("/ask_")
    assert f"/bot{TELEGRAM_TOKEN}/sendMessage" in [p for p, _ in fake_api.calls][-1]


def test_bold_titles_use_telegram_html(stack, fake_api):
    chat = next(_chats)
    post(stack, update_with(message=message(chat, "does walking strengthen my muscles")))
    [sent] = sent_to(fake_api, chat)
    assert "<b>Strengthening Muscles</b>:" in sent["text"]


def test_a_button_press_is_acknowledged_and_answered(stack, fake_api):
    chat = next(_chats)
    callback = {
        "id": "cb-4242",
        "from": {"id": chat, "is_bot": False, "first_name": "Pat"},
        "message": message(chat, "earlier answer"),
        "chat_instance": "1",
        "data": "/ask_shoes_and_bags",
    }
    assert post(stack, update_with(callback_query=callback)).status_code == 200
    assert fake_api.wait_for("/answerCallbackQuery", 1, lambda b: b.get("callback_query_id") == "cb-4242")
    [sent] = sent_to(fake_api, chat)
    assert passage_text("note-2") in " ".join(plain(sent["text"]).split())


def test_an_edited_message_is_not_answered_again(stack, fake_api):
    chat = next(_chats)
    post(stack, update_with(message=message(chat, "hello")))
    sent_to(fake_api, chat)
    assert (
        post(
            stack, update_with(edited_message=message(chat, "hello again", edit_date=1_700_000_100))
        ).status_code
        == 200
    )
    assert len(sent_to(fake_api, chat, count=2, timeout=SETTLE)) == 1


def test_a_photo_without_text_gets_a_clear_answer(stack, fake_api):
    chat = next(_chats)
    photo = message(chat, photo=[{"file_id": "x", "file_unique_id": "y", "width": 90, "height": 90}])
    assert post(stack, update_with(message=photo)).status_code == 200
    [sent] = sent_to(fake_api, chat)
    assert sent["text"] == NO_TEXT_REPLY


def test_start_is_a_greeting(stack, fake_api):
    chat = next(_chats)
    post(stack, update_with(message=message(chat, "/start")))
    [sent] = sent_to(fake_api, chat)
    assert sent["text"].startswith("Hello! I'm WalkWise, an automated assistant.")


def test_a_repeated_update_is_handled_once(stack, fake_api):
    chat = next(_chats)
    update = update_with(message=message(chat, "thanks"))
    assert post(stack, update).status_code == 200
    assert post(stack, update).status_code == 200
    assert len(sent_to(fake_api, chat, count=2, timeout=SETTLE)) == 1


@pytest.mark.parametrize("secret", [None, "wrong-secret", ""])
def test_an_update_without_the_secret_token_is_refused(stack, fake_api, secret):
    chat = next(_chats)
    response = post(stack, update_with(message=message(chat, "does walking help?")), secret=secret)
    assert response.status_code == 403
    assert sent_to(fake_api, chat, count=1, timeout=SETTLE) == []


def test_malformed_json_is_refused_cleanly(stack):
    assert post(stack, None, raw=b"{not json").status_code == 400
    assert post(stack, None, raw=b"[1, 2]").status_code == 400


def test_a_red_flag_gets_the_advice_first(stack, fake_api):
    chat = next(_chats)
    post(stack, update_with(message=message(chat, "I wet myself and my back is killing me")))
    [sent] = sent_to(fake_api, chat)
    assert sent["text"].startswith("🚨 Emergency: Call your local emergency number")
    assert "reply_markup" not in sent


def test_there_is_no_public_set_webhook_endpoint(stack):
    for path in ("/webhooks/telegram/set_webhook", "/webhooks/telegram/set-webhook"):
        assert requests.get(f"{stack.url}{path}", timeout=10).status_code == 404


def test_registering_the_webhook_sends_the_secret_token(fake_api):
    from channels.telegram import BotApi, set_webhook
    from tests.helpers.running import run_async

    api = BotApi(TELEGRAM_TOKEN, f"{fake_api.url}/telegram")
    assert run_async(set_webhook(api, "https://bot.example.org/webhooks/telegram/webhook", "s3cret"))["ok"]
    [call] = fake_api.recorded(f"/bot{TELEGRAM_TOKEN}/setWebhook")[-1:]
    assert call["url"] == "https://bot.example.org/webhooks/telegram/webhook"
    assert call["secret_token"] == "s3cret"


def test_a_triage_question_answered_with_the_yes_button(stack, fake_api):
    chat = next(_chats)
    post(stack, update_with(message=message(chat, "I had a fall")))
    [question] = sent_to(fake_api, chat)
    assert plain(question["text"]).startswith("Before I answer, one quick safety question.")
    yes = question["reply_markup"]["inline_keyboard"][0][0]
    assert yes["callback_data"] == "/affirm"
    callback = {
        "id": f"cb-{chat}",
        "from": {"id": chat, "is_bot": False, "first_name": "Pat"},
        "message": message(chat, "question"),
        "chat_instance": "1",
        "data": yes["callback_data"],
    }
    assert post(stack, update_with(callback_query=callback)).status_code == 200
    sent = sent_to(fake_api, chat, count=2)
    assert plain(sent[1]["text"]).startswith("🚨 Emergency: Call your local emergency number")


def test_a_triage_question_answered_with_a_typed_yes(stack, fake_api):
    chat = next(_chats)
    post(stack, update_with(message=message(chat, "I had a fall")))
    sent_to(fake_api, chat)
    post(stack, update_with(message=message(chat, "Yes")))
    sent = sent_to(fake_api, chat, count=2)
    assert plain(sent[1]["text"]).startswith("🚨 Emergency: Call your local emergency number")
