"""Turn speed: WalkWise's full stack beside Rasa's starter configuration, in one run.

    PYTHONPATH=. .venv/bin/python -m benchmarks.turn_speed [--quick] [--train]   # make turn-speed

Starts everything it needs on free ports, measures, stops it all, prints a
table and writes it to ``benchmarks/results/turn_speed.md``:

* **WalkWise**: the Rasa server as ``scripts/run`` runs it (``python -m
  server``, the tracker store ``endpoints.yml`` names on SQLite, in-memory
  lock store) with the action server;
* **baseline**: the same training data (``domain.yml``, ``data/``) trained
  with the ``config.yml`` that ``rasa init`` writes
  (``benchmarks/rasa_init_config.yml``), served by stock ``rasa run`` with
  the in-memory tracker store and no action server (its custom actions fail
  at once, as in a starter bot without one). It is trained once into
  ``models/baseline-rasa-init-<hash of its inputs>/``;
* **cluster**: ``scripts/cluster``'s layout (server/supervision.py): HAProxy
  in front of two WalkWise Rasa servers, PostgreSQL tracker store (a
  throwaway database, dropped at the end), Redis lock store. Left out, with
  a note, when PostgreSQL, Redis or HAProxy is missing.

Rounds alternate between the systems; every conversation is 10 REST turns in
a conversation of its own. The sender rate limit is off
(``WALKWISE_RATE_LIMIT=0``): the benchmark sends faster than a person. Rasa's
HTTP API is on (with a JWT) on WalkWise and the baseline for the NLU parse
row. ``--train`` also times training both from scratch (an empty Rasa cache,
into a temporary folder; the shipped model is not touched), which takes
several minutes; without it the training row gives the baseline's recorded
time only. ``--quick`` shrinks every count for a check that it works.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

import aiohttp
import yaml

from common import paths, settings

ROOT = paths.ROOT
BASELINE_CONFIG = ROOT / "benchmarks" / "rasa_init_config.yml"
RESULTS = ROOT / "benchmarks" / "results" / "turn_speed.md"
PYTHON = sys.executable

# One conversation: ten ordinary turns (no red flag, no triage question).
TURNS = (
    "hello",
    "Does walking help my lower back pain?",
    "what shoes should i wear for walking",
    "Can walking strengthen my back muscles?",
    "How many steps a day should I walk?",
    "Is walking good for my posture?",
    "should I walk on soft ground or hard ground",
    "does walking help my mood",
    "how does walking help blood flow to the spine",
    "thanks, that helps",
)
# For the NLU parse row.
PARSE_TEXTS = TURNS + (
    "is walking better than resting when my back hurts",
    "can i walk if my back is stiff in the morning",
    "what should i know before i start walking",
    "hi there",
)


@dataclass
class Counts:
    rounds: int = 4
    single_conversations: int = 10  # per round, 1 client
    concurrent_conversations: int = 3  # per client per round, 10 clients
    clients: int = 10
    parse_messages: int = 200
    long_turns: int = 100
    memory_first: int = 1000
    memory_more: int = 5000

    @classmethod
    def quick(cls) -> "Counts":
        return cls(
            rounds=2,
            single_conversations=3,
            concurrent_conversations=1,
            parse_messages=40,
            memory_first=200,
            memory_more=500,
        )


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def base_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(ROOT),
        TF_CPP_MIN_LOG_LEVEL="2",
        RASA_TELEMETRY_ENABLED="false",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
    )
    env.update(extra)
    return env


def jwt_token(secret: str) -> str:
    import jwt

    payload = {"user": {"username": "benchmark", "role": "admin"}, "exp": int(time.time()) + 6 * 3600}
    return str(jwt.encode(payload, secret, algorithm="HS256"))


# --- the systems ---------------------------------------------------------


@dataclass
class System:
    """A running system: where to send messages, its processes and what was sent."""

    name: str
    url: str
    workdir: Path
    pids: dict[str, int] = field(default_factory=dict)
    processes: list[subprocess.Popen] = field(default_factory=list)
    sent: int = 0
    cold_start: float = float("nan")
    token: Optional[str] = None
    teardown: list[Callable[[], None]] = field(default_factory=list)
    # Resident memory (MB) of each process, read when ``sent`` reaches a count.
    watch: set[int] = field(default_factory=set)
    memory: dict[int, dict[str, float]] = field(default_factory=dict)

    def count_message(self) -> None:
        self.sent += 1
        if self.sent in self.watch:
            self.memory[self.sent] = {name: rss_mb(pid) for name, pid in self.pids.items()}

    def launch(
        self, name: str, command: list[str], env: dict[str, str], cwd: Path = ROOT
    ) -> subprocess.Popen:
        log = (self.workdir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append(process)
        self.pids[name] = process.pid
        return process

    def wait_first_answer(self, started: float, seconds: float = 300) -> None:
        import requests

        deadline = started + seconds
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{self.name}: {process.args!r} exited; logs in {self.workdir}")
            try:
                reply = requests.post(
                    f"{self.url}/webhooks/rest/webhook",
                    json={"sender": f"cold-{uuid.uuid4().hex}", "message": "hello"},
                    timeout=30,
                )
                if reply.ok and reply.json():
                    self.cold_start = time.monotonic() - started
                    self.count_message()
                    return
            except requests.RequestException:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"{self.name} gave no answer in {seconds:.0f}s; logs in {self.workdir}")

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for step in self.teardown:
            step()


@contextmanager
def stopped_on_failure(system: System) -> Iterator[None]:
    try:
        yield
    except BaseException:
        system.stop()
        raise


def ingest(env: dict[str, str]) -> None:
    done = subprocess.run(
        [PYTHON, "-m", "guidance.ingest"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"guidance ingestion failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def start_walkwise(workdir: Path, jwt_secret: str) -> System:
    workdir.mkdir(parents=True, exist_ok=True)
    port, action_port = free_port(), free_port()
    env = base_env(
        WALKWISE_GUIDANCE_DB_URL=f"sqlite:///{workdir / 'guidance.db'}",
        WALKWISE_VAR_DIR=str(workdir),
        WALKWISE_RATE_LIMIT="0",
        WALKWISE_HTTP_API="1",
        WALKWISE_JWT_SECRET=jwt_secret,
    )
    ingest(env)
    # endpoints.yml as scripts/run writes it: the shipped tracker store, on SQLite in workdir.
    from server import supervision

    layout = supervision.Layout(
        rasa_port=port, action_port=action_port, widget_port=0, var=workdir, model=paths.MODEL, python=PYTHON
    )
    endpoints = supervision.endpoints(layout)
    (workdir / "endpoints.yml").write_text(yaml.safe_dump(endpoints, sort_keys=False))
    system = System("WalkWise", f"http://127.0.0.1:{port}", workdir, token=jwt_token(jwt_secret))
    started = time.monotonic()
    system.launch(
        "action server",
        [PYTHON, "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)],
        env | {"SANIC_HOST": "127.0.0.1"},
    )
    system.launch(
        "Rasa server",
        [PYTHON, "-m", "server", "run", "--model", str(paths.MODEL), "--port", str(port)]
        + ["--interface", "127.0.0.1", "--endpoints", str(workdir / "endpoints.yml")]
        + ["--credentials", str(ROOT / "credentials.yml"), "--enable-api"],  # JWT: server/http_api.py
        env,
    )
    with stopped_on_failure(system):
        system.wait_first_answer(started)
        wait_for([f"http://127.0.0.1:{action_port}/health"])
    return system


def baseline_inputs_hash() -> str:
    digest = hashlib.sha256()
    import rasa

    digest.update(rasa.__version__.encode())
    for path in [BASELINE_CONFIG, ROOT / "domain.yml", *sorted((ROOT / "data").glob("*.yml"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def train_baseline(out: Path, cache: Path) -> float:
    """Trains the baseline into ``out`` (an empty Rasa cache): seconds taken."""
    out.mkdir(parents=True, exist_ok=True)
    # Rasa writes the default pipeline back into a config file it trains
    # from: train from a copy, so benchmarks/ stays as rasa init wrote it.
    config = out / "config.yml"
    shutil.copy(BASELINE_CONFIG, config)
    started = time.monotonic()
    done = subprocess.run(
        [PYTHON, "-m", "rasa", "train", "--config", str(config), "--domain", str(ROOT / "domain.yml")]
        + ["--data", str(ROOT / "data"), "--out", str(out), "--fixed-model-name", "baseline"],
        cwd=out,
        env=base_env(RASA_CACHE_DIRECTORY=str(cache)),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"baseline training failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return time.monotonic() - started


def baseline_model() -> tuple[Path, float, Optional[float]]:
    """The cached baseline model (trained now if missing) and its training seconds."""
    folder = ROOT / "models" / f"baseline-rasa-init-{baseline_inputs_hash()}"
    model, record = folder / "baseline.tar.gz", folder / "training.json"
    if not model.exists():
        print(f"training the baseline once into {folder.relative_to(ROOT)} ...", flush=True)
        with tempfile.TemporaryDirectory() as cache:
            seconds = train_baseline(folder, Path(cache))
        when = datetime.now(timezone.utc).isoformat()
        record.write_text(json.dumps({"seconds": seconds, "at": when, "load": os.getloadavg()[0]}))
    recorded = json.loads(record.read_text())
    return model, recorded["seconds"], recorded.get("load")


def start_baseline(workdir: Path, model: Path, jwt_secret: str) -> System:
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (workdir / "endpoints.yml").write_text("# in-memory tracker store and lock store, no action server\n")
    (workdir / "credentials.yml").write_text("rest:\n")
    system = System("baseline", f"http://127.0.0.1:{port}", workdir, token=jwt_token(jwt_secret))
    started = time.monotonic()
    system.launch(
        "Rasa server",
        [PYTHON, "-m", "rasa", "run", "--model", str(model), "--port", str(port), "--interface", "127.0.0.1"]
        + ["--endpoints", str(workdir / "endpoints.yml"), "--credentials", str(workdir / "credentials.yml")]
        + ["--enable-api", "--jwt-secret", jwt_secret],
        base_env(),
        cwd=workdir,
    )
    with stopped_on_failure(system):
        system.wait_first_answer(started)
    return system


def cluster_missing() -> Optional[str]:
    """Why the cluster cannot run here, or None."""
    import socket

    if not shutil.which("haproxy"):
        return "HAProxy is not installed (scripts/install-browser installs it)"
    for name, port in (("PostgreSQL", 5432), ("Redis", 6379)):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        except OSError:
            return f"{name} does not answer on 127.0.0.1:{port}"
    return None


def start_cluster(workdir: Path) -> System:
    from server import supervision

    workdir.mkdir(parents=True, exist_ok=True)
    database = f"walkwise_bench_{os.getpid()}"
    server_url = settings.value("WALKWISE_TRACKER_DB_URL") or supervision.DEFAULT_TRACKER_DB_URL
    db_url = server_url.rsplit("/", 1)[0] + f"/{database}"
    layout = supervision.Layout(
        rasa_port=free_port(),
        action_port=free_port(),
        widget_port=free_port(),
        var=workdir,
        model=paths.MODEL,
        python=PYTHON,
    )
    cluster = supervision.ClusterLayout(
        base=layout,
        balancer_port=free_port(),
        rasa_ports=(free_port(), free_port()),
        tracker_db_url=db_url,
        redis_url=settings.value("WALKWISE_REDIS_URL"),
        balancer_host="127.0.0.1",
    )
    env = base_env(
        WALKWISE_GUIDANCE_DB_URL=f"sqlite:///{workdir / 'guidance.db'}",
        WALKWISE_RATE_LIMIT="0",
        WALKWISE_TRACKER_DB_URL=db_url,
        WALKWISE_VAR_DIR=str(workdir),
    )
    ingest(env)
    system = System("cluster", f"http://127.0.0.1:{cluster.balancer_port}", workdir)
    system.teardown.append(lambda: drop_database(db_url))
    started = time.monotonic()
    with stopped_on_failure(system):
        config = supervision.write_cluster(cluster)
        system.launch("supervisord", [str(Path(PYTHON).parent / "supervisord"), "-n", "-c", str(config)], env)
        system.wait_first_answer(started)
        wait_for(f"http://127.0.0.1:{port}/" for port in cluster.rasa_ports)  # both, before measuring
    return system


def wait_for(urls: Iterable[str], seconds: float = 300) -> None:
    import requests

    deadline = time.monotonic() + seconds
    for url in urls:
        while True:
            try:
                if requests.get(url, timeout=5).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer in {seconds:.0f}s")
            time.sleep(0.5)


def drop_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    finally:
        engine.dispose()


# --- load ------------------------------------------------------------------


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def turns(self) -> int:
        return len(self.latencies) + self.errors

    def add(self, other: "Run") -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        self.seconds += other.seconds


async def turn(session: aiohttp.ClientSession, system: System, sender: str, text: str, run: Run) -> None:
    started = time.perf_counter()
    try:
        async with session.post(
            f"{system.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
        ) as reply:
            await reply.read()
            ok = reply.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError):
        ok = False
    system.count_message()
    if ok:
        run.latencies.append(time.perf_counter() - started)
    else:
        run.errors += 1


async def conversations(system: System, clients: int, per_client: int, turns: tuple[str, ...] = TURNS) -> Run:
    run = Run()
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:

        async def client() -> None:
            for _ in range(per_client):
                sender = f"bench-{uuid.uuid4().hex}"
                for text in turns:
                    await turn(session, system, sender, text, run)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        run.seconds = time.perf_counter() - started
    return run


async def long_conversation(system: System, turns: int) -> list[float]:
    run = Run()
    sender = f"bench-long-{uuid.uuid4().hex}"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        for index in range(turns):
            await turn(session, system, sender, TURNS[1 + index % (len(TURNS) - 2)], run)
    if run.errors:
        raise RuntimeError(f"{system.name}: {run.errors} errors in the long conversation")
    return run.latencies


async def parse_times(system: System, messages: int) -> list[float]:
    times = []
    headers = {"Authorization": f"Bearer {system.token}"}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60), headers=headers) as session:
        for index in range(messages):
            started = time.perf_counter()
            async with session.post(
                f"{system.url}/model/parse", json={"text": PARSE_TEXTS[index % len(PARSE_TEXTS)]}
            ) as reply:
                await reply.read()
                if reply.status != 200:
                    raise RuntimeError(f"{system.name}: /model/parse answered {reply.status}")
            times.append(time.perf_counter() - started)
    return times


def alternate(systems: list[System], measure: Callable[[System], Run], rounds: int) -> dict[str, Run]:
    """``rounds`` rounds, the order reversed every other round (A B, B A, ...)."""
    totals = {system.name: Run() for system in systems}
    for index in range(rounds):
        for system in systems if index % 2 == 0 else list(reversed(systems)):
            totals[system.name].add(measure(system))
    return totals


def top_up(system: System, total: int, clients: int) -> None:
    """Sends conversations until ``system`` has had ``total`` messages."""
    missing = total - system.sent
    if missing > 0:
        per_client = max(1, -(-missing // (clients * len(TURNS))))
        asyncio.run(conversations(system, clients, per_client))


def train_walkwise(folder: Path) -> float:
    started = time.monotonic()
    done = subprocess.run(
        [PYTHON, "-m", "server", "train", "--out", str(folder), "--fixed-model-name", "walkwise-bench"],
        cwd=ROOT,
        env=base_env(RASA_CACHE_DIRECTORY=str(folder / "cache")),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"training failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return time.monotonic() - started


# --- the table --------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def ms(value: float) -> str:
    return "–" if value != value else f"{value * 1000:.1f} ms"


def ratio(ours: float, theirs: float) -> str:
    if ours != ours or theirs != theirs or not theirs:
        return "–"
    return f"{ours / theirs:.2f}×"


def per_second(run: Run) -> float:
    return len(run.latencies) / run.seconds if run.seconds else float("nan")


@dataclass
class Table:
    rows: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, measure: str, ours: str, theirs: str, compared: str = "", target: str = "") -> None:
        self.rows.append((measure, ours, theirs, compared, target))

    def latency_rows(self, label: str, ours: Run, theirs: Run, p95_target: str = "") -> None:
        for name, share in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
            mine, base = percentile(ours.latencies, share), percentile(theirs.latencies, share)
            target = "ratio ≤ 1.0" if name == "p50" and label == "1 client" else ""
            if name == "p95" and p95_target:
                target = p95_target
            self.add(f"{name} per turn, {label}", ms(mine), ms(base), ratio(mine, base), target)
        mine_rate, base_rate = per_second(ours), per_second(theirs)
        self.add(f"messages/s, {label}", f"{mine_rate:.1f}", f"{base_rate:.1f}", ratio(mine_rate, base_rate))
        self.add(
            f"errors, {label} (of turns)",
            f"{ours.errors} / {ours.turns}",
            f"{theirs.errors} / {theirs.turns}",
        )

    def markdown(self) -> str:
        lines = [
            "| measure | WalkWise | `rasa init` config | WalkWise ÷ baseline | target |",
            "|---|---|---|---|---|",
        ]
        lines += [f"| {' | '.join(row)} |" for row in self.rows]
        return "\n".join(lines)


def cached_note(load: Optional[float]) -> str:
    if load is None:
        return " (when it was cached, on a busy machine)"
    return f" (when it was cached, load average {load:.1f})"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"load average {load[0]:.1f} at the start"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts: a check that it works")
    parser.add_argument("--train", action="store_true", help="also time training both from scratch")
    parser.add_argument("--memory-first", type=int, help="messages before the first memory reading (1000)")
    parser.add_argument("--memory-more", type=int, help="messages after it, for the growth (5000)")
    parser.add_argument("--rounds", type=int, help="alternating rounds (4; quick 2)")
    parser.add_argument("--no-cluster", action="store_true", help="leave out the balancer row")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    counts = Counts.quick() if args.quick else Counts()
    counts.memory_first = args.memory_first or counts.memory_first
    counts.memory_more = args.memory_more or counts.memory_more
    counts.rounds = args.rounds or counts.rounds
    if not paths.MODEL.exists():
        print("no trained model: run scripts/train first", file=sys.stderr)
        return 1
    began, where = time.monotonic(), machine()
    table = Table()
    model, baseline_training, training_load = baseline_model()
    work = Path(tempfile.mkdtemp(prefix="walkwise-turn-speed-"))
    secret = secrets.token_hex(24)
    systems: list[System] = []
    try:
        print("starting WalkWise, then the baseline, then the cluster (one at a time) ...", flush=True)
        ours = start_walkwise(work / "walkwise", secret)
        systems.append(ours)
        theirs = start_baseline(work / "baseline", model, secret)
        systems.append(theirs)
        last_reading = counts.memory_first + counts.memory_more
        for system in (ours, theirs):
            system.watch = {counts.memory_first, last_reading}
        missing = "left out (--no-cluster)" if args.no_cluster else cluster_missing()
        cluster = None
        if missing is None:
            cluster = start_cluster(work / "cluster")
            systems.append(cluster)
        pair = [ours, theirs]

        print("NLU parse ...", flush=True)
        parse: dict[str, list[float]] = {s.name: [] for s in pair}
        for index in range(counts.rounds):
            for system in pair if index % 2 == 0 else pair[::-1]:
                parse[system.name] += asyncio.run(parse_times(system, counts.parse_messages // counts.rounds))

        print("1 client ...", flush=True)
        single = alternate(
            pair, lambda s: asyncio.run(conversations(s, 1, counts.single_conversations)), counts.rounds
        )
        print(f"{counts.clients} clients ...", flush=True)
        both = systems if cluster else pair
        many = alternate(
            both,
            lambda s: asyncio.run(conversations(s, counts.clients, counts.concurrent_conversations)),
            counts.rounds,
        )

        print("long conversations ...", flush=True)
        long = {s.name: asyncio.run(long_conversation(s, counts.long_turns)) for s in both}

        print("memory ...", flush=True)
        memory: dict[str, dict[str, tuple[float, float]]] = {}
        for system in pair:
            top_up(system, counts.memory_first + counts.memory_more, counts.clients)
            before, after = system.memory[counts.memory_first], system.memory[last_reading]
            memory[system.name] = {name: (before[name], after[name]) for name in system.pids}
    finally:
        for system in systems:
            system.stop()
        shutil.rmtree(work, ignore_errors=True)

    training: tuple[float, float] = (float("nan"), baseline_training)
    if args.train:
        print("training both from scratch ...", flush=True)
        with tempfile.TemporaryDirectory() as folder:
            mine = train_walkwise(Path(folder) / "walkwise")
            base = train_baseline(Path(folder) / "baseline", Path(folder) / "baseline-cache")
        training = (mine, base)

    table.latency_rows("1 client", single[ours.name], single[theirs.name], "≤ 60 ms (WalkWise)")
    table.latency_rows(f"{counts.clients} clients", many[ours.name], many[theirs.name])
    if cluster:
        through = many[cluster.name]
        rate = per_second(through)
        table.add(
            f"messages/s, {counts.clients} clients, balancer + 2 servers (PostgreSQL, Redis)",
            f"{rate:.1f}",
            f"{per_second(many[theirs.name]):.1f} (1 server)",
            ratio(rate, per_second(many[theirs.name])),
            "≥ 1.8×",
        )
        table.add(
            f"p50 / p95 per turn, {counts.clients} clients, balancer",
            f"{ms(percentile(through.latencies, 0.5))} / {ms(percentile(through.latencies, 0.95))}",
            "",
        )
        table.add("errors through the balancer", f"{through.errors} / {through.turns}", "")
    else:
        table.notes.append(f"The balancer row is missing: {missing}.")
    mine_parse, base_parse = parse[ours.name], parse[theirs.name]
    for name, share in (("p50", 0.5), ("p95", 0.95)):
        a, b = percentile(mine_parse, share), percentile(base_parse, share)
        table.add(f"NLU parse alone (/model/parse), {name}", ms(a), ms(b), ratio(a, b))
    for system in both:
        times = long[system.name]
        first, last = statistics.median(times[:10]), statistics.median(times[-10:])
        label = {ours.name: "WalkWise (SQLite)", theirs.name: "baseline (in memory)"}.get(
            system.name, "cluster (PostgreSQL, via balancer)"
        )
        table.add(
            f"turns {len(times) - 9}–{len(times)} ÷ turns 1–10 (median), {label}",
            f"{ms(last)} ÷ {ms(first)}" if system is not theirs else "",
            f"{ms(last)} ÷ {ms(first)}" if system is theirs else "",
            ratio(last, first),
            "≤ 1.25×" if system is not theirs else "",
        )
    table.add(
        "cold start to the first answer (trained model)",
        f"{ours.cold_start:.1f} s",
        f"{theirs.cold_start:.1f} s",
        ratio(ours.cold_start, theirs.cold_start),
        "≤ 15 s",
    )
    if cluster:
        table.add("cold start, cluster (2 servers, balancer)", f"{cluster.cold_start:.1f} s", "")
    m1, m2 = counts.memory_first, counts.memory_more
    for process in ours.pids:
        first_ours, last_ours = memory[ours.name][process]
        base_pair = memory[theirs.name].get(process)
        table.add(
            f"resident memory after {m1:,} messages, {process}",
            f"{first_ours:.0f} MB",
            f"{base_pair[0]:.0f} MB" if base_pair else "(none)",
            ratio(first_ours, base_pair[0]) if base_pair else "",
            "≤ 600 MB" if process == "Rasa server" else "",
        )
        table.add(
            f"growth over the next {m2:,} messages, {process}",
            f"{last_ours - first_ours:+.0f} MB",
            f"{base_pair[1] - base_pair[0]:+.0f} MB" if base_pair else "",
        )
    table.add(
        "training from scratch",
        f"{training[0]:.0f} s" if training[0] == training[0] else "not measured (--train)",
        f"{training[1]:.0f} s" + ("" if args.train else cached_note(training_load)),
        ratio(*training),
        "≤ 60 s",
    )

    mode = "quick mode (small counts)" if args.quick else "full counts"
    header = (
        f"Turn speed, {datetime.now().strftime('%Y-%m-%d %H:%M')}, {mode}; {where}. "
        f"{counts.rounds} alternating rounds; conversations of {len(TURNS)} REST turns; "
        f"1 client: {counts.rounds * counts.single_conversations} conversations per system; "
        f"{counts.clients} clients: {counts.rounds * counts.clients * counts.concurrent_conversations} "
        f"per system. Took {time.monotonic() - began:.0f} s."
    )
    text = "\n\n".join([header, table.markdown(), *table.notes]) + "\n"
    print()
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
