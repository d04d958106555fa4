"""An action server that accepts the connection and never answers.

The real Rasa server is pointed at a local socket that accepts and stays
silent. The person gets the apology once the call is cut (2 s by default),
the next message of the same conversation is not held behind the hung call
for longer than that, red-flag advice in another conversation does not wait
for it, and every turn is stored, in order. The time bounds leave room for a
loaded CI machine: they check that the call is cut at the configured timeout,
not at stock Rasa's 300 s; `make hung-action` prints the figures.
"""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest

from common.messages import ACTION_UNAVAILABLE
from tests.helpers.answers import EMERGENCY, new_sender, reply_text
from tests.helpers.stack import Stack, stored_user_texts

RED_FLAG = "I've suddenly gone numb around my bum and between my legs and I can't pee"


class SilentServer:
    """Accepts connections and reads what it is sent, but never replies."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_server(("127.0.0.1", port))
        self.connections: list[socket.socket] = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.sock.settimeout(0.5)
        while self.running:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                continue
            self.connections.append(connection)

    def close(self) -> None:
        self.running = False
        for connection in self.connections:
            connection.close()
        self.sock.close()


@pytest.fixture(scope="module")
def hung(tmp_path_factory) -> Iterator[Stack]:
    stack = Stack(Path(tmp_path_factory.mktemp("hung")))
    stack.env.pop("WALKWISE_ACTION_TIMEOUT", None)
    stack.prepare()
    silent = SilentServer(stack.action_port)
    try:
        stack.start_rasa()
        yield stack
    finally:
        stack.stop_all()
        silent.close()


def timed(stack: Stack, sender: str, text: str) -> tuple[list[dict], float]:
    start = time.monotonic()
    replies = stack.ask(sender, text, timeout=30)
    return replies, time.monotonic() - start


def test_a_hung_action_gets_the_apology_within_three_seconds(hung):
    replies, seconds = timed(hung, new_sender(), "does walking help my discs?")
    assert ACTION_UNAVAILABLE in reply_text(replies)
    assert seconds < 5.0


def test_the_next_message_is_not_held_behind_the_hung_call(hung):
    sender = new_sender()
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(timed, hung, sender, "does walking help my discs?")
        time.sleep(0.3)
        second = pool.submit(timed, hung, sender, RED_FLAG)
        (first_replies, _), (second_replies, second_seconds) = first.result(), second.result()
    assert ACTION_UNAVAILABLE in reply_text(first_replies)
    assert EMERGENCY in reply_text(second_replies)
    assert second_seconds < 5.0
    assert stored_user_texts(hung.tracker_db, sender) == ["does walking help my discs?", RED_FLAG]


def test_red_flag_advice_elsewhere_does_not_wait(hung):
    with ThreadPoolExecutor(2) as pool:
        pool.submit(timed, hung, new_sender(), "does walking help my discs?")
        time.sleep(0.2)
        replies, seconds = pool.submit(timed, hung, new_sender(), RED_FLAG).result()
    assert EMERGENCY in reply_text(replies)
    assert seconds < 2.0
