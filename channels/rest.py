"""The REST channel (``POST /webhooks/rest/webhook``), stricter than Rasa's own.

* The body must be a JSON object with a string ``sender`` (optional) and a
  string ``message``; anything else gets a 400 that says what is wrong,
  instead of Rasa's 500.
* The channel is always recorded as ``rest``; a client cannot relabel it, and
  client metadata is not stored.
* Failures are logged with the sender id only, never the message text.
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

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


class RestInput(RasaRestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("walkwise_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text = parse_body(request)
            except BadRequest as error:
                return response.json({"error": str(error)}, status=400)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name()))
            except CancelledError:
                logger.error("rest: processing timed out for sender %s", sender)
            except Exception as error:
                logger.error("rest: processing failed for sender %s (%s)", sender, type(error).__name__)
            if not collector.messages:
                collector.messages.append({"recipient_id": sender, "text": messages.ACTION_UNAVAILABLE})
            return response.json(collector.messages)

        return webhook
