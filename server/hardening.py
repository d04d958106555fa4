"""Fixes to stock Rasa 3.6.21 that WalkWise relies on.

Installed once, before Rasa starts, by ``python -m server``:

* user text is cleaned (control, bidi and zero-width characters dropped) and
  cut at ``MAX_MESSAGE_CHARS``; a message that was cut gets a friendly "too
  long" reply instead of an answer to half a question;
* a custom action that fails, times out (``WALKWISE_ACTION_TIMEOUT`` seconds,
  2 by default, instead of Rasa's 300) or cannot reach the action server
  sends the user a short apology, and the transcript records the failure in
  that bot message's metadata (stock Rasa sends nothing, pitfalls #3 and #4);
* a turn never ends in silence: if nothing was said (``/restart``, an unknown
  ``/payload``), the bot says so;
* a ``/payload`` that the bot's latest turn did not offer as a button is read
  as the words it holds: typed payloads cannot set slots, reach internal
  intents or restart a conversation;
* a red flag found by the NLU check keeps its intent even when the message
  was a ``/payload`` (Rasa's regex handler would otherwise replace it), and a
  red flag in a message that was cut still gets its advice;
* a sender over the rate limit (``server/rate_limit.py``) gets "please slow
  down" instead of the dialogue, unless the message shows a red flag; the
  message and the reply are stored as usual;
* the tracker store is used as it is, not inside stock Rasa's
  ``FailSafeTrackerStore`` (which silently kept turns in memory only, pitfall
  #2): ``server/tracker_store.py`` retries and journals failed writes, and a
  conversation that cannot be read gets an apology instead of an empty
  conversation (the message and the apology are journalled and added to it
  when the database is back); ``GET /ready`` says whether the database and the action
  server answer (``server/readiness.py``); events read back are resolved to
  their classes once per type, not by a walk of every class each time;
* the intent classifier's TensorFlow model is loaded without tracing a
  training step (``server/model_loading.py``): 3-4 s less per server start.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from functools import lru_cache
from typing import Any, Callable, Dict, List, Tuple

import rasa.core.run
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import InMemoryTrackerStore, TrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, Restarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic

from common import messages, paths
from common.names import METADATA_KEY, RED_FLAG_KEY
from common.settings import current as current_settings
from server import action_payload, erasure, model_loading, readiness, tracker_speed, triage
from server.rate_limit import RateLimiter
from server.text_input import MAX_MESSAGE_CHARS, clean_text, has_words, limit_text
from server.tracker_store import TrackerStoreUnavailable, WalkWiseTrackerStore
from understanding.red_flag_check import configured_emergency_number, red_flag_intent, red_flag_updates
from understanding.red_flags import RedFlagDetector

logger = logging.getLogger(__name__)

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


# Payloads anyone may type: what Telegram's /start becomes.
PUBLIC_PAYLOADS = frozenset({"/greet"})


def offered_payloads(tracker: DialogueStateTracker) -> set:
    """The button payloads of the bot's latest turn (since the latest user message)."""
    offered = set()
    for event in reversed(list(tracker.events)):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            for button in (event.data or {}).get("buttons") or []:
                if isinstance(button, dict) and button.get("payload"):
                    offered.add(str(button["payload"]))
    return offered


def unoffered_payload_as_text(message: UserMessage, tracker: DialogueStateTracker | None) -> None:
    """A ``/intent{...}`` the bot did not offer is read as the words it holds, so
    typing one cannot reach an internal intent (``/red_flag_emergency``), set a
    slot (``/ask_flare_up{"emergency_number": "555"}``) or restart a conversation."""
    text = message.text or ""
    if not text.startswith("/") or text in PUBLIC_PAYLOADS:
        return
    if tracker is not None and text in offered_payloads(tracker):
        return
    metadata = dict(message.metadata or {})
    metadata[METADATA_KEY] = {**(metadata.get(METADATA_KEY) or {}), "typed_payload": text}
    message.metadata = metadata
    message.text = payload_words(text)
    logger.info("payload from %s was not offered; read as text", message.sender_id)


def payload_words(payload: str) -> str:
    """The words of a typed ``/intent{"key": "value"}``: the intent's name, then
    each text value as a sentence of its own (``ask flare up. I wet myself.``)."""
    name, _, rest = payload.lstrip("/").partition("{")
    words = [name.replace("_", " ").strip()]
    try:
        values = json.loads("{" + rest) if rest else {}
    except ValueError:
        values = None
    if isinstance(values, dict):
        words += [
            str(v).strip() for v in values.values() if isinstance(v, (str, int, float)) and str(v).strip()
        ]
    elif rest:
        words.append(rest.rstrip("}"))
    text = ". ".join(w.rstrip(".") for w in words if w)
    return text or payload


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
    return current_settings().action_timeout


