"""Every ``WALKWISE_*`` setting: read from the environment, typed, checked.

``load()`` reads them all and raises ``SettingsError`` (a ``SystemExit``, so
start-up stops with the message) naming each variable whose value is bad;
``current()`` is ``load()`` of the process's environment, read once;
``value(name)`` reads and checks one setting afresh (for readers whose tests
change the environment per test). No other module reads ``WALKWISE_*``
variables from the environment. The
supervisor (``scripts/run``), the Rasa server (``python -m server``) and the
action server check them at start-up. ``SETTINGS`` lists each one with its
default and meaning; ``.env.example`` lists the same names.

Nothing here imports Rasa.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping, Optional
from urllib.parse import urlsplit

from common import paths

PREFIX = "WALKWISE_"
TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})
# A number people can dial: digits, optionally a leading +, spaces or dashes between.
EMERGENCY_NUMBER = re.compile(r"^\+?[0-9][0-9 -]{0,18}[0-9]$")
TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
JWT_METHODS = ("HS256", "HS384", "HS512")
MIN_JWT_SECRET_CHARS = 32
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class SettingsError(SystemExit):
    """A setting has a value WalkWise cannot run with; the message names it."""


# Parsers: the stripped, non-empty text of a variable in, its value out, or
# ValueError saying what is expected.


def text(raw: str) -> str:
    return raw


def positive_number(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"must be a number, not {raw!r}") from None
    if not value > 0 or value == float("inf"):
        raise ValueError(f"must be a number above 0, not {raw!r}")
    return value


def whole_number(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"must be a whole number, not {raw!r}") from None
        if maximum is not None and not minimum <= value <= maximum:
            raise ValueError(f"must be between {minimum} and {maximum}, not {value}")
        if value < minimum:
            raise ValueError(f"must be at least {minimum}, not {value}")
        return value

    return parse


port = whole_number(1, 65535)


def ports(raw: str) -> tuple[int, ...]:
    found = tuple(port(part.strip()) for part in raw.split(",") if part.strip())
    if not found or len(set(found)) != len(found):
        raise ValueError(f"must be distinct comma-separated port numbers, not {raw!r}")
    return found


def flag(raw: str) -> bool:
    if raw.lower() in TRUE:
        return True
    if raw.lower() in FALSE:
        return False
    raise ValueError(f"must be 1 or 0 (true/false, yes/no, on/off), not {raw!r}")


def review_mode(raw: str) -> str:
    if raw.lower() == "auto":
        return "auto"
    return "on" if flag(raw) else "off"


def a_path(raw: str) -> Path:
    return Path(raw).expanduser().resolve()


def existing_folder(raw: str) -> Path:
    path = a_path(raw)
    if not path.is_dir():
        raise ValueError(f"must be an existing folder, not {raw!r}")
    return path


def emergency_number(raw: str) -> str:
    if not EMERGENCY_NUMBER.match(raw):
        raise ValueError(f"must be a phone number such as 999, 911, 112 or +44 20 7946 0000, not {raw!r}")
    return raw


def web_url(raw: str, schemes: tuple[str, ...] = ("http", "https")) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not parts.netloc:
        raise ValueError(f"must be a {' or '.join(schemes)} URL, not {raw!r}")
    return raw


def https_url(raw: str) -> str:
    return web_url(raw, ("https",))


def redis_url(raw: str) -> str:
    return web_url(raw, ("redis", "rediss", "unix"))


def origins(raw: str) -> tuple[str, ...]:
    found = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in found:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
            raise ValueError(f"must be comma-separated origins like https://example.org, not {origin!r}")
    if not found:
        raise ValueError("must name at least one origin")
    return found


def database_url(raw: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        make_url(raw)
    except Exception:
        raise ValueError("must be a SQLAlchemy database URL such as sqlite:///var/x.db") from None
    return raw


def telegram_secret(raw: str) -> str:
    if not TELEGRAM_SECRET.match(raw):
        raise ValueError("must be 1-256 characters of A-Z a-z 0-9 _ -")
    return raw


def long_secret(raw: str) -> str:
    if len(raw) < MIN_JWT_SECRET_CHARS:
        raise ValueError(f"must be at least {MIN_JWT_SECRET_CHARS} characters")
    return raw


def jwt_method(raw: str) -> str:
    if raw.upper() not in JWT_METHODS:
        raise ValueError(f"must be one of {', '.join(JWT_METHODS)}, not {raw!r}")
    return raw.upper()


@dataclass(frozen=True)
class Setting:
    name: str
    parse: Callable[[str], Any]
    default: Any
    help: str
    secret: bool = False

    @property
    def field(self) -> str:
        return self.name.removeprefix(PREFIX).lower()


DEFAULT_ORIGINS = ("http://localhost:8080", "http://127.0.0.1:8080")

SETTINGS = (
    # What the assistant says and how it protects itself.
    Setting("WALKWISE_EMERGENCY_NUMBER", emergency_number, None, "the number the red-flag advice names"),
    Setting("WALKWISE_ACTION_TIMEOUT", positive_number, 2.0, "seconds the Rasa server waits for an action"),
    Setting("WALKWISE_RATE_LIMIT", whole_number(0), 120, "messages per sender per window (0: no limit)"),
    Setting("WALKWISE_RATE_WINDOW", positive_number, 60.0, "the rate limit's window, in seconds"),
    Setting("WALKWISE_EMBEDDING_THREADS", whole_number(1, 64), 2, "threads of the sentence embedding"),
    # Rasa's HTTP API (off unless asked for; then a JWT is required).
    Setting("WALKWISE_HTTP_API", flag, False, "scripts/run starts the Rasa server with --enable-api"),
    Setting("WALKWISE_JWT_SECRET", long_secret, None, "key of the HTTP API's JWTs", secret=True),
    Setting("WALKWISE_JWT_METHOD", jwt_method, "HS256", "algorithm of the HTTP API's JWTs"),
    # Website widget.
    Setting("WALKWISE_WIDGET_ORIGINS", origins, DEFAULT_ORIGINS, "page origins allowed to connect"),
    Setting("WALKWISE_SESSION_SECRET", text, None, "key that signs widget session ids", secret=True),
    # Slack and Telegram.
    Setting("WALKWISE_SLACK_BOT_TOKEN", text, None, "Slack bot token (xoxb-...)", secret=True),
    Setting("WALKWISE_SLACK_SIGNING_SECRET", text, None, "Slack signing secret", secret=True),
    Setting("WALKWISE_SLACK_CHANNEL", text, None, "a Slack channel id to answer in"),
    Setting("WALKWISE_SLACK_API_URL", web_url, "https://slack.com/api/", "Slack's Web API base URL"),
    Setting("WALKWISE_TELEGRAM_TOKEN", text, None, "Telegram bot token", secret=True),
    Setting("WALKWISE_TELEGRAM_SECRET", telegram_secret, None, "Telegram webhook secret", secret=True),
    Setting("WALKWISE_TELEGRAM_WEBHOOK_URL", https_url, None, "public URL of the Telegram webhook"),
    Setting("WALKWISE_TELEGRAM_API_URL", web_url, "https://api.telegram.org", "Telegram's Bot API base URL"),
    # Stores and folders.
    Setting("WALKWISE_GUIDANCE_DB_URL", database_url, None, "the guidance store"),
    Setting("WALKWISE_GUIDANCE_DIR", existing_folder, None, "the guidance documents folder"),
    Setting(
        "WALKWISE_TRACKER_DB_URL",
        database_url,
        None,
        "the conversations' database (var/conversations.db; the cluster's: local PostgreSQL)",
    ),
    Setting("WALKWISE_VAR_DIR", a_path, paths.ROOT / "var", "logs, run-time files, SQLite files"),
    Setting("WALKWISE_MODEL", a_path, paths.MODEL, "the trained model"),
    # Ports of scripts/run.
    Setting("WALKWISE_PORT", port, 5005, "the Rasa server"),
    Setting("WALKWISE_ACTION_PORT", port, 5055, "the action server (127.0.0.1)"),
    Setting("WALKWISE_WIDGET_PORT", port, 8080, "the widget's demo page (127.0.0.1)"),
    # The review tool.
    Setting("WALKWISE_REVIEW", review_mode, "auto", "run the review tool: 1, 0 or auto"),
    Setting("WALKWISE_REVIEW_PORT", port, 8090, "the review tool (127.0.0.1)"),
    Setting("WALKWISE_REVIEW_SECRET", long_secret, None, "the review tool's cookie key", secret=True),
    Setting("WALKWISE_REVIEW_SECURE_COOKIES", flag, False, "HTTPS-only review cookies"),
    Setting("WALKWISE_REVIEW_SESSION_HOURS", positive_number, 8.0, "review sign-in lifetime"),
    # The one-machine cluster (scripts/cluster).
    Setting("WALKWISE_BALANCER_PORT", port, 5000, "the cluster's balancer"),
    Setting("WALKWISE_BALANCER_HOST", text, "0.0.0.0", "the address the balancer listens on"),
    Setting("WALKWISE_CLUSTER_PORTS", ports, (5005, 5006), "the cluster's Rasa servers"),
    Setting("WALKWISE_REDIS_URL", redis_url, DEFAULT_REDIS_URL, "the cluster's lock store"),
    # Set by scripts/cluster for its Rasa servers: where they share the ids of
    # the Slack events and Telegram updates already handled.
    Setting("WALKWISE_SHARED_IDS_URL", redis_url, None, "Redis for webhook ids shared by servers"),
)


@dataclass(frozen=True)
class Settings:
    emergency_number: Optional[str]
    action_timeout: float
    rate_limit: int
    rate_window: float
    embedding_threads: int
    http_api: bool
    jwt_secret: Optional[str]
    jwt_method: str
    widget_origins: tuple[str, ...]
    session_secret: Optional[str]
    slack_bot_token: Optional[str]
    slack_signing_secret: Optional[str]
    slack_channel: Optional[str]
    slack_api_url: str
    telegram_token: Optional[str]
    telegram_secret: Optional[str]
    telegram_webhook_url: Optional[str]
    telegram_api_url: str
    guidance_db_url: Optional[str]
    guidance_dir: Optional[Path]
    tracker_db_url: Optional[str]
    var_dir: Path
    model: Path
    port: int
    action_port: int
    widget_port: int
    review: str
    review_port: int
    review_secret: Optional[str]
    review_secure_cookies: bool
    review_session_hours: float
    balancer_port: int
    balancer_host: str
    cluster_ports: tuple[int, ...]
    redis_url: str
    shared_ids_url: Optional[str]


def _problems_across(values: Mapping[str, Any]) -> list[str]:
    problems = []
    if values.get("http_api") and not values.get("jwt_secret"):
        problems.append("WALKWISE_JWT_SECRET: must be set when WALKWISE_HTTP_API is on")
    ports = [(s.name, values.get(s.field)) for s in SETTINGS if s.parse is port]
    for index, (name, number) in enumerate(ports):
        for other, other_number in ports[:index]:
            if number is not None and number == other_number:
                problems.append(f"{name}: {number} is already {other}")
    return problems


BY_NAME = {setting.name: setting for setting in SETTINGS}


def _parse(setting: Setting, environ: Mapping[str, str]) -> Any:
    raw = (environ.get(setting.name) or "").strip()
    return setting.parse(raw) if raw else setting.default


def value(name: str, environ: Optional[Mapping[str, str]] = None) -> Any:
    """One setting, read afresh from ``environ`` (the process's environment by
    default) and checked; raises ``SettingsError`` naming it. ``name`` must be
    in ``SETTINGS`` (a ``KeyError`` otherwise)."""
    setting = BY_NAME[name]
    try:
        return _parse(setting, os.environ if environ is None else environ)
    except ValueError as error:
        raise SettingsError(f"{name}: {error}") from None


def load(environ: Optional[Mapping[str, str]] = None) -> Settings:
    """Every setting from ``environ`` (the process's environment by default)."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    problems = []
    for setting in SETTINGS:
        try:
            values[setting.field] = _parse(setting, environ)
        except ValueError as error:
            problems.append(f"{setting.name}: {error}")
            values[setting.field] = None
    problems += _problems_across(values)
    if problems:
        raise SettingsError("bad settings (see .env.example):\n  " + "\n  ".join(problems))
    return Settings(**values)


@lru_cache(maxsize=1)
def current() -> Settings:
    """The process's settings, read once."""
    return load()


def check() -> Settings:
    """Reads the settings afresh (a start-up check); raises ``SettingsError``."""
    current.cache_clear()
    return current()


def main() -> None:
    """``python -m common.settings``: checks every setting and prints them, secrets hidden."""
    configured = check()
    for setting in SETTINGS:
        value = getattr(configured, setting.field)
        if isinstance(value, tuple):
            value = ",".join(str(part) for part in value)
        shown = "(set)" if setting.secret and value else ("" if value is None else value)
        print(f"{setting.name}={shown}")


if __name__ == "__main__":
    main()
