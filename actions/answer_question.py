"""Answers a guidance question with the passage the guidance store holds for it."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, Callable

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.names import (
    INTENT_HOW_WALKING_HELPS,
    INTENT_WALKING_HELPS,
    RESPONSE_NOT_COVERED,
    SLOT_EMERGENCY_NUMBER,
    SLOT_LAST_TOPIC,
    TEXT_GUIDANCE_UNAVAILABLE,
    TEXT_NO_TOPIC_YET,
    TEXT_NOTHING_MORE,
)
from actions.red_flag_reminder import METADATA_KEY, REMINDER_MARK, pending_tier, reminder_text
from actions.replies import Reply, compose_answer, follow_up_buttons
from guidance.routes import Route, load_routes
from guidance.store import GuidanceStore

logger = logging.getLogger(__name__)

_default_store: GuidanceStore | None = None


def default_store() -> GuidanceStore:
    global _default_store
    if _default_store is None:
        _default_store = GuidanceStore()
    return _default_store


class GuidanceUnavailable(Exception):
    """A routed passage is missing from the store (edited guidance, empty store)."""


class GuidanceAnswerer:
    """Looks up the answer for a routed intent. Shared by the answering actions."""

    def __init__(
        self,
        store: GuidanceStore | Callable[[], GuidanceStore] = default_store,
        routes: dict[str, Route] | None = None,
    ) -> None:
        self._store = store
        self._routes = routes

    @property
    def store(self) -> GuidanceStore:
        if callable(self._store):
            self._store = self._store()
        return self._store

    @property
    def routes(self) -> dict[str, Route]:
        if self._routes is None:
            self._routes = load_routes()
        return self._routes

    def answer(self, intent: str) -> Reply | None:
        """The reply for ``intent``, or None when the guidance does not cover it."""
        route = self.routes.get(intent)
        if route is None:
            return None
        version = self.store.active_version(route.document)
        everything = self.store.passages(route.document) if version else []
        passages = [p for p in everything if p.key in route.passages]
        if version is None or len(passages) != len(set(route.passages)):
            found = {p.key for p in passages}
            missing = [key for key in route.passages if key not in found]
            raise GuidanceUnavailable(f"{route.document}: missing passages {missing}")
        return compose_answer(
            route=route,
            routes=self.routes,
            document_title=version.title,
            passages=passages,
            disclaimers=[p for p in everything if p.is_disclaimer],
            outline=[p for p in everything if p.title],
        )


class GuidanceAction(Action, ABC):
    """Base of the answering actions; abstract, so the SDK does not register it."""

    @abstractmethod
    def name(self) -> str: ...

    def __init__(self, answerer: GuidanceAnswerer | None = None) -> None:
        self.answerer = answerer or GuidanceAnswerer()

    def send(self, dispatcher: CollectingDispatcher, intent: str) -> list[dict[str, Any]]:
        try:
            reply = self.answerer.answer(intent)
        except (GuidanceUnavailable, SQLAlchemyError) as error:
            logger.error("guidance lookup failed for intent %s: %s", intent, type(error).__name__)
            logger.debug("guidance lookup failure detail", exc_info=True)
            dispatcher.utter_message(text=TEXT_GUIDANCE_UNAVAILABLE)
            return []
        if reply is None:
            dispatcher.utter_message(response=RESPONSE_NOT_COVERED)
            return [SlotSet(SLOT_LAST_TOPIC, None)]
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
        return [SlotSet(SLOT_LAST_TOPIC, intent)]


class ActionAnswerQuestion(GuidanceAction):
    """Runs for every guidance question: sends the routed passages, the source's
    disclaimer and the source line, or the honest "not covered" answer."""

    def name(self) -> str:
        return "action_answer_question"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        self.remind_of_red_flag(dispatcher, tracker)
        return self.send(dispatcher, intent)

    def remind_of_red_flag(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """Repeats, once and first, the urgent advice of an earlier red flag."""
        tier = pending_tier(tracker.events)
        if tier is None:
            return
        try:
            text = reminder_text(self.answerer.store, tier, tracker.get_slot(SLOT_EMERGENCY_NUMBER))
        except SQLAlchemyError:
            text = None
        mark = {METADATA_KEY: {REMINDER_MARK: tier}}
        if text:
            dispatcher.utter_message(text=text, **mark)
        else:
            dispatcher.utter_message(response=f"utter_red_flag_{tier}", **mark)


class ActionTellMore(GuidanceAction):
    """Runs on "why?" / "tell me more": after the general answer it lists the
    ways walking helps; after another answer it says that is all the guidance
    holds on that point; with nothing answered yet it asks what to explain."""

    def name(self) -> str:
        return "action_tell_more"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        last_topic = tracker.get_slot(SLOT_LAST_TOPIC)
        if last_topic == INTENT_WALKING_HELPS:
            return self.send(dispatcher, INTENT_HOW_WALKING_HELPS)
        routes = self.answerer.routes
        route = routes.get(last_topic) or routes[INTENT_WALKING_HELPS]
        text = TEXT_NOTHING_MORE if last_topic in routes else TEXT_NO_TOPIC_YET
        dispatcher.utter_message(text=text, buttons=follow_up_buttons(route, routes))
        return []
