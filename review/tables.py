"""The tables the review tool reads and writes, as SQLAlchemy Core objects.

``events`` is Rasa's (``SQLTrackerStore``); it is described here to be read and
erased from, never created. Every other table is created by the migrations in
review/migrations/, which must stay in step with these definitions.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Integer, MetaData, String, Table, Text, UniqueConstraint

metadata = MetaData()

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)

users = Table(
    "review_users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(20), nullable=False),
    Column("created_at", Float, nullable=False),
)

login_failures = Table(
    "review_login_failures",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_at", Float, nullable=False),
)

progress = Table(
    "review_progress",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("last_event_id", Integer, nullable=False),
)

# Event ids inside a range the summary pass has read that were not there when
# it read them: on PostgreSQL a transaction can commit an id lower than one
# already read. Each pass looks for them again, for GAP_SECONDS.
event_gaps = Table(
    "review_event_gaps",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=False),
    Column("noticed_at", Float, nullable=False),
)

conversations = Table(
    "review_conversations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("first_event_id", Integer, nullable=False),
    Column("last_event_id", Integer, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("last_at", Float, nullable=False),
    Column("started_day", String(10), nullable=False),
    Column("channel", String(50)),
    Column("user_turns", Integer, nullable=False),
    Column("first_question", Text),
    Column("red_flag_tier", String(20)),
    Column("triage_asked", Boolean, nullable=False),
    Column("not_covered", Boolean, nullable=False),
    Column("fallback", Boolean, nullable=False),
    Column("min_confidence", Float),
    Column("search_text", Text, nullable=False),
    Column("flagged", Boolean, nullable=False),
    Column("reviewed_at", Float),
    Column("reviewed_by", String(100)),
)

messages = Table(
    "review_messages",
    metadata,
    Column("event_id", Integer, primary_key=True),
    Column("conversation_id", Integer, nullable=False),
    Column("sender_id", String(255), nullable=False),
    Column("timestamp", Float, nullable=False),
    Column("day", String(10), nullable=False),
    Column("channel", String(50)),
    Column("text", Text, nullable=False),
    Column("intent", String(255)),
    Column("confidence", Float),
    Column("red_flag_tier", String(20)),
    Column("answered_from_guidance", Boolean, nullable=False),
    Column("not_covered", Boolean, nullable=False),
    Column("fallback", Boolean, nullable=False),
    Column("triage_asked", Boolean, nullable=False),
)

flags = Table(
    "review_flags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", Integer, nullable=False),
    Column("sender_id", String(255), nullable=False),
    Column("event_id", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", Float, nullable=False),
)

notes = Table(
    "review_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", Integer, nullable=False),
    Column("sender_id", String(255), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", Float, nullable=False),
)

feedback = Table(
    "review_feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("bot_event_id", Integer),
    Column("bot_timestamp", Float),
    Column("value", String(4), nullable=False),
    Column("reason", Text),
    Column("created_at", Float, nullable=False),
)

# A member of staff's named filter of the conversation list (its query string).
saved_views = Table(
    "review_saved_views",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(100), nullable=False),
    Column("name", String(100), nullable=False),
    Column("query", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("username", "name", name="uq_review_saved_views_username_name"),
)

audit = Table(
    "review_audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Float, nullable=False),
    Column("username", String(100), nullable=False),
    Column("action", String(50), nullable=False),
    # A keyed hash of the sender id (see review.audit): the log names whose
    # transcript was touched without keeping the id after an erasure.
    Column("sender_ref", String(64)),
    Column("detail", Text),
)

# Every review table holding a sender's data, for erasure and retention.
SENDER_TABLES = (conversations, messages, flags, notes, feedback)
