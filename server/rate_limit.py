"""Per-sender rate limit: at most ``limit`` messages of a sender go through the
dialogue in any ``window`` seconds (``WALKWISE_RATE_LIMIT``, default 20, and
``WALKWISE_RATE_WINDOW``, default 60; a limit of 0 turns it off).

A message over the limit is still understood (so a red flag in it still gets
its advice) and stored, with a "please slow down" reply
(``server/hardening.py``). Only messages let through count, so a sender who
keeps writing gets ``limit`` answers per window. Kept in memory, per Rasa
server process; the least recently seen senders are forgotten past
``max_senders``.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from typing import Callable


class RateLimiter:
    def __init__(
        self,
        limit: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_senders: int = 100_000,
    ) -> None:
        self.limit, self.window, self.clock, self.max_senders = limit, window, clock, max_senders
        self._times: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, sender: str) -> bool:
        """Whether ``sender`` may have one more message now; if so, it is counted."""
        if self.limit <= 0:
            return True
        now = self.clock()
        times = self._times.pop(sender, None) or deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        allowed = len(times) < self.limit
        if allowed:
            times.append(now)
        self._times[sender] = times  # now the most recently seen
        while len(self._times) > self.max_senders:
            self._times.popitem(last=False)
        return allowed
