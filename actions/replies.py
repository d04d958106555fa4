"""Builds answer messages from passages. Pure functions, no Rasa, no database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Sequence

from guidance.parser import Passage
from guidance.routes import Route


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    # What the reply quotes, for the transcript: document, key, section, version.
    sources: list[dict[str, str]] = field(default_factory=list)


def render_passage(passage: Passage, number: int | None = None) -> str:
    """A passage in the source's own words; a titled item keeps its title."""
    body = f"**{passage.title}**: {passage.text}" if passage.title else passage.text
    return f"{number}. {body}" if number is not None else body


def render_passages(
    passages: Sequence[Passage], outline: Sequence[Passage] = (), document_title: str = ""
) -> str:
    """Several passages: list items of one section as a numbered list, the rest
    as paragraphs (a titled paragraph keeps its title).

    A lead-in that ends with ":" ("Here's how walking can help:") is followed by
    the titles of ``outline`` when the list itself is not part of the answer.
    """
    chunks: list[str] = []
    listed = [p for p in passages if p.title and p.section != document_title]
    number, section = 0, None
    for passage in passages:
        if passage in listed and len(listed) > 1:
            number = number + 1 if passage.section == section else 1
            section = passage.section
            chunks.append(render_passage(passage, number))
            continue
        chunks.append(render_passage(passage))
        if passage.text.rstrip().endswith(":") and not listed and outline:
            chunks.append("\n".join(f"{i}. {p.title}" for i, p in enumerate(outline, 1)))
    return "\n\n".join(chunks)


def version_label(content_hash: str, ingested_at: dt.datetime | None) -> str:
    """ "version 2026-11-27, 3f2a9c1b": the date it was ingested and its short hash."""
    date = f"{ingested_at:%Y-%m-%d}, " if ingested_at else ""
    return f"version {date}{content_hash[:8]}"


def source_line(document_title: str, passages: Sequence[Passage], version: str = "") -> str:
    """ "Source: “Title” (version 2026-11-27, 3f2a9c1b) — section: Here’s how walking
    can help, Strengthening Muscles."."""
    titled = [p for p in passages if p.title]
    sections: list[str] = []
    for passage in passages:
        label = passage.section
        if passage.title and len(titled) == 1:
            label = f"{passage.section}, {passage.title}"
        if label != document_title and label not in sections:
            sections.append(label)
    named = f"“{document_title}” ({version})" if version else f"“{document_title}”"
    if not sections:
        return f"Source: {named}."
    noun = "section" if len(sections) == 1 else "sections"
    return f"Source: {named} — {noun}: {'; '.join(sections)}."


# How the "not covered" part of a half-covered question is named, by the topic
# that understanding.uncovered_topics found in it.
UNCOVERED_TOPIC_NAMES = {
    "steps": "step counts",
    "duration": "how long or how often to walk",
    "distance": "how far to walk",
    "speed": "how fast to walk",
    "treadmill or outdoors": "treadmills, hills or where to walk",
    "painkillers": "medicines",
    "pregnancy": "back pain in pregnancy",
    "other activities": "other sports and activities",
    "other treatments": "other treatments",
}


def uncovered_note(topic: str | None) -> str:
    """The plain sentence for the half of a question the guidance does not cover."""
    what = UNCOVERED_TOPIC_NAMES.get(topic or "")
    if what is None:
        return (
            "The guidance I have doesn't cover the rest of your question, so I can't answer "
            "that part. Please ask a healthcare professional or physical therapist about it."
        )
    return (
        f"The guidance I have doesn't cover {what}, so I can't answer that part of your "
        "question. Please ask a healthcare professional, physical therapist or pharmacist about it."
        if topic == "painkillers"
        else f"The guidance I have doesn't cover {what}, so I can't answer that part of your "
        "question. Please ask a healthcare professional or physical therapist about it."
    )


def follow_up_buttons(route: Route, routes: dict[str, Route]) -> list[dict[str, str]]:
    return [
        {"title": routes[intent].question, "payload": f"/{intent}"}
        for intent in route.follow_ups[:3]
        if intent in routes
    ]


@dataclass(frozen=True)
class Section:
    """The passages of one document that answer a question, with what frames them."""

    document_title: str
    passages: Sequence[Passage]
    disclaimers: Sequence[Passage] = ()
    outline: Sequence[Passage] = ()
    version: str = ""
    document: str = ""


def compose_answer(
    sections: Sequence[Section],
    buttons: list[dict[str, str]] | None = None,
    note: str = "",
) -> Reply:
    """The answer: each document's passages, then its disclaimer (once), then its
    source line; ``note`` (what the guidance does not cover) last."""
    parts: list[str] = []
    shown_disclaimers: set[str] = set()
    for section in sections:
        parts.append(render_passages(section.passages, section.outline, section.document_title))
        shown = {p.key for p in section.passages}
        for disclaimer in section.disclaimers:
            if disclaimer.key not in shown and disclaimer.text not in shown_disclaimers:
                parts.append(disclaimer.text)
                shown_disclaimers.add(disclaimer.text)
        parts.append(source_line(section.document_title, section.passages, section.version))
    if note:
        parts.append(note)
    sources = [
        {
            "document": section.document,
            "title": section.document_title,
            "key": passage.key,
            "section": f"{passage.section}, {passage.title}" if passage.title else passage.section,
            "version": section.version,
        }
        for section in sections
        for passage in section.passages
    ]
    return Reply(text="\n\n".join(parts), buttons=buttons or [], sources=sources)
