"""Named filters of the conversation list, one set per member of staff.

A view is kept as the list's query string, rebuilt from the parsed filters, so
a saved view can only hold what the list itself understands."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine

from review.conversations import Filters, ReviewError
from review.tables import saved_views

MAX_NAME = 100
MAX_VIEWS = 50


@dataclass(frozen=True)
class SavedView:
    id: int
    name: str
    query: str


def normalised_query(raw: str) -> str:
    """The filters of a query string (``channel=slack&tier=urgent``), as the list writes them."""
    return urlencode(Filters.from_query(dict(parse_qsl(raw.lstrip("?")))).to_query())


def views_of(engine: Engine, username: str) -> list[SavedView]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(saved_views.c.id, saved_views.c.name, saved_views.c.query)
            .where(saved_views.c.username == username)
            .order_by(saved_views.c.name)
        ).all()
    return [SavedView(row.id, row.name, row.query) for row in rows]


def save_view(engine: Engine, username: str, name: str, raw_query: str) -> SavedView:
    """Saves the filters under ``name``, replacing this person's view of that name."""
    name = " ".join(name.split())
    if not name:
        raise ReviewError("Give the view a name.")
    if len(name) > MAX_NAME:
        raise ReviewError(f"A view's name is at most {MAX_NAME} characters.")
    query = normalised_query(raw_query)
    with engine.begin() as connection:
        existing = connection.execute(
            select(saved_views.c.id).where(saved_views.c.username == username, saved_views.c.name == name)
        ).scalar()
        if existing is not None:
            connection.execute(update(saved_views).where(saved_views.c.id == existing).values(query=query))
            return SavedView(existing, name, query)
        count = connection.execute(
            select(func.count()).select_from(saved_views).where(saved_views.c.username == username)
        ).scalar()
        if count >= MAX_VIEWS:
            raise ReviewError(f"You have {MAX_VIEWS} saved views; delete one first.")
        new_id = connection.execute(
            insert(saved_views).values(username=username, name=name, query=query, created_at=time.time())
        ).inserted_primary_key[0]
    return SavedView(new_id, name, query)


def delete_view(engine: Engine, username: str, view_id: int) -> bool:
    """Deletes one of this person's views; another person's is left alone."""
    with engine.begin() as connection:
        removed = connection.execute(
            delete(saved_views).where(saved_views.c.id == view_id, saved_views.c.username == username)
        ).rowcount
    return removed == 1
