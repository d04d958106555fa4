"""The REST channel (``POST /webhooks/rest/webhook``), stricter than Rasa's own.

* The body must be a JSON object with a string ``sender`` (optional) and a
  string ``message``; anything else gets a 400 that says what is wrong,
  instead of Rasa's 500.
* The channel is always recorded as ``rest``; a client cannot relabel it, and
  client metadata is not stored.
* Failures are logged with the sender id only, never the message text.
* An answer people may rate (a guidance answer, or the not-covered answer)
  carries ``"feedback": {"ref": "...", "values": ["up", "down"]}`` on its last
  part; ``POST /webhooks/rest/feedback`` with
  ``{"sender": "id", "ref": "...", "value": "down", "reason": "optional"}``
  records a thumbs without going through the bot (400 malformed, 403 a
  reference not sent to that sender, 404 no such answer; nothing is stored
  then).
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import feedback as thumbs
from common import messages

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 200


class BadRequest(ValueError):
    pass


def parse_body(request: Request) -> tuple[str, str]:
    """The (sender, message) of a REST request, or BadRequest saying why not."""
    try:
        body = request.json
    except Exception:  # sanic raises its own InvalidUsage subclasses
        raise BadRequest("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequest('the body must be a JSON object like {"sender": "id", "message": "text"}')
    sender = body.get("sender", "default")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        raise BadRequest(f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters")
    message = body.get("message")
    if not isinstance(message, str):
        raise BadRequest("'message' must be a string")
    return sender, message


class RestOutput(CollectingOutputChannel):
    """Collects the replies; an answer people may rate gets its feedback reference."""

    def __init__(self, refs: thumbs.FeedbackRefs) -> None:
        super().__init__()
        self.refs = refs

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        ref = self.refs.for_message(recipient_id, message)
        before = len(self.messages)
        await super().send_response(recipient_id, message)
        if ref and len(self.messages) > before:
            self.messages[-1]["feedback"] = {"ref": ref, "values": list(thumbs.VALUES)}


def parse_feedback_body(request: Request) -> tuple[str, thumbs.Feedback]:
    """The (sender, feedback) of a feedback request, or BadFeedback saying why not."""
    try:
        body = request.json
    except Exception:  # sanic raises its own InvalidUsage subclasses
        raise thumbs.BadFeedback("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise thumbs.BadFeedback(
            'the body must be a JSON object like {"sender": "id", "ref": "…", "value": "up"}'
        )
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        raise thumbs.BadFeedback(f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} chars")
    return sender, thumbs.parse_feedback(body)


class RestInput(RasaRestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    refs: Optional[thumbs.FeedbackRefs] = None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("walkwise_rest_webhook", __name__)
        refs = self.refs = self.refs or thumbs.default_refs()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text = parse_body(request)
            except BadRequest as error:
                return response.json({"error": str(error)}, status=400)
            collector = RestOutput(refs)
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name()))
            except CancelledError:
                logger.error("rest: processing timed out for sender %s", sender)
            except Exception as error:
                logger.error("rest: processing failed for sender %s (%s)", sender, type(error).__name__)
            if not collector.messages:
                collector.messages.append({"recipient_id": sender, "text": messages.ACTION_UNAVAILABLE})
            return response.json(collector.messages)

        @webhook.route("/feedback", methods=["POST"])
        async def feedback(request: Request) -> HTTPResponse:
            try:
                sender, given = parse_feedback_body(request)
                timestamp = refs.timestamp(sender, given.ref)
            except thumbs.ForgedFeedback as error:
                logger.warning("rest: feedback refused for sender %s (bad reference)", sender)
                return response.json({"error": str(error)}, status=403)
            except thumbs.BadFeedback as error:
                return response.json({"error": str(error)}, status=400)
            agent = getattr(request.app.ctx, "agent", None)
            try:
                await thumbs.store(lambda: thumbs.tracker_engine(agent), sender, timestamp, given)
            except thumbs.UnknownAnswer as error:
                return response.json({"error": str(error)}, status=404)
            return response.json({"ok": True, "value": given.value, "reason": given.reason})

        return webhook
