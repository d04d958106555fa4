"""Thumbs up and down on answers, end to end: over REST, the widget's socket.io,
Slack's block_actions and Telegram's callback_query, against the real servers.
Feedback never goes through the bot; it lands in the review tool's feedback
table of the tracker store's database, against the bot event it is about."""

from __future__ import annotations

import itertools
import json
import time
from urllib.parse import urlencode

import requests
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from channels.feedback import FeedbackRefs
from review.tables import events, feedback
from tests.helpers import slack, telegram
from tests.helpers.running import run_async
from tests.helpers.socketio import ask, open_session

SESSION_KEY = b"test-session-secret"  # WALKWISE_SESSION_SECRET in the e2e stack
GUIDANCE_QUESTION = "what shoes should I wear for walking?"
NOT_COVERED_QUESTION = "how many steps a day should I walk?"
RED_FLAG_QUESTION = "i cant feel my legs and my back hurts"
_ids = itertools.count(1)


def engine_of(stack) -> Engine:
    return create_engine(f"sqlite:///{stack.tracker_db}", future=True)


def feedback_of(stack, sender: str) -> list:
    engine = engine_of(stack)
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(
                    select(
                        feedback.c.bot_event_id,
                        feedback.c.bot_timestamp,
                        feedback.c.value,
                        feedback.c.reason,
                        events.c.type_name,
                        events.c.timestamp,
                        events.c.data,
                    )
                    .join(events, events.c.id == feedback.c.bot_event_id)
                    .where(feedback.c.sender_id == sender)
                    .order_by(feedback.c.id)
                ).all()
            )
    except Exception as error:  # the review tables are made at the first feedback
        if "no such table" in str(error):
            return []
        raise
    finally:
        engine.dispose()


def timestamp_of(ref: str) -> float:
    return float(ref.split("~")[0])


def rest_feedback(stack, body) -> requests.Response:
    return requests.post(f"{stack.url}/webhooks/rest/feedback", json=body, timeout=30)


# --- REST -----------------------------------------------------------------


def test_rest_thumbs_down_with_a_reason_is_stored_against_the_answer(stack):
    sender = f"fb-rest-{next(_ids)}"
    replies = stack.ask(sender, GUIDANCE_QUESTION)
    rated = [r for r in replies if "feedback" in r]
    assert len(rated) == 1 and rated[0] is replies[-1]
    ref = rated[0]["feedback"]["ref"]
    assert rated[0]["feedback"]["values"] == ["up", "down"]

    answer = rest_feedback(
        stack,
        {"sender": sender, "ref": ref, "value": "down", "reason": "Too long\n\x07and vague " + "x" * 300},
    )
    assert answer.status_code == 200, answer.text
    [row] = feedback_of(stack, sender)
    assert row.value == "down" and row.type_name == "bot"
    assert row.reason.startswith("Too long and vague x") and len(row.reason) == 200
    assert row.bot_timestamp == row.timestamp == timestamp_of(ref)
    assert "Consider wearing supportive shoes" in json.loads(row.data)["text"]
    assert json.loads(row.data)["metadata"]["walkwise"]["answer"]["kind"] == "guidance"


def test_a_second_thumbs_replaces_the_first(stack):
    sender = f"fb-rest-{next(_ids)}"
    ref = stack.ask(sender, GUIDANCE_QUESTION)[-1]["feedback"]["ref"]
    assert rest_feedback(stack, {"sender": sender, "ref": ref, "value": "down", "reason": "meh"}).ok
    assert rest_feedback(stack, {"sender": sender, "ref": ref, "value": "up", "reason": "ignored"}).ok
    assert [(r.value, r.reason) for r in feedback_of(stack, sender)] == [("up", None)]