def rate_limiter() -> RateLimiter:
    settings = current_settings()
    return RateLimiter(settings.rate_limit, settings.rate_window)


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


# The patches. Each takes the stock function it replaces as its first
# argument, then that function's own arguments.


NO_WORDS_REPLY = (
    "I didn't get any words in that message. What would you like to know about walking and lower back pain?"
)


async def handle_message(
    original: Callable[..., Any], processor: MessageProcessor, message: UserMessage
) -> Any:
    """MessageProcessor.handle_message: cleans and caps the text first; text
    without a letter or digit (empty, blank, only emoji) is answered that it
    had no words, and neither understood nor stored (stock Rasa guesses an
    intent)."""
    cleaned = clean_text(message.text)
    text, cut = limit_text(cleaned)
    if cut:
        metadata = dict(message.metadata or {})
        metadata[METADATA_KEY] = {"truncated_from": len(cleaned)}
        message.metadata = metadata
    message.text = text
    if not has_words(text) and not message.parse_data:
        # Nothing to understand or keep: say so on the person's channel.
        output = message.output_channel
        await output.send_text_message(message.sender_id, NO_WORDS_REPLY)
        return output.messages if isinstance(output, CollectingOutputChannel) else None
    return await original(processor, message)


async def parse_message(
    original: Callable[..., Any], processor: MessageProcessor, message: UserMessage, *args: Any, **kwargs: Any
) -> Dict[str, Any]:
    """MessageProcessor.parse_message: checks payloads for red flags (stock
    Rasa's regex handler skips the NLU pipeline), reads a reply to the triage
    question, and keeps the red-flag intent whatever else replaced it. A
    payload the bot did not offer is read as text."""
    tracker = args[0] if args else kwargs.get("tracker")
    unoffered_payload_as_text(message, tracker)
    parse_data: Dict[str, Any] = await original(processor, message, *args, **kwargs)
    check_payload(parse_data)
    if tracker is not None:
        answer_triage(parse_data, tracker)
        if erasure.confirmation_pending(tracker.events) and erasure.confirmed(parse_data):
            parse_data["intent"] = {"name": erasure.INTENT_ERASE_CONFIRMED, "confidence": 1.0}
            return parse_data
    intent = red_flag_intent(parse_data)
    if intent and (parse_data.get("intent") or {}).get("name") != intent:
        parse_data["intent"] = {"name": intent, "confidence": 1.0}
    return parse_data


async def run_prediction_loop(
    original: Callable[..., Any],
    processor: MessageProcessor,
    output_channel: OutputChannel,
    tracker: DialogueStateTracker,
    *,
    limiter: RateLimiter | None = None,
) -> None:
    """MessageProcessor._run_prediction_loop: a message that was cut gets "too
    long", and one over the ``limiter``'s rate "please slow down" (unless it
    holds a red flag); a turn never ends in silence (stock Rasa says nothing
    after /restart or an unknown payload). A confirmed "delete my data" erases
    the conversation instead (server/erasure.py)."""
    intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
    if intent == erasure.INTENT_ERASE_CONFIRMED:
        await erase_conversation(processor, output_channel, tracker)
        return
    flagged = tracker.latest_message is not None and red_flag_intent(tracker.latest_message.parse_data)
    if _was_truncated(tracker) and not flagged:
        logger.info("message from %s cut at %d characters", tracker.sender_id, MAX_MESSAGE_CHARS)
        await _say(tracker, output_channel, _bot_says(messages.MESSAGE_TOO_LONG, reason="too_long"))
        return
    if limiter is not None and not flagged and not limiter.allow(tracker.sender_id):
        logger.info("message from %s over the rate limit; asked to slow down", tracker.sender_id)
        await _say(tracker, output_channel, _bot_says(messages.SLOW_DOWN, reason="rate_limited"))
        return
    await original(processor, output_channel, tracker)
    turn = _turn_events(tracker)
    if any(isinstance(event, BotUttered) for event in turn):
        return
    if any(isinstance(event, Restarted) for event in turn):
        await _say(tracker, output_channel, _bot_says(messages.STARTED_OVER))
    else:
        intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
        logger.info("turn of %s ended silently (intent %s); answering anyway", tracker.sender_id, intent)
        await _say(tracker, output_channel, _bot_says(messages.NOT_UNDERSTOOD, reason="silent_turn"))


