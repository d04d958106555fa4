"""Rasa's Redis lock store, with each read-modify-write of a conversation's
ticket lock made atomic across server processes.

Stock ``RedisLockStore`` reads the lock, changes it in the process and writes
it back. When two servers do that at the same moment, one write is lost:
the waiting server's ``update_lock`` saves its stale copy just after the
serving one's ``finish_serving``, so the finished ticket comes back and the
next message of the conversation waits until it expires (60 s, and the REST
request times out); or two messages draw the same ticket and run together.
Here each step holds a short Redis mutex for the conversation (redis-py's
``Lock``: ``SET NX PX``, released by a script that checks its token).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Optional, Text

from rasa.core.lock_store import LOCK_LIFETIME, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# Longest a step may hold the mutex, and wait for it: a step is two or three
# Redis round trips.
MUTEX_SECONDS = 5.0
# How often a step waiting for the mutex tries again. The wait blocks the
# server's event loop (Rasa calls the lock store synchronously), so it is
# short: with redis-py's default of 0.1 s, six tasks of two servers taking
# turns on one conversation waited up to a second between turns, and 240
# turns took 16-26 s instead of about 2.
MUTEX_RETRY_SECONDS = 0.001


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    @contextmanager
    def _step(self, conversation_id: Text) -> Iterator[None]:
        mutex = self.red.lock(
            f"{self.key_prefix}{conversation_id}:step",
            timeout=MUTEX_SECONDS,
            sleep=MUTEX_RETRY_SECONDS,
            blocking_timeout=MUTEX_SECONDS,
        )
        with mutex:
            yield

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._step(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        with self._step(conversation_id):
            super().update_lock(conversation_id)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        with self._step(conversation_id):
            super().finish_serving(conversation_id, ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # One step: another server's ticket issued between "no one is
        # waiting" and the deletion would be deleted with the lock. (The
        # mutex is not re-entrant, so the base finish_serving is called.)
        with self._step(conversation_id):
            LockStore.finish_serving(self, conversation_id, ticket_number)
            if not self.is_someone_waiting(conversation_id):
                self.delete_lock(conversation_id)