def test_the_not_covered_answer_can_be_rated_but_red_flag_advice_cannot(stack):
    sender = f"fb-rest-{next(_ids)}"
    not_covered = stack.ask(sender, NOT_COVERED_QUESTION)
    assert "doesn't cover" in not_covered[0]["text"]
    assert "feedback" in not_covered[-1]
    assert rest_feedback(
        stack, {"sender": sender, "ref": not_covered[-1]["feedback"]["ref"], "value": "up"}
    ).ok
    red = stack.ask(f"fb-rest-{next(_ids)}", RED_FLAG_QUESTION)
    assert red[0]["text"].startswith("🚨 Emergency")
    assert not any("feedback" in r for r in red)


def test_forged_and_unknown_rest_feedback_is_refused_and_stores_nothing(stack):
    sender, other = f"fb-rest-{next(_ids)}", f"fb-rest-{next(_ids)}"
    ref = stack.ask(sender, GUIDANCE_QUESTION)[-1]["feedback"]["ref"]
    stack.ask(other, GUIDANCE_QUESTION)
    # Another sender's reference: refused.
    assert rest_feedback(stack, {"sender": other, "ref": ref, "value": "down"}).status_code == 403
    # A reference with its timestamp changed: refused.
    stamp, signature = ref.split("~")
    changed = f"{float(stamp) + 1!r}~{signature}"
    assert rest_feedback(stack, {"sender": sender, "ref": changed, "value": "down"}).status_code == 403
    # Properly signed, but no such answer (or no such sender): a clear 404.
    refs = FeedbackRefs(SESSION_KEY)
    unknown = rest_feedback(stack, {"sender": sender, "ref": refs.issue(sender, 1234.5), "value": "up"})
    assert unknown.status_code == 404 and "no answer" in unknown.json()["error"]
    nobody = f"fb-nobody-{next(_ids)}"
    assert (
        rest_feedback(stack, {"sender": nobody, "ref": refs.issue(nobody, 1.5), "value": "up"}).status_code
        == 404
    )
    # Malformed: 400 with the reason.
    for body in (
        {"sender": sender, "ref": ref, "value": "meh"},
        {"sender": sender, "value": "up"},
        {"ref": ref, "value": "up"},
        {"sender": sender, "ref": ref, "value": "down", "reason": 5},
        [1, 2],
    ):
        bad = rest_feedback(stack, body)
        assert bad.status_code == 400 and bad.json()["error"]
    assert feedback_of(stack, sender) == [] and feedback_of(stack, other) == []
    assert feedback_of(stack, nobody) == []


def test_feedback_does_not_reach_the_bot(stack):
    sender = f"fb-rest-{next(_ids)}"
    ref = stack.ask(sender, GUIDANCE_QUESTION)[-1]["feedback"]["ref"]
    engine = engine_of(stack)
    with engine.connect() as connection:
        before = connection.execute(select(events.c.id).where(events.c.sender_id == sender)).all()
    assert rest_feedback(stack, {"sender": sender, "ref": ref, "value": "down", "reason": "help"}).ok
    with engine.connect() as connection:
        after = connection.execute(select(events.c.id).where(events.c.sender_id == sender)).all()
    engine.dispose()
    assert before == after


def test_rest_feedback_shows_up_in_the_review_tool(stack):
    from starlette.testclient import TestClient

    from review.settings import Settings
    from review.tables import conversations
    from review.users import ADMIN, add_user
    from review.web.app import create_app
    from tests.review.pages import form_token

    sender = f"fb-review-{next(_ids)}"
    ref = stack.ask(sender, GUIDANCE_QUESTION)[-1]["feedback"]["ref"]
    reason = "<i>Not</i> what I asked"
    assert rest_feedback(stack, {"sender": sender, "ref": ref, "value": "down", "reason": reason}).ok

    url = f"sqlite:///{stack.tracker_db}"
    engine = create_engine(url, future=True)
    app = create_app(
        Settings(database_url=url, secret="feedback-e2e-secret-" + "z" * 40, login_delay=0.0), engine
    )
    with TestClient(app) as client:
        add_user(engine, username="fb-admin", password="fb-e2e-password", role=ADMIN)
        token = form_token(client.get("/login").text)
        client.post(
            "/login",
            data={"username": "fb-admin", "password": "fb-e2e-password", "csrf_token": token, "next": "/"},
        )
        listed = client.get("/conversations?thumbs_down=1").text
        with engine.connect() as connection:
            conversation = connection.execute(
                select(conversations.c.id).where(conversations.c.sender_id == sender)
            ).scalar()
        assert f'href="/conversations/{conversation}"' in listed
        page = client.get(f"/conversations/{conversation}").text
    engine.dispose()
    assert "thumbs down</span> &lt;i&gt;Not&lt;/i&gt; what I asked" in page


