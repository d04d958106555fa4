"""Runs the bot's processes under supervisord, which restarts a crashed one.

    python -m server.supervision            # what scripts/run starts, in the foreground

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
  keeps it off.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from common import paths


class SettingError(SystemExit):
    pass


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise SettingError(f"{name} must be a port number, not {raw!r}") from None
    if not 0 < port < 65536:
        raise SettingError(f"{name} must be between 1 and 65535, not {port}")
    return port


@dataclass(frozen=True)
class Layout:
    rasa_port: int
    action_port: int
    widget_port: int
    var: Path
    model: Path
    python: str

    @classmethod
    def from_environment(cls) -> "Layout":
        var = Path(os.environ.get("WALKWISE_VAR_DIR", "").strip() or paths.ROOT / "var").resolve()
        model = Path(os.environ.get("WALKWISE_MODEL", "").strip() or paths.MODEL).resolve()
        return cls(
            rasa_port=_port("WALKWISE_PORT", 5005),
            action_port=_port("WALKWISE_ACTION_PORT", 5055),
            widget_port=_port("WALKWISE_WIDGET_PORT", 8080),
            var=var,
            model=model,
            python=sys.executable,
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
    wanted = os.environ.get("WALKWISE_REVIEW", "auto").strip().lower()
    if wanted in ("1", "true", "yes", "on"):
        return True
    if wanted in ("0", "false", "no", "off"):
        return False
    try:
        from sqlalchemy import func, select

        from review import settings as review_settings
        from review.db import engine_for
        from review.tables import users

        with engine_for(review_settings.database_url()).connect() as connection:
            return bool(connection.execute(select(func.count()).select_from(users)).scalar())
    except Exception:  # no review tables yet, or the packages are missing
        return False


def supervisord_config(layout: Layout, review: bool = False) -> str:
    python = layout.python
    rasa = [
        python,
        "-m",
        "server",
        "run",
        "--model",
        str(layout.model),
        "--endpoints",
        str(layout.endpoints_file),
        "--credentials",
        str(paths.ROOT / "credentials.yml"),
        "--port",
        str(layout.rasa_port),
    ]
    actions = [python, "-m", "rasa_sdk", "--actions", "actions", "--port", str(layout.action_port)]
    widget = [python, "-m", "http.server", str(layout.widget_port), "--bind", "127.0.0.1"]
    widget += ["--directory", str(paths.ROOT / "widget")]
    return "\n".join(
        [
            "[supervisord]",
            "nodaemon=true",
            f"logfile={layout.log_dir / 'supervisord.log'}",
            f"pidfile={layout.run_dir / 'supervisord.pid'}",
            f"childlogdir={layout.log_dir}",
            "",
            "[unix_http_server]",
            f"file={layout.run_dir / 'supervisor.sock'}",
            "chmod=0700",
            "",
            "[rpcinterface:supervisor]",
            "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
            "",
            "[supervisorctl]",
            f"serverurl=unix://{layout.run_dir / 'supervisor.sock'}",
            "",
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


def main() -> None:
    layout = Layout.from_environment()
    config = write(layout)
    from supervisor.supervisord import main as supervisord

    supervisord(["-n", "-c", str(config)])


if __name__ == "__main__":
    main()
