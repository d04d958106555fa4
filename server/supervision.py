"""Runs the bot's processes under supervisord, which restarts a crashed one.

    python -m server.supervision            # what scripts/run starts, in the foreground
    python -m server.supervision cluster    # what scripts/cluster starts (deploy/README.md)

The action server, the Rasa server and the widget's demo page run as
supervisord programs. A process that dies is started again (after a crash
within ``startsecs`` of starting, supervisord waits 1 s, 2 s, 3 s... before
each new try); the others keep serving meanwhile, and the Rasa server answers
with a short apology while the action server is away (``server/hardening.py``).
SIGINT or SIGTERM stops every program, then supervisord itself.

Settings, from the environment:

* ``WALKWISE_PORT`` (5005): the Rasa server (REST, socket.io, Slack, Telegram);
* ``WALKWISE_ACTION_PORT`` (5055): the action server, on 127.0.0.1 only;
* ``WALKWISE_WIDGET_PORT`` (8080): the widget's demo page, on 127.0.0.1;
* ``WALKWISE_VAR_DIR`` (``var/``): logs, the run-time configuration and,
  unless ``endpoints.yml`` says otherwise, the SQLite tracker store;
* ``WALKWISE_MODEL`` (``models/walkwise.tar.gz``);
* ``WALKWISE_REVIEW`` (``auto``): the staff review tool (``scripts/review``,
  port ``WALKWISE_REVIEW_PORT``, 8090) runs too when this is ``1``, or, with
  ``auto``, once a staff account exists (``scripts/review add-user``); ``0``
  keeps it off;
* ``WALKWISE_HTTP_API`` (off): Rasa's HTTP API, with ``--enable-api``; it then
  needs ``WALKWISE_JWT_SECRET`` and listens on 127.0.0.1 (``server/__main__.py``).

They are read and checked by ``common/settings.py``: a bad value stops
start-up, naming the variable, before any process starts.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from channels.common import SHARED_IDS_ENV
from common import paths, settings

SettingError = settings.SettingsError


@dataclass(frozen=True)
class Layout:
    rasa_port: int
    action_port: int
    widget_port: int
    var: Path
    model: Path
    python: str
    http_api: bool = False

    @classmethod
    def from_environment(cls) -> "Layout":
        """Raises ``SettingError`` naming each bad setting (all are checked)."""
        configured = settings.load()
        return cls(
            rasa_port=configured.port,
            action_port=configured.action_port,
            widget_port=configured.widget_port,
            var=configured.var_dir,
            model=configured.model,
            python=sys.executable,
            http_api=configured.http_api,
        )

    @property
    def run_dir(self) -> Path:
        return self.var / "run"

    @property
    def log_dir(self) -> Path:
        return self.var / "log"

    @property
    def config_file(self) -> Path:
        return self.run_dir / "supervisord.conf"

    @property
    def endpoints_file(self) -> Path:
        return self.run_dir / "endpoints.yml"


def endpoints(layout: Layout, source: Path = paths.ROOT / "endpoints.yml") -> dict:
    """endpoints.yml with the action server's port and, for the default SQLite
    store, the tracker database under ``layout.var``."""
    config = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    config.setdefault("action_endpoint", {})["url"] = f"http://127.0.0.1:{layout.action_port}/webhook"
    store = config.get("tracker_store") or {}
    if store.get("dialect") == "sqlite" and not Path(str(store.get("db", ""))).is_absolute():
        store["db"] = str(layout.var / Path(str(store["db"])).name)
    return config


def supervisor_quoted(value: str) -> str:
    """A value for a supervisord ``environment=`` line: quoted, and ``%``
    doubled (supervisord expands ``%(name)s``); a double quote cannot be written."""
    if '"' in value:
        raise SettingError(f"a double quote cannot be passed through supervisord: {value!r}")
    return '"' + value.replace("%", "%%") + '"'


def program(
    name: str, command: list[str], layout: Layout, *, environment: str = "", startsecs: int = 5
) -> str:
    lines = [
        f"[program:{name}]",
        f"command={shlex.join(command)}",
        f"directory={paths.ROOT}",
        "autostart=true",
        "autorestart=true",
        f"startsecs={startsecs}",
        "startretries=1000",
        "stopsignal=TERM",
        "stopwaitsecs=20",
        "stopasgroup=true",
        "killasgroup=true",
        f"stdout_logfile={layout.log_dir / (name + '.log')}",
        "stdout_logfile_maxbytes=10MB",
        "redirect_stderr=true",
    ]
    if environment:
        lines.append(f"environment={environment}")
    return "\n".join(lines) + "\n"


def review_configured() -> bool:
    """Whether the review tool should run: asked for, or an account exists."""
    wanted = settings.load().review
    if wanted != "auto":
        return wanted == "on"
    try:
        from sqlalchemy import func, select

        from review import settings as review_settings
        from review.db import engine_for
        from review.tables import users

        with engine_for(review_settings.database_url()).connect() as connection:
            return bool(connection.execute(select(func.count()).select_from(users)).scalar())
    except Exception:  # no review tables yet, or the packages are missing
        return False


def supervisord_header(layout: Layout, prefix: str = "") -> str:
    """supervisord's own sections; ``prefix`` names its files apart (the cluster's)."""
    return "\n".join(
        [
            "[supervisord]",
            "nodaemon=true",
            f"logfile={layout.log_dir / (prefix + 'supervisord.log')}",
            f"pidfile={layout.run_dir / (prefix + 'supervisord.pid')}",
            f"childlogdir={layout.log_dir}",
            "",
            "[unix_http_server]",
            f"file={layout.run_dir / (prefix + 'supervisor.sock')}",
            "chmod=0700",
            "",
            "[rpcinterface:supervisor]",
            "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
            "",
            "[supervisorctl]",
            f"serverurl=unix://{layout.run_dir / (prefix + 'supervisor.sock')}",
            "",
        ]
    )


def rasa_command(layout: Layout, port: int, endpoints_file: Path, *extra: str) -> list[str]:
    return [
        layout.python,
        "-m",
        "server",
        "run",
        "--model",
        str(layout.model),
        "--endpoints",
        str(endpoints_file),
        "--credentials",
        str(paths.ROOT / "credentials.yml"),
        "--port",
        str(port),
        *extra,
    ]


def supervisord_config(layout: Layout, review: bool = False) -> str:
    python = layout.python
    rasa = rasa_command(layout, layout.rasa_port, layout.endpoints_file)
    if layout.http_api:
        rasa.append("--enable-api")  # then on 127.0.0.1 and with a JWT: server/__main__.py
    actions = [python, "-m", "rasa_sdk", "--actions", "actions", "--port", str(layout.action_port)]
    widget = [python, "-m", "http.server", str(layout.widget_port), "--bind", "127.0.0.1"]
    widget += ["--directory", str(paths.ROOT / "widget")]
    return "\n".join(
        [
            supervisord_header(layout),
            program("actions", actions, layout, environment='SANIC_HOST="127.0.0.1"', startsecs=5),
            program("rasa", rasa, layout, startsecs=10),
            program("widget", widget, layout, startsecs=2),
            program("review", [python, "-m", "review"], layout, startsecs=5) if review else "",
        ]
    )


def write(layout: Layout) -> Path:
    layout.run_dir.mkdir(parents=True, exist_ok=True)
    layout.log_dir.mkdir(parents=True, exist_ok=True)
    layout.endpoints_file.write_text(yaml.safe_dump(endpoints(layout), sort_keys=False), encoding="utf-8")
    layout.config_file.write_text(supervisord_config(layout, review_configured()), encoding="utf-8")
    return layout.config_file


# The cluster on one machine (scripts/cluster, deploy/README.md): a balancer in
# front of several Rasa servers that share PostgreSQL (tracker store) and
# Redis (lock store), and one action server.

DEFAULT_TRACKER_DB_URL = "postgresql://postgres@127.0.0.1:5432/walkwise"
DEFAULT_REDIS_URL = settings.DEFAULT_REDIS_URL
# What the balancer asks each Rasa server; 200 once its model is loaded.
HEALTH_PATH = "/"
CLUSTER = "cluster-"  # prefix of the cluster's files in var/run and var/log


@dataclass(frozen=True)
class ClusterLayout:
    """The one-machine layout of ``scripts/cluster``: ``base`` gives the action
    server's port, the demo page's port, the folders and the model."""

    base: Layout
    balancer_port: int
    rasa_ports: tuple[int, ...]
    tracker_db_url: str
    redis_url: str
    balancer_host: str = "0.0.0.0"

    @classmethod
    def from_environment(cls) -> "ClusterLayout":
        """Raises ``SettingError`` naming each bad setting (all are checked)."""
        configured = settings.load()
        return cls(
            base=Layout.from_environment(),
            balancer_port=configured.balancer_port,
            rasa_ports=configured.cluster_ports,
            tracker_db_url=configured.tracker_db_url or DEFAULT_TRACKER_DB_URL,
            redis_url=configured.redis_url,
            balancer_host=configured.balancer_host,
        )

    def file(self, name: str) -> Path:
        return self.base.run_dir / (CLUSTER + name)

    @property
    def config_file(self) -> Path:
        return self.file("supervisord.conf")

    @property
    def endpoints_file(self) -> Path:
        return self.file("endpoints.yml")

    @property
    def balancer_file(self) -> Path:
        return self.file("haproxy.cfg")

    @property
    def demo_dir(self) -> Path:
        return self.file("demo")


def tracker_store_config(url: str, template: dict | None = None) -> dict:
    """Rasa's ``tracker_store`` section for a SQLAlchemy URL, keeping the
    template's ``type`` (and other options) but not its connection."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise SettingError(
            f"WALKWISE_TRACKER_DB_URL must be a postgresql:// URL for the cluster, not {url!r}"
        )
    store = {k: v for k, v in (template or {}).items() if k not in _CONNECTION_KEYS}
    store.setdefault("type", "SQL")
    store.update(dialect=parsed.drivername, url=parsed.host or "127.0.0.1", db=parsed.database)
    for key, value in (("port", parsed.port), ("username", parsed.username), ("password", parsed.password)):
        if value is not None:
            store[key] = value
    if parsed.query:
        store["query"] = dict(parsed.query)
    return store


