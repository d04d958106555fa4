"""Does a turn get slower as the conversation grows? (pitfall #11)

    PYTHONPATH=. .venv/bin/python -m benchmarks.tracker_history [--turns N] [--store-only]
    make tracker-history

1. **The tracker store alone**, on SQLite: one conversation grows to
   ``--turns`` turns (about 1 KB of answer per turn, as the bot's are); each
   turn reads the conversation, adds a turn and saves it, as the Rasa server
   does. Stock Rasa's ``SQLTrackerStore`` beside WalkWise's
   (``server/tracker_store.py``), then WalkWise's with the server's patches
   installed (``server/hardening.py``: event classes resolved once per type),
   each in its own database. Prints the median CPU time of the first five
   turns and of the last five, and the statements a save sends.
2. **The whole server** (unless ``--store-only``): the real Rasa and action
   servers (tests/helpers/stack.py, WalkWise's store on SQLite, the rate
   limit off) and one REST conversation of ``--turns`` guidance questions;
   prints the median time of the first ten turns and of the last ten, by the
   clock and in CPU time of the two servers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, List

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from server.tracker_store import WalkWiseTrackerStore

ANSWER = "Walking strengthens the muscles that support your spine. " * 18  # about 1 KB
QUESTIONS = [
    "Does walking help lower back pain?",
    "How does walking strengthen my muscles?",
    "Is walking good for my posture?",
    "Does walking help my mood?",
    "Does walking help with weight?",
]


def add_turn(tracker: Any, n: int) -> None:
    parse = {"intent": {"name": "ask_walking_helps", "confidence": 0.97}, "entities": [], "text": f"q {n}"}
    tracker.update(UserUttered(f"question {n}", parse["intent"], [], parse))
    tracker.update(ActionExecuted("action_answer_guidance"))
    tracker.update(BotUttered(ANSWER, data={"buttons": []}, metadata={"walkwise": {"passage": "intro"}}))
    tracker.update(ActionExecuted("action_listen"))


async def grow(store: TrackerStore, turns: int, sender: str = "benchmark") -> List[float]:
    """CPU seconds (all threads) of each turn's read + save: steadier than the
    clock on a machine shared with other work."""
    seconds = []
    for n in range(turns):
        start = time.process_time()
        tracker = await store.get_or_create_tracker(sender)
        add_turn(tracker, n)
        await store.save(tracker)
        seconds.append(time.process_time() - start)
    return seconds


def statements_of_one_save(store: Any) -> List[str]:
    seen: List[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *args: seen.append(args[2].split()[0]))

    async def one() -> None:
        tracker = await store.retrieve("benchmark")
        seen.clear()
        add_turn(tracker, -1)
        await store.save(tracker)

    asyncio.run(one())
    return seen


def ms(values: List[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f} ms"


def store_alone(turns: int) -> None:
    folder = Path(tempfile.mkdtemp())
    stores = {
        "stock SQLTrackerStore": SQLTrackerStore(
            Domain.empty(), dialect="sqlite", db=str(folder / "stock.db")
        ),
        "WalkWiseTrackerStore": WalkWiseTrackerStore(
            Domain.empty(), dialect="sqlite", db=str(folder / "ww.db")
        ),
        "WalkWise, event types remembered": WalkWiseTrackerStore(
            Domain.empty(), dialect="sqlite", db=str(folder / "ww2.db")
        ),
    }
    print(f"Tracker store alone, SQLite, one conversation of {turns} turns (CPU time of a read + save):")
    for name, store in stores.items():
        if name == "WalkWise, event types remembered":
            from server import hardening

            hardening.install()  # as python -m server runs it
        asyncio.run(grow(store, 5, sender="warm-up"))
        seconds = asyncio.run(grow(store, turns))
        first, last = seconds[:5], seconds[-5:]
        ratio = statistics.median(last) / statistics.median(first)
        print(
            f"  {name:32} turns 1-5 {ms(first):>9}   turns {turns - 4}-{turns} {ms(last):>9}   x{ratio:.1f}"
            f"   one save sends: {', '.join(statements_of_one_save(store))}"
        )


def whole_server(turns: int) -> None:
    from tests.helpers.answers import new_sender
    from tests.helpers.stack import Stack

    stack = Stack(Path(tempfile.mkdtemp()))
    stack.env["WALKWISE_RATE_LIMIT"] = "0"
    stack.prepare()
    try:
        stack.start_actions()
        stack.start_rasa()
        sender = new_sender()
        for warm in range(3):  # warm up in another conversation
            stack.ask(new_sender(), QUESTIONS[warm])
        pids = [stack.processes[name].pid for name in ("rasa", "actions")]
        seconds, cpu = [], []
        for n in range(turns):
            start, start_cpu = time.perf_counter(), cpu_seconds(pids)
            stack.ask(sender, QUESTIONS[n % len(QUESTIONS)])
            seconds.append(time.perf_counter() - start)
            cpu.append(cpu_seconds(pids) - start_cpu)
    finally:
        stack.stop_all()
    print(f"Whole server (REST, WalkWise's store on SQLite), one conversation of {turns} turns:")
    for name, values in (("clock", seconds), ("CPU of both servers", cpu)):
        first, last = values[:10], values[-10:]
        ratio = statistics.median(last) / statistics.median(first)
        print(
            f"  {name:20} turns 1-10 {ms(first):>9}   turns {turns - 9}-{turns} {ms(last):>9}   x{ratio:.2f}"
        )


def cpu_seconds(pids: List[int]) -> float:
    """User and system CPU time of the processes (Linux /proc), in seconds:
    steadier than the clock on a machine whose speed varies."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--store-only", action="store_true")
    args = parser.parse_args()
    store_alone(args.turns)
    if not args.store_only:
        whole_server(args.turns)
    return 0


if __name__ == "__main__":
    sys.exit(main())
