"""Time to the apology when the action server accepts and never answers.

    PYTHONPATH=. .venv/bin/python -m benchmarks.hung_action [--messages 20]

Starts the real Rasa server against a local socket that accepts connections
and stays silent (the default action timeout), sends guidance questions in
new conversations and prints the median and worst time to the apology, and
the wait of a red-flag message sent 0.3 s after a hung question in the same
conversation.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.e2e.test_hung_action import RED_FLAG, SilentServer
from tests.helpers.answers import new_sender
from tests.helpers.stack import Stack


def timed(stack: Stack, sender: str, text: str) -> float:
    start = time.monotonic()
    stack.ask(sender, text, timeout=60)
    return time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20)
    args = parser.parse_args()
    stack = Stack(Path(tempfile.mkdtemp()))
    stack.env.pop("WALKWISE_ACTION_TIMEOUT", None)
    stack.prepare()
    silent = SilentServer(stack.action_port)
    try:
        stack.start_rasa()
        stack.ask(new_sender(), "hello")  # warm up
        apology = [timed(stack, new_sender(), "does walking help my discs?") for _ in range(args.messages)]
        behind = []
        with ThreadPoolExecutor(2) as pool:
            for _ in range(5):
                sender = new_sender()
                first = pool.submit(timed, stack, sender, "does walking help my discs?")
                time.sleep(0.3)
                behind.append(pool.submit(timed, stack, sender, RED_FLAG).result())
                first.result()
    finally:
        stack.stop_all()
        silent.close()
    print(
        f"apology after a hung action ({len(apology)} messages): median {statistics.median(apology):.2f} s, "
        f"worst {max(apology):.2f} s"
    )
    print(
        "red flag 0.3 s behind a hung question, same conversation: "
        f"median {statistics.median(behind):.2f} s, "
        f"worst {max(behind):.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
