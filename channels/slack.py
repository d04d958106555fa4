"""Slack, through the Events API, with every request's signature checked.

Configured from the environment:
    WALKWISE_SLACK_BOT_TOKEN        the bot token (xoxb-...)
    WALKWISE_SLACK_SIGNING_SECRET   the app's signing secret
    WALKWISE_SLACK_CHANNEL          optional: also answer messages in this channel id
                                    (direct messages and @mentions are always answered)
    WALKWISE_SLACK_API_URL          optional: the Web API base URL (default https://slack.com/api/)

Rasa's ``SlackInput`` verifies the v0 signature (HMAC-SHA256 over the
timestamp and body, timestamps older than five minutes refused); this channel
keeps that and adds what it lacks: every retry (``X-Slack-Retry-Num``) and
every repeated ``event_id`` is acknowledged without a second answer, answers
use Slack's mrkdwn (so bold and lists survive) with buttons as blocks, and a
reply to a message in a thread stays in that thread.

An answer people may rate (a guidance answer, or the not-covered answer) ends
with a "👍 Helpful" / "👎 Not helpful" actions block. A click arrives as a
``block_actions`` interactivity payload (form-encoded ``payload=<json>``) on
the same webhook, passes the same signature check, and is stored as feedback
without reaching the bot; a thumbs down is followed by an ephemeral one-line
"what was wrong?" input whose Enter sends the reason the same way. A
reference not sent to the clicking user is refused (403), an unknown answer
gets 404; nothing is stored then.
"""

from __future__ import annotations

import asyncio
import json
import logging
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from channels import feedback as thumbs
from channels.common import RecentIds, disabled_blueprint, env, missing, to_slack_mrkdwn
from common import settings

logger = logging.getLogger(__name__)

TOKEN, SIGNING_SECRET, CHANNEL, API_URL = (
    "WALKWISE_SLACK_BOT_TOKEN",
    "WALKWISE_SLACK_SIGNING_SECRET",
    "WALKWISE_SLACK_CHANNEL",
    "WALKWISE_SLACK_API_URL",
)
DEFAULT_API_URL: str = settings.BY_NAME[API_URL].default

FEEDBACK_PREFIX = "walkwise_feedback"
FEEDBACK_BLOCK = FEEDBACK_PREFIX
FEEDBACK_ACTIONS = {f"{FEEDBACK_PREFIX}_up": "up", f"{FEEDBACK_PREFIX}_down": "down"}
REASON_ACTION = f"{FEEDBACK_PREFIX}_reason"
REASON_LABEL = "What was wrong with that answer? One line, optional; press Enter to send."
THANKS = "Thanks for your feedback."
THANKS_REASON = "Thanks, your comment was recorded."
SECTION_LIMIT = 3000  # characters of a section block's text


def feedback_block(ref: str) -> Dict[str, Any]:
    """The thumbs under an answer; each button's value is the answer's reference."""
    labels = {"up": "👍 Helpful", "down": "👎 Not helpful"}
    return {
        "type": "actions",
        "block_id": FEEDBACK_BLOCK,
        "elements": [
            {
                "type": "button",
                "action_id": action_id,
                "text": {"type": "plain_text", "text": labels[value], "emoji": True},
                "value": ref,
            }
            for action_id, value in FEEDBACK_ACTIONS.items()
        ],
    }


def reason_block(ref: str) -> Dict[str, Any]:
    """A one-line input whose Enter sends a block_actions payload with the reason."""
    return {
        "type": "input",
        "block_id": f"{REASON_ACTION}:{ref}",
        "dispatch_action": True,
        "label": {"type": "plain_text", "text": REASON_LABEL},
        "element": {
            "type": "plain_text_input",
            "action_id": REASON_ACTION,
            "max_length": thumbs.REASON_MAX_CHARS,
            "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]},
        },
    }


def feedback_action(payload: Any) -> Optional[thumbs.Feedback]:
    """The feedback in a block_actions payload, None when it holds none (then
    it is some other button, for the bot), or BadFeedback when it is ours but
    malformed."""
    if not isinstance(payload, dict) or payload.get("type") != "block_actions":
        return None
    actions = payload.get("actions")
    action = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
    action_id = action.get("action_id")
    if not isinstance(action_id, str) or not action_id.startswith(FEEDBACK_PREFIX):
        return None
    if action_id in FEEDBACK_ACTIONS:
        return thumbs.parse_feedback({"ref": action.get("value"), "value": FEEDBACK_ACTIONS[action_id]})
    block_id = action.get("block_id")
    if action_id == REASON_ACTION and isinstance(block_id, str) and block_id.startswith(f"{REASON_ACTION}:"):
        ref = block_id.split(":", 1)[1]
        return thumbs.parse_feedback({"ref": ref, "value": "down", "reason": action.get("value") or ""})
    raise thumbs.BadFeedback("unknown feedback action")


