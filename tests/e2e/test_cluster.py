"""scripts/cluster for real: HAProxy in front of two Rasa servers that share
PostgreSQL (tracker store) and Redis (lock store).

Starts ``scripts/cluster`` itself (install and training are no-ops once done)
on free ports, a temporary var folder and a throwaway PostgreSQL database,
dropped at the end. Without PostgreSQL, Redis or HAProxy these tests skip,
saying which is missing; with ``CI`` set they fail instead.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest
import requests

from common.messages import SERVER_UNAVAILABLE
from tests.conftest import ROOT
from tests.helpers.answers import new_sender, normalize, passage_text, reply_text
from tests.helpers.running import run_async
from tests.helpers.socketio import ORIGIN, ask, open_session
from tests.helpers.stack import free_port, stored_events_at

POSTGRES = ("127.0.0.1", 5432)
REDIS = ("127.0.0.1", 6379)
# Two questions whose answers are passages of the walking document.
FIRST = ("does walking help my discs?", "disc-nutrition")
SECOND = ("should I walk during a flare-up?", "note-1")


def _answers(host_port: tuple[str, int], probe: bytes = b"") -> bool:
    try:
        with socket.create_connection(host_port, timeout=2) as connection:
            if probe:
                connection.sendall(probe)
                return connection.recv(16).startswith(b"+PONG")
            return True
    except OSError:
        return False


def missing() -> str | None:
    """What the cluster needs and this machine lacks, or None."""
    from shutil import which

    if not which("haproxy"):
        return "HAProxy is not installed (scripts/install-browser installs it)"
    if not _answers(POSTGRES):
        return "PostgreSQL does not answer on 127.0.0.1:5432"
    if not _answers(REDIS, b"PING\r\n"):
        return "Redis does not answer on 127.0.0.1:6379"
    return None


def database_command(sql: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(
        f"postgresql://postgres@{POSTGRES[0]}:{POSTGRES[1]}/postgres", isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as connection:
            connection.execute(text(sql))
    finally:
        engine.dispose()


@dataclass
class Cluster:
    var: Path
    process: subprocess.Popen
    balancer_port: int
    rasa_ports: tuple[int, int]
    database_url: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.balancer_port}"

    def output(self) -> str:
        return (self.var / "cluster.out").read_text(errors="replace")[-3000:]

    def wait_ready(self, seconds: float = 900) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if "WalkWise is running as a cluster." in self.output():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"scripts/cluster exited:\n{self.output()}")
            time.sleep(1)
        raise AssertionError(f"scripts/cluster was not ready in {seconds}s:\n{self.output()}")

    def ask(self, sender: str, text: str, port: int | None = None) -> list[dict]:
        url = f"http://127.0.0.1:{port}" if port else self.url
        response = requests.post(
            f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
        )
        assert response.status_code == 200, f"{response.text}\nbalancer log:\n{self.balancer_log()}"
        return response.json()

    def balancer_log(self) -> str:
        return (self.var / "log" / "balancer.log").read_text(errors="replace")[-4000:]

    def events(self, sender: str) -> list[tuple[str, dict]]:
        return stored_events_at(self.database_url, sender)

    def balancer_stat(self, command: str) -> str:
        with socket.socket(socket.AF_UNIX) as connection:
            connection.connect(str(self.var / "run" / "cluster-haproxy.sock"))
            connection.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    reason = missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"the cluster tests need it: {reason}")
        pytest.skip(reason)
    var = Path(tmp_path_factory.mktemp("cluster"))
    database = f"walkwise_test_{uuid.uuid4().hex[:12]}"
    database_url = f"postgresql://postgres@{POSTGRES[0]}:{POSTGRES[1]}/{database}"
    balancer_port, rasa_ports = free_port(), (free_port(), free_port())
    env = dict(os.environ)
    env.update(
        WALKWISE_VAR_DIR=str(var),
        WALKWISE_TRACKER_DB_URL=database_url,
        WALKWISE_REDIS_URL=f"redis://{REDIS[0]}:{REDIS[1]}/1",
        WALKWISE_BALANCER_PORT=str(balancer_port),
        WALKWISE_CLUSTER_PORTS=",".join(map(str, rasa_ports)),
        WALKWISE_ACTION_PORT=str(free_port()),
        WALKWISE_WIDGET_PORT=str(free_port()),
        WALKWISE_WIDGET_ORIGINS=ORIGIN,
        WALKWISE_SESSION_SECRET="test-session-secret",
    )
    env.pop("WALKWISE_GUIDANCE_DB_URL", None)
    log = (var / "cluster.out").open("wb")
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "cluster")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    running = Cluster(var, process, balancer_port, rasa_ports, database_url)
    try:
        running.wait_ready()
        yield running
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()
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
        first = pool.submit(cluster.ask, sender, FIRST[0], ports[0])
        time.sleep(0.05)
        second = pool.submit(cluster.ask, sender, SECOND[0], ports[1])
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


def _pid_on(port: int) -> int:
    found = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    for field in found.split("pid=")[1:]:
        return int(field.split(",")[0])
    raise AssertionError(f"nothing listens on {port}: {found!r}")


def test_with_one_rasa_server_killed_the_balancer_answers_through_the_other(cluster):
    # Last in this module: the killed server is restarted by supervisord,
    # which takes a while.
    sender = new_sender()
    assert passage_text(FIRST[1]) in reply_text(cluster.ask(sender, FIRST[0]))
    pid = _pid_on(cluster.rasa_ports[0])
    os.kill(pid, signal.SIGKILL)
    # A message that reaches a server while it dies gets the balancer's
    # apology; once it is gone, every message goes to the other one.
    deadline = time.monotonic() + 20
    while Path(f"/proc/{pid}").exists():
        assert time.monotonic() < deadline, "the killed server did not go away"
        time.sleep(0.05)

    started = time.monotonic()
    for _ in range(6):
        replies = cluster.ask(new_sender(), "hello")
        assert replies and SERVER_UNAVAILABLE not in reply_text(replies)
    assert passage_text(SECOND[1]) in reply_text(cluster.ask(sender, SECOND[0]))
    assert time.monotonic() - started < 30
    users = [data["text"] for kind, data in cluster.events(sender) if kind == "user"]
    assert users == [FIRST[0], SECOND[0]]