async def erase_conversation(
    processor: MessageProcessor, output_channel: OutputChannel, tracker: DialogueStateTracker
) -> None:
    """Deletes everything stored of this sender and keeps nothing of this turn."""
    engine = erasure.tracker_engine(processor.tracker_store)
    try:
        removed = (
            await asyncio.get_running_loop().run_in_executor(
                None, erasure.erase_stored, engine, tracker.sender_id
            )
            if engine is not None
            else 0
        )
    except Exception as error:  # the database is away: say so, erase nothing
        logger.error("erasing %s failed: %s", tracker.sender_id, type(error).__name__)
        await _say(tracker, output_channel, _bot_says(messages.ERASE_FAILED, reason="erase_failed"))
        return
    tracker.events.clear()
    logger.info("erased the conversation of %s at their request (%d events)", tracker.sender_id, removed)
    await output_channel.send_response(tracker.sender_id, {"text": messages.ERASED})


async def run_remote_action(
    original: Callable[..., Any],
    action: RemoteAction,
    output_channel: OutputChannel,
    nlg: Any,
    tracker: DialogueStateTracker,
    domain: Any,
    *,
    timeout: float,
) -> List[Event]:
    """RemoteAction.run: a failure or a call longer than ``timeout`` becomes an
    apology recorded in the bot message's metadata (stock Rasa waits 300 s and
    then says nothing, pitfalls #3 and #4)."""
    try:
        events: List[Event] = await asyncio.wait_for(
            original(action, output_channel, nlg, tracker, domain), timeout
        )
        return events
    except ActionExecutionRejection:
        raise
    except (Exception, asyncio.TimeoutError) as error:
        reason = "timeout" if isinstance(error, asyncio.TimeoutError) else type(error).__name__
        logger.error(
            "custom action %s failed for %s (%s); sent the apology", action.name(), tracker.sender_id, reason
        )
        return [_bot_says(messages.ACTION_UNAVAILABLE, action_failed=action.name(), reason=reason)]


async def apologise_when_store_unavailable(
    original: Callable[..., Any], processor: MessageProcessor, message: UserMessage
) -> Any:
    """MessageProcessor.handle_message: when the conversation cannot be read
    from the database (after the store's own tries), the person gets an apology
    and the message goes no further. Stock Rasa's FailSafeTrackerStore went on
    with an empty conversation that was then never stored (pitfall #2). The
    message and the apology are journalled, to be added to the conversation
    when the database is back: every message that got an answer is kept."""
    try:
        return await original(processor, message)
    except TrackerStoreUnavailable as error:
        logger.error(
            "message from %s not handled: its conversation could not be read (%s)",
            message.sender_id,
            type(error.cause).__name__,
        )
        channel = message.output_channel
        said = await unread_message(processor, message)
        apology = _bot_says(messages.DATABASE_UNAVAILABLE, reason="database_unavailable")
        await channel.send_response(message.sender_id, apology.message())
        # action_listen ends the turn as in any other: the next turn's rules
        # match (a conversation whose first message got the apology has no
        # session start, and without it Rasa would not understand the next one).
        turn = [event.as_dict() for event in (said, apology, ActionExecuted(ACTION_LISTEN_NAME))]
        store = processor.tracker_store if processor is not None else None
        if isinstance(store, WalkWiseTrackerStore):
            try:
                await store.keep_unread_turn(message.sender_id, turn, error.cause)
            except Exception:  # logged (CRITICAL) by the store; the person has their answer
                pass
        return channel.messages if isinstance(channel, CollectingOutputChannel) else None


async def unread_message(processor: MessageProcessor | None, message: UserMessage) -> UserUttered:
    """The message as Rasa stores it, parsed without the conversation (the
    NLU needs none, so a red flag shows in the review tool), or with a minimal
    parse (no intent) when that fails too."""
    parse_data: Dict[str, Any] | None = message.parse_data
    if not parse_data and processor is not None:
        try:
            parse_data = await processor.parse_message(message, None)
        except Exception as error:
            logger.error("message from %s could not be parsed (%s)", message.sender_id, type(error).__name__)
    if not parse_data:
        parse_data = {"text": message.text, "intent": {"name": None, "confidence": 0.0}, "entities": []}
    return UserUttered(
        message.text,
        parse_data.get("intent"),
        parse_data.get("entities"),
        parse_data,
        input_channel=message.input_channel,
        message_id=message.message_id,
        metadata=message.metadata,
    )


