"""Reading the review pages' HTML in tests."""

from __future__ import annotations

import re


def found(pattern: str, html: str, group: int = 1) -> str:
    """The first match of the pattern (which must be there)."""
    match = re.search(pattern, html)
    assert match is not None, f"{pattern!r} is not on the page"
    return match.group(group)


def form_token(html: str) -> str:
    return found(r'name="csrf_token" value="([^"]+)"', html)
