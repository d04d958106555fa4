"""Alembic's environment for the review tables. Run through review.migrate,
which passes the connection in; there is no alembic.ini."""

from __future__ import annotations

from alembic import context

# The review tool's own version table, so it never touches another tool's.
VERSION_TABLE = "review_alembic_version"


def run() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, version_table=VERSION_TABLE, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()


run()
