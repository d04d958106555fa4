"""Where the project's files are. The one place that computes the root."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPACY_PIPELINE = ROOT / "build" / "spacy-en-walkwise"
MODEL = ROOT / "models" / "walkwise.tar.gz"
DOCUMENTS_DIR = ROOT / "guidance" / "documents"
RED_FLAG_CORPUS = ROOT / "understanding" / "red_flag_corpus"
NLU_DATA = ROOT / "data" / "nlu.yml"
