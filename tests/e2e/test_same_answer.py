"""One question on every channel: the same passage, disclaimer and source."""

import html
import re

from tests.helpers import slack as test_slack
from tests.helpers import socketio as test_socketio
from tests.helpers import telegram as test_telegram
from tests.helpers.answers import DISCLAIMER, new_sender, normalize, passage_text
from tests.helpers.running import run_async

QUESTION = "should i walk during a flare up"


def canonical(text: str) -> str:
    text = html.unescape(re.sub(r"</?b>", "", text))
    text = re.sub(r"\*{1,2}([^*]+)\*{1,2}", r"\1", text)
    return normalize(text).strip()


def test_the_same_question_gets_the_same_answer_everywhere(stack, fake_api):
    rest = canonical("\n\n".join(r["text"] for r in stack.ask(new_sender(), QUESTION)))

    async def web():
        client, events, _ = await test_socketio.open_session(stack)
        try:
            return await test_socketio.ask(client, events, QUESTION)
        finally:
            await client.disconnect()

    widget = canonical("\n\n".join(r["text"] for r in run_async(web())))

    channel = "DSAMEANSWER"
    test_slack.post(stack, test_slack.event_payload(QUESTION, "USAME", channel))
    [slack] = test_slack.posted_to(fake_api, channel)

    chat = 4_242_4242
    test_telegram.post(stack, test_telegram.update_with(message=test_telegram.message(chat, QUESTION)))
    [telegram] = test_telegram.sent_to(fake_api, chat)

    answers = {
        "rest": rest,
        "web": widget,
        "slack": canonical(slack["text"]),
        "telegram": canonical(telegram["text"]),
    }
    for name, text in answers.items():
        assert passage_text("note-1") in text, name
        assert normalize(DISCLAIMER) in text, name
    assert len(set(answers.values())) == 1, answers


def test_each_conversation_records_its_channel(stack, fake_api):
    import json
    import sqlite3

    sender = new_sender()
    stack.ask(sender, "hello")
    chat = 4_343_4343
    test_telegram.post(stack, test_telegram.update_with(message=test_telegram.message(chat, "hello")))
    test_telegram.sent_to(fake_api, chat)
    channel = "DCHANNELREC"
    test_slack.post(stack, test_slack.event_payload("hello", "UCHANNELREC", channel))
    test_slack.posted_to(fake_api, channel)
    with sqlite3.connect(stack.tracker_db) as db:
        rows = {
            s: json.loads(d)["input_channel"]
            for s, d in db.execute(
                "select sender_id, data from events where type_name = 'user' and sender_id in (?, ?, ?)",
                (sender, str(chat), "UCHANNELREC"),
            )
        }
    assert rows == {sender: "rest", str(chat): "telegram", "UCHANNELREC": "slack"}
