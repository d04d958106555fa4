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

An answer people may rate (a guidance answer, or the not-covered answer) gets
a last keyboard row "👍 Helpful" / "👎 Not helpful" whose ``callback_data`` is
``ww:u:<ref>`` or ``ww:d:<ref>`` (under Telegram's 64 bytes). A press is a
``callback_query`` stored as feedback for that chat, never sent to the bot,
and answered with ``answerCallbackQuery``; the pressed button is marked. After
a thumbs down the bot asks, with a forced reply, what was wrong; a reply to
that question (within 30 minutes) is stored as the reason, one line, and not
sent to the bot either.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import logging
import sys
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import feedback as thumbs
from channels.common import RecentIds, disabled_blueprint, env, missing, to_telegram_html
from common import messages, settings

logger = logging.getLogger(__name__)

TOKEN, SECRET, WEBHOOK_URL, API_URL = (
    "WALKWISE_TELEGRAM_TOKEN",
    "WALKWISE_TELEGRAM_SECRET",
    "WALKWISE_TELEGRAM_WEBHOOK_URL",
    "WALKWISE_TELEGRAM_API_URL",
)
DEFAULT_API_URL: str = settings.BY_NAME[API_URL].default
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
NO_TEXT_REPLY = messages.NO_TEXT

FEEDBACK_PREFIX = "ww:"
FEEDBACK_CODES = {"u": "up", "d": "down"}
FEEDBACK_LABELS = {"up": "👍 Helpful", "down": "👎 Not helpful"}
CHOSEN_MARK = " ✓"
MAX_CALLBACK_BYTES = 64
REASON_PROMPT = "Sorry that answer didn't help. What was wrong with it? Reply in one line (optional)."
REASON_WAIT_SECONDS = 30 * 60
THANKS = "Thanks for your feedback."
THANKS_REASON = "Thanks, your comment was recorded."
NOT_FOUND = "Sorry, I couldn't find that answer."


def feedback_row(ref: str) -> Optional[List[Dict[str, str]]]:
    """The thumbs row for an answer, or None if its data would not fit."""
    row = [
        {"text": FEEDBACK_LABELS[value], "callback_data": f"{FEEDBACK_PREFIX}{code}:{ref}"}
        for code, value in FEEDBACK_CODES.items()
    ]
    if any(len(button["callback_data"].encode()) > MAX_CALLBACK_BYTES for button in row):
        return None
    return row


def parse_callback(data: object) -> Optional[thumbs.Feedback]:
    """The feedback a button's callback_data holds; None when it is a bot
    button; BadFeedback when it is ours but malformed."""
    if not isinstance(data, str) or not data.startswith(FEEDBACK_PREFIX):
        return None
    code, _, ref = data[len(FEEDBACK_PREFIX) :].partition(":")
    if code not in FEEDBACK_CODES:
        raise thumbs.BadFeedback("unknown feedback button")
    return thumbs.parse_feedback({"ref": ref, "value": FEEDBACK_CODES[code]})


def marked_keyboard(markup: Any, chosen: thumbs.Feedback) -> Optional[Dict[str, Any]]:
    """The message's keyboard with the pressed thumbs marked (and the other not)."""
    keyboard = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(keyboard, list):
        return None
    rows = []
    for row in keyboard:
        buttons = []
        for button in row if isinstance(row, list) else []:
            try:
                pressed = parse_callback(button.get("callback_data"))
            except thumbs.BadFeedback:
                pressed = None
            if pressed is not None:
                label = FEEDBACK_LABELS[pressed.value]
                chosen_here = pressed.value == chosen.value and pressed.ref == chosen.ref
                button = {**button, "text": label + (CHOSEN_MARK if chosen_here else "")}
            buttons.append(button)
        rows.append(buttons)
    return {"inline_keyboard": rows}


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

    def __init__(self, api: BotApi, refs: Optional[thumbs.FeedbackRefs] = None) -> None:
        self.api = api
        self.refs = refs

    def _thumbs(self, recipient_id: str, kwargs: Dict[str, Any]) -> List[List[Dict[str, str]]]:
        ref = self.refs.for_message(recipient_id, kwargs) if self.refs else None
        row = feedback_row(ref) if ref else None
        return [row] if row else []

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        keyboard = self._thumbs(recipient_id, kwargs)
        extra: Dict[str, Any] = {"reply_markup": {"inline_keyboard": keyboard}} if keyboard else {}
        await self.api.call(
            "sendMessage", chat_id=recipient_id, text=to_telegram_html(text), parse_mode="HTML", **extra
        )

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        keyboard = [[{"text": b["title"], "callback_data": b["payload"][:64]}] for b in buttons]
        keyboard += self._thumbs(recipient_id, kwargs)
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
        self.updates = RecentIds(namespace="telegram")
        self.refs: Optional[thumbs.FeedbackRefs] = None
        self.app_ctx: Any = None  # the Sanic app's ctx, where Rasa keeps its agent
        # chat id -> (reference of the answer given a thumbs down, when asked why)
        self.awaiting_reason: Dict[str, Tuple[str, float]] = {}

    def get_output_channel(self) -> OutputChannel:
        return TelegramOutput(self.api, self.refs)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        absent = missing([TOKEN, SECRET]) if not (self.token and self.secret) else []
        if absent:
            return disabled_blueprint("telegram", absent)
        telegram = Blueprint("walkwise_telegram_webhook", __name__)
        self.refs = self.refs or thumbs.default_refs()

        @telegram.listener("after_server_start")
        async def register(app: Any, _: Any) -> None:
            self.app_ctx = app.ctx
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
            try:
                given = parse_callback(callback.get("data"))
            except thumbs.BadFeedback:
                await self.api.call("answerCallbackQuery", callback_query_id=callback.get("id"))
                return
            if given is not None:
                await self.handle_feedback(callback, given)
                return
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
        if not callback and await self.take_reason(str(chat_id), message):
            return
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

    def _engine(self) -> Any:
        return thumbs.tracker_engine(getattr(self.app_ctx, "agent", None))

    async def _store(self, chat_id: str, given: thumbs.Feedback) -> Optional[str]:
        """Stores the feedback; None when done, else what to tell the person."""
        assert self.refs is not None
        try:
            timestamp = self.refs.timestamp(chat_id, given.ref)
            await thumbs.store(self._engine, chat_id, timestamp, given)
        except thumbs.ForgedFeedback:
            logger.warning("telegram: feedback refused for chat %s, reference not sent to it", chat_id)
            return NOT_FOUND
        except (thumbs.BadFeedback, thumbs.UnknownAnswer):
            return NOT_FOUND
        return None

    async def handle_feedback(self, callback: Dict[str, Any], given: thumbs.Feedback) -> None:
        """A thumbs pressed under an answer: stored for the chat the answer is in."""
        message = callback.get("message") or {}
        chat_id = (message.get("chat") or {}).get("id")
        problem = NOT_FOUND if chat_id is None else await self._store(str(chat_id), given)
        await self.api.call(
            "answerCallbackQuery", callback_query_id=callback.get("id"), text=problem or THANKS
        )
        if problem or chat_id is None:
            return
        keyboard = marked_keyboard(message.get("reply_markup"), given)
        if keyboard and message.get("message_id") is not None:
            await self.api.call(
                "editMessageReplyMarkup",
                chat_id=chat_id,
                message_id=message["message_id"],
                reply_markup=keyboard,
            )
        if given.value == "down":
            self._forget_old_reasons()
            self.awaiting_reason[str(chat_id)] = (given.ref, time.monotonic())
            await self.api.call(
                "sendMessage",
                chat_id=chat_id,
                text=REASON_PROMPT,
                reply_markup={"force_reply": True, "input_field_placeholder": "What was wrong? (optional)"},
            )
        else:
            self.awaiting_reason.pop(str(chat_id), None)

    async def take_reason(self, chat_id: str, message: Dict[str, Any]) -> bool:
        """Whether the message was the reason for a thumbs down (then stored,
        thanked, and not sent to the bot)."""
        replied = message.get("reply_to_message") or {}
        if replied.get("text") != REASON_PROMPT:
            return False
        self._forget_old_reasons()
        waiting = self.awaiting_reason.pop(chat_id, None)
        text = message.get("text")
        if waiting is None or not isinstance(text, str):
            return False
        problem = await self._store(chat_id, thumbs.Feedback(waiting[0], "down", thumbs.clean_reason(text)))
        await self.api.call("sendMessage", chat_id=chat_id, text=problem or THANKS_REASON)
        return True

    def _forget_old_reasons(self) -> None:
        now = time.monotonic()
        for chat, (_, since) in list(self.awaiting_reason.items()):
            if now - since > REASON_WAIT_SECONDS:
                del self.awaiting_reason[chat]


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
