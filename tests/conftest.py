from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from common import paths
from guidance.ingest import ingest_file
from guidance.routes import load_routes
from guidance.store import GuidanceStore

ROOT = paths.ROOT
TESTS = Path(__file__).resolve().parent
WALKING_DOC = ROOT / "guidance" / "documents" / "walking-lower-back-pain.txt"
WALKING_SLUG = "walking-lower-back-pain"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks each test with its tier, by folder."""
    for item in items:
        folder = Path(str(item.fspath)).relative_to(TESTS).parts[0]
        if item.fspath.basename in (
            "test_widget_browser.py",
            "test_review_browser.py",
            "test_feedback_browser.py",
        ):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.e2e)
        elif folder == "e2e":
            item.add_marker(pytest.mark.e2e)
        elif folder == "rasa" or item.get_closest_marker("model"):
            item.add_marker(pytest.mark.model)
        else:
            item.add_marker(pytest.mark.unit)


@pytest.fixture
def store(tmp_path: Path) -> GuidanceStore:
    """A guidance store over a fresh SQLite file, holding the shipped documents."""
    store = GuidanceStore(f"sqlite:///{tmp_path / 'guidance.db'}")
    for path in sorted((ROOT / "guidance" / "documents").glob("*.txt")):
        ingest_file(store, path)
    return store


@pytest.fixture
def routes():
    return load_routes()


@pytest.fixture
def domain() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def make_tracker() -> Callable[..., Tracker]:
    def make(intent: str | None = None, text: str = "", slots: dict[str, Any] | None = None) -> Tracker:
        latest = {
            "text": text,
            "intent": {"name": intent, "confidence": 1.0} if intent else {},
            "entities": [],
        }
        return Tracker(
            sender_id="test-user",
            slots=slots or {},
            latest_message=latest,
            events=[],
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )

    return make


@pytest.fixture(scope="session")
def nlp():
    """The offline spaCy pipeline the bot uses (built by scripts/install)."""
    import spacy

    from common.paths import SPACY_PIPELINE

    if not SPACY_PIPELINE.exists():
        pytest.fail("the spaCy pipeline is not built: run scripts/install")
    return spacy.load(SPACY_PIPELINE)
