"""Routes: which passages answer which question, read from ``routes.yml``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from guidance import settings


@dataclass(frozen=True)
class Route:
    intent: str
    document: str
    question: str
    passages: tuple[str, ...]
    follow_ups: tuple[str, ...]


class RouteError(ValueError):
    """routes.yml is malformed."""


def load_routes(path: Path | None = None) -> dict[str, Route]:
    path = path or settings.ROUTES_FILE
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    routes: dict[str, Route] = {}
    for document, intents in raw.items():
        for intent, spec in (intents or {}).items():
            if intent in routes:
                raise RouteError(f"{path}: intent '{intent}' is routed twice")
            try:
                routes[intent] = Route(
                    intent=intent,
                    document=document,
                    question=str(spec["question"]),
                    passages=tuple(spec["passages"]),
                    follow_ups=tuple(spec.get("follow_ups", ())),
                )
            except (KeyError, TypeError) as error:
                raise RouteError(f"{path}: route '{intent}' lacks {error}") from None
    for route in routes.values():
        for follow_up in route.follow_ups:
            if follow_up not in routes:
                raise RouteError(f"{path}: '{route.intent}' offers unknown follow-up '{follow_up}'")
    return routes
