"""The socket.io channel the website widget talks to.

Compared with Rasa's own ``SocketIOInput``:

* replies always reach the page: the session room is joined whether
  ``enter_room`` is a plain call (python-socketio 5.9, which we pin) or a
  coroutine (5.10 on, where stock Rasa 3.6.21 forgets the ``await`` and no
  reply is ever delivered);
* only pages on the allowed origins can connect
  (``WALKWISE_WIDGET_ORIGINS``, comma-separated; by default the demo page at
  http://localhost:8080);
* session ids are issued and signed by the server; a page that sends an id it
  did not get from us (guessed, or copied from another site) gets a new one,
  and messages go to the session the connection was given, never to an id the
  client names;
* an answer people may rate carries ``"feedback": {"ref": "..."}``; the page
  sends a thumbs as its own ``feedback`` event (``{"ref", "value", "reason"}``),
  which never reaches the bot: it is stored for the connection's own session
  only, and acknowledged with ``{"ok": true}`` or ``{"ok": false, "status":
  403|404|400, "error": "..."}``.

The signing key is ``WALKWISE_SESSION_SECRET``, or a random key kept in
``var/session-secret`` so that sessions survive a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import logging
import secrets
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from channels import feedback as thumbs
from channels.common import env
from common import paths, settings

logger = logging.getLogger(__name__)

ORIGINS, SESSION_SECRET = "WALKWISE_WIDGET_ORIGINS", "WALKWISE_SESSION_SECRET"
SECRET_FILE = paths.ROOT / "var" / "session-secret"


def session_key() -> bytes:
    configured = env(SESSION_SECRET)
    if configured:
        return configured.encode()
    if not SECRET_FILE.exists():
        SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
        SECRET_FILE.write_text(secrets.token_hex(32))
        SECRET_FILE.chmod(0o600)
    return SECRET_FILE.read_text().strip().encode()


class SessionIds:
    """Issues session ids of the form ``<random>.<signature>`` and checks them."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def _sign(self, token: str) -> str:
        return hmac.new(self.key, token.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self) -> str:
        token = uuid.uuid4().hex
        return f"{token}.{self._sign(token)}"

    def is_valid(self, session_id: Any) -> bool:
        if not isinstance(session_id, str) or session_id.count(".") != 1:
            return False
        token, signature = session_id.split(".")
        return len(token) == 32 and hmac.compare_digest(signature, self._sign(token))