# --- the widget's socket.io -------------------------------------------------


def test_widget_feedback_is_stored_for_its_own_session_only(stack):
    async def run():
        client, queues, session = await open_session(stack)
        intruder, _, intruder_session = await open_session(stack)
        try:
            replies = await ask(client, queues, GUIDANCE_QUESTION)
            [rated] = [r for r in replies if r.get("feedback")]
            ref = rated["feedback"]["ref"]
            forged = await intruder.call("feedback", {"ref": ref, "value": "down", "reason": "x"}, timeout=15)
            bad = await client.call("feedback", {"ref": ref, "value": "sideways"}, timeout=15)
            done = await client.call(
                "feedback", {"ref": ref, "value": "down", "reason": "Not about\tmy shoes"}, timeout=15
            )
            return session, intruder_session, ref, forged, bad, done
        finally:
            await client.disconnect()
            await intruder.disconnect()

    session, intruder_session, ref, forged, bad, done = run_async(run())
    assert forged["ok"] is False and forged["status"] == 403
    assert bad["ok"] is False and bad["status"] == 400
    assert done == {"ok": True, "ref": ref, "value": "down", "reason": "Not about my shoes"}
    [row] = feedback_of(stack, session)
    assert (row.value, row.reason, row.bot_timestamp) == ("down", "Not about my shoes", timestamp_of(ref))
    assert feedback_of(stack, intruder_session) == []


def test_widget_feedback_without_a_session_is_refused(stack):
    async def run():
        import socketio

        from tests.helpers.socketio import ORIGIN

        client = socketio.AsyncClient(reconnection=False)
        await client.connect(stack.url, headers={"Origin": ORIGIN}, transports=["websocket"], wait_timeout=10)
        try:
            return await client.call("feedback", {"ref": "1.5~" + "0" * 16, "value": "up"}, timeout=15)
        finally:
            await client.disconnect()

    assert run_async(run())["status"] == 403


# --- Slack ------------------------------------------------------------------


def block_actions(user: str, channel: str, action: dict, message_ts: str = "1700000000.000200") -> dict:
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "pat", "name": "pat", "team_id": "T0TEAM"},
        "api_app_id": "A0APP",
        "token": "unused",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": "1234.5678.abcd",
        "team": {"id": "T0TEAM", "domain": "clinic"},
        "channel": {"id": channel, "name": "directmessage"},
        "message": {"type": "message", "user": "U0BOT", "ts": message_ts, "text": "answer"},
        "response_url": "https://hooks.slack.com/actions/T0TEAM/1/abc",
        "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
    }


def post_interaction(stack, payload: dict, signature: str | None = None, timestamp: int | None = None):
    body = urlencode({"payload": json.dumps(payload)}).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature if signature is not None else slack.sign(body, timestamp),
    }
    return requests.post(f"{stack.url}/webhooks/slack/webhook", data=body, headers=headers, timeout=30)


def slack_answer(stack, fake_api, user: str, channel: str) -> dict:
    slack.post(stack, slack.event_payload(GUIDANCE_QUESTION, user, channel))
    [sent] = slack.posted_to(fake_api, channel)
    return sent


