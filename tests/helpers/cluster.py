"""scripts/cluster started for a test: HAProxy in front of two Rasa servers
that share PostgreSQL (tracker store) and Redis (lock store), on free ports
and a temporary var folder."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from tests.conftest import ROOT
from tests.helpers.socketio import ORIGIN
from tests.helpers.stack import free_port, stored_events_at

POSTGRES = ("127.0.0.1", 5432)
REDIS = ("127.0.0.1", 6379)


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

    def ask(self, sender: str, text: Any, timeout: float = 60, port: int | None = None) -> list[dict]:
        url = f"http://127.0.0.1:{port}" if port else self.url
        response = requests.post(
            f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=timeout
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


def require() -> None:
    """Skips (fails under CI) when the machine lacks what the cluster needs."""
    reason = missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"the cluster tests need it: {reason}")
        pytest.skip(reason)


@contextmanager
def running_cluster(var: Path, database_url: str, redis_db: int = 1) -> Iterator[Cluster]:
    """scripts/cluster against ``database_url`` (created by the script if
    missing), stopped at the end."""
    balancer_port, rasa_ports = free_port(), (free_port(), free_port())
    env = dict(os.environ)
    env.update(
        WALKWISE_VAR_DIR=str(var),
        WALKWISE_TRACKER_DB_URL=database_url,
        WALKWISE_REDIS_URL=f"redis://{REDIS[0]}:{REDIS[1]}/{redis_db}",
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


def pid_on(port: int) -> int:
    found = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    for field in found.split("pid=")[1:]:
        return int(field.split(",")[0])
    raise AssertionError(f"nothing listens on {port}: {found!r}")


def kill_server(port: int) -> None:
    """Kills the Rasa server on ``port`` (SIGKILL) and waits until it is gone."""
    pid = pid_on(port)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while Path(f"/proc/{pid}").exists():
        assert time.monotonic() < deadline, "the killed server did not go away"
        time.sleep(0.05)