_CONNECTION_KEYS = ("dialect", "url", "host", "port", "db", "username", "password", "query", "login_db")


# Rasa's Redis lock store loses writes between servers (server/lock_store.py).
LOCK_STORE_CLASS = "server.lock_store.AtomicRedisLockStore"


def lock_store_config(url: str) -> dict:
    """Rasa's ``lock_store`` section for a ``redis://`` (or ``rediss://``) URL."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise SettingError(f"WALKWISE_REDIS_URL must be a redis:// URL, not {url!r}")
    db = parts.path.strip("/") or "0"
    if not db.isdigit():
        raise SettingError(f"WALKWISE_REDIS_URL must end with a database number, not {url!r}")
    store: dict = {"type": LOCK_STORE_CLASS, "url": parts.hostname, "port": parts.port or 6379, "db": int(db)}
    if parts.username:
        store["username"] = unquote(parts.username)
    if parts.password:
        store["password"] = unquote(parts.password)
    if parts.scheme == "rediss":
        store["use_ssl"] = True
    return store


def cluster_endpoints(cluster: ClusterLayout, source: Path = paths.ROOT / "endpoints.yml") -> dict:
    config = endpoints(cluster.base, source)
    config["tracker_store"] = tracker_store_config(cluster.tracker_db_url, config.get("tracker_store"))
    config["lock_store"] = lock_store_config(cluster.redis_url)
    return config


def create_database(url: str) -> bool:
    """Creates the PostgreSQL database of ``url`` if it is missing; True if it did."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    maintenance = target.set(database="postgres")
    engine = create_engine(maintenance, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            ).scalar()
            if found:
                return False
            quoted = connection.dialect.identifier_preparer.quote(str(target.database))
            connection.execute(text(f"CREATE DATABASE {quoted}"))
            return True
    finally:
        engine.dispose()


