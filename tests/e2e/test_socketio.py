"""The widget's socket.io channel, with a real socket.io client.

The first test is the smoke test for stock Rasa's missing ``await`` on
``enter_room``: with session persistence, a reply must arrive."""

import asyncio

import pytest
import socketio

from tests.helpers.answers import DISCLAIMER, normalize, passage_text
from tests.helpers.running import run_async
from tests.helpers.socketio import (
    ORIGIN,
    ask,
    open_session,
)


def test_replies_arrive_with_session_persistence(stack):
    async def run():
        client, events, session = await open_session(stack)
        try:
            replies = await ask(client, events, "what shoes should i wear for walking")
        finally:
            await client.disconnect()
        text = normalize(" ".join(r.get("text", "") for r in replies))
        assert passage_text("note-2") in text and normalize(DISCLAIMER) in text
        assert replies[-1].get("quick_replies") or replies[-1].get("buttons")
        return session

    session = run_async(run())
    assert session.count(".") == 1


def test_a_signed_session_survives_a_reconnect(stack):
    async def run():
        client, _, first = await open_session(stack)
        await client.disconnect()
        client, _, second = await open_session(stack, first)
        await client.disconnect()
        return first, second

    first, second = run_async(run())
    assert first == second


@pytest.mark.parametrize("forged", ["e2e-victim-session", "0" * 32 + "." + "0" * 32, ""])
def test_an_id_the_server_did_not_issue_gets_a_new_session(stack, forged):
    async def run():
        client, _, confirmed = await open_session(stack, forged)
        await client.disconnect()
        return confirmed

    assert run_async(run()) != forged


def test_a_client_cannot_write_into_another_session_by_naming_it(stack):
    async def run():
        victim, victim_events, victim_session = await open_session(stack)
        attacker, attacker_events, _ = await open_session(stack)
        try:
            await ask(attacker, attacker_events, "hello", session_id=victim_session)
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(victim_events["bot_uttered"].get(), 2)
        finally:
            await victim.disconnect()
            await attacker.disconnect()

    run_async(run())


def test_a_page_on_another_origin_cannot_connect(stack):
    async def run():
        with pytest.raises(socketio.exceptions.ConnectionError):
            await open_session(stack, origin="https://evil.example")

    run_async(run())


def test_a_message_before_a_session_is_refused(stack):
    async def run():
        client = socketio.AsyncClient(reconnection=False)
        errors: asyncio.Queue = asyncio.Queue()
        client.on("session_error", errors.put)
        await client.connect(stack.url, headers={"Origin": ORIGIN}, transports=["websocket"])
        try:
            await client.emit("user_uttered", {"message": "hello"})
            return await asyncio.wait_for(errors.get(), 10)
        finally:
            await client.disconnect()

    assert "session_request" in run_async(run())["error"]


def test_a_red_flag_gets_the_advice_first(stack):
    async def run():
        client, events, _ = await open_session(stack)
        try:
            return await ask(client, events, "I've lost control of my bowels")
        finally:
            await client.disconnect()

    replies = run_async(run())
    assert replies[0]["text"].startswith("🚨 Emergency: Call your local emergency number")
