"""Rasa's HTTP API only with a token, and on localhost unless told otherwise.

``python -m server run --enable-api`` (``scripts/run`` adds it when
``WALKWISE_HTTP_API=1``):

* refuses to start without ``WALKWISE_JWT_SECRET``, and refuses Rasa's own
  ``--auth-token`` (a fixed token that never expires) and a secret given on
  the command line (where ``ps`` shows it);
* passes the secret and ``WALKWISE_JWT_METHOD`` to Rasa inside the process;
* listens on 127.0.0.1 unless ``--interface`` says otherwise;
* accepts only JWTs that carry an expiry (``exp``); Rasa's JWT library
  refuses expired ones, but would accept one with no expiry at all.

A call then needs ``Authorization: Bearer <jwt>`` whose payload holds
``{"user": {"username": "...", "role": "admin"}, "exp": ...}`` (or role
``user`` with the conversation's sender id as username).
"""

from __future__ import annotations

from typing import Any, Dict, List

from common.settings import Settings, SettingsError

ENABLE_API = "--enable-api"
LOCALHOST = "127.0.0.1"
REFUSED = ("--auth-token", "-t", "--jwt-secret", "--jwt-private-key", "--jwt-method")


def _given(argv: List[str], *names: str) -> bool:
    return any(arg in names or any(arg.startswith(name + "=") for name in names) for arg in argv)


def api_arguments(argv: List[str], settings: Settings) -> List[str]:
    """``argv`` with the JWT settings and the interface added when the API is on;
    raises ``SettingsError`` when it cannot be on safely."""
    if ENABLE_API not in argv:
        return argv
    if not settings.jwt_secret:
        raise SettingsError(
            f"{ENABLE_API} needs WALKWISE_JWT_SECRET (at least 32 characters): "
            "Rasa's HTTP API does not run without a token"
        )
    for name in REFUSED:
        if _given(argv, name):
            raise SettingsError(
                f"{name} is not accepted: set WALKWISE_JWT_SECRET (and WALKWISE_JWT_METHOD) instead"
            )
    added = ["--jwt-secret", settings.jwt_secret, "--jwt-method", settings.jwt_method]
    if not _given(argv, "--interface", "-i"):
        added += ["--interface", LOCALHOST]
    return [*argv, *added]


def has_expiry(payload: Dict[str, Any]) -> bool:
    expiry = payload.get("exp")
    return isinstance(expiry, (int, float)) and not isinstance(expiry, bool)


def require_expiry() -> None:
    """Makes Rasa's JWT set-up (``rasa.server.create_app``) refuse tokens without ``exp``."""
    import rasa.server

    original = rasa.server.Initialize
    if getattr(original, "walkwise", False):
        return

    def initialize(app: Any, *args: Any, **kwargs: Any) -> Any:
        initialized = original(app, *args, **kwargs)
        # What sanic-jwt's ``extra_verifications`` option sets, without its
        # warning that the option is unknown.
        auth = app.ctx.auth
        auth._extra_verifications = [*(auth._extra_verifications or []), has_expiry]
        return initialized

    initialize.walkwise = True  # type: ignore[attr-defined]
    rasa.server.Initialize = initialize
