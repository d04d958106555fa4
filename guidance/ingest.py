"""Ingests guidance documents into the guidance store.

    python -m guidance.ingest                 # every file in guidance/documents/
    python -m guidance.ingest path/to/page.txt --slug walking-lower-back-pain

A document's slug is its file name without the extension. Ingesting the same
text again changes nothing; a changed text becomes a new active version at
once, with no retraining. A file that cannot be parsed is rejected with the
reason, and the version already in the store keeps serving.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from guidance import settings
from guidance.parser import GuidanceFormatError, parse
from guidance.store import GuidanceStore, IngestResult


def ingest_file(store: GuidanceStore, path: Path, slug: str | None = None) -> IngestResult:
    """Parses and stores one file. Raises GuidanceFormatError, naming the file."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise GuidanceFormatError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        document = parse(raw)
    except GuidanceFormatError as error:
        raise GuidanceFormatError(f"{path}: {error}") from None
    return store.ingest(slug or path.stem, document, source_path=_display(path))


def _display(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(settings.ROOT)) if path.is_relative_to(settings.ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Ingest guidance documents into the store.")
    parser.add_argument("files", nargs="*", type=Path, help="default: guidance/documents/*.txt")
    parser.add_argument("--slug", help="store a single file under this slug")
    args = parser.parse_args(argv)

    files = args.files or sorted(settings.documents_dir().glob("*.txt"))
    if args.slug and len(files) != 1:
        parser.error("--slug needs exactly one file")
    if not files:
        print(f"error: no guidance documents in {settings.documents_dir()}", file=sys.stderr)
        return 1

    store = GuidanceStore()
    failures = 0
    for path in files:
        slug = args.slug or path.stem
        try:
            result = ingest_file(store, path, slug)
        except GuidanceFormatError as error:
            failures += 1
            previous = store.active_version(slug)
            keeps = (
                f"version {previous.version_id} ({previous.content_hash[:12]}, "
                f"ingested {previous.ingested_at:%Y-%m-%d %H:%M} UTC) keeps serving"
                if previous
                else "nothing was stored for it"
            )
            print(f"error: rejected {error}; {keeps}", file=sys.stderr)
            continue
        state = "new version" if result.changed else "unchanged"
        count = len(store.passages(slug))
        print(
            f"    {slug}: {state} {result.version.version_id} "
            f"({result.version.content_hash[:12]}), {count} passages"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
