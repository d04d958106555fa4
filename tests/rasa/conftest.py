from common import paths
from pathlib import Path

import pytest

from tests.conftest import ROOT

MODEL = paths.MODEL


@pytest.fixture(scope="session")
def trained_model() -> Path:
    if not MODEL.exists():
        pytest.fail("no trained model: run scripts/train first (scripts/test does)")
    return MODEL
