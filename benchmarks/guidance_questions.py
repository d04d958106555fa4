"""Guidance questions: the right passages, nothing unrelated, honest refusals.

    .venv/bin/python -m benchmarks.guidance_questions                  # held-out set
    .venv/bin/python -m benchmarks.guidance_questions --set dev        # development set
    .venv/bin/python -m benchmarks.guidance_questions --set dev --show # and every miss
    .venv/bin/python -m benchmarks.guidance_questions --set heldout-2  # second held-out set
    .venv/bin/python -m benchmarks.guidance_questions --set heldout-3  # third held-out set

Trains (once, cached under ``models/eval/``) an NLU model whose guidance is the
shipped documents plus the test documents (``tests/guidance/fixtures/`` and
``tests/guidance/dev/``), which no intent was written for, then parses every
question and resolves it to passages the way the answering action does.

* The held-out set (``tests/guidance/heldout/questions.yml``) was written
  apart from the training data and is never used to tune: print its figures,
  do not read its items.
* The second held-out set (``tests/guidance/heldout-2/``) brings its own
  document, on sleeping with back pain, and is read with a model trained on
  the shipped documents and that one only, as a staff member would add it:
  figures only, like the first. The third (``tests/guidance/heldout-3/``,
  on gardening) is read the same way.
* The development set (``tests/guidance/dev/``) is what the retrieval
  settings in ``config.yml`` were chosen on.

An answerable question is *right* when every expected passage is in the
answer, and *clean* when, besides those, the answer holds only the document's
disclaimer (and the conclusion that follows the introduction). An uncovered
question is *honest* when it gets the "not covered" answer. A half-covered one
must also say what the guidance does not cover.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from common import paths
from common.names import GUIDANCE_KEY, INTENT_GUIDANCE, RED_FLAG_KEY
from guidance.coverage import load_documents
from guidance.parser import ParsedDocument, slugify
from guidance.routes import load_routes
from understanding.retrieval import Plan

ROOT = paths.ROOT
SETS = {
    "heldout": ROOT / "tests" / "guidance" / "heldout" / "questions.yml",
    "heldout-2": ROOT / "tests" / "guidance" / "heldout-2" / "questions.yml",
    "heldout-3": ROOT / "tests" / "guidance" / "heldout-3" / "questions.yml",
    "dev": ROOT / "tests" / "guidance" / "dev" / "questions.yml",
}
HELD_OUT = frozenset({"heldout", "heldout-2", "heldout-3"})
TEST_DOCUMENTS = [
    ROOT / "tests" / "guidance" / "fixtures" / "desk-sitting-posture.txt",
    ROOT / "tests" / "guidance" / "dev" / "lifting-and-carrying.txt",
]
# The documents each set is read with, besides the shipped ones.
SET_DOCUMENTS = {
    "heldout": TEST_DOCUMENTS,
    "dev": TEST_DOCUMENTS,
    "heldout-2": sorted((ROOT / "tests" / "guidance" / "heldout-2").glob("*.txt")),
    "heldout-3": sorted((ROOT / "tests" / "guidance" / "heldout-3").glob("*.txt")),
}
WALKING = "walking-lower-back-pain"
# The held-out set names the document of its test-document questions by kind.
KIND_DOCUMENT = {"test-document": "desk-sitting-posture"}
CAUTIONS = {
    "caution: flare-up": "note-1",
    "caution: posture, shoes and bags": "note-2",
    "caution: walking makes it worse": "note-3",
    "caution: other exercises": "note-4",
    "caution: see a professional": "note-5",
}


@dataclass
class Outcome:
    item: dict[str, Any]
    expected: set[tuple[str, str]]
    answered: set[tuple[str, str]]
    intent: str
    uncovered: bool
    red_flag: bool

    @property
    def right(self) -> bool:
        return bool(self.expected) and self.expected <= self.answered and not self.red_flag

    def clean(self, documents: dict[str, ParsedDocument]) -> bool:
        extra = self.answered - self.expected
        allowed = {(doc, p.key) for doc, d in documents.items() for p in d.passages if p.is_disclaimer}
        allowed |= {(doc, "conclusion") for doc, key in self.expected if key == "intro"}
        return self.right and extra <= allowed

    @property
    def refused(self) -> bool:
        return not self.answered and not self.red_flag


def expected_keys(item: dict[str, Any], documents: dict[str, ParsedDocument]) -> set[tuple[str, str]]:
    document = item.get("document") or KIND_DOCUMENT.get(item.get("kind", ""), WALKING)
    document = {"walking": WALKING}.get(document, document)
    keys = set()
    for label in item.get("expect") or []:
        lowered = str(label).strip().lower()
        if lowered == "introduction":
            key = "intro"
        elif lowered == "conclusion":
            key = "conclusion"
        elif lowered in CAUTIONS:
            key = CAUTIONS[lowered]
        elif lowered.startswith("caution "):
            key = f"note-{lowered.split()[-1]}"
        else:
            key = slugify(label)
        if key not in {p.key for p in documents[document].passages}:
            raise SystemExit(f"{label!r} names no passage of {document}")
        keys.add((document, key))
    return keys


def answered_keys(parse: dict[str, Any], routes: dict) -> tuple[set[tuple[str, str]], bool]:
    """The passages the answering action would send, and whether it adds the
    "not covered" note (actions/answer_question.py)."""
    intent = (parse.get("intent") or {}).get("name") or ""
    plan = Plan.from_dict(parse.get(GUIDANCE_KEY))
    if not plan.answers:
        plan = Plan(intents=[intent] if intent in routes else [])
    keys = {(routes[i].document, k) for i in plan.intents if i in routes for k in routes[i].passages}
    keys |= {(p.document, p.key) for p in plan.passages}
    if intent == INTENT_GUIDANCE and not plan.passages:
        keys = set()
    return keys, plan.uncovered and bool(keys)


def inputs_hash(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.txt")):
        digest.update(path.read_bytes())
    patterns = (
        "config.yml",
        "domain.yml",
        "data/*.yml",
        "understanding/*.py",
        "policies/*.py",
        "guidance/*.py",
        "common/*.py",
    )
    for pattern in patterns:
        for path in sorted(ROOT.glob(pattern)):
            digest.update(path.read_bytes())
    for path in sorted((paths.RED_FLAG_CORPUS / "train").glob("*.yml")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def evaluation_documents(test_documents: list[Path] = TEST_DOCUMENTS) -> Path:
    directory = ROOT / "models" / "eval" / "documents"
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.txt"):
        stale.unlink()
    for path in [*sorted(paths.DOCUMENTS_DIR.glob("*.txt")), *test_documents]:
        shutil.copy(path, directory / path.name)
    return directory


def train_with_test_documents(documents: Path | None = None) -> tuple[Path, Path]:
    """A model trained with the shipped and the test documents (cached by its
    inputs; Rasa's own cache keeps everything but the retrieval index), and the
    folder of documents it was trained on."""
    documents = documents or evaluation_documents()
    out = ROOT / "models" / "eval"
    model = out / f"walkwise-{inputs_hash(documents)}.tar.gz"
    if model.exists():
        return model, documents
    print(f"training the evaluation model ({model.name})...", file=sys.stderr)
    env = {**os.environ, "WALKWISE_GUIDANCE_DIR": str(documents)}
    subprocess.run(
        [sys.executable, "-m", "server", "train", "--out", str(out)]
        + ["--fixed-model-name", model.name.removesuffix(".tar.gz")],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return model, documents


async def parse_all(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def evaluate(
    model: Path, items: list[dict[str, Any]], documents: dict[str, ParsedDocument], dump: Path | None = None
) -> list[Outcome]:
    routes = load_routes()
    parses = asyncio.run(parse_all(model, [str(i["text"]) for i in items]))
    if dump is not None:
        dump.write_text(json.dumps(parses, default=str))
    outcomes = []
    for item, parse in zip(items, parses, strict=True):
        answered, uncovered = answered_keys(parse, routes)
        red_flag = bool((parse.get(RED_FLAG_KEY) or {}).get("tier")) or (
            (parse.get("intent") or {}).get("name") == "red_flag_possible"
        )
        outcomes.append(
            Outcome(
                item,
                expected_keys(item, documents),
                answered,
                (parse.get("intent") or {}).get("name") or "",
                uncovered,
                red_flag,
            )
        )
    return outcomes


def report(outcomes: list[Outcome], documents: dict[str, ParsedDocument], show: bool) -> None:
    answerable = [o for o in outcomes if o.expected]
    uncovered = [o for o in outcomes if not o.expected]
    half = [o for o in outcomes if o.item.get("partly_uncovered")]

    def pct(n: int, d: int) -> str:
        return f"{n}/{d} ({100 * n / d:.1f}%)" if d else "-"

    print(f"answerable: right passage        {pct(sum(o.right for o in answerable), len(answerable))}")
    print(
        "answerable: right and clean      "
        f"{pct(sum(o.clean(documents) for o in answerable), len(answerable))}"
    )
    print(f"answerable: refused              {pct(sum(o.refused for o in answerable), len(answerable))}")
    print(f"answerable: red-flag advice      {pct(sum(o.red_flag for o in answerable), len(answerable))}")
    print(f"uncovered:  honest answer        {pct(sum(o.refused for o in uncovered), len(uncovered))}")
    print(f"half-covered: says what is not   {pct(sum(o.right and o.uncovered for o in half), len(half))}")
    covered = [o for o in answerable if not o.item.get("partly_uncovered")]
    print(f"covered: a part called uncovered {pct(sum(o.uncovered for o in covered), len(covered))}")
    print()
    print(f"{'kind':<18}{'items':>6}{'right':>8}{'clean':>8}{'refused':>9}")
    kinds = Counter(str(o.item.get("kind")) for o in outcomes)
    for kind in sorted(kinds):
        group = [o for o in outcomes if str(o.item.get("kind")) == kind]
        if all(not o.expected for o in group):
            honest = sum(o.refused for o in group)
            print(f"{kind:<18}{len(group):>6}{'':>8}{'':>8}{honest:>9}  (honest)")
            continue
        print(
            f"{kind:<18}{len(group):>6}{sum(o.right for o in group):>8}"
            f"{sum(o.clean(documents) for o in group):>8}{sum(o.refused for o in group):>9}"
        )
    if show:
        print()
        for o in outcomes:
            ok = (o.clean(documents) if o.expected else o.refused) and (
                o.uncovered == bool(o.item.get("partly_uncovered"))
            )
            if not ok:
                print(
                    f"- {o.item['text']!r}\n    expected {sorted(o.expected)} got {sorted(o.answered)}"
                    f" intent={o.intent} note={o.uncovered}"
                )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=sorted(SETS), default="heldout")
    parser.add_argument("--model", type=Path, help="an NLU model trained with the test documents")
    parser.add_argument("--show", action="store_true", help="print every miss (development set only)")
    parser.add_argument("--dump", type=Path, help="write the parse results here (development set only)")
    args = parser.parse_args()
    if (args.show or args.dump) and args.set in HELD_OUT:
        parser.error("a held-out set prints figures only")
    logging.basicConfig(level=logging.ERROR)
    if args.model is None:
        model, directory = train_with_test_documents(evaluation_documents(SET_DOCUMENTS[args.set]))
    else:
        model, directory = args.model, Path(tempfile.mkdtemp())
        for path in [*sorted(paths.DOCUMENTS_DIR.glob("*.txt")), *SET_DOCUMENTS[args.set]]:
            shutil.copy(path, directory / path.name)
    documents = load_documents(directory)
    items = yaml.safe_load(SETS[args.set].read_text(encoding="utf-8"))
    outcomes = evaluate(model, items, documents, args.dump)
    print(f"{args.set}: {len(items)} questions, model {model.name}")
    report(outcomes, documents, args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
