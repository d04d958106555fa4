"""Cleans user text before it is understood or stored. Pure functions."""

from __future__ import annotations

import re
import unicodedata

MAX_MESSAGE_CHARS = 4_000

# Control characters (except tab and newline), bidirectional overrides and
# isolates, zero-width characters, the byte-order mark, and lone surrogates
# (invalid Unicode that JSON can carry and no database can store).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


def clean_text(text: str | None) -> str:
    """Drops invisible and control characters, normalises to NFC and trims."""
    if not text:
        return ""
    return unicodedata.normalize("NFC", _INVISIBLE.sub("", text)).strip()


def limit_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> tuple[str, bool]:
    """The text cut to ``limit`` characters, and whether it was cut."""
    return (text[:limit], True) if len(text) > limit else (text, False)


def has_words(text: str) -> bool:
    """Whether the text holds a letter or digit (a slash payload counts)."""
    return any(ch.isalnum() for ch in text)
