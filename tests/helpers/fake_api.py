"""A local HTTP server standing in for Slack's Web API and Telegram's Bot API.

It records every call (path and body) and answers like the real API does for
the methods the channels use."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


class FakeApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                try:
                    body = json.loads(raw) if raw.strip().startswith("{") else dict(parse_qsl(raw))
                except ValueError:
                    body = {"raw": raw}
                with api._lock:
                    api.calls.append((self.path, body))
                reply: dict[str, object] = {"ok": True, "result": True}
                if self.path.endswith("chat.postMessage"):
                    reply = {"ok": True, "channel": body.get("channel"), "ts": f"{time.time():.6f}"}
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FakeApi":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    def recorded(self, suffix: str) -> list[dict]:
        with self._lock:
            return [body for path, body in self.calls if path.endswith(suffix)]

    def wait_for(
        self, suffix: str, count: int, predicate=lambda body: True, timeout: float = 30
    ) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [b for b in self.recorded(suffix) if predicate(b)]
            if len(found) >= count:
                return found
            time.sleep(0.1)
        return [b for b in self.recorded(suffix) if predicate(b)]
