from pathlib import Path

import pytest

from tests.e2e.stack import MODEL, Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    if not MODEL.exists():
        pytest.fail("no trained model: run scripts/train first (scripts/test does)")
    stack = Stack(Path(tmp_path_factory.mktemp("stack")))
    stack.prepare()
    try:
        stack.start_actions()
        stack.start_rasa()
        yield stack
    finally:
        stack.stop_all()
