"""The one text markup the answers use: ``**bold**`` for a passage's title.
Each channel renders it its own way; the widget's copy is in
widget/src/markdown.js."""

from __future__ import annotations

import re

BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)


def without_markup(text: str) -> str:
    """The text with ``**bold**`` as plain words."""
    return BOLD.sub(r"\1", text)
