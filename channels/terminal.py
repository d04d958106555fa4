"""A command-line chat over the running bot's REST channel.

    scripts/chat            # talks to http://localhost:5005
    scripts/chat --url http://host:5005 --sender me

Buttons are shown numbered; type the number to press one.
"""

from __future__ import annotations

import argparse
import sys
import uuid

import requests

from common.formatting import without_markup


def render(message: dict) -> str:
    text = without_markup(message.get("text") or "")
    buttons = message.get("buttons") or []
    lines = [text] if text else []
    lines += [f"  [{i}] {b.get('title')}" for i, b in enumerate(buttons, 1)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Chat with WalkWise in the terminal.")
    parser.add_argument("--url", default="http://localhost:5005")
    parser.add_argument("--sender", default=f"terminal-{uuid.uuid4().hex[:8]}")
    args = parser.parse_args(argv)
    endpoint = f"{args.url.rstrip('/')}/webhooks/rest/webhook"
    buttons: list[dict] = []
    print("WalkWise — ask about walking and lower back pain. Ctrl-D to quit.")
    while True:
        try:
            line = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if line.isdigit() and 0 < int(line) <= len(buttons):
            line = buttons[int(line) - 1]["payload"]
        try:
            reply = requests.post(endpoint, json={"sender": args.sender, "message": line}, timeout=60)
            reply.raise_for_status()
        except requests.RequestException as error:
            print(f"(cannot reach the bot at {args.url}: {error}; is scripts/run running?)", file=sys.stderr)
            continue
        buttons = []
        for message in reply.json():
            print(f"bot> {render(message)}")
            buttons = message.get("buttons") or buttons


if __name__ == "__main__":
    sys.exit(main())
