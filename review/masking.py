"""Masks e-mail addresses and phone numbers in user text before it is shown
or exported. Only an admin's audited unmask shows the original."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of digits with the usual separators; counted as a phone number when it
# has at least 7 digits (dates and times have fewer, or separators we reject).
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d ().-]{5,}\d(?!\w)")
EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"
MIN_PHONE_DIGITS = 7


def _phone(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = sum(ch.isdigit() for ch in found)
    if digits < MIN_PHONE_DIGITS or re.fullmatch(r"\d{1,4}[-./]\d{1,2}[-./]\d{1,4}", found):
        return found
    return PHONE_MASK


def mask(text: str) -> str:
    return PHONE.sub(_phone, EMAIL.sub(EMAIL_MASK, text))


def masked(text: str | None, unmasked: bool = False) -> str:
    """The text to show: masked unless an admin asked to unmask it."""
    if text is None:
        return ""
    return text if unmasked else mask(text)
