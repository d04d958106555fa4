"""Which transcript events decide whether a red-flag reminder is due.

The action server reads them from the events it is sent
(actions/red_flag_reminder.py); the Rasa server keeps them in what it sends
(server/action_payload.py), so both read the same two facts."""

from __future__ import annotations

from typing import Any, Mapping, Optional

from common.names import METADATA_KEY, RED_FLAG_KEY, TIERS

# The mark, in a bot message's metadata, of a red-flag reminder.
REMINDER_MARK = "red_flag_reminder"


def flagged_tier(parse_data: Optional[Mapping[str, Any]]) -> Optional[str]:
    """The tier of the red flag a user message's parse data holds, if any."""
    tier = ((parse_data or {}).get(RED_FLAG_KEY) or {}).get("tier")
    return tier if tier in TIERS else None


def is_reminder(metadata: Optional[Mapping[str, Any]]) -> bool:
    """Whether a bot message's metadata marks it as a red-flag reminder."""
    return bool(((metadata or {}).get(METADATA_KEY) or {}).get(REMINDER_MARK))