def test_slack_thumbs_down_then_a_reason(stack, fake_api):
    n = next(_ids)
    user, channel = f"UFB{n:05d}", f"DFB{n:05d}"
    sent = slack_answer(stack, fake_api, user, channel)
    assert all(b["value"].startswith("/ask_") for b in sent["blocks"][1]["elements"])
    thumbs = sent["blocks"][-1]
    assert thumbs["block_id"] == "walkwise_feedback"
    down = next(e for e in thumbs["elements"] if e["action_id"] == "walkwise_feedback_down")
    ref = down["value"]

    pressed = post_interaction(
        stack, block_actions(user, channel, {"type": "button", **_without(down, "text")})
    )
    assert pressed.status_code == 200, pressed.text
    [row] = feedback_of(stack, user)
    assert (row.value, row.reason, row.bot_timestamp) == ("down", None, timestamp_of(ref))
    [asked] = fake_api.wait_for("chat.postEphemeral", 1, lambda b: b.get("user") == user)
    blocks = asked["blocks"] if isinstance(asked["blocks"], list) else json.loads(asked["blocks"])
    [reason_input] = blocks
    assert reason_input["type"] == "input" and reason_input["dispatch_action"] is True

    typed = {
        "type": "plain_text_input",
        "block_id": reason_input["block_id"],
        "action_id": reason_input["element"]["action_id"],
        "value": "It didn't say which\nshoes",
    }
    assert post_interaction(stack, block_actions(user, channel, typed)).status_code == 200
    [row] = feedback_of(stack, user)
    assert (row.value, row.reason) == ("down", "It didn't say which shoes")
    # Nothing went to the bot: still the one answer.
    time.sleep(slack.SETTLE)
    assert len(slack.posted_to(fake_api, channel, count=2, timeout=0.5)) == 1


def test_forged_or_misdirected_slack_feedback_is_refused(stack, fake_api):
    n = next(_ids)
    user, channel = f"UFB{n:05d}", f"DFB{n:05d}"
    sent = slack_answer(stack, fake_api, user, channel)
    up = next(e for e in sent["blocks"][-1]["elements"] if e["action_id"] == "walkwise_feedback_up")
    action = {"type": "button", **_without(up, "text")}
    payload = block_actions(user, channel, action)
    assert post_interaction(stack, payload, signature="v0=" + "0" * 64).status_code == 400
    assert post_interaction(stack, payload, timestamp=int(time.time()) - 600).status_code == 400
    other = f"UFO{n:05d}"
    assert post_interaction(stack, block_actions(other, channel, action)).status_code == 403
    unknown = {**action, "value": FeedbackRefs(SESSION_KEY).issue(user, 99.25)}
    assert post_interaction(stack, block_actions(user, channel, unknown)).status_code == 404
    assert feedback_of(stack, user) == [] and feedback_of(stack, other) == []
    assert post_interaction(stack, payload).status_code == 200
    assert [r.value for r in feedback_of(stack, user)] == ["up"]


def test_slack_bot_buttons_still_reach_the_bot(stack, fake_api):
    n = next(_ids)
    user, channel = f"UFB{n:05d}", f"DFB{n:05d}"
    sent = slack_answer(stack, fake_api, user, channel)
    button = sent["blocks"][1]["elements"][0]
    assert (
        post_interaction(stack, block_actions(user, channel, {"type": "button", **button})).status_code == 200
    )
    assert len(slack.posted_to(fake_api, channel, count=2)) == 2


def _without(element: dict, key: str) -> dict:
    return {k: v for k, v in element.items() if k != key}


# --- Telegram ---------------------------------------------------------------


def telegram_answer(stack, fake_api, chat: int) -> dict:
    telegram.post(stack, telegram.update_with(message=telegram.message(chat, GUIDANCE_QUESTION)))
    [sent] = telegram.sent_to(fake_api, chat)
    return sent


def press(chat: int, sent: dict, data: str, query_id: str) -> dict:
    return {
        "id": query_id,
        "from": {"id": chat, "is_bot": False, "first_name": "Pat"},
        "chat_instance": "-123",
        "data": data,
        "message": {
            "message_id": 4242,
            "date": 1_700_000_000,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": 1, "is_bot": True, "first_name": "WalkWise"},
            "text": "answer",
            "reply_markup": sent["reply_markup"],
        },
    }


