"""Staff accounts: argon2 password hashes, two roles, and a throttle on failed logins."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from review.tables import login_failures, saved_views, users

REVIEWER = "reviewer"
ADMIN = "admin"
ROLES = (REVIEWER, ADMIN)
MIN_PASSWORD_LENGTH = 12
MAX_LOCKOUT_SECONDS = 15 * 60

_hasher = PasswordHasher()
# Verified when the username is unknown, so both failures take as long.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


class UserError(ValueError):
    pass


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    # Changes with the password, so a new password signs out every old session.
    session_key: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


def _user(row: Any) -> User:
    key = hashlib.sha256(row.password_hash.encode()).hexdigest()[:32]
    return User(id=row.id, username=row.username, role=row.role, session_key=key)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def add_user(engine: Engine, *, username: str, password: str, role: str) -> User:
    username = username.strip()
    if not username or len(username) > 100 or not username.isprintable():
        raise UserError("a username is 1 to 100 printable characters")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    _check_password(password)
    with engine.begin() as connection:
        if connection.execute(select(users.c.id).where(users.c.username == username)).first():
            raise UserError(f"user {username!r} already exists")
        connection.execute(
            insert(users).values(
                username=username, password_hash=_hasher.hash(password), role=role, created_at=time.time()
            )
        )
        return _user(connection.execute(select(users).where(users.c.username == username)).one())


def set_password(engine: Engine, *, username: str, password: str) -> None:
    _check_password(password)
    with engine.begin() as connection:
        changed = connection.execute(
            update(users).where(users.c.username == username).values(password_hash=_hasher.hash(password))
        ).rowcount
    if not changed:
        raise UserError(f"no user {username!r}")


def remove_user(engine: Engine, *, username: str) -> None:
    with engine.begin() as connection:
        if not connection.execute(delete(users).where(users.c.username == username)).rowcount:
            raise UserError(f"no user {username!r}")
        connection.execute(delete(saved_views).where(saved_views.c.username == username))


def get_user(engine: Engine, user_id: int) -> User | None:
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.id == user_id)).first()
    return _user(row) if row else None


def authenticate(engine: Engine, *, username: str, password: str) -> User | None:
    """The user when the password matches; None for a wrong name or a wrong password alike."""
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.username == username.strip())).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    return _user(row)


# Failed logins, counted per username and per client address.


def throttle_keys(username: str, address: str) -> tuple[str, str]:
    return f"user:{username.strip().lower()[:200]}", f"ip:{address[:80]}"


def lockout_seconds(failures: int, allowed: int) -> float:
    """How long a key stays locked after this many failures: doubling from 30 s."""
    if failures < allowed:
        return 0.0
    return float(min(MAX_LOCKOUT_SECONDS, 30 * 2 ** (failures - allowed)))


def failures_of(connection: Connection, keys: tuple[str, ...]) -> list[tuple[int, float]]:
    rows = connection.execute(select(login_failures).where(login_failures.c.key.in_(keys))).all()
    return [(row.failures, row.last_at) for row in rows]


def locked_for(engine: Engine, keys: tuple[str, ...], allowed: int, now: float | None = None) -> float:
    """Seconds until a login may be tried again for these keys (0 when it may now)."""
    now = time.time() if now is None else now
    with engine.connect() as connection:
        found = failures_of(connection, keys)
    waits = [last + lockout_seconds(failures, allowed) - now for failures, last in found]
    return max([0.0, *waits])


def recent_failures(engine: Engine, keys: tuple[str, ...]) -> int:
    with engine.connect() as connection:
        return max([0, *(failures for failures, _ in failures_of(connection, keys))])


def record_failure(engine: Engine, keys: tuple[str, ...]) -> None:
    now = time.time()
    with engine.begin() as connection:
        for key in keys:
            changed = connection.execute(
                update(login_failures)
                .where(login_failures.c.key == key)
                .values(failures=login_failures.c.failures + 1, last_at=now)
            ).rowcount
            if not changed:
                connection.execute(insert(login_failures).values(key=key, failures=1, last_at=now))


def clear_failures(engine: Engine, key: str) -> None:
    with engine.begin() as connection:
        connection.execute(delete(login_failures).where(login_failures.c.key == key))
