"""Helpers for talking to the running server over socketio, shared by the end-to-end tests."""

import asyncio

import socketio

from tests.helpers.stack import WIDGET_ORIGIN_PORT

ORIGIN = f"http://127.0.0.1:{WIDGET_ORIGIN_PORT}"


async def open_session(stack, session_id=None, origin=ORIGIN, transports=("websocket",)):
    client = socketio.AsyncClient(reconnection=False)
    events: dict[str, asyncio.Queue] = {
        name: asyncio.Queue() for name in ("session_confirm", "bot_uttered", "session_error")
    }
    for name, queue in events.items():
        client.on(name, queue.put)
    await client.connect(
        stack.url,
        headers={"Origin": origin} if origin else {},
        transports=list(transports),
        socketio_path="/socket.io",
        wait_timeout=10,
    )
    await client.emit("session_request", {"session_id": session_id})
    confirmed = await asyncio.wait_for(events["session_confirm"].get(), 10)
    return client, events, confirmed


async def ask(client, events, text, session_id=None):
    await client.emit("user_uttered", {"message": text, "session_id": session_id})
    first = await asyncio.wait_for(events["bot_uttered"].get(), 60)
    replies = [first]
    while True:
        try:
            replies.append(await asyncio.wait_for(events["bot_uttered"].get(), 1.5))
        except asyncio.TimeoutError:
            return replies