def test_telegram_thumbs_down_then_a_reason(stack, fake_api):
    chat = next(telegram._chats)
    sent = telegram_answer(stack, fake_api, chat)
    keyboard = sent["reply_markup"]["inline_keyboard"]
    assert keyboard[0][0]["callback_data"].startswith("/ask_")
    down = next(b for b in keyboard[-1] if b["callback_data"].startswith("ww:d:"))
    assert all(len(b["callback_data"].encode()) <= 64 for row in keyboard for b in row)
    ref = down["callback_data"][len("ww:d:") :]

    query_id = f"cb-fb-{chat}"
    update = telegram.update_with(callback_query=press(chat, sent, down["callback_data"], query_id))
    assert telegram.post(stack, update).status_code == 200
    [answered] = fake_api.wait_for(
        "/answerCallbackQuery", 1, lambda b: b.get("callback_query_id") == query_id
    )
    assert answered["text"] == "Thanks for your feedback."
    [marked] = fake_api.wait_for("/editMessageReplyMarkup", 1, lambda b: str(b.get("chat_id")) == str(chat))
    assert marked["reply_markup"]["inline_keyboard"][-1][1]["text"].endswith("✓")
    [row] = feedback_of(stack, str(chat))
    assert (row.value, row.reason, row.bot_timestamp) == ("down", None, timestamp_of(ref))

    prompts = telegram.sent_to(fake_api, chat, count=2)
    prompt = prompts[1]
    assert prompt["reply_markup"]["force_reply"] is True
    reply = telegram.message(
        chat,
        "Wrong shoes \u202eadvice",
        reply_to_message={
            "message_id": 4243,
            "date": 1_700_000_000,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": 1, "is_bot": True, "first_name": "WalkWise"},
            "text": prompt["text"],
        },
    )
    assert telegram.post(stack, telegram.update_with(message=reply)).status_code == 200
    [row] = feedback_of(stack, str(chat))
    assert (row.value, row.reason) == ("down", "Wrong shoes advice")
    thanks = telegram.sent_to(fake_api, chat, count=3)
    assert thanks[2]["text"] == "Thanks, your comment was recorded."
    time.sleep(telegram.SETTLE)
    assert len(telegram.sent_to(fake_api, chat, count=4, timeout=0.5)) == 3  # the bot was not asked


def test_forged_or_unknown_telegram_feedback_is_refused(stack, fake_api):
    chat, other = next(telegram._chats), next(telegram._chats)
    sent = telegram_answer(stack, fake_api, chat)
    up = next(
        b for b in sent["reply_markup"]["inline_keyboard"][-1] if b["callback_data"].startswith("ww:u:")
    )
    update = telegram.update_with(callback_query=press(chat, sent, up["callback_data"], f"cb-up-{chat}"))
    assert telegram.post(stack, update, secret="wrong-secret").status_code == 403
    assert telegram.post(stack, update, secret=None).status_code == 403
    assert feedback_of(stack, str(chat)) == []
    # The same button pressed in another chat, and an answer that does not exist.
    elsewhere = telegram.update_with(callback_query=press(other, sent, up["callback_data"], f"cb-x-{other}"))
    assert telegram.post(stack, elsewhere).status_code == 200
    [refused] = fake_api.wait_for(
        "/answerCallbackQuery", 1, lambda b: b.get("callback_query_id") == f"cb-x-{other}"
    )
    assert refused["text"] == "Sorry, I couldn't find that answer."
    ghost = "ww:u:" + FeedbackRefs(SESSION_KEY).issue(str(chat), 42.5)
    assert telegram.post(stack, telegram.update_with(callback_query=press(chat, sent, ghost, "cb-ghost"))).ok
    fake_api.wait_for("/answerCallbackQuery", 1, lambda b: b.get("callback_query_id") == "cb-ghost")
    assert feedback_of(stack, str(chat)) == [] and feedback_of(stack, str(other)) == []
    assert telegram.post(
        stack, telegram.update_with(callback_query=press(chat, sent, up["callback_data"], "cb-ok"))
    )
    assert [r.value for r in feedback_of(stack, str(chat))] == ["up"]
