"""Conversation events the database could not take yet, kept on disk in order.

One file per sender (``<sha256 of the sender id>.jsonl``, mode 0600), one JSON
line per event. Every read and write of a sender's file holds an ``flock`` on
it, so several server processes, the background flusher and a turn never
interleave; a flush writes the events to the database and then removes the
file while still holding the lock (a writer that was waiting on the removed
file opens the new one). The files hold what the database would hold, message
text included: they live beside the database (``var/``), never in the logs.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

logger = logging.getLogger(__name__)

Event = Dict[str, Any]


class Journal:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _path(self, sender_id: str) -> Path:
        return self.folder / (hashlib.sha256(sender_id.encode("utf-8")).hexdigest() + ".jsonl")

    def _open_locked(self, path: Path, *, exclusive: bool, create: bool) -> Optional[int]:
        """A descriptor of ``path`` holding the lock, or None when there is no such file."""
        flags = os.O_RDWR | os.O_APPEND | (os.O_CREAT if create else 0)
        while True:
            try:
                fd = os.open(path, flags, 0o600)
            except FileNotFoundError:
                return None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
                if os.fstat(fd).st_nlink > 0:
                    return fd
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)  # flushed and removed while we waited: open the new one

    @contextmanager
    def _locked(self, sender_id: str, *, exclusive: bool, create: bool = False) -> Iterator[Optional[int]]:
        if create:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = self._open_locked(self._path(sender_id), exclusive=exclusive, create=create)
        try:
            yield fd
        finally:
            if fd is not None:
                os.close(fd)

    @staticmethod
    def _read(fd: int, name: str) -> List[Event]:
        os.lseek(fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        events: List[Event] = []
        for number, line in enumerate(b"".join(chunks).splitlines(), start=1):
            if not line.strip():
                continue
            try:
                events.append(json.loads(line)["event"])
            except (ValueError, KeyError, TypeError):
                logger.error("journal %s: line %d is not readable; skipped", name, number)
        return events

    def append(self, sender_id: str, events: List[Event]) -> None:
        """Adds ``events`` after the sender's pending ones, on disk (fsync) before returning."""
        if not events:
            return
        payload = "".join(
            json.dumps({"sender_id": sender_id, "event": event}, ensure_ascii=False) + "\n"
            for event in events
        ).encode("utf-8")
        with self._locked(sender_id, exclusive=True, create=True) as fd:
            assert fd is not None
            os.write(fd, payload)
            os.fsync(fd)

    def pending(self, sender_id: str) -> List[Event]:
        """The sender's events not yet in the database, oldest first."""
        with self._locked(sender_id, exclusive=False) as fd:
            return [] if fd is None else self._read(fd, self._path(sender_id).name)

    def has_pending(self, sender_id: str) -> bool:
        return self._path(sender_id).exists()

    def read_with(self, sender_id: str, read: Callable[[], List[Event]]) -> List[Event]:
        """``read()`` (the stored events) followed by the pending ones, with no
        flush in between (a flush moves events from here to the database)."""
        if not self.has_pending(sender_id):
            return read()
        with self._locked(sender_id, exclusive=False) as fd:
            stored = read()
            return stored + ([] if fd is None else self._read(fd, self._path(sender_id).name))

    def write_with(self, sender_id: str, write: Callable[[List[Event]], None], events: List[Event]) -> int:
        """Calls ``write(pending + events)`` and, when it returns, forgets the
        pending events; when it raises, they stay. The number of pending events written."""
        if not self.has_pending(sender_id):
            write(events)
            return 0
        with self._locked(sender_id, exclusive=True) as fd:
            if fd is None:
                write(events)
                return 0
            pending = self._read(fd, self._path(sender_id).name)
            write(pending + events)
            os.unlink(self._path(sender_id))
            return len(pending)

    def has_any(self) -> bool:
        return self.folder.is_dir() and any(self.folder.glob("*.jsonl"))

    def senders(self) -> List[str]:
        """The sender ids with pending events."""
        found = []
        for path in sorted(self.folder.glob("*.jsonl")) if self.folder.is_dir() else []:
            try:
                with path.open("rb") as handle:
                    first = handle.readline()
                found.append(str(json.loads(first)["sender_id"]))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return found

    def count(self) -> int:
        """How many events are pending, all senders together."""
        total = 0
        for path in self.folder.glob("*.jsonl") if self.folder.is_dir() else []:
            try:
                total += sum(1 for line in path.read_bytes().splitlines() if line.strip())
            except OSError:
                continue
        return total
