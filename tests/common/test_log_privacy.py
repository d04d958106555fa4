"""common/log_privacy.py: no e-mail address, phone number or exception message in logs."""

import logging

import pytest

from common import log_privacy

SECRET_TEXT = "my-distinctive-words a.person@example.org 07700 900123"


@pytest.fixture
def scrubbed(caplog):
    caplog.set_level(logging.INFO)
    log_privacy.install()
    try:
        yield caplog
    finally:
        log_privacy.uninstall()


def test_e_mail_addresses_and_phone_numbers_are_masked_dates_and_timings_kept(scrubbed):
    logging.getLogger("walkwise.test").info(
        "sender %s wrote %s at 2026-11-27 16:20:01 (%.1f ms)",
        "abc-123",
        "a.person@example.org or +44 20 7946 0000",
        12.5,
    )
    [record] = scrubbed.records
    text = scrubbed.text
    assert "a.person@example.org" not in text and "7946" not in text
    assert "[email]" in text and "[phone]" in text
    assert "abc-123" in text and "2026-11-27 16:20:01" in text and "12.5 ms" in text
    assert record.args == ()


def test_a_traceback_keeps_its_frames_and_types_but_no_message(scrubbed):
    def fail() -> None:
        try:
            raise KeyError(SECRET_TEXT)
        except KeyError as error:
            raise RuntimeError(f"tracker: {SECRET_TEXT}") from error

    try:
        fail()
    except RuntimeError:
        logging.getLogger("walkwise.test").exception("action failed for %s", "sender-1")
    text = scrubbed.text + "".join(r.exc_text or "" for r in scrubbed.records)
    assert "my-distinctive-words" not in text
    assert "KeyError" in text and "RuntimeError" in text and "in fail" in text
    assert "sender-1" in text


def test_debug_logging_keeps_everything(caplog):
    caplog.set_level(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    log_privacy.install()
    try:
        logging.getLogger("walkwise.test").debug("text %s", SECRET_TEXT)
    finally:
        log_privacy.uninstall()
        root.setLevel(level)
    assert SECRET_TEXT in caplog.text


def test_install_is_idempotent_and_uninstall_restores_the_factory():
    before = logging.getLogRecordFactory()
    log_privacy.install()
    installed = logging.getLogRecordFactory()
    log_privacy.install()
    assert logging.getLogRecordFactory() is installed
    log_privacy.uninstall()
    assert logging.getLogRecordFactory() is before
