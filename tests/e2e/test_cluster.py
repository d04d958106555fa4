"""scripts/cluster for real: HAProxy in front of two Rasa servers that share
PostgreSQL (tracker store) and Redis (lock store).

Starts ``scripts/cluster`` itself (install and training are no-ops once done)
on free ports, a temporary var folder and a throwaway PostgreSQL database,
dropped at the end. Without PostgreSQL, Redis or HAProxy these tests skip,
saying which is missing; with ``CI`` set they fail instead.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest
import requests

from common.messages import SERVER_UNAVAILABLE
from tests.helpers.answers import new_sender, normalize, passage_text, reply_text
from tests.helpers.cluster import POSTGRES, Cluster, database_command, kill_server, require, running_cluster
from tests.helpers.running import run_async
from tests.helpers.socketio import ask, open_session

# Two questions whose answers are passages of the walking document.
FIRST = ("does walking help my discs?", "disc-nutrition")
SECOND = ("should I walk during a flare-up?", "note-1")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    require()
    database = f"walkwise_test_{uuid.uuid4().hex[:12]}"
    database_url = f"postgresql://postgres@{POSTGRES[0]}:{POSTGRES[1]}/{database}"
    try:
        with running_cluster(Path(tmp_path_factory.mktemp("cluster")), database_url) as running:
            yield running
    finally:
        database_command(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def test_the_database_was_created_and_the_balancer_reports_its_health(cluster):
    assert "created the database" in (cluster.var / "log" / "cluster-supervision.log").read_text()
    assert requests.get(f"{cluster.url}/balancer-health", timeout=5).ok
    assert cluster.events("nobody-yet") == []


def test_a_conversation_through_the_balancer_is_stored_in_postgresql(cluster):
    sender = new_sender()
    for text, passage in (FIRST, SECOND):
        assert passage_text(passage) in reply_text(cluster.ask(sender, text))
    users = [data["text"] for kind, data in cluster.events(sender) if kind == "user"]
    assert users == [FIRST[0], SECOND[0]]


def test_rest_turns_are_spread_over_both_servers(cluster):
    def served() -> dict[str, int]:
        counts = {}
        for line in cluster.balancer_stat("show stat").splitlines():
            fields = line.split(",")
            if len(fields) > 7 and fields[0] == "rasa" and fields[1].startswith("rasa-"):
                counts[fields[1]] = int(fields[7])  # stot: sessions sent to the server
        return counts

    def both_up() -> bool:
        rows = [line.split(",") for line in cluster.balancer_stat("show stat").splitlines()]
        servers = [f for f in rows if len(f) > 17 and f[0] == "rasa" and f[1].startswith("rasa-")]
        return len(servers) == 2 and all(f[17] == "UP" for f in servers)  # status

    deadline = time.monotonic() + 60
    while not both_up() and time.monotonic() < deadline:
        time.sleep(0.5)
    before = served()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: cluster.ask(new_sender(), "hello"), range(8)))
    after = served()
    assert len(after) == 2 and all(after[name] > before.get(name, 0) for name in after), (before, after)


def _pair_at_once(cluster: Cluster, sender: str, ports: tuple[int, int]) -> tuple[list[dict], list[dict]]:
    """The first question to one server and, 50 ms later (while the first is
    still being answered), the second to the other."""
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(cluster.ask, sender, FIRST[0], port=ports[0])
        time.sleep(0.05)
        second = pool.submit(cluster.ask, sender, SECOND[0], port=ports[1])
        return first.result(), second.result()


def test_two_messages_of_one_conversation_at_two_servers_are_handled_in_order(cluster):
    senders = [new_sender() for _ in range(3)]
    for index, sender in enumerate(senders):
        ports = cluster.rasa_ports if index % 2 == 0 else cluster.rasa_ports[::-1]
        first, second = _pair_at_once(cluster, sender, ports)
        # Each got its own answer, exactly once.
        assert passage_text(FIRST[1]) in reply_text(first)
        assert passage_text(SECOND[1]) not in reply_text(first)
        assert passage_text(SECOND[1]) in reply_text(second)
        assert passage_text(FIRST[1]) not in reply_text(second)

    for sender in senders:
        events = cluster.events(sender)
        kinds = [kind for kind, _ in events]
        users = [i for i, (kind, _) in enumerate(events) if kind == "user"]
        assert [events[i][1]["text"] for i in users] == [FIRST[0], SECOND[0]]
        assert kinds.count("session_started") == 1
        # The first turn ended (its answer, then listening) before the second began.
        between = events[users[0] + 1 : users[1]]
        said = normalize(" ".join(data.get("text") or "" for kind, data in between if kind == "bot"))
        assert passage_text(FIRST[1]) in said
        assert between[-1][0] == "action" and between[-1][1]["name"] == "action_listen"
        after = normalize(
            " ".join(data.get("text") or "" for kind, data in events[users[1] :] if kind == "bot")
        )
        assert passage_text(SECOND[1]) in after and passage_text(FIRST[1]) not in after
        assert events[-1][1].get("name") == "action_listen"
        # No event twice (each has its own timestamp).
        stamps = [(kind, data.get("timestamp")) for kind, data in events]
        assert len(stamps) == len(set(stamps))


def _turn_is_whole(events: list, start: int, passage: str, other: str) -> bool:
    """The events of the turn that begins at ``start`` (a user event): its own
    answer, not the other's, then listening, before anything else begins."""
    end = next((i for i in range(start + 1, len(events)) if events[i][0] == "user"), len(events))
    turn = events[start + 1 : end]
    said = normalize(" ".join(data.get("text") or "" for kind, data in turn if kind == "bot"))
    listening = turn and turn[-1][0] == "action" and turn[-1][1].get("name") == "action_listen"
    return bool(listening) and passage_text(passage) in said and passage_text(other) not in said


