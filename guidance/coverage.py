"""Which intents reach which passage, and what nothing reaches.

    python -m guidance.coverage

Prints every passage of every guidance document with the intents routed to
it (a document with no routes is answered by passage retrieval), then the
problems: passages of a routed document that no intent reaches, routes that
point at a passage or document that does not exist, and routed intents the
domain does not declare. Exits 1 when there is a problem, so run it after editing
the guidance.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from guidance import settings
from guidance.parser import GuidanceFormatError, ParsedDocument, parse
from guidance.routes import Route, load_routes

# Passages that are served with every answer rather than asked for.
DISCLAIMER_NOTE = "(disclaimer, shown with every answer)"
# A document that no route points at is answered by passage retrieval
# (understanding/retrieval.py): every passage of it can be reached.
RETRIEVAL = "(passage retrieval)"


@dataclass
class Coverage:
    reached_by: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def domain_intents(domain_path: Path) -> set[str]:
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8")) or {}
    return {next(iter(i)) if isinstance(i, dict) else i for i in domain.get("intents", [])}


def compute(
    documents: dict[str, ParsedDocument],
    routes: dict[str, Route],
    intents: set[str] | None = None,
) -> Coverage:
    coverage = Coverage()
    for slug, document in documents.items():
        for passage in document.passages:
            coverage.reached_by[(slug, passage.key)] = []
    for route in routes.values():
        if intents is not None and route.intent not in intents:
            coverage.problems.append(f"intent '{route.intent}' is routed but not declared in the domain")
        if route.document not in documents:
            coverage.problems.append(
                f"intent '{route.intent}' points at document '{route.document}', which does not exist"
            )
            continue
        for key in route.passages:
            if (route.document, key) not in coverage.reached_by:
                coverage.problems.append(
                    f"intent '{route.intent}' points at passage '{route.document}/{key}', "
                    "which no longer exists"
                )
            else:
                coverage.reached_by[(route.document, key)].append(route.intent)
    routed = {route.document for route in routes.values()}
    for (slug, key), reached in coverage.reached_by.items():
        if slug not in routed:
            reached.append(RETRIEVAL)
        elif not reached:
            coverage.problems.append(f"passage '{slug}/{key}' is reached by no intent")
    return coverage


def load_documents(directory: Path) -> dict[str, ParsedDocument]:
    return {path.stem: parse(path.read_bytes()) for path in sorted(directory.glob("*.txt"))}


def main() -> int:
    try:
        documents = load_documents(settings.documents_dir())
    except GuidanceFormatError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    coverage = compute(documents, load_routes(), domain_intents(settings.ROOT / "domain.yml"))
    for slug, document in documents.items():
        print(f"{slug}: {document.title}")
        for passage in document.passages:
            label = passage.title or passage.text[:48] + "…"
            intents = ", ".join(coverage.reached_by[(slug, passage.key)]) or "-- NO INTENT --"
            note = f" {DISCLAIMER_NOTE}" if passage.is_disclaimer else ""
            print(f"  {passage.key:<28} {label:<50} <- {intents}{note}")
    for problem in coverage.problems:
        print(f"problem: {problem}", file=sys.stderr)
    print(f"{len(coverage.reached_by)} passages, {len(coverage.problems)} problems")
    return 1 if coverage.problems else 0


if __name__ == "__main__":
    sys.exit(main())
