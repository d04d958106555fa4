"""What the Rasa server sends the action server: the recent part of the
conversation, not all of it.

Stock Rasa sends every event of the conversation with every call to the
action server, so each turn of a long conversation cost more than the one
before it: after 100 turns the JSON of the events (about 370 KB) was the
largest cost of a turn that grew with the conversation (pitfall #11), in the
Rasa server that writes it and in the action server that reads it.

The actions read few events (the slots, the latest message and the active
loop are sent apart from them): the form's validation reads the events since
the last action, and the red-flag reminder reads back to the latest red flag
or reminder (actions/red_flag_reminder.py). ``window_start`` keeps the last
``RECENT_USER_TURNS`` user turns and everything back to that latest red flag
or reminder, so both read what they read before.
"""

from __future__ import annotations

import itertools
from collections import deque
from typing import Any, Callable, Dict, Sequence

from rasa.shared.core.events import BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from common.reminders import flagged_tier, is_reminder

RECENT_USER_TURNS = 5


def window_start(events: Sequence[Event], recent_user_turns: int = RECENT_USER_TURNS) -> int:
    """The index of the first event the action server is sent."""
    users = 0
    recent_start = decision = None
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, UserUttered):
            users += 1
            if users == recent_user_turns:
                recent_start = index
            if decision is None and flagged_tier(event.parse_data):
                decision = index
        elif decision is None and isinstance(event, BotUttered) and is_reminder(event.metadata):
            decision = index
        if recent_start is not None and decision is not None:
            return min(recent_start, decision)
    return 0 if recent_start is None else recent_start


def action_call_format(
    original: Callable[..., Dict[str, Any]], action: Any, tracker: DialogueStateTracker, domain: Any
) -> Dict[str, Any]:
    """RemoteAction._action_call_format, with the events from ``window_start``
    on. The tracker's events are swapped only while the payload is built, in
    one synchronous call, so nothing else sees them."""
    events = tracker.events
    start = window_start(events)
    if start == 0:
        return original(action, tracker, domain)
    tracker.events = deque(itertools.islice(events, start, None))
    try:
        return original(action, tracker, domain)
    finally:
        tracker.events = events