def unwrapped_tracker_store(
    original: Callable[..., Any], store: TrackerStore | None, domain: Domain
) -> TrackerStore:
    """Agent._create_tracker_store: WalkWise's tracker store is used as it is.
    Stock Rasa wraps every store in FailSafeTrackerStore, which on a failed
    save keeps the turn in memory only, and on a failed read starts an empty
    conversation whose turns are never written, logging nothing useful
    (pitfall #2). Other stores keep the wrapper, with a warning."""
    if isinstance(store, WalkWiseTrackerStore):
        store.domain = domain
        return store
    if store is not None and not isinstance(store, InMemoryTrackerStore):
        logger.warning(
            "tracker store %s is not server.tracker_store.WalkWiseTrackerStore: "
            "turns are lost silently when its database fails",
            type(store).__name__,
        )
    result: TrackerStore = original(store, domain)
    return result


_event_classes: Dict[str, Any] = {}


def resolve_event_type(original: Callable[..., Any], type_name: str, default: Any = None) -> Any:
    """Event.resolve_by_type, remembered by type name. Stock Rasa walks every
    Event subclass (recursively, asking ``inspect.isabstract`` of each) for
    every event it reads back: about 75 µs an event, most of the time it takes
    to read a long conversation from the tracker store (pitfall #11)."""
    found = _event_classes.get(type_name)
    if found is None:
        found = original(type_name, default)
        if getattr(found, "type_name", None) == type_name:
            _event_classes[type_name] = found
    return found


_response_validator: List[Any] = []


def validate_action_result(original: Callable[..., Any], action: Any, result: Dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result with the schema checked once.
    Stock Rasa calls ``jsonschema.validate``, which first checks the schema
    itself against its metaschema, on every answer of the action server:
    several milliseconds a turn, the largest single cost a profile of a turn
    showed. An invalid answer goes to the original, for its error message."""
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for

    if not _response_validator:
        schema = action.action_response_format_spec()
        kind = validator_for(schema)
        kind.check_schema(schema)
        _response_validator.append(kind(schema))
    try:
        _response_validator[0].validate(result)
    except ValidationError:
        return bool(original(action, result))  # raises, with Rasa's message
    return True


def add_readiness(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Sanic:
    """rasa.core.run.configure_app: the app also answers ``GET /ready`` and,
    once started, says whether the tracker store's database answered and
    starts its journal's flusher (server/readiness.py). Stock Rasa has no
    readiness check: ``/`` answers while the database is down."""
    app: Sanic = original(*args, **kwargs)
    readiness.register(app)
    return app


def patched(original: Callable[..., Any], patch: Callable[..., Any], **options: Any) -> Callable[..., Any]:
    """``original`` with ``patch`` wrapped around it."""

    @functools.wraps(original)
    async def run(*args: Any, **kwargs: Any) -> Any:
        return await patch(original, *args, **kwargs, **options)

    return run


def patched_sync(original: Callable[..., Any], patch: Callable[..., Any]) -> Callable[..., Any]:
    """``original`` (not a coroutine function) with ``patch`` wrapped around it."""

    @functools.wraps(original)
    def run(*args: Any, **kwargs: Any) -> Any:
        return patch(original, *args, **kwargs)

    return run


def install() -> None:
    """Patches Rasa's message processor, remote action, agent and app. Idempotent."""
    global _installed
    if _installed:
        return
    _installed = True
    wiring: list[tuple[Any, str, Callable[..., Any], dict[str, Any]]] = [
        (MessageProcessor, "handle_message", handle_message, {}),
        (MessageProcessor, "parse_message", parse_message, {}),
        (MessageProcessor, "_run_prediction_loop", run_prediction_loop, {"limiter": rate_limiter()}),
        (RemoteAction, "run", run_remote_action, {"timeout": action_timeout()}),
        # Outermost, so that it also covers the patches above.
        (MessageProcessor, "handle_message", apologise_when_store_unavailable, {}),
    ]
    for owner, name, patch, options in wiring:
        setattr(owner, name, patched(getattr(owner, name), patch, **options))
    plain: list[tuple[Any, str, Callable[..., Any]]] = [
        (Agent, "_create_tracker_store", unwrapped_tracker_store),  # staticmethods
        (Event, "resolve_by_type", resolve_event_type),
        (rasa.core.run, "configure_app", add_readiness),
    ]
    for owner, name, patch in plain:
        wrapped = patched_sync(getattr(owner, name), patch)
        setattr(owner, name, staticmethod(wrapped) if isinstance(owner, type) else wrapped)
    tracker_speed.install()
    model_loading.install()
    # A method of the instance, not a staticmethod.
    RemoteAction._validate_action_result = patched_sync(  # type: ignore[method-assign]
        RemoteAction._validate_action_result, validate_action_result
    )
    RemoteAction._action_call_format = patched_sync(  # type: ignore[method-assign]
        RemoteAction._action_call_format, action_payload.action_call_format
    )
