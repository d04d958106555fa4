"""A guidance document that no intent was written for, answered over REST.

The test document (``tests/guidance/fixtures/desk-sitting-posture.txt``, not
shipped as guidance) is put beside the shipped ones in a temporary documents
folder, ingested into a temporary store, and a model is trained with it; the
real Rasa server and action server then answer questions about it from its
passages, with its disclaimer and its source line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from benchmarks.guidance_questions import train_with_test_documents
from guidance.parser import parse
from tests.conftest import ROOT
from tests.helpers.answers import DISCLAIMER, NOT_COVERED, new_sender, normalize, passage_text, reply_text
from tests.helpers.stack import Stack

DESK = parse((ROOT / "tests" / "guidance" / "fixtures" / "desk-sitting-posture.txt").read_bytes())
DESK_DISCLAIMER = normalize(DESK.passage("note-4").text)


def desk_passage(key: str) -> str:
    passage = DESK.passage(key)
    return normalize(f"{passage.title}: {passage.text}" if passage.title else passage.text)


@pytest.fixture(scope="module")
def desk_stack(tmp_path_factory) -> Iterator[Stack]:
    model, documents = train_with_test_documents()
    stack = Stack(Path(tmp_path_factory.mktemp("desk-stack")), model=model)
    stack.env["WALKWISE_GUIDANCE_DIR"] = str(documents)
    with stack.running():
        yield stack


@pytest.mark.parametrize(
    "question, key",
    [
        ("How high should my office chair be?", "chair-height"),
        pytest.param(
            "should I put a cushion behind my lower back when I sit at work",
            "lumbar-support",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known miss: retrieval (the embedding and the shared words) answers 26 of 39 "
                "held-out questions about this document; this one gets 'not covered' (issue 8 is open)",
            ),
        ),
        ("where should my computer monitor go", "screen-position"),
    ],
)
def test_a_question_about_the_new_document_is_answered_from_it(desk_stack, question, key):
    text = reply_text(desk_stack.ask(new_sender(), question))
    assert desk_passage(key) in text
    assert DESK_DISCLAIMER in text
    assert f'Source: "{DESK.title}" (version ' in text
    assert DISCLAIMER not in text
    others = [p.key for p in DESK.passages if p.title and p.key != key]
    assert not [other for other in others if desk_passage(other) in text]


def test_the_walking_guidance_still_answers_beside_it(desk_stack):
    text = reply_text(desk_stack.ask(new_sender(), "does walking help the discs in my spine?"))
    assert passage_text("disc-nutrition") in text
    assert DISCLAIMER in text
    assert DESK.title not in text


def test_what_neither_document_covers_gets_the_honest_answer(desk_stack):
    text = reply_text(desk_stack.ask(new_sender(), "which painkiller is best for a bad back?"))
    assert NOT_COVERED in text
