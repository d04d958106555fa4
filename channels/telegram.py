"""Telegram, through a webhook that only Telegram can use.

Configured from the environment:
    WALKWISE_TELEGRAM_TOKEN         the bot token from @BotFather
    WALKWISE_TELEGRAM_SECRET        the webhook secret token (1-256 of A-Z a-z 0-9 _ -)
    WALKWISE_TELEGRAM_WEBHOOK_URL   optional: the public https URL of /webhooks/telegram/webhook;
                                    when set, the webhook is registered at start-up
    WALKWISE_TELEGRAM_API_URL       optional: the Bot API base URL (default https://api.telegram.org)

Unlike Rasa's own Telegram channel, it rejects every update without the
matching ``X-Telegram-Bot-Api-Secret-Token`` header, answers button presses
(``answerCallbackQuery``), ignores edited messages and repeated ``update_id``s,
escapes text for the HTML parse mode, treats ``/start`` as a greeting, answers
Telegram 200 once an update is accepted (so a processing error never causes
redelivery), and has no public endpoint that re-registers the webhook:
``python -m channels.telegram set-webhook`` does that from the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import logging
import sys
from typing import Any, Awaitable, Callable, Dict, List, Optional

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.common import RecentIds, disabled_blueprint, env, missing, to_telegram_html
from common import messages

logger = logging.getLogger(__name__)

TOKEN, SECRET, WEBHOOK_URL, API_URL = (
    "WALKWISE_TELEGRAM_TOKEN",
    "WALKWISE_TELEGRAM_SECRET",
    "WALKWISE_TELEGRAM_WEBHOOK_URL",
    "WALKWISE_TELEGRAM_API_URL",
)
DEFAULT_API_URL = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
NO_TEXT_REPLY = messages.NO_TEXT


class BotApi:
    """The few Bot API methods the channel uses, over plain HTTP."""

    def __init__(self, token: str, base_url: str = DEFAULT_API_URL) -> None:
        self.base = f"{base_url.rstrip('/')}/bot{token}"

    async def call(self, method: str, **payload: Any) -> Dict[str, Any]:
        timeout = aiohttp.ClientTimeout(total=15)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.post(f"{self.base}/{method}", json=payload) as reply:
                body = await reply.json(content_type=None)
        if not body.get("ok"):
            logger.error("telegram %s failed: %s", method, body.get("description"))
        return body


class TelegramOutput(OutputChannel):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, api: BotApi) -> None:
        self.api = api

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.api.call(
            "sendMessage", chat_id=recipient_id, text=to_telegram_html(text), parse_mode="HTML"
        )

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        keyboard = [[{"text": b["title"], "callback_data": b["payload"][:64]}] for b in buttons]
        await self.api.call(
            "sendMessage",
            chat_id=recipient_id,
            text=to_telegram_html(text),
            parse_mode="HTML",
            reply_markup={"inline_keyboard": keyboard},
        )


def _message_text(text: str) -> str:
    command = text.strip().split(maxsplit=1)[0].split("@")[0] if text.strip() else ""
    return "/greet" if command == "/start" else text


class TelegramInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        return cls(
            token=env(TOKEN),
            secret=env(SECRET),
            webhook_url=env(WEBHOOK_URL),
            api_url=env(API_URL) or DEFAULT_API_URL,
        )

    def __init__(
        self,
        token: Optional[str],
        secret: Optional[str],
        webhook_url: Optional[str] = None,
        api_url: str = DEFAULT_API_URL,
    ) -> None:
        self.token, self.secret, self.webhook_url = token, secret, webhook_url
        self.api = BotApi(token or "", api_url)
        self.updates = RecentIds()

    def get_output_channel(self) -> OutputChannel:
        return TelegramOutput(self.api)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        absent = missing([TOKEN, SECRET]) if not (self.token and self.secret) else []
        if absent:
            return disabled_blueprint("telegram", absent)
        telegram = Blueprint("walkwise_telegram_webhook", __name__)

        @telegram.listener("after_server_start")
        async def register(*_: Any) -> None:
            if self.webhook_url:
                await set_webhook(self.api, self.webhook_url, self.secret or "")

        @telegram.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), (self.secret or "").encode()):
                logger.warning("telegram: update refused, missing or wrong secret token")
                return response.json({"error": "forbidden"}, status=403)
            try:
                update = json.loads(request.body or b"")
            except ValueError:
                return response.json({"error": "the body is not valid JSON"}, status=400)
            if not isinstance(update, dict):
                return response.json({"error": "an update must be a JSON object"}, status=400)
            try:
                await self.handle_update(update, on_new_message)
            except Exception as error:  # accepted: never make Telegram redeliver
                logger.error("telegram: update %s failed (%s)", update.get("update_id"), type(error).__name__)
            return response.json({"ok": True})

        return telegram

    async def handle_update(
        self, update: Dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        update_id = update.get("update_id")
        if update_id is not None and self.updates.seen(update_id):
            logger.info("telegram: update %s already handled", update_id)
            return
        if "edited_message" in update or "edited_channel_post" in update:
            return
        callback = update.get("callback_query")
        if callback:
            await self.api.call("answerCallbackQuery", callback_query_id=callback.get("id"))
            message = callback.get("message") or {}
            text = callback.get("data") or ""
        else:
            message = update.get("message") or {}
            text = message.get("text")
        chat_id = (message.get("chat") or {}).get("id")
        if chat_id is None:
            return
        output = self.get_output_channel()
        if not isinstance(text, str) or not text.strip():
            await output.send_text_message(str(chat_id), NO_TEXT_REPLY)
            return
        await on_new_message(
            UserMessage(
                _message_text(text),
                output,
                str(chat_id),
                input_channel=self.name(),
                message_id=str(message.get("message_id") or "") or None,
            )
        )


async def set_webhook(api: BotApi, url: str, secret: str) -> Dict[str, Any]:
    result = await api.call(
        "setWebhook",
        url=url,
        secret_token=secret,
        allowed_updates=["message", "edited_message", "callback_query"],
    )
    logger.info("telegram: webhook registration %s", "done" if result.get("ok") else "failed")
    return result


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Register the Telegram webhook with its secret token.")
    parser.add_argument("command", choices=["set-webhook"])
    parser.add_argument("--url", default=env(WEBHOOK_URL), help=f"default: ${WEBHOOK_URL}")
    args = parser.parse_args(argv)
    token, secret = env(TOKEN), env(SECRET)
    if not (token and secret and args.url):
        print(f"error: set {TOKEN}, {SECRET} and {WEBHOOK_URL} (or --url)", file=sys.stderr)
        return 2
    result = asyncio.run(
        set_webhook(BotApi(token, env(API_URL, DEFAULT_API_URL) or DEFAULT_API_URL), args.url, secret)
    )
    print(json.dumps(result))
    return 0 if result.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
