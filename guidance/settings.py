"""Where the guidance lives. Read from the environment once, when asked."""

from __future__ import annotations

import os
from pathlib import Path

from common import paths

ROOT = paths.ROOT
DOCUMENTS_DIR = paths.DOCUMENTS_DIR
DOCUMENTS_DIR_ENV = "WALKWISE_GUIDANCE_DIR"
ROUTES_FILE = ROOT / "guidance" / "routes.yml"

DATABASE_URL_ENV = "WALKWISE_GUIDANCE_DB_URL"


def documents_dir() -> Path:
    """The folder of guidance documents that ingestion and training read."""
    configured = os.environ.get(DOCUMENTS_DIR_ENV, "").strip()
    return Path(configured) if configured else DOCUMENTS_DIR


def database_url() -> str:
    """Any SQLAlchemy URL; a SQLite file under var/ by default."""
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    if url:
        return url
    var = Path(os.environ.get("WALKWISE_VAR_DIR", ROOT / "var"))
    var.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{var / 'guidance.db'}"
