"""Answers a guidance question with the passage the guidance store holds for it."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, Callable, Sequence

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
from actions.red_flag_reminder import pending_tier, reminder_text
from actions.replies import Reply, Section, compose_answer, follow_up_buttons, uncovered_note, version_label
from common.names import GUIDANCE_KEY, METADATA_KEY, UNCOVERED_TOPIC_KEY
from common.reminders import REMINDER_MARK
from guidance.routes import Route, load_routes
from guidance.store import GuidanceStore
from understanding.retrieval import PassageRef, Plan

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
        return self.answer_plan([intent])

    def answer_plan(
        self, intents: Sequence[str], passages: Sequence[PassageRef] = (), note: str = ""
    ) -> Reply | None:
        """One reply for the routed ``intents`` and the retrieved ``passages``: each
        document's passages in page order, its disclaimer once, its source line
        with the version; None when nothing of it is in the guidance."""
        routes = [self.routes[intent] for intent in intents if intent in self.routes]
        wanted: dict[str, list[str]] = {}
        for route in routes:
            wanted.setdefault(route.document, []).extend(route.passages)
        for ref in passages:
            wanted.setdefault(ref.document, []).append(ref.key)
        if not wanted:
            return None
        sections = []
        for slug, keys in wanted.items():
            version = self.store.active_version(slug)
            everything = self.store.passages(slug) if version else []
            chosen = [p for p in everything if p.key in keys]
            missing = sorted(set(keys) - {p.key for p in chosen})
            if version is None or missing:
                raise GuidanceUnavailable(f"{slug}: missing passages {missing}")
            sections.append(
                Section(
                    document_title=version.title,
                    passages=chosen,
                    disclaimers=[p for p in everything if p.is_disclaimer],
                    outline=[p for p in everything if p.title],
                    version=version_label(version.content_hash, version.ingested_at),
                    document=slug,
                )
            )
        buttons = follow_up_buttons(routes[0], self.routes) if routes else []
        return compose_answer(sections, buttons, note)


class GuidanceAction(Action, ABC):
    """Base of the answering actions; abstract, so the SDK does not register it."""

    @abstractmethod
    def name(self) -> str: ...

    def __init__(self, answerer: GuidanceAnswerer | None = None) -> None:
        self.answerer = answerer or GuidanceAnswerer()

    def send(
        self,
        dispatcher: CollectingDispatcher,
        intent: str,
        plan: Plan | None = None,
        uncovered_topic: str | None = None,
    ) -> list[dict[str, Any]]:
        plan = plan if plan is not None and plan.answers else Plan(intents=[intent])
        note = uncovered_note(uncovered_topic) if plan.uncovered else ""
        try:
            reply = self.answerer.answer_plan(plan.intents, plan.passages, note)
        except (GuidanceUnavailable, SQLAlchemyError) as error:
            logger.error("guidance lookup failed for intent %s: %s", intent, type(error).__name__)
            logger.debug("guidance lookup failure detail", exc_info=True)
            dispatcher.utter_message(text=TEXT_GUIDANCE_UNAVAILABLE)
            return []
        if reply is None:
            dispatcher.utter_message(response=RESPONSE_NOT_COVERED)
            return [SlotSet(SLOT_LAST_TOPIC, None)]
        record = {"kind": "guidance", "passages": reply.sources, "uncovered_note": bool(note)}
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons, **{METADATA_KEY: {"answer": record}})
        topic = next((i for i in plan.intents if i in self.answerer.routes), None)
        return [SlotSet(SLOT_LAST_TOPIC, topic)]


class ActionAnswerQuestion(GuidanceAction):
    """Runs for every guidance question: sends the passages the message asks for
    (its intents' routes, and passages retrieved from documents no intent was
    written for), the source's disclaimer and the source line, what the guidance
    does not cover of a half-covered question, or the honest "not covered" answer."""

    def name(self) -> str:
        return "action_answer_question"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        latest = tracker.latest_message or {}
        intent = (latest.get("intent") or {}).get("name") or ""
        self.remind_of_red_flag(dispatcher, tracker)
        plan = Plan.from_dict(latest.get(GUIDANCE_KEY))
        topic = (latest.get(UNCOVERED_TOPIC_KEY) or {}).get("topic")
        return self.send(dispatcher, intent, plan, topic)

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