def _sections(mrkdwn: str) -> List[Dict[str, Any]]:
    """Section blocks holding the text, cut at paragraph breaks to fit Slack's limit."""
    parts: List[str] = []
    for paragraph in mrkdwn.split("\n\n"):
        while len(paragraph) > SECTION_LIMIT:
            parts.append(paragraph[:SECTION_LIMIT])
            paragraph = paragraph[SECTION_LIMIT:]
        if parts and len(parts[-1]) + 2 + len(paragraph) <= SECTION_LIMIT:
            parts[-1] = f"{parts[-1]}\n\n{paragraph}"
        else:
            parts.append(paragraph)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": part}} for part in parts if part.strip()]


class SlackOutput(SlackBot):
    """Rasa's Slack output with a configurable API URL, mrkdwn text and thumbs
    under the answers people may rate."""

    def __init__(
        self,
        token: str,
        channel: Optional[str],
        thread_id: Optional[str],
        api_url: str,
        refs: Optional[thumbs.FeedbackRefs] = None,
    ) -> None:
        super().__init__(token, channel, thread_id)
        self.client = AsyncWebClient(token=token, base_url=api_url)
        self.refs = refs

    def _ref(self, recipient_id: str, kwargs: Dict[str, Any]) -> Optional[str]:
        return self.refs.for_message(recipient_id, kwargs) if self.refs else None

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        mrkdwn = to_slack_mrkdwn(text)
        ref = self._ref(recipient_id, kwargs)
        if ref:
            await self._post_message(
                channel=self.slack_channel or recipient_id,
                as_user=True,
                text=mrkdwn,
                blocks=[*_sections(mrkdwn), feedback_block(ref)],
            )
            return
        await self._post_message(
            channel=self.slack_channel or recipient_id,
            as_user=True,
            text=mrkdwn,
            type="mrkdwn",
        )

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        mrkdwn = to_slack_mrkdwn(text)
        blocks = [
            {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": b["title"][:75]},
                        "value": b["payload"],
                    }
                    for b in buttons[:5]
                ],
            },
        ]
        ref = self._ref(recipient_id, kwargs)
        if ref:
            blocks.append(feedback_block(ref))
        await self._post_message(
            channel=self.slack_channel or recipient_id, as_user=True, text=mrkdwn, blocks=blocks
        )


