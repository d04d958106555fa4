"""Event ids the summary pass skipped (to read them if they turn up later) and
staff's saved views of the conversation list.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_event_gaps",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("noticed_at", sa.Float, nullable=False),
    )
    op.create_table(
        "review_saved_views",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("username", "name", name="uq_review_saved_views_username_name"),
    )


def downgrade() -> None:
    op.drop_table("review_saved_views")
    op.drop_table("review_event_gaps")
