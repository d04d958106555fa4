"""Fixes to stock Rasa 3.6.21 that WalkWise relies on.

Installed once, before Rasa starts, by ``python -m server``:

* user text is cleaned (control, bidi and zero-width characters dropped) and
  cut at ``MAX_MESSAGE_CHARS``; a message that was cut gets a friendly "too
  long" reply instead of an answer to half a question;
* a custom action that fails, times out (``WALKWISE_ACTION_TIMEOUT`` seconds,
  10 by default, instead of Rasa's 300) or cannot reach the action server
  sends the user a short apology, and the transcript records the failure in
  that bot message's metadata (stock Rasa sends nothing, pitfalls #3 and #4);
* a turn never ends in silence: if nothing was said (``/restart``, an unknown
  ``/payload``), the bot says so;
* a red flag found by the NLU check keeps its intent even when the message
  was a ``/payload`` (Rasa's regex handler would otherwise replace it), and a
  red flag in a message that was cut still gets its advice.
"""

from __future__ import annotations

import asyncio
import logging
import os
from functools import lru_cache
from typing import Any, Dict, List, Tuple

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, Event, Restarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from common import paths
from common.names import METADATA_KEY, RED_FLAG_KEY
from server import messages, triage
from server.text_input import MAX_MESSAGE_CHARS, clean_text, has_words, limit_text
from understanding.red_flag_check import configured_emergency_number, red_flag_intent, red_flag_updates
from understanding.red_flags import RedFlagDetector

logger = logging.getLogger(__name__)

ACTION_TIMEOUT_ENV = "WALKWISE_ACTION_TIMEOUT"
DEFAULT_ACTION_TIMEOUT = 10.0

_installed = False


@lru_cache(maxsize=1)
def _payload_checker() -> Tuple[Any, RedFlagDetector]:
    import spacy

    nlp = spacy.load(paths.SPACY_PIPELINE)
    return nlp, RedFlagDetector(nlp.vocab)


def check_payload(parse_data: Dict[str, Any]) -> None:
    """Runs the red-flag check on a ``/intent{...}`` payload, whose parse result
    Rasa's regex handler rebuilt without the NLU check's findings."""
    text = parse_data.get("text") or ""
    if not text.startswith("/") or parse_data.get(RED_FLAG_KEY):
        return
    nlp, detector = _payload_checker()
    finding = detector.check(nlp(text))
    if finding.tier:
        parse_data.update(
            red_flag_updates(
                text=text,
                tier=finding.tier,
                flag=finding.flag,
                phrase=finding.phrase,
                detected_by="pattern",
                entities=parse_data.get("entities") or [],
                ranking=parse_data.get("intent_ranking") or [],
                emergency_number=configured_emergency_number(),
            )
        )


def answer_triage(parse_data: Dict[str, Any], tracker: DialogueStateTracker) -> None:
    """Reads a reply to the red-flag triage question (server/triage.py)."""
    pending = triage.pending_triage(tracker.events)
    if pending is not None:
        answer_triage_pending(parse_data, pending)


def answer_triage_pending(parse_data: Dict[str, Any], pending: Dict[str, Any]) -> None:
    """Reads ``parse_data`` as the reply to the triage question about ``pending``."""

    def flag_updates(tier: str, flag: Any, phrase: Any) -> Dict[str, Any]:
        return red_flag_updates(
            text=parse_data.get("text") or "",
            tier=tier,
            flag=flag,
            phrase=phrase,
            detected_by="triage",
            entities=parse_data.get("entities") or [],
            ranking=parse_data.get("intent_ranking") or [],
            emergency_number=configured_emergency_number(),
        )

    triage.resolve(parse_data, pending, _answerable_intents(), flag_updates)


@lru_cache(maxsize=1)
def _answerable_intents() -> frozenset:
    from guidance.routes import load_routes

    return frozenset(load_routes())


def action_timeout() -> float:
    raw = os.environ.get(ACTION_TIMEOUT_ENV, "")
    try:
        return float(raw) if raw else DEFAULT_ACTION_TIMEOUT
    except ValueError:
        raise SystemExit(f"{ACTION_TIMEOUT_ENV} must be a number of seconds, not {raw!r}") from None


def _bot_says(text: str, **walkwise: Any) -> BotUttered:
    return BotUttered(text, data={}, metadata={METADATA_KEY: walkwise} if walkwise else {})