class WidgetOutput(SocketIOOutput):
    """Sends each answer as one message, so the widget can show its paragraphs
    and numbered lists together (Rasa's output splits at every blank line);
    an answer people may rate carries its feedback reference."""

    def __init__(self, sio: Any, bot_message_evt: str, refs: Optional[thumbs.FeedbackRefs] = None) -> None:
        super().__init__(sio, bot_message_evt)
        self.refs = refs

    def _feedback(self, recipient_id: str, kwargs: Dict[str, Any]) -> Dict[str, Any]:
        ref = self.refs.for_message(recipient_id, kwargs) if self.refs else None
        return {"feedback": {"ref": ref}} if ref else {}

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"text": text.strip(), **self._feedback(recipient_id, kwargs)})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        replies = [{"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons]
        await self._send_message(
            recipient_id,
            {"text": text.strip(), "quick_replies": replies, **self._feedback(recipient_id, kwargs)},
        )


class SocketIOInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        credentials = credentials or {}
        origins = list(settings.value(ORIGINS))
        return cls(
            origins=origins,
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
        )

    def __init__(
        self,
        origins: list[str],
        user_message_evt: str = "user_uttered",
        bot_message_evt: str = "bot_uttered",
        socketio_path: str = "/socket.io",
        sessions: Optional[SessionIds] = None,
    ) -> None:
        self.origins = origins
        self.user_message_evt = user_message_evt
        self.bot_message_evt = bot_message_evt
        self.socketio_path = socketio_path
        self.session_ids = sessions
        self.sio: Optional[AsyncServer] = None
        self.connections: Dict[str, str] = {}
        self.refs: Optional[thumbs.FeedbackRefs] = None
        self.app_ctx: Any = None  # the Sanic app's ctx, where Rasa keeps its agent

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WidgetOutput(self.sio, self.bot_message_evt, self.refs) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sessions = self.session_ids = self.session_ids or SessionIds(session_key())
        refs = self.refs = self.refs or thumbs.FeedbackRefs(session_key())
        sio = self.sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self.origins)
        blueprint = SocketBlueprint(sio, self.socketio_path, "walkwise_socketio_webhook", __name__)
        logger.info("socket.io channel: pages on %s may connect", ", ".join(self.origins))

        @blueprint.listener("after_server_start")
        async def remember_app(app: Any, _: Any) -> None:
            self.app_ctx = app.ctx

        def engine() -> Any:
            return thumbs.tracker_engine(getattr(self.app_ctx, "agent", None))

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect")
        async def connect(sid: str, environ: Dict, auth: Optional[Dict] = None) -> bool:
            origin = (environ.get("HTTP_ORIGIN") or "").rstrip("/")
            if origin and origin not in self.origins:
                logger.warning("socket.io: connection from %s refused", origin)
                return False
            return True

        @sio.on("disconnect")
        async def disconnect(sid: str) -> None:
            self.connections.pop(sid, None)

        @sio.on("session_request")
        async def session_request(sid: str, data: Any = None) -> None:
            asked = data.get("session_id") if isinstance(data, dict) else None
            session_id = asked if isinstance(asked, str) and sessions.is_valid(asked) else sessions.issue()
            if asked and asked != session_id:
                logger.info("socket.io: unknown session id replaced with a new session")
            self.connections[sid] = session_id
            joined = sio.enter_room(sid, session_id)
            if inspect.isawaitable(joined):  # a coroutine from python-socketio 5.10 on
                await joined
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on(self.user_message_evt)
        async def handle_message(sid: str, data: Any = None) -> None:
            session_id = self.connections.get(sid)
            if session_id is None:
                await sio.emit("session_error", {"error": "send session_request first"}, room=sid)
                return
            text = data.get("message") if isinstance(data, dict) else None
            if not isinstance(text, str):
                await sio.emit("session_error", {"error": "'message' must be a string"}, room=sid)
                return
            output = WidgetOutput(sio, self.bot_message_evt, refs)
            await on_new_message(UserMessage(text, output, session_id, input_channel=self.name()))

        @sio.on("feedback")
        async def handle_feedback(sid: str, data: Any = None) -> Dict[str, Any]:
            """A thumbs on an answer: stored, never sent to the bot. The reply
            is the acknowledgement the page asked for (also sent as
            ``feedback_result``)."""
            result = await self._record_feedback(self.connections.get(sid), data, engine)
            await sio.emit("feedback_result", result, room=sid)
            return result

        return blueprint

    async def _record_feedback(
        self, session_id: Optional[str], data: Any, engine: Callable[[], Any]
    ) -> Dict[str, Any]:
        ref = data.get("ref") if isinstance(data, dict) else None
        if session_id is None:
            return {"ok": False, "status": 403, "ref": ref, "error": "send session_request first"}
        assert self.refs is not None
        try:
            given = thumbs.parse_feedback(data)
            timestamp = self.refs.timestamp(session_id, given.ref)
        except thumbs.ForgedFeedback as error:
            logger.warning("socket.io: feedback refused, reference not issued to this session")
            return {"ok": False, "status": 403, "ref": ref, "error": str(error)}
        except thumbs.BadFeedback as error:
            return {"ok": False, "status": 400, "ref": ref, "error": str(error)}
        try:
            await thumbs.store(engine, session_id, timestamp, given)
        except thumbs.UnknownAnswer as error:
            return {"ok": False, "status": 404, "ref": ref, "error": str(error)}
        return {"ok": True, "ref": given.ref, "value": given.value, "reason": given.reason}