class SlackInput(RasaSlackInput):
    @classmethod
    def name(cls) -> str:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        return cls(
            slack_token=env(TOKEN) or "",
            slack_channel=env(CHANNEL),
            slack_signing_secret=env(SIGNING_SECRET) or "",
            use_threads=True,
            api_url=env(API_URL, DEFAULT_API_URL) or DEFAULT_API_URL,
        )

    def __init__(self, *args: Any, api_url: str = DEFAULT_API_URL, **kwargs: Any) -> None:
        kwargs.setdefault("slack_retry_reason_header", "x-slack-retry-reason")
        kwargs.setdefault("slack_retry_number_header", "x-slack-retry-num")
        self.enabled = bool(kwargs.get("slack_token") and kwargs.get("slack_signing_secret"))
        if not self.enabled:
            # Rasa's constructor insists on a signing secret; the channel stays off.
            kwargs["slack_signing_secret"] = kwargs.get("slack_signing_secret") or "unset"
        super().__init__(*args, **kwargs)
        self.api_url = api_url
        self.events = RecentIds(namespace="slack")
        self.refs: Optional[thumbs.FeedbackRefs] = None
        self._acks: Set["asyncio.Task[Any]"] = set()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        if not self.enabled:
            return disabled_blueprint("slack", missing([TOKEN, SIGNING_SECRET]))
        self.refs = self.refs or thumbs.default_refs()
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def feedback(request: Request) -> Optional[HTTPResponse]:
            """Thumbs clicks are answered here, before Rasa's handler sees them."""
            if request.method != "POST" or not request.path.rstrip("/").endswith("/webhook"):
                return None
            if not (request.headers.get("content-type") or "").startswith(
                "application/x-www-form-urlencoded"
            ):
                return None
            return await self.handle_feedback(request)

        return blueprint

    async def handle_feedback(self, request: Request) -> Optional[HTTPResponse]:
        """Stores the feedback of a block_actions payload; None when the payload
        is not feedback (a bot button), for Rasa's handler to take."""
        try:
            payload = json.loads((request.form or {}).get("payload") or "")
        except (ValueError, TypeError):
            return None
        bad: Optional[thumbs.BadFeedback] = None
        try:
            given = feedback_action(payload)
        except thumbs.BadFeedback as error:
            given, bad = None, error
        if given is None and bad is None:
            return None
        if not self.is_request_from_slack_authentic(request):
            logger.warning("slack: feedback refused, bad or missing signature")
            return response.text(
                "Message is not properly signed with a valid X-Slack-Signature header",
                status=HTTPStatus.BAD_REQUEST,
            )
        if given is None:
            return response.json({"error": str(bad)}, status=HTTPStatus.BAD_REQUEST)
        user_id = (payload.get("user") or {}).get("id")
        channel_id = (payload.get("channel") or {}).get("id")
        message = payload.get("message") or {}
        container = payload.get("container") or {}
        thread_ts = message.get("thread_ts") or container.get("thread_ts")
        sender = self._get_conversation_id(user_id, channel_id, thread_ts or message.get("ts"))
        if not isinstance(sender, str) or not sender:
            return response.json({"error": "the payload names no user"}, status=HTTPStatus.BAD_REQUEST)
        assert self.refs is not None
        try:
            timestamp = self.refs.timestamp(sender, given.ref)
        except thumbs.ForgedFeedback as error:
            logger.warning("slack: feedback refused for %s, reference not sent to them", sender)
            return response.json({"error": str(error)}, status=HTTPStatus.FORBIDDEN)
        except thumbs.BadFeedback as error:
            return response.json({"error": str(error)}, status=HTTPStatus.BAD_REQUEST)
        agent = getattr(request.app.ctx, "agent", None)
        try:
            await thumbs.store(lambda: thumbs.tracker_engine(agent), sender, timestamp, given)
        except thumbs.UnknownAnswer as error:
            return response.json({"error": str(error)}, status=HTTPStatus.NOT_FOUND)
        if channel_id and user_id:
            self._acknowledge(channel_id, user_id, thread_ts, given)
        return response.text("", status=HTTPStatus.OK)

    def _acknowledge(self, channel: str, user: str, thread_ts: Optional[str], given: thumbs.Feedback) -> None:
        """Tells the user (only them) it was recorded; after a thumbs down, asks why."""
        client = AsyncWebClient(token=self.slack_token, base_url=self.api_url)
        extra: Dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        if given.value == "down" and given.reason is None:
            call = client.chat_postEphemeral(
                channel=channel, user=user, text=THANKS, blocks=[reason_block(given.ref)], **extra
            )
        else:
            call = client.chat_postEphemeral(
                channel=channel, user=user, text=THANKS_REASON if given.reason else THANKS, **extra
            )

        async def send() -> None:
            try:
                await call
            except Exception as error:  # the feedback is stored; only the thanks is lost
                logger.error("slack: feedback acknowledgement failed (%s)", type(error).__name__)

        task = asyncio.ensure_future(send())
        self._acks.add(task)
        task.add_done_callback(self._acks.discard)

    async def process_message(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        sender_id: Optional[str],
        metadata: Optional[Dict],
    ) -> Any:
        retry = request.headers.get("X-Slack-Retry-Num")
        if retry:
            logger.info(
                "slack: retry %s (%s) acknowledged, not answered again",
                retry,
                request.headers.get("X-Slack-Retry-Reason"),
            )
            return response.text("", status=HTTPStatus.OK, headers={"X-Slack-No-Retry": "1"})
        event_id = _event_id(request)
        if event_id and self.events.seen(event_id):
            logger.info("slack: event %s already handled", event_id)
            return response.text("", status=HTTPStatus.OK)
        return await super().process_message(request, on_new_message, text, sender_id, metadata)

    def get_metadata(self, request: Request) -> Dict[str, Any]:
        metadata = super().get_metadata(request)
        if request.headers.get("content-type") == "application/json":
            event = (request.json or {}).get("event", {})
            # Answer in a thread only when the user wrote in one.
            metadata["thread_id"] = event.get("thread_ts")
        return metadata

    def get_output_channel(
        self, channel: Optional[str] = None, thread_id: Optional[str] = None
    ) -> OutputChannel:
        return SlackOutput(
            self.slack_token, channel or self.slack_channel, thread_id, self.api_url, self.refs
        )


def _event_id(request: Request) -> Optional[str]:
    if request.headers.get("content-type") != "application/json":
        return None
    body = request.json or {}
    event = body.get("event") or {}
    return body.get("event_id") or event.get("client_msg_id")