def create_tracker_tables(python: str, endpoints_file: Path) -> None:
    """Creates the tracker store's tables once, before the servers start (two
    servers creating them at the same moment would race). In a process of its
    own, so that supervisord does not keep Rasa in memory."""
    code = (
        "import sys\n"
        "from rasa.core.tracker_store import TrackerStore\n"
        "from rasa.utils.endpoints import read_endpoint_config\n"
        "TrackerStore.create(read_endpoint_config(sys.argv[1], 'tracker_store'))\n"
    )
    done = subprocess.run(
        [python, "-c", code, str(endpoints_file)], cwd=paths.ROOT, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"could not create the tracker store's tables:\n{done.stderr[-2000:]}")


def haproxy_config(cluster: ClusterLayout) -> str:
    """REST and webhooks go to the least busy Rasa server; socket.io sticks to
    one server per client address (its long-polling requests must all reach
    the server that holds the session). A server that stops answering its
    health check is taken out within a few seconds; a request refused at
    connection is retried on the other."""
    servers = [
        f"    server rasa-{port} 127.0.0.1:{port} check inter 2s fall 3 rise 2" for port in cluster.rasa_ports
    ]
    return "\n".join(
        [
            "global",
            "    maxconn 4096",
            # One line per request (address, path, server, timings, status;
            # never a body) into the balancer's supervisord log.
            "    log stdout format raw local0 info",
            f"    stats socket {cluster.file('haproxy.sock')} mode 600 level admin",
            "",
            "defaults",
            "    mode http",
            "    log global",
            "    option httplog",
            "    option redispatch 1",
            # Only a connection that was refused is tried again, at once on
            # another server: a request a server may have begun is never sent
            # twice (one cut by a crash gets the apology below).
            "    retries 3",
            "    retry-on conn-failure",
            "    timeout connect 2s",
            "    timeout client 75s",
            "    timeout server 75s",
            "    timeout tunnel 1h",
            "    timeout http-request 15s",
            # A server busy with a burst of messages may answer its health
            # check late; it is not taken out for that.
            "    timeout check 5s",
            *(f"    errorfile {code} {cluster.file(f'{code}.http')}" for code in ERROR_CODES),
            "",
            "frontend walkwise",
            f"    bind {cluster.balancer_host}:{cluster.balancer_port}",
            "    option forwardfor",
            "    monitor-uri /balancer-health",
            "    use_backend socketio if { path_beg /socket.io }",
            "    default_backend rasa",
            "",
            "backend rasa",
            "    balance leastconn",
            f"    option httpchk GET {HEALTH_PATH}",
            *servers,
            "",
            "backend socketio",
            "    balance source",
            "    hash-type consistent",
            f"    option httpchk GET {HEALTH_PATH}",
            *servers,
            "",
        ]
    )


