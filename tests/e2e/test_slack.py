"""Slack: signed Events API payloads posted to the running server; the answers
go to a local stand-in for Slack's Web API."""

import json
import time

import pytest
import requests

from tests.helpers.answers import DISCLAIMER, passage_text
from tests.helpers.slack import (
    SETTLE,
    _ids,
    event_payload,
    plain,
    post,
    posted_to,
    sign,
)


def test_a_signed_message_is_answered_with_the_passage_and_disclaimer(stack, fake_api):
    channel = f"D{next(_ids):08d}"
    assert (
        post(stack, event_payload("what shoes should i wear for walking", "U1", channel)).status_code == 200
    )
    [sent] = posted_to(fake_api, channel)
    assert passage_text("note-2") in plain(sent["text"])
    assert DISCLAIMER.replace("’", "'") in plain(sent["text"])
    buttons = sent["blocks"][1]["elements"]
    assert buttons and all(b["value"].startswith("/ask_") for b in buttons)
    assert "thread_ts" not in sent


def test_list_structure_and_bold_survive_in_mrkdwn(stack, fake_api):
    channel = f"D{next(_ids):08d}"
    post(stack, event_payload("how does walking help my back", "U2", channel))
    [sent] = posted_to(fake_api, channel)
    assert "1. *Strengthening Muscles*:" in sent["text"] and "7. *Disc Nutrition*:" in sent["text"]


def test_a_reply_in_a_thread_stays_in_the_thread(stack, fake_api):
    channel = f"C{next(_ids):08d}"
    payload = event_payload(
        "<@U0BOT> should i walk during a flare up", "U3", channel, thread_ts="1699999999.000200"
    )
    payload["event"]["type"] = "app_mention"
    post(stack, payload)
    [sent] = posted_to(fake_api, channel)
    assert sent["thread_ts"] == "1699999999.000200"


def test_a_retry_is_not_answered_twice(stack, fake_api):
    channel = f"D{next(_ids):08d}"
    payload = event_payload("does walking help lower back pain", "U4", channel)
    assert post(stack, payload).status_code == 200
    posted_to(fake_api, channel)
    retry = post(stack, payload, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"})
    assert retry.status_code == 200
    again = post(stack, payload)  # the same event_id without retry headers
    assert again.status_code == 200
    assert len(posted_to(fake_api, channel, count=2, timeout=SETTLE)) == 1


@pytest.mark.parametrize(
    "case",
    ["forged", "stale", "missing-signature", "missing-timestamp", "other-secret"],
)
def test_an_unsigned_or_forged_request_is_rejected(stack, fake_api, case):
    channel = f"D{next(_ids):08d}"
    payload = event_payload("does walking help?", "U5", channel)
    body = json.dumps(payload).encode()
    now = int(time.time())
    if case == "forged":
        response = post(stack, payload, signature="v0=" + "0" * 64)
    elif case == "stale":
        old = now - 6 * 60
        response = post(stack, payload, timestamp=old, signature=sign(body, old))
    elif case == "missing-signature":
        response = requests.post(
            f"{stack.url}/webhooks/slack/webhook",
            data=body,
            timeout=30,
            headers={"Content-Type": "application/json", "X-Slack-Request-Timestamp": str(now)},
        )
    elif case == "missing-timestamp":
        response = requests.post(
            f"{stack.url}/webhooks/slack/webhook",
            data=body,
            timeout=30,
            headers={"Content-Type": "application/json", "X-Slack-Signature": sign(body, now)},
        )
    else:
        response = post(stack, payload, signature=sign(body, now, secret="not-our-secret"))
    assert response.status_code == 400
    assert posted_to(fake_api, channel, timeout=SETTLE) == []


def test_url_verification_needs_a_valid_signature(stack):
    challenge = {
        "token": "x",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }
    assert post(stack, challenge, signature="v0=" + "f" * 64).status_code == 400
    good = post(stack, challenge)
    assert good.status_code == 200 and challenge["challenge"] in good.text


def test_a_red_flag_gets_the_advice_first(stack, fake_api):
    channel = f"D{next(_ids):08d}"
    post(stack, event_payload("i cant feel my legs and my back hurts", "U6", channel))
    [sent] = posted_to(fake_api, channel)
    assert sent["text"].startswith("🚨 Emergency: Call your local emergency number")
    assert "blocks" not in sent


def test_a_triage_question_answered_with_a_typed_yes(stack, fake_api):
    channel = f"D{next(_ids):08d}"
    post(stack, event_payload("I had a fall", "U7", channel))
    [question] = posted_to(fake_api, channel)
    assert question["text"].startswith("Before I answer, one quick safety question.")
    assert [b["value"] for b in question["blocks"][1]["elements"]] == ["/affirm", "/deny"]
    post(stack, event_payload("yes", "U7", channel))
    sent = posted_to(fake_api, channel, count=2)
    assert sent[1]["text"].startswith("🚨 Emergency: Call your local emergency number")
