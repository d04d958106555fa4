"""Where the guidance lives. Read from the environment (through
``common/settings.py``, which checks each value) when asked."""

from __future__ import annotations

from pathlib import Path

from common import paths, settings

ROOT = paths.ROOT
DOCUMENTS_DIR = paths.DOCUMENTS_DIR
DOCUMENTS_DIR_ENV = "WALKWISE_GUIDANCE_DIR"
ROUTES_FILE = ROOT / "guidance" / "routes.yml"

DATABASE_URL_ENV = "WALKWISE_GUIDANCE_DB_URL"


def documents_dir() -> Path:
    """The folder of guidance documents that ingestion and training read."""
    configured: Path | None = settings.value(DOCUMENTS_DIR_ENV)
    return configured or DOCUMENTS_DIR


def database_url() -> str:
    """Any SQLAlchemy URL; a SQLite file under var/ by default."""
    url: str | None = settings.value(DATABASE_URL_ENV)
    if url:
        return url
    var = Path(settings.value("WALKWISE_VAR_DIR"))
    var.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{var / 'guidance.db'}"