ERROR_CODES = (502, 503, 504)
ERROR_REASONS = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


def error_response(code: int) -> str:
    """What the balancer answers when no server can: a REST reply the channels'
    clients show, with the status kept, instead of HAProxy's HTML page."""
    import json

    from common.messages import SERVER_UNAVAILABLE

    body = json.dumps([{"recipient_id": "", "text": SERVER_UNAVAILABLE}]).encode()
    head = (
        f"HTTP/1.1 {code} {ERROR_REASONS[code]}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
    )
    return head + body.decode()


def write_demo(cluster: ClusterLayout) -> Path:
    """The widget's demo page, talking to the balancer."""
    demo = cluster.demo_dir
    (demo / "demo").mkdir(parents=True, exist_ok=True)
    page = (paths.ROOT / "widget" / "demo" / "index.html").read_text(encoding="utf-8")
    page = page.replace("http://localhost:5005", f"http://localhost:{cluster.balancer_port}")
    (demo / "demo" / "index.html").write_text(page, encoding="utf-8")
    dist = demo / "dist"
    if not dist.exists():
        dist.symlink_to(paths.ROOT / "widget" / "dist")
    return demo


def cluster_supervisord_config(cluster: ClusterLayout) -> str:
    layout = cluster.base
    python = layout.python
    actions = [python, "-m", "rasa_sdk", "--actions", "actions", "--port", str(layout.action_port)]
    widget = [python, "-m", "http.server", str(layout.widget_port), "--bind", "127.0.0.1"]
    widget += ["--directory", str(cluster.demo_dir)]
    balancer = ["haproxy", "-db", "-f", str(cluster.balancer_file)]
    rasa = [
        program(
            f"rasa-{port}",
            rasa_command(layout, port, cluster.endpoints_file, "--interface", "127.0.0.1"),
            layout,
            # The servers share the webhook ids they have handled (channels/common.py).
            environment=f"{SHARED_IDS_ENV}={supervisor_quoted(cluster.redis_url)}",
            startsecs=10,
        )
        for port in cluster.rasa_ports
    ]
    return "\n".join(
        [
            supervisord_header(layout, CLUSTER),
            program("actions", actions, layout, environment='SANIC_HOST="127.0.0.1"', startsecs=5),
            *rasa,
            program("balancer", balancer, layout, startsecs=2),
            program("widget", widget, layout, startsecs=2),
        ]
    )


def write_cluster(cluster: ClusterLayout) -> Path:
    """Writes the cluster's files and prepares its database: created if
    missing, with the tracker store's tables."""
    layout = cluster.base
    layout.run_dir.mkdir(parents=True, exist_ok=True)
    layout.log_dir.mkdir(parents=True, exist_ok=True)
    config = cluster_endpoints(cluster)
    cluster.endpoints_file.touch(mode=0o600)  # it may hold the database's password
    cluster.endpoints_file.chmod(0o600)
    cluster.endpoints_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    if create_database(cluster.tracker_db_url):
        print(f"created the database {config['tracker_store']['db']}", flush=True)
    create_tracker_tables(layout.python, cluster.endpoints_file)
    for code in ERROR_CODES:
        cluster.file(f"{code}.http").write_bytes(error_response(code).encode())
    cluster.balancer_file.write_text(haproxy_config(cluster), encoding="utf-8")
    write_demo(cluster)
    cluster.config_file.write_text(cluster_supervisord_config(cluster), encoding="utf-8")
    return cluster.config_file


def main() -> None:
    cluster = sys.argv[1:2] == ["cluster"]
    config = write_cluster(ClusterLayout.from_environment()) if cluster else write(Layout.from_environment())
    from supervisor.supervisord import main as supervisord

    supervisord(["-n", "-c", str(config)])


if __name__ == "__main__":
    main()
