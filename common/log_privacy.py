"""Keeps personal data out of the logs at the default log level.

``install()`` makes every log record of the process pass through ``scrub``, so
it covers every logger and handler, ours, Rasa's, Sanic's and rasa-sdk's:

* e-mail addresses and phone numbers in a log message become ``[email]`` and
  ``[phone]`` (the review tool's masking, ``review/masking.py``);
* an exception's traceback keeps its frames and the exception's type, not its
  message nor the messages of the exceptions it came from: when an action
  fails, rasa-sdk logs the exception, whose message can quote the user's text
  or the tracker.

Our own log lines carry sender ids, intents and timings, never message text.
With debug logging explicitly on (the root logger at DEBUG, ``--debug``),
records are left as they are. The Rasa server installs it in
``server/__main__.py``, the action server in ``actions/__init__.py``.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from types import TracebackType
from typing import Any, Callable, Optional, Type

from review.masking import mask

_installed: Optional[Callable[..., logging.LogRecord]] = None
# Dates and times are kept as they are, not taken for phone numbers.
DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?)")


def mask_personal_data(text: str) -> str:
    """``text`` with e-mail addresses and phone numbers masked, dates and times kept."""
    parts = DATE_TIME.split(text)
    return "".join(part if index % 2 else mask(part) for index, part in enumerate(parts))


def exception_without_messages(
    kind: Optional[Type[BaseException]], error: Optional[BaseException], trace: Optional[TracebackType]
) -> str:
    """A traceback as Python prints it, each exception shown by its type only."""
    if error is None:
        return "".join(traceback.format_exception(kind, error, trace)).rstrip("\n")
    chain = []
    link: Optional[traceback.TracebackException] = traceback.TracebackException(type(error), error, trace)
    while link is not None:
        chain.append(link)
        link = link.__cause__ or (None if link.__suppress_context__ else link.__context__)
    lines = []
    for index, link in enumerate(reversed(chain)):
        if index:
            lines.append("\nThe exception above led to:\n\n")
        lines.append("Traceback (most recent call last):\n")
        lines.extend(link.stack.format())
        lines.append(f"{link.exc_type.__module__}.{link.exc_type.__qualname__} (message withheld)\n")
    return "".join(lines).rstrip("\n")


def debug_on() -> bool:
    return logging.getLogger().getEffectiveLevel() <= logging.DEBUG


def scrub(record: logging.LogRecord) -> logging.LogRecord:
    """The record with e-mail addresses, phone numbers and exception messages removed."""
    if debug_on():
        return record
    try:
        message = record.getMessage()
    except Exception:  # a malformed log call: keep only its format string
        message = str(record.msg)
    record.msg, record.args = mask_personal_data(message), ()
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = exception_without_messages(*record.exc_info)
        record.exc_info = None
    if record.stack_info:
        record.stack_info = mask_personal_data(record.stack_info)
    return record


def install() -> None:
    """Makes every log record of this process go through ``scrub``. Idempotent."""
    global _installed
    if _installed is not None:
        return
    make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return scrub(make(*args, **kwargs))

    _installed = make
    logging.setLogRecordFactory(factory)


def uninstall() -> None:
    """Restores the record factory ``install`` replaced (for tests)."""
    global _installed
    if _installed is not None:
        logging.setLogRecordFactory(_installed)
        _installed = None


def started_as(module: str) -> bool:
    """Whether this process was started as ``python -m <module>``."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return bool(spec and spec.name in (module, f"{module}.__main__"))
