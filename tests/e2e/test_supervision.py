"""scripts/run under real faults: the action server is killed, and comes back.

Starts ``scripts/run`` itself (install and training are no-ops once done)
on free ports and a temporary var folder, kills the action server with
SIGKILL, and checks what a person gets meanwhile, that supervisord restarts
it while the Rasa server keeps serving, that every turn is in the database,
and that Ctrl-C stops every process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

from common.messages import ACTION_UNAVAILABLE
from tests.conftest import ROOT
from tests.helpers.answers import EMERGENCY, new_sender, passage_text, reply_text
from tests.helpers.stack import free_port, stored_user_texts

RED_FLAG = "I've suddenly gone numb around my bum and between my legs and I can't pee"


class Running:
    def __init__(self, var: Path) -> None:
        self.var = var
        self.port, self.action_port, self.widget_port = free_port(), free_port(), free_port()
        env = dict(os.environ)
        env.update(
            WALKWISE_PORT=str(self.port),
            WALKWISE_ACTION_PORT=str(self.action_port),
            WALKWISE_WIDGET_PORT=str(self.widget_port),
            WALKWISE_VAR_DIR=str(var),
            WALKWISE_ACTION_TIMEOUT="3",
        )
        env.pop("WALKWISE_GUIDANCE_DB_URL", None)
        self.log = (var / "run.out").open("wb")
        self.process = subprocess.Popen(
            [str(ROOT / "scripts" / "run")],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return (self.var / "run.out").read_text(errors="replace")[-3000:]

    def wait_ready(self, seconds: float = 420) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if "WalkWise is running." in self.output():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"scripts/run exited:\n{self.output()}")
            time.sleep(1)
        raise AssertionError(f"scripts/run was not ready in {seconds}s:\n{self.output()}")

    def ask(self, sender: str, text: str) -> tuple[list[dict], float]:
        start = time.monotonic()
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30
        )
        assert response.status_code == 200, response.text
        return response.json(), time.monotonic() - start

    def pid_on(self, port: int) -> int:
        found = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
        for field in found.split("pid=")[1:]:
            return int(field.split(",")[0])
        raise AssertionError(f"nothing listens on {port}: {found!r}")

    def action_up(self) -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{self.action_port}/health", timeout=1).ok
        except requests.RequestException:
            return False


@pytest.fixture(scope="module")
def running(tmp_path_factory) -> Iterator[Running]:
    run = Running(Path(tmp_path_factory.mktemp("run")))
    try:
        run.wait_ready()
        yield run
    finally:
        if run.process.poll() is None:
            os.killpg(run.process.pid, signal.SIGINT)
            try:
                run.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(run.process.pid, signal.SIGKILL)
        run.log.close()


def test_a_killed_action_server_is_restarted_while_the_rest_keeps_serving(running):
    sender = new_sender()
    replies, _ = running.ask(sender, "does walking help my discs?")
    assert passage_text("disc-nutrition") in reply_text(replies)
    rasa_pid = running.pid_on(running.port)

    os.kill(running.pid_on(running.action_port), signal.SIGKILL)
    deadline = time.monotonic() + 5
    while running.action_up() and time.monotonic() < deadline:
        time.sleep(0.1)

    # While it is away: the apology, fast, and red-flag advice as usual.
    replies, seconds = running.ask(sender, "how does walking help my muscles?")
    assert ACTION_UNAVAILABLE in reply_text(replies)
    assert seconds < 5
    replies, seconds = running.ask(new_sender(), RED_FLAG)
    assert EMERGENCY in reply_text(replies)
    assert seconds < 5

    deadline = time.monotonic() + 60
    while not running.action_up():
        assert time.monotonic() < deadline, "the action server was not restarted within 60 s"
        time.sleep(0.5)
    replies, _ = running.ask(sender, "should I walk during a flare-up?")
    assert passage_text("note-1") in reply_text(replies)
    assert running.pid_on(running.port) == rasa_pid

    assert stored_user_texts(running.var / "conversations.db", sender) == [
        "does walking help my discs?",
        "how does walking help my muscles?",
        "should I walk during a flare-up?",
    ]


def test_ctrl_c_stops_every_process(running):
    ports = [running.port, running.action_port, running.widget_port]
    pids = [running.pid_on(port) for port in ports]
    os.killpg(running.process.pid, signal.SIGINT)
    running.process.wait(timeout=60)
    time.sleep(1)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
