from pathlib import Path

import pytest

from common import paths

MODEL = paths.MODEL


@pytest.fixture(scope="session")
def trained_model() -> Path:
    if not MODEL.exists():
        pytest.fail("no trained model: run scripts/train first (scripts/test does)")
    return MODEL
