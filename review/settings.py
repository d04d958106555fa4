"""The review tool's configuration, read from the environment (through
``common/settings.py``, which checks each value) when asked."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import settings as common_settings

VAR_DIR_ENV = "WALKWISE_VAR_DIR"
TRACKER_DB_URL_ENV = "WALKWISE_TRACKER_DB_URL"
PORT_ENV = "WALKWISE_REVIEW_PORT"
SECRET_ENV = "WALKWISE_REVIEW_SECRET"
SECURE_COOKIES_ENV = "WALKWISE_REVIEW_SECURE_COOKIES"
SESSION_HOURS_ENV = "WALKWISE_REVIEW_SESSION_HOURS"
MIN_SECRET_LENGTH = 32


class SettingsError(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret: str
    port: int = 8090
    session_hours: float = 8.0
    secure_cookies: bool = False
    # Seconds added per recent failed login, before the answer (capped at 5 s).
    login_delay: float = 0.5
    # Failed logins (per username and per address) before the lockout starts.
    login_attempts: int = 5
    # Refresh the conversation summaries before each list request, reading at
    # most this many batches of events (the background pass reads the rest).
    refresh_on_request: bool = True
    request_refresh_batches: int = 1
    # Seconds between background summary passes; 0 for none.
    background_refresh_seconds: float = 2.0

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_SECRET_LENGTH:
            raise SettingsError(f"the review secret must be at least {MIN_SECRET_LENGTH} characters")


def _setting(name: str) -> Any:
    """A ``WALKWISE_*`` setting, read afresh and checked by ``common/settings.py``."""
    try:
        return common_settings.value(name)
    except common_settings.SettingsError as error:
        raise SettingsError(str(error)) from None


def var_dir() -> Path:
    folder = Path(_setting(VAR_DIR_ENV))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def database_url() -> str:
    """Rasa's SQL tracker store; the review tables live in the same database."""
    url: str | None = _setting(TRACKER_DB_URL_ENV)
    return url or f"sqlite:///{var_dir() / 'conversations.db'}"


def secret() -> str:
    """``WALKWISE_REVIEW_SECRET``, or a random key kept in var/review-secret."""
    configured: str | None = _setting(SECRET_ENV)
    if configured:
        return configured
    path = var_dir() / "review-secret"
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def load() -> Settings:
    return Settings(
        database_url=database_url(),
        secret=secret(),
        port=_setting(PORT_ENV),
        session_hours=_setting(SESSION_HOURS_ENV),
        secure_cookies=_setting(SECURE_COOKIES_ENV),
    )
