"""DialogueStateTracker.applied_events, with each event's class looked at once.

Stock Rasa asks ``isinstance`` of every event of the conversation up to six
times each time it needs the applied events, and the Event classes are
abstract base classes, so each check is a Python-level call. Rasa needs the
applied events several times a turn (the policy's dialogue states, the
action server's payload, the session check), over the whole conversation:
after 100 turns it was the largest cost that grew with the conversation
(pitfall #11).

``applied_events`` below gives the same list: the same rules in the same
order, with each class's role decided once per class (by ``issubclass``, so
subclasses are treated as stock Rasa treats them). The rare events that
rewind the conversation still go through the tracker's own helpers.
"""

from __future__ import annotations

from typing import Dict, List

from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

OTHER, RESET, ACTION_REVERTED, USER_REVERTED, ACTION, LOOP = range(6)

_kinds: Dict[type, int] = {}


def kind_of(cls: type) -> int:
    """The role of an event class in ``applied_events``, in the order of
    stock Rasa's checks."""
    kind = _kinds.get(cls)
    if kind is None:
        if issubclass(cls, (Restarted, SessionStarted)):
            kind = RESET
        elif issubclass(cls, ActionReverted):
            kind = ACTION_REVERTED
        elif issubclass(cls, UserUtteranceReverted):
            kind = USER_REVERTED
        elif issubclass(cls, ActionExecuted):
            kind = ACTION
        elif issubclass(cls, ActiveLoop):
            kind = LOOP
        else:
            kind = OTHER
        _kinds[cls] = kind
    return kind


def applied_events(tracker: DialogueStateTracker) -> List[Event]:
    """All events that should be applied, without the reverted ones: what
    ``DialogueStateTracker.applied_events`` returns."""
    kinds = [_kinds.get(type(event)) for event in tracker.events]
    if None in kinds:
        kinds = [kind_of(type(event)) for event in tracker.events]
    loop_names = {
        event.name for event, kind in zip(tracker.events, kinds, strict=True) if kind == LOOP and event.name
    }
    applied: List[Event] = []
    for event, kind in zip(tracker.events, kinds, strict=True):
        if kind == OTHER or kind == LOOP:
            applied.append(event)
        elif kind == RESET:
            applied = []
        elif kind == ACTION_REVERTED:
            tracker._undo_till_previous(ActionExecuted, applied)
        elif kind == USER_REVERTED:
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (
            event.action_name in loop_names  # type: ignore[attr-defined]
            and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)  # type: ignore[attr-defined]
        ):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)  # type: ignore[attr-defined]
        else:
            applied.append(event)
    return applied


def install() -> None:
    DialogueStateTracker.applied_events = applied_events  # type: ignore[method-assign]
