"""The guidance store: documents, their versions and their passages.

Actions and the ingestion step use :class:`GuidanceStore`; nothing else writes
queries. Every document keeps each ingested version (content hash, time); one
version per document is active, and switching to a new one happens in a single
transaction, so a failed ingestion leaves the previous version serving.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base

from guidance import settings
from guidance.parser import ParsedDocument, Passage

if TYPE_CHECKING:  # declarative_base() returns a class that mypy cannot see

    class Base:
        metadata: Any

        def __init__(self, **kwargs: Any) -> None: ...
else:
    Base = declarative_base()


class DocumentRow(Base):
    __tablename__ = "guidance_documents"
    id = Column(Integer, primary_key=True)
    slug = Column(String(200), nullable=False, unique=True)
    active_version_id = Column(Integer, ForeignKey("guidance_versions.id", use_alter=True))


class VersionRow(Base):
    __tablename__ = "guidance_versions"
    id = Column(Integer, primary_key=True)
    document_id = Column(Integer, ForeignKey("guidance_documents.id"), nullable=False, index=True)
    title = Column(String(500), nullable=False)
    content_hash = Column(String(64), nullable=False)
    source_path = Column(String(1000), nullable=False)
    ingested_at = Column(DateTime, nullable=False)


class PassageRow(Base):
    __tablename__ = "guidance_passages"
    __table_args__ = (UniqueConstraint("version_id", "key"),)
    id = Column(Integer, primary_key=True)
    version_id = Column(Integer, ForeignKey("guidance_versions.id"), nullable=False, index=True)
    key = Column(String(200), nullable=False)
    position = Column(Integer, nullable=False)
    section = Column(Text, nullable=False)
    title = Column(Text)
    text = Column(Text, nullable=False)
    is_disclaimer = Column(Boolean, nullable=False, default=False)


@dataclass(frozen=True)
class DocumentVersion:
    slug: str
    version_id: int
    title: str
    content_hash: str
    source_path: str
    ingested_at: dt.datetime


@dataclass(frozen=True)
class IngestResult:
    version: DocumentVersion
    changed: bool


def make_engine(url: str) -> Engine:
    engine = create_engine(url, pool_pre_ping=True, future=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):  # type: ignore[no-untyped-def]
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    return engine


def _version(slug: str, row: VersionRow) -> DocumentVersion:
    return DocumentVersion(
        slug=slug,
        version_id=row.id,
        title=row.title,
        content_hash=row.content_hash,
        source_path=row.source_path,
        ingested_at=row.ingested_at,
    )


def _passage(row: PassageRow) -> Passage:
    return Passage(
        key=row.key,
        position=row.position,
        section=row.section,
        text=row.text,
        title=row.title,
        is_disclaimer=row.is_disclaimer,
    )


class GuidanceStore:
    """Reads and writes guidance through SQLAlchemy; returns plain dataclasses."""

    def __init__(self, url: str | None = None, *, engine: Engine | None = None) -> None:
        self._url = url
        self._engine = engine

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self._url or settings.database_url())
            Base.metadata.create_all(self._engine)
        return self._engine

    def ingest(self, slug: str, document: ParsedDocument, *, source_path: str) -> IngestResult:
        """Stores a parsed document as the active version; a no-op if unchanged."""
        with Session(self.engine) as session, session.begin():
            row = session.execute(select(DocumentRow).where(DocumentRow.slug == slug)).scalar_one_or_none()
            if row is None:
                row = DocumentRow(slug=slug)
                session.add(row)
                session.flush()
            if row.active_version_id is not None:
                active = session.get(VersionRow, row.active_version_id)
                if active is not None and active.content_hash == document.content_hash:
                    return IngestResult(_version(slug, active), changed=False)
            version = VersionRow(
                document_id=row.id,
                title=document.title,
                content_hash=document.content_hash,
                source_path=source_path,
                ingested_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
            )
            session.add(version)
            session.flush()
            session.add_all(
                PassageRow(
                    version_id=version.id,
                    key=p.key,
                    position=p.position,
                    section=p.section,
                    title=p.title,
                    text=p.text,
                    is_disclaimer=p.is_disclaimer,
                )
                for p in document.passages
            )
            row.active_version_id = version.id
            session.flush()
            return IngestResult(_version(slug, version), changed=True)

    def active_version(self, slug: str) -> DocumentVersion | None:
        with Session(self.engine) as session:
            found = session.execute(
                select(VersionRow)
                .join(DocumentRow, DocumentRow.active_version_id == VersionRow.id)
                .where(DocumentRow.slug == slug)
            ).scalar_one_or_none()
            return _version(slug, found) if found else None

    def versions(self, slug: str) -> list[DocumentVersion]:
        with Session(self.engine) as session:
            rows = session.execute(
                select(VersionRow)
                .join(DocumentRow, DocumentRow.id == VersionRow.document_id)
                .where(DocumentRow.slug == slug)
                .order_by(VersionRow.id)
            ).scalars()
            return [_version(slug, row) for row in rows]

    def passages(self, slug: str, keys: Iterable[str] | None = None) -> list[Passage]:
        """The active version's passages, in page order; all of them without keys."""
        with Session(self.engine) as session:
            query = (
                select(PassageRow)
                .join(DocumentRow, DocumentRow.active_version_id == PassageRow.version_id)
                .where(DocumentRow.slug == slug)
                .order_by(PassageRow.position)
            )
            if keys is not None:
                query = query.where(PassageRow.key.in_(list(keys)))
            return [_passage(row) for row in session.execute(query).scalars()]

    def disclaimers(self, slug: str) -> Sequence[Passage]:
        return [p for p in self.passages(slug) if p.is_disclaimer]
