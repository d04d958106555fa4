"""Builds answer messages from passages. Pure functions, no Rasa, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from guidance.parser import Passage
from guidance.routes import Route


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)


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


def source_line(document_title: str, passages: Sequence[Passage]) -> str:
    """ "Source: “Title” — section: Here’s how walking can help, Strengthening Muscles."."""
    titled = [p for p in passages if p.title]
    sections: list[str] = []
    for passage in passages:
        label = passage.section
        if passage.title and len(titled) == 1:
            label = f"{passage.section}, {passage.title}"
        if label != document_title and label not in sections:
            sections.append(label)
    if not sections:
        return f"Source: “{document_title}”."
    noun = "section" if len(sections) == 1 else "sections"
    return f"Source: “{document_title}” — {noun}: {'; '.join(sections)}."


def follow_up_buttons(route: Route, routes: dict[str, Route]) -> list[dict[str, str]]:
    return [
        {"title": routes[intent].question, "payload": f"/{intent}"}
        for intent in route.follow_ups[:3]
        if intent in routes
    ]


def compose_answer(
    *,
    route: Route,
    routes: dict[str, Route],
    document_title: str,
    passages: Sequence[Passage],
    disclaimers: Sequence[Passage],
    outline: Sequence[Passage] = (),
) -> Reply:
    """The answer: the passages, then the source's disclaimer, then the source line."""
    parts = [render_passages(passages, outline, document_title)]
    shown = {p.key for p in passages}
    parts += [d.text for d in disclaimers if d.key not in shown]
    parts.append(source_line(document_title, passages))
    return Reply(text="\n\n".join(parts), buttons=follow_up_buttons(route, routes))
