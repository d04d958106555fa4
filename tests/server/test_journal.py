"""The on-disk journal of events the database could not take yet."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from server.journal import Journal


def event(n: int) -> dict:
    return {"event": "user", "text": f"message {n}", "timestamp": float(n)}


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal")


def test_nothing_pending_at_first(journal):
    assert journal.pending("a") == []
    assert not journal.has_pending("a")
    assert not journal.has_any()
    assert journal.senders() == []
    assert journal.count() == 0


def test_appends_keep_their_order_per_sender(journal):
    journal.append("a", [event(1), event(2)])
    journal.append("b", [event(10)])
    journal.append("a", [event(3)])
    assert journal.pending("a") == [event(1), event(2), event(3)]
    assert journal.pending("b") == [event(10)]
    assert sorted(journal.senders()) == ["a", "b"]
    assert journal.count() == 4


def test_files_are_private_and_named_without_the_sender_id(journal):
    journal.append("someone@example.org", [event(1)])
    [path] = list(journal.folder.iterdir())
    assert "someone" not in path.name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_write_that_succeeds_takes_the_pending_events_first(journal):
    journal.append("a", [event(1)])
    written: list[list[dict]] = []
    assert journal.write_with("a", written.append, [event(2)]) == 1
    assert written == [[event(1), event(2)]]
    assert not journal.has_pending("a")
    assert journal.pending("a") == []


def test_a_write_that_fails_keeps_the_pending_events(journal):
    journal.append("a", [event(1)])

    def fail(events: list[dict]) -> None:
        raise OSError("database away")

    with pytest.raises(OSError):
        journal.write_with("a", fail, [event(2)])
    assert journal.pending("a") == [event(1)]


def test_a_write_with_nothing_pending_does_not_touch_the_folder(journal):
    written: list[list[dict]] = []
    assert journal.write_with("a", written.append, [event(1)]) == 0
    assert written == [[event(1)]]
    assert not journal.folder.exists()


def test_a_read_puts_pending_events_after_the_stored_ones(journal):
    journal.append("a", [event(3)])
    assert journal.read_with("a", lambda: [event(1), event(2)]) == [event(1), event(2), event(3)]
    assert journal.read_with("b", lambda: [event(9)]) == [event(9)]


def test_an_unreadable_line_is_skipped_not_fatal(journal, caplog):
    journal.append("a", [event(1)])
    [path] = list(journal.folder.iterdir())
    with path.open("ab") as handle:
        handle.write(b'{"sender_id": "a", "ev\n')
    journal.append("a", [event(2)])
    assert journal.pending("a") == [event(1), event(2)]
    assert "line 2 is not readable" in caplog.text
    assert "message" not in caplog.text
