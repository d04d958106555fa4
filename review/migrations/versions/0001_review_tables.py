"""The review tables: users, login failures, conversation summaries, messages,
flags, notes, feedback and the append-only audit log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

AUDIT_GUARD = """
CREATE OR REPLACE FUNCTION review_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'review_audit is append-only';
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "review_users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "review_login_failures",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_at", sa.Float, nullable=False),
    )
    op.create_table(
        "review_progress",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("last_event_id", sa.Integer, nullable=False),
    )
    # The summary pass's mark, there from the start so concurrent passes only ever update it.
    op.execute("INSERT INTO review_progress (name, last_event_id) VALUES ('events', 0)")
    op.create_table(
        "review_conversations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("first_event_id", sa.Integer, nullable=False),
        sa.Column("last_event_id", sa.Integer, nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("last_at", sa.Float, nullable=False),
        sa.Column("started_day", sa.String(10), nullable=False),
        sa.Column("channel", sa.String(50)),
        sa.Column("user_turns", sa.Integer, nullable=False),
        sa.Column("first_question", sa.Text),
        sa.Column("red_flag_tier", sa.String(20)),
        sa.Column("triage_asked", sa.Boolean, nullable=False),
        sa.Column("not_covered", sa.Boolean, nullable=False),
        sa.Column("fallback", sa.Boolean, nullable=False),
        sa.Column("min_confidence", sa.Float),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("flagged", sa.Boolean, nullable=False),
        sa.Column("reviewed_at", sa.Float),
        sa.Column("reviewed_by", sa.String(100)),
        sa.UniqueConstraint("sender_id", "first_event_id", name="uq_review_conversations_start"),
    )
    op.create_index("ix_review_conversations_started", "review_conversations", ["started_at", "id"])
    op.create_index("ix_review_conversations_sender", "review_conversations", ["sender_id", "id"])
    op.create_index("ix_review_conversations_channel", "review_conversations", ["channel", "started_at"])
    op.create_index("ix_review_conversations_tier", "review_conversations", ["red_flag_tier", "started_at"])
    op.create_index("ix_review_conversations_day", "review_conversations", ["started_day", "channel"])
    op.create_table(
        "review_messages",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("conversation_id", sa.Integer, nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("timestamp", sa.Float, nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("channel", sa.String(50)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("intent", sa.String(255)),
        sa.Column("confidence", sa.Float),
        sa.Column("red_flag_tier", sa.String(20)),
        sa.Column("answered_from_guidance", sa.Boolean, nullable=False),
        sa.Column("not_covered", sa.Boolean, nullable=False),
        sa.Column("fallback", sa.Boolean, nullable=False),
        sa.Column("triage_asked", sa.Boolean, nullable=False),
    )
    op.create_index("ix_review_messages_conversation", "review_messages", ["conversation_id"])
    op.create_index("ix_review_messages_sender", "review_messages", ["sender_id", "timestamp"])
    op.create_index("ix_review_messages_day", "review_messages", ["day", "channel"])
    for name in ("review_flags", "review_notes"):
        body = (
            [sa.Column("event_id", sa.Integer, nullable=False), sa.Column("reason", sa.Text, nullable=False)]
            if name == "review_flags"
            else [sa.Column("body", sa.Text, nullable=False)]
        )
        op.create_table(
            name,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("conversation_id", sa.Integer, nullable=False),
            sa.Column("sender_id", sa.String(255), nullable=False),
            *body,
            sa.Column("created_by", sa.String(100), nullable=False),
            sa.Column("created_at", sa.Float, nullable=False),
        )
        op.create_index(f"ix_{name}_conversation", name, ["conversation_id"])
        op.create_index(f"ix_{name}_sender", name, ["sender_id"])
    op.create_table(
        "review_feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("bot_event_id", sa.Integer),
        sa.Column("bot_timestamp", sa.Float),
        sa.Column("value", sa.String(4), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_review_feedback_sender", "review_feedback", ["sender_id", "bot_timestamp"])
    op.create_table(
        "review_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("sender_ref", sa.String(64)),
        sa.Column("detail", sa.Text),
    )
    op.create_index("ix_review_audit_at", "review_audit", ["at"])
    op.create_index("ix_review_audit_sender", "review_audit", ["sender_ref"])

    if op.get_bind().dialect.name == "postgresql":
        # Substring search over user messages through a trigram index.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_review_conversations_search ON review_conversations "
            "USING gin (search_text gin_trgm_ops)"
        )
        op.execute(AUDIT_GUARD)
        op.execute(
            "CREATE TRIGGER review_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
            "ON review_audit FOR EACH STATEMENT EXECUTE FUNCTION review_audit_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER review_audit_no_{verb.lower()} BEFORE {verb} ON review_audit "
                "BEGIN SELECT RAISE(ABORT, 'review_audit is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS review_audit_append_only ON review_audit")
        op.execute("DROP FUNCTION IF EXISTS review_audit_append_only()")
    for name in (
        "review_audit",
        "review_feedback",
        "review_notes",
        "review_flags",
        "review_messages",
        "review_conversations",
        "review_progress",
        "review_login_failures",
        "review_users",
    ):
        op.drop_table(name)
