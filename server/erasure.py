"""A person's own "delete my data", on any channel.

The bot asks for confirmation (``utter_ask_delete_my_data``, a rule). A "yes"
to that question never reaches the dialogue: the server deletes every stored
row of the sender (Rasa's events and the review tool's tables, through
:func:`review.privacy.erase_sender`, which also writes the audit entry),
empties the conversation held in memory so that nothing of it is written
back, and says it is done. A "no" keeps everything (a rule answers it).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Iterable, Optional

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from sqlalchemy import text as sql
from sqlalchemy.engine import Engine

from common.names import INTENT_AFFIRM, INTENT_DENY
from server.triage import NO, YES

logger = logging.getLogger(__name__)

RESPONSE_CONFIRM = "utter_ask_delete_my_data"
# Set on the "yes" to the confirmation; handled by the server, never predicted on.
INTENT_ERASE_CONFIRMED = "erase_confirmed"
ERASED_BY = "the person, in the chat"


def confirmation_pending(events: Iterable[Event]) -> bool:
    """Whether the bot's latest action was the question "delete everything?"."""
    for event in reversed(list(events)):
        if isinstance(event, ActionExecuted) and event.action_name != ACTION_LISTEN_NAME:
            return event.action_name == RESPONSE_CONFIRM
        if isinstance(event, UserUttered):
            return False
    return False


def confirmed(parse_data: Dict[str, Any]) -> bool:
    """A clear yes: typed, or the button. "Not sure" is not a yes here."""
    text = (parse_data.get("text") or "").strip()
    intent = str((parse_data.get("intent") or {}).get("name") or "")
    if text.startswith("/"):
        return intent == INTENT_AFFIRM
    if NO.match(text) or intent == INTENT_DENY:
        return False
    if YES.match(text):
        return True
    return intent == INTENT_AFFIRM and float((parse_data.get("intent") or {}).get("confidence") or 0) >= 0.8


def tracker_engine(tracker_store: Any) -> Optional[Engine]:
    """The SQLAlchemy engine of Rasa's SQL tracker store (inside its fail-safe wrapper)."""
    for store in (tracker_store, getattr(tracker_store, "_tracker_store", None)):
        engine = getattr(store, "engine", None)
        if isinstance(engine, Engine):
            return engine
    return None


def erase_stored(engine: Engine, sender_id: str) -> int:
    """Deletes every stored row of ``sender_id``; the number of Rasa events removed."""
    try:
        from review import settings as review_settings
        from review.migrate import upgrade
        from review.privacy import erase_sender
    except ImportError:  # the review tool is not installed: Rasa's events only
        with engine.begin() as connection:
            return int(
                connection.execute(
                    sql("DELETE FROM events WHERE sender_id = :sender"), {"sender": sender_id}
                ).rowcount
            )
    upgrade(engine)
    return erase_sender(engine, sender_id, username=ERASED_BY, secret=review_settings.secret()).events