def test_fifty_conversations_alternating_between_the_servers_lose_and_repeat_nothing(cluster):
    """50 conversations of 10 turns, ten at a time, each turn sent straight to
    the other server than the turn before; in every fifth conversation turns 5
    and 6 reach both servers at the same moment. Every message gets exactly
    one answer, its own; PostgreSQL holds every message once, each turn's
    events whole and in the order the conversation had them."""
    questions = [FIRST, SECOND]  # even turns ask the first, odd turns the second
    senders = [new_sender() for _ in range(50)]
    together = {index for index in range(50) if index % 5 == 0}

    def converse(index: int) -> list[tuple[int, list[dict]]]:
        sender, replies = senders[index], []
        turn = 0
        while turn < 10:
            port = cluster.rasa_ports[(index + turn) % 2]
            if index in together and turn == 4:
                with ThreadPoolExecutor(2) as pool:
                    first = pool.submit(cluster.ask, sender, questions[0][0], port=cluster.rasa_ports[0])
                    second = pool.submit(cluster.ask, sender, questions[1][0], port=cluster.rasa_ports[1])
                    replies += [(4, first.result()), (5, second.result())]
                turn += 2
                continue
            replies.append((turn, cluster.ask(sender, questions[turn % 2][0], port=port)))
            turn += 1
        return replies

    with ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(converse, range(50)))

    for index, replies in enumerate(outcomes):
        assert len(replies) == 10
        for turn, reply in replies:
            own, other = questions[turn % 2][1], questions[(turn + 1) % 2][1]
            said = reply_text(reply)
            assert passage_text(own) in said and passage_text(other) not in said, (index, turn, said)
        events = cluster.events(senders[index])
        users = [i for i, (kind, _) in enumerate(events) if kind == "user"]
        texts = [events[i][1]["text"] for i in users]
        expected = [questions[turn % 2][0] for turn in range(10)]
        if index in together:  # the pair sent at once may be stored either way round
            assert texts[:4] + texts[6:] == expected[:4] + expected[6:]
            assert sorted(texts[4:6]) == sorted(expected[4:6])
        else:
            assert texts == expected
        for i in users:
            mine = FIRST if events[i][1]["text"] == FIRST[0] else SECOND
            other = SECOND if mine is FIRST else FIRST
            assert _turn_is_whole(events, i, mine[1], other[1]), (index, i)
        assert [kind for kind, _ in events].count("session_started") == 1
        stamps = [(kind, data.get("timestamp")) for kind, data in events]
        assert len(stamps) == len(set(stamps)), f"conversation {index}: an event stored twice"


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_a_socketio_session_through_the_balancer_gets_its_replies(cluster, transport):
    balancer = SimpleNamespace(url=cluster.url)

    async def run():
        client, events, session = await open_session(balancer, transports=(transport,))
        try:
            first = await ask(client, events, FIRST[0])
            second = await ask(client, events, SECOND[0])
        finally:
            await client.disconnect()
        return session, first, second

    session, first, second = run_async(run())
    assert passage_text(FIRST[1]) in reply_text(first)
    assert passage_text(SECOND[1]) in reply_text(second)
    users = [data["text"] for kind, data in cluster.events(session) if kind == "user"]
    assert users == [FIRST[0], SECOND[0]]


def test_with_one_rasa_server_killed_the_balancer_answers_through_the_other(cluster):
    # Last in this module: the killed server is restarted by supervisord,
    # which takes a while.
    sender = new_sender()
    assert passage_text(FIRST[1]) in reply_text(cluster.ask(sender, FIRST[0]))
    # A message that reaches a server while it dies gets the balancer's
    # apology; once it is gone, every message goes to the other one.
    kill_server(cluster.rasa_ports[0])

    started = time.monotonic()
    for _ in range(6):
        replies = cluster.ask(new_sender(), "hello")
        assert replies and SERVER_UNAVAILABLE not in reply_text(replies)
    assert passage_text(SECOND[1]) in reply_text(cluster.ask(sender, SECOND[0]))
    assert time.monotonic() - started < 30
    users = [data["text"] for kind, data in cluster.events(sender) if kind == "user"]
    assert users == [FIRST[0], SECOND[0]]
