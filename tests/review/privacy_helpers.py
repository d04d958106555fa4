"""Finds a value anywhere in the database, to check that an erasure left nothing."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine


def everything_mentioning(engine: Engine, needle: str) -> list[str]:
    """Every table and column where a value contains the needle."""
    found = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            rows = connection.execute(text(f'SELECT * FROM "{table}"')).mappings().all()
            for row in rows:
                for column, value in row.items():
                    if isinstance(value, str) and needle in value:
                        found.append(f"{table}.{column}")
    return found
