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
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from sanic import Blueprint, response
from sanic.request import Request
from slack_sdk.web.async_client import AsyncWebClient

from channels.common import RecentIds, disabled_blueprint, env, missing, to_slack_mrkdwn

logger = logging.getLogger(__name__)

TOKEN, SIGNING_SECRET, CHANNEL, API_URL = (
    "WALKWISE_SLACK_BOT_TOKEN",
    "WALKWISE_SLACK_SIGNING_SECRET",
    "WALKWISE_SLACK_CHANNEL",
    "WALKWISE_SLACK_API_URL",
)
DEFAULT_API_URL = "https://slack.com/api/"


class SlackOutput(SlackBot):
    """Rasa's Slack output with a configurable API URL and mrkdwn text."""

    def __init__(self, token: str, channel: Optional[str], thread_id: Optional[str], api_url: str) -> None:
        super().__init__(token, channel, thread_id)
        self.client = AsyncWebClient(token=token, base_url=api_url)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._post_message(
            channel=self.slack_channel or recipient_id,
            as_user=True,
            text=to_slack_mrkdwn(text),
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
        self.events = RecentIds()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        if not self.enabled:
            return disabled_blueprint("slack", missing([TOKEN, SIGNING_SECRET]))
        return super().blueprint(on_new_message)

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
        return SlackOutput(self.slack_token, channel or self.slack_channel, thread_id, self.api_url)


def _event_id(request: Request) -> Optional[str]:
    if request.headers.get("content-type") != "application/json":
        return None
    body = request.json or {}
    event = body.get("event") or {}
    return body.get("event_id") or event.get("client_msg_id")
