"""Helpers shared by the end-to-end tests."""

import re
import uuid

from guidance.parser import parse
from tests.conftest import ROOT, WALKING_DOC

DOCUMENT = parse(WALKING_DOC.read_bytes())
RED_FLAGS = parse((ROOT / "guidance" / "documents" / "red-flags-lower-back-pain.txt").read_bytes())
DISCLAIMER = DOCUMENT.passage("note-5").text
FURNITURE = ("About Me", "Pretium", "Leave a Comment")
NOT_COVERED = "The guidance I have doesn't cover that"


def normalize(text: str) -> str:
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("“", '"').replace("”", '"'))


def reply_text(replies: list[dict]) -> str:
    return normalize("\n".join(r.get("text") or "" for r in replies))


def passage_text(key: str) -> str:
    passage = DOCUMENT.passage(key)
    return normalize(f"{passage.title}: {passage.text}" if passage.title else passage.text)


def new_sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:10]}"


def run_async(coroutine):
    """Runs a coroutine to completion in a thread of its own, so async tests work
    beside Playwright's sync API (which keeps an event loop in the main thread)."""
    import asyncio
    import threading

    outcome = {}

    def target():
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as error:  # re-raised in the caller
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
