"""The cluster through a PostgreSQL restart, then the loss of a Rasa server.

``scripts/cluster`` (HAProxy, two Rasa servers, Redis lock store) runs against
a PostgreSQL server of the test's own (tests/helpers/postgres.py), so that
stopping it disturbs nothing else on the machine. Conversations go through
the balancer while PostgreSQL is stopped and started again, then while one
Rasa server is killed. Each message gets an answer or, while the database is
down, the apology, promptly; nothing stored is lost, and the turns that got
the apology are stored too, in order, once the database is back.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import requests

from common.messages import SERVER_UNAVAILABLE
from tests.helpers import postgres
from tests.helpers.answers import normalize
from tests.helpers.cluster import Cluster, kill_server, require, running_cluster
from tests.helpers.faults import APOLOGY, QUESTIONS, TURN_SECONDS, Conversation, check_every_turn_stored


@pytest.fixture(scope="module")
def pg() -> Iterator[postgres.PostgresServer]:
    server = postgres.own_server()
    server.start()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="module")
def cluster(pg, tmp_path_factory) -> Iterator[Cluster]:
    require()
    url = pg.url(f"walkwise_cluster_faults_{uuid.uuid4().hex[:8]}")
    with running_cluster(Path(tmp_path_factory.mktemp("cluster-faults")), url, redis_db=2) as running:
        yield running


def ready_everywhere(cluster: Cluster, seconds: float = 30) -> float:
    """Seconds until both Rasa servers say they are ready with nothing left in
    their journals."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        bodies = []
        for port in cluster.rasa_ports:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/ready", timeout=10)
                bodies.append(answer.status_code == 200 and answer.json().get("journal_pending") == 0)
            except requests.RequestException:
                bodies.append(False)
        if all(bodies):
            return time.monotonic() - start
        time.sleep(0.2)
    raise AssertionError(f"the servers were not ready within {seconds}s")


def test_postgres_restart_then_a_lost_server_mid_conversations(pg, cluster):
    conversations = [Conversation(cluster) for _ in range(4)]
    for conversation in conversations:
        conversation.say(QUESTIONS[0])
        conversation.say(QUESTIONS[1])

    try:
        pg.stop()
        for conversation in conversations:
            conversation.say(QUESTIONS[2])
    finally:
        pg.start()
    back_in = ready_everywhere(cluster)
    for conversation in conversations:
        conversation.say(QUESTIONS[3])

    kill_server(cluster.rasa_ports[0])
    for conversation in conversations:
        conversation.say(QUESTIONS[4])
        conversation.say(QUESTIONS[5])

    print(f"[cluster] both servers ready {back_in:.1f}s after PostgreSQL started")
    for conversation in conversations:
        got = ["apology" if reply == APOLOGY else "answer" for _, reply, _ in conversation.seen]
        slowest = max(seconds for _, _, seconds in conversation.seen)
        print(f"[cluster] {conversation.sender[:8]}: {' '.join(got)}; slowest turn {slowest:.2f}s")
        # Database down: the apology, promptly; otherwise an answer, never the
        # balancer's "no server" message, though a server was killed.
        assert got == ["answer", "answer", "apology", "answer", "answer", "answer"]
        assert all(seconds < TURN_SECONDS for _, _, seconds in conversation.seen)
        assert not [r for _, r, _ in conversation.seen if normalize(SERVER_UNAVAILABLE) in r]
        assert check_every_turn_stored(conversation, cluster.events(conversation.sender)) == 0