def _turn_events(tracker: DialogueStateTracker) -> List[Event]:
    """The events since the latest user message."""
    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            return events[index + 1 :]
    return events


def _was_truncated(tracker: DialogueStateTracker) -> bool:
    metadata = tracker.latest_message.metadata if tracker.latest_message else None
    return bool((metadata or {}).get(METADATA_KEY, {}).get("truncated_from"))


async def _say(tracker: DialogueStateTracker, output_channel: OutputChannel, event: BotUttered) -> None:
    tracker.update(event)
    await output_channel.send_response(tracker.sender_id, event.message())


def install() -> None:
    """Patches Rasa's message processor and remote action. Idempotent."""
    global _installed
    if _installed:
        return
    _installed = True
    timeout = action_timeout()

    original_handle_message = MessageProcessor.handle_message
    original_parse_message = MessageProcessor.parse_message
    original_prediction_loop = MessageProcessor._run_prediction_loop
    original_remote_run = RemoteAction.run

    async def handle_message(self: MessageProcessor, message: UserMessage) -> Any:
        cleaned = clean_text(message.text)
        text, cut = limit_text(cleaned)
        if cut:
            metadata = dict(message.metadata or {})
            metadata[METADATA_KEY] = {"truncated_from": len(cleaned)}
            message.metadata = metadata
        message.text = text
        if not has_words(text) and not message.parse_data:
            # Nothing to understand (empty, emoji only, punctuation): the
            # classifier would guess, so say plainly that it is not covered.
            message.parse_data = {
                "text": text,
                "intent": {"name": "nlu_fallback", "confidence": 1.0},
                "entities": [],
            }
        return await original_handle_message(self, message)

    async def parse_message(self: MessageProcessor, message: UserMessage, *args: Any, **kwargs: Any) -> Any:
        parse_data = await original_parse_message(self, message, *args, **kwargs)
        check_payload(parse_data)
        tracker = args[0] if args else kwargs.get("tracker")
        if tracker is not None:
            answer_triage(parse_data, tracker)
        intent = red_flag_intent(parse_data)
        if intent and (parse_data.get("intent") or {}).get("name") != intent:
            parse_data["intent"] = {"name": intent, "confidence": 1.0}
        return parse_data

    async def run_prediction_loop(
        self: MessageProcessor, output_channel: OutputChannel, tracker: DialogueStateTracker
    ) -> None:
        flagged = tracker.latest_message is not None and red_flag_intent(tracker.latest_message.parse_data)
        if _was_truncated(tracker) and not flagged:
            logger.info("message from %s cut at %d characters", tracker.sender_id, MAX_MESSAGE_CHARS)
            await _say(tracker, output_channel, _bot_says(messages.MESSAGE_TOO_LONG, reason="too_long"))
            return
        await original_prediction_loop(self, output_channel, tracker)
        turn = _turn_events(tracker)
        if any(isinstance(event, BotUttered) for event in turn):
            return
        if any(isinstance(event, Restarted) for event in turn):
            await _say(tracker, output_channel, _bot_says(messages.STARTED_OVER))
        else:
            intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
            logger.info("turn of %s ended silently (intent %s); answering anyway", tracker.sender_id, intent)
            await _say(tracker, output_channel, _bot_says(messages.NOT_UNDERSTOOD, reason="silent_turn"))

    async def remote_run(
        self: RemoteAction,
        output_channel: OutputChannel,
        nlg: Any,
        tracker: DialogueStateTracker,
        domain: Any,
    ) -> List[Event]:
        try:
            return await asyncio.wait_for(
                original_remote_run(self, output_channel, nlg, tracker, domain), timeout
            )
        except ActionExecutionRejection:
            raise
        except (Exception, asyncio.TimeoutError) as error:
            reason = "timeout" if isinstance(error, asyncio.TimeoutError) else type(error).__name__
            logger.error(
                "custom action %s failed for %s (%s); sent the apology",
                self.name(),
                tracker.sender_id,
                reason,
            )
            return [_bot_says(messages.ACTION_UNAVAILABLE, action_failed=self.name(), reason=reason)]

    MessageProcessor.handle_message = handle_message  # type: ignore[method-assign]
    MessageProcessor.parse_message = parse_message  # type: ignore[method-assign]
    MessageProcessor._run_prediction_loop = run_prediction_loop  # type: ignore[method-assign]
    RemoteAction.run = remote_run  # type: ignore[method-assign]
