"""Turns a guidance page into passages.

A guidance page is plain text in the shape of the source page:

* the first non-empty line is the document title;
* paragraphs are separated by blank lines; a paragraph that ends with ":"
  introduces the list that follows it;
* numbered items (``1. Title: text``) and bullet items (``• text``) are the
  list entries; a numbered item's words before the first colon are its title;
* everything from a page-furniture heading ("About Me", "Leave a Comment", ...)
  to the end of the page is dropped.

Each passage gets a stable key that routes (``guidance/routes.yml``) point at:
the first paragraph is ``intro``, a closing paragraph after the last list is
``conclusion``, a titled item or paragraph (``Title: text``) is the slug of its
title (``strengthening-muscles``, ``emergency-advice``)
and an untitled item is ``<list>-<n>``, where ``<list>`` is ``note`` for the
source page's "it's important to note" list, or the slug of its lead-in.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, replace

# Headings that start the site's page furniture. Nothing from such a heading
# to the end of the page is guidance.
FURNITURE_HEADINGS = (
    "about me",
    "about the author",
    "leave a comment",
    "leave a reply",
    "related posts",
    "share this",
)

# A passage that starts like this is the source's consult-a-professional disclaimer.
DISCLAIMER_PATTERN = re.compile(
    r"^always consult (with )?a (healthcare|health care|medical) professional", re.I
)

# A caution that tells the reader to see a professional; the last one of a page
# with no "Always consult..." paragraph is that page's disclaimer.
CONSULT_PATTERN = re.compile(
    r"\b(consult|see|speak (to|with)|talk (to|with)|ask)\b[^.]{0,40}\b(healthcare|health care|medical)?\s*"
    r"(professional|provider|doctor|gp|physio|physiotherapist|physical therapist|clinician)",
    re.I,
)

_NUMBERED = re.compile(r"^\s*(\d+)[.)]\s+(.*)$")
_BULLET = re.compile(r"^\s*[•\-\*\u2022\u25cf]\s+(.*)$")
_TITLED = re.compile(r"^([A-Z][\w' ’,&/-]{1,60}?):\s+(.+)$", re.S)


class GuidanceFormatError(ValueError):
    """The text is not a guidance page this parser can read."""


@dataclass(frozen=True)
class Passage:
    key: str
    position: int
    section: str
    text: str
    title: str | None = None
    is_disclaimer: bool = False


@dataclass(frozen=True)
class ParsedDocument:
    title: str
    passages: tuple[Passage, ...]
    content_hash: str

    def passage(self, key: str) -> Passage:
        for passage in self.passages:
            if passage.key == key:
                return passage
        raise KeyError(key)


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def decode(raw: bytes) -> str:
    """Decodes a guidance file, refusing what is not UTF-8 text."""
    if not raw.strip():
        raise GuidanceFormatError("the file is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise GuidanceFormatError(f"the file is not UTF-8 text (bad byte at offset {error.start})") from None
    if "\x00" in text:
        raise GuidanceFormatError("the file is not text (it contains NUL bytes)")
    return text.removeprefix("\ufeff")


def _strip_furniture(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        normalized = line.strip().lower()
        if any(normalized.startswith(heading) for heading in FURNITURE_HEADINGS):
            return lines[:index]
    return lines


def _blocks(lines: list[str]) -> list[tuple[str, str]]:
    """Splits lines into ("paragraph" | "numbered" | "bullet", text) blocks."""
    blocks: list[tuple[str, str]] = []
    current: list[str] = []
    kind = ""

    def flush() -> None:
        nonlocal current, kind
        if current:
            blocks.append((kind, " ".join(part.strip() for part in current)))
        current, kind = [], ""

    for line in lines:
        if not line.strip():
            flush()
            continue
        numbered, bullet = _NUMBERED.match(line), _BULLET.match(line)
        if numbered:
            flush()
            kind, current = "numbered", [numbered.group(2)]
        elif bullet:
            flush()
            kind, current = "bullet", [bullet.group(1)]
        else:
            if not kind:
                kind = "paragraph"
            current.append(line)
    flush()
    return blocks


def _list_name(lead_in: str) -> str:
    words = slugify(lead_in).split("-")
    if words[-1] == "note":
        return "note"
    return "-".join(words[-3:]) or "item"


def parse(raw: bytes | str) -> ParsedDocument:
    """Parses a guidance page. Raises GuidanceFormatError with a readable reason."""
    text = decode(raw) if isinstance(raw, bytes) else raw
    if not text.strip():
        raise GuidanceFormatError("the file is empty")
    content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    lines = _strip_furniture(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise GuidanceFormatError("the file has no title line")
    title = lines[0].strip()
    blocks = _blocks(lines[1:])

    passages: list[Passage] = []
    section = title
    list_name = "item"
    counters: dict[str, int] = {}
    seen_list = False
    bullets: list[int] = []
    paragraphs_after_lists: list[int] = []

    def add(key: str, text: str, *, section: str, title: str | None = None) -> None:
        if any(p.key == key for p in passages):
            raise GuidanceFormatError(f"two passages would share the key '{key}'")
        passages.append(
            Passage(
                key=key,
                position=len(passages) + 1,
                section=section,
                text=text,
                title=title,
                is_disclaimer=bool(DISCLAIMER_PATTERN.match(text)),
            )
        )

    for index, (kind, body) in enumerate(blocks):
        next_kind = blocks[index + 1][0] if index + 1 < len(blocks) else ""
        if kind == "paragraph":
            is_lead_in = body.endswith(":") and next_kind in ("numbered", "bullet")
            titled = _TITLED.match(body)
            if not passages:
                add("intro", body, section=title)
            elif is_lead_in:
                pass
            elif titled:
                add(
                    slugify(titled.group(1)),
                    titled.group(2).strip(),
                    section=title,
                    title=titled.group(1).strip(),
                )
            else:
                paragraphs_after_lists.append(len(passages))
                add(f"paragraph-{len(passages) + 1}", body, section=title)
            if is_lead_in:
                # "Yes, walking can be ... Here's how walking can help:" names its
                # list by its last sentence.
                section = re.split(r"(?<=[.!?])\s+", body.rstrip(":").strip())[-1]
                list_name = _list_name(section)
            continue
        seen_list = True
        titled = _TITLED.match(body) if kind == "numbered" else None
        if titled:
            item_title = titled.group(1).strip()
            add(slugify(item_title), titled.group(2).strip(), section=section, title=item_title)
        else:
            counters[list_name] = counters.get(list_name, 0) + 1
            add(f"{list_name}-{counters[list_name]}", body, section=section)
            if kind == "bullet":
                bullets.append(len(passages) - 1)

    if not seen_list:
        raise GuidanceFormatError(
            "no numbered or bullet list was found; a guidance page needs its answer "
            "split into list items (for example '1. Title: text' or '• text')"
        )
    if not passages or passages[0].key != "intro":
        raise GuidanceFormatError("the page has no opening paragraph before its lists")

    # A page without an "Always consult..." passage: its last caution that sends
    # the reader to a professional is its disclaimer.
    if bullets and not any(p.is_disclaimer for p in passages):
        last = passages[bullets[-1]]
        if CONSULT_PATTERN.search(last.text):
            passages[bullets[-1]] = replace(last, is_disclaimer=True)

    # The last free paragraph after the lists is the page's conclusion.
    if paragraphs_after_lists and paragraphs_after_lists[-1] == len(passages) - 1:
        last = passages[-1]
        passages[-1] = Passage(
            key="conclusion",
            position=last.position,
            section="Conclusion",
            text=last.text,
            title=None,
            is_disclaimer=last.is_disclaimer,
        )
    return ParsedDocument(title=title, passages=tuple(passages), content_hash=content_hash)
