"""Red-flag recall and false-alarm rate through the trained model's NLU.

    .venv/bin/python -m benchmarks.red_flags [--model models/walkwise.tar.gz]

Parses every message of tests/red_flags/positives.yml and negatives.yml with
the Rasa server's own message processor and triage reader, and prints:
* recall: red-flag messages that got advice of their tier or a higher one,
  directly or after "yes" to one triage question;
* tier accuracy: those that got exactly their tier;
* emergency false-alarm rate: ordinary messages that got the emergency tier;
* any-tier false-alarm rate: ordinary messages that got any red-flag advice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from common import paths

ROOT = paths.ROOT
POSITIVES = ROOT / "tests" / "red_flags" / "positives.yml"
NEGATIVES = ROOT / "tests" / "red_flags" / "negatives.yml"
RANK = {None: 0, "urgent": 1, "emergency": 2}


@dataclass
class Result:
    positives: int = 0
    recalled: int = 0
    exact_tier: int = 0
    negatives: int = 0
    emergency_false_alarms: int = 0
    any_false_alarms: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.recalled / self.positives

    @property
    def emergency_false_alarm_rate(self) -> float:
        return self.emergency_false_alarms / self.negatives

    @property
    def any_false_alarm_rate(self) -> float:
        return self.any_false_alarms / self.negatives


def load_sets() -> tuple[list[tuple[str, str]], list[str]]:
    positives = [
        (tier, text) for tier, texts in yaml.safe_load(POSITIVES.read_text()).items() for text in texts
    ]
    return positives, list(yaml.safe_load(NEGATIVES.read_text()))


async def evaluate(model: Path) -> Result:
    """Each red flag counts when it gets its tier's advice directly or after
    answering "yes" to one triage question; an ordinary message counts as a
    false alarm when it gets advice directly (a triage question is answered "no")."""
    from benchmarks.red_flag_corpus import Parser

    parser = Parser(model)
    positives, negatives = load_sets()
    result = Result(positives=len(positives), negatives=len(negatives))
    for expected, text in positives:
        got = await parser.outcome((text,), "yes")
        if RANK[got.tier] >= RANK[expected]:
            result.recalled += 1
        else:
            result.misses.append(f"{expected} -> {got.tier}: {text}")
        result.exact_tier += got.tier == expected
    for text in negatives:
        got = await parser.outcome((text,), "no")
        if got.tier:
            result.any_false_alarms += 1
            result.false_alarms.append(f"{got.tier}: {text}")
        result.emergency_false_alarms += got.tier == "emergency"
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=paths.MODEL)
    args = parser.parse_args()
    result = asyncio.run(evaluate(args.model))
    for line in result.misses:
        print(f"  miss: {line}")
    for line in result.false_alarms:
        print(f"  false alarm: {line}")
    print(f"red-flag messages: {result.positives}, ordinary messages: {result.negatives}")
    print(f"recall: {result.recall:.3f} ({result.recalled}/{result.positives})")
    print(f"tier accuracy: {result.exact_tier / result.positives:.3f}")
    print(
        f"emergency false-alarm rate: {result.emergency_false_alarm_rate:.3f} "
        f"({result.emergency_false_alarms}/{result.negatives})"
    )
    print(
        f"any-tier false-alarm rate: {result.any_false_alarm_rate:.3f} "
        f"({result.any_false_alarms}/{result.negatives})"
    )
    out = ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / "red-flags.json").write_text(json.dumps(result.__dict__, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
