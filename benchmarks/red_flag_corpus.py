"""Red-flag detection on the red-flag corpus, through the trained model.

    PYTHONPATH=. .venv/bin/python -m benchmarks.red_flag_corpus [--part FOLDER] [--model PATH]

Each item is parsed by the Rasa server's own message processor (the NLU
pipeline and the server's triage reader), as a new conversation. A triage
question is answered the way the corpus says (its second turn) or, for a
single message, with a plain "yes" for a red flag and "no" for a look-alike.

Prints, for the held-out part by default (see
understanding/red_flag_corpus/README.md for the protocol):
* per flag and per tier: red flags that got advice of their tier or a more
  urgent one directly, and after one triage question;
* look-alikes that got urgent or emergency advice, the emergency tier, and a
  triage question.
Writes results/red-flag-corpus-<part>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import paths
from common.names import EMERGENCY, INTENT_RED_FLAG_POSSIBLE, RED_FLAG_KEY, TIER_FOR_INTENT, URGENT
from understanding import red_flag_corpus
from understanding.red_flags import FLAG_TIERS

RANK = {None: 0, URGENT: 1, EMERGENCY: 2}


@dataclass(frozen=True)
class Outcome:
    tier: str | None  # the advice finally given
    direct: bool  # given without a triage question
    asked: bool  # a triage question was asked


def tier_of(parse_data: dict[str, Any]) -> str | None:
    """The tier of the advice a parse result gets, if any."""
    return TIER_FOR_INTENT.get(str((parse_data.get("intent") or {}).get("name") or ""))


class Parser:
    """Parses a message as the server does, with the triage reader."""

    def __init__(self, model: Path) -> None:
        from rasa.core.agent import Agent

        from server.hardening import install

        install()
        self.agent = Agent.load(str(model))

    async def parse(self, text: str, pending: dict[str, Any] | None = None) -> dict[str, Any]:
        from server.hardening import answer_triage_pending

        parse_data = await self.agent.parse_message(text)
        if pending is not None:
            answer_triage_pending(parse_data, pending)
        return parse_data

    async def outcome(self, turns: tuple[str, ...], reply: str) -> Outcome:
        first = await self.parse(turns[0])
        tier = tier_of(first)
        if tier:
            return Outcome(tier, True, False)
        if (first.get("intent") or {}).get("name") != INTENT_RED_FLAG_POSSIBLE:
            if len(turns) == 1:
                return Outcome(None, False, False)
            # Not asked: the second message is understood on its own, and a
            # question it gets is answered as the first one would be.
            second = await self.parse(turns[1])
            if (second.get("intent") or {}).get("name") != INTENT_RED_FLAG_POSSIBLE:
                return Outcome(tier_of(second), False, False)
            third = await self.parse(reply, pending=second.get(RED_FLAG_KEY))
            return Outcome(tier_of(third), False, True)
        answer = turns[1] if len(turns) > 1 else reply
        second = await self.parse(answer, pending=first.get(RED_FLAG_KEY))
        return Outcome(tier_of(second), False, True)


async def evaluate(model: Path, part: str) -> dict[str, Any]:
    from rasa.utils.log_utils import configure_structlog

    # Rasa's parse log would print every message of the part: a held-out
    # part is read as figures only.
    configure_structlog(logging.WARNING)
    parser = Parser(model)
    examples = red_flag_corpus.load(paths.RED_FLAG_CORPUS / part)
    per_flag: dict[str, Counter] = defaultdict(Counter)
    per_kind: dict[str, Counter] = defaultdict(Counter)
    misses, alarms = [], []
    for example in examples:
        if example.flag != red_flag_corpus.NO_FLAG:
            got = await parser.outcome(example.turns, "yes")
            counts = per_flag[example.flag]
            counts["total"] += 1
            safe = RANK[got.tier] >= RANK[example.tier]
            counts["direct"] += safe and got.direct
            counts["after_question"] += safe
            counts["asked"] += got.asked
            if not safe:
                misses.append(f"{example.flag} -> {got.tier}: {' / '.join(example.turns)}")
        else:
            got = await parser.outcome(example.turns, "no")
            counts = per_kind[example.kind]
            counts["total"] += 1
            counts["alarm"] += got.tier is not None
            counts["emergency"] += got.tier == EMERGENCY
            counts["asked"] += got.asked
            if got.tier or got.asked:
                alarms.append(f"{got.tier or 'asked'} [{example.kind}]: {example.text}")
    return {"part": part, "per_flag": per_flag, "per_kind": per_kind, "misses": misses, "alarms": alarms}


def _sum(counters: Any) -> Counter:
    total: Counter = Counter()
    for counter in counters:
        total.update(counter)
    return total


def report(result: dict[str, Any]) -> str:
    lines = [f"Red flags, {result['part']} part: advice at the flag's tier or more urgent"]
    lines.append(f"  {'flag':34} {'tier':9} {'n':>4} {'direct':>8} {'after 1 question':>17}")
    by_tier: dict[str, list[Counter]] = defaultdict(list)
    for flag in FLAG_TIERS:
        c = result["per_flag"].get(flag)
        if not c:
            continue
        by_tier[FLAG_TIERS[flag]].append(c)
        lines.append(
            f"  {flag:34} {FLAG_TIERS[flag]:9} {c['total']:>4} {c['direct'] / c['total']:>8.3f} "
            f"{c['after_question'] / c['total']:>17.3f}"
        )
    for tier, counters in by_tier.items():
        c = _sum(counters)
        lines.append(
            f"  {'all ' + tier:34} {'':9} {c['total']:>4} {c['direct'] / c['total']:>8.3f} "
            f"{c['after_question'] / c['total']:>17.3f}"
        )
    c = _sum(result["per_flag"].values())
    lines.append(
        f"  {'all red flags':34} {'':9} {c['total']:>4} {c['direct'] / c['total']:>8.3f} "
        f"{c['after_question'] / c['total']:>17.3f}"
    )
    lines.append("Look-alikes: share that got advice, the emergency tier, a triage question")
    lines.append(f"  {'kind':20} {'n':>4} {'advice':>8} {'emergency':>10} {'asked':>8}")
    for kind, c in sorted(result["per_kind"].items()):
        lines.append(
            f"  {kind:20} {c['total']:>4} {c['alarm'] / c['total']:>8.3f} "
            f"{c['emergency'] / c['total']:>10.3f} {c['asked'] / c['total']:>8.3f}"
        )
    c = _sum(result["per_kind"].values())
    if c["total"]:
        lines.append(
            f"  {'all look-alikes':20} {c['total']:>4} {c['alarm'] / c['total']:>8.3f} "
            f"{c['emergency'] / c['total']:>10.3f} {c['asked'] / c['total']:>8.3f}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=paths.MODEL)
    parts = sorted(d.name for d in paths.RED_FLAG_CORPUS.iterdir() if d.is_dir())
    parser.add_argument("--part", choices=parts, default="heldout", help="a folder of the corpus")
    parser.add_argument("--verbose", action="store_true", help="list the misses and the alarms")
    args = parser.parse_args()
    result = asyncio.run(evaluate(args.model, args.part))
    if args.verbose:
        for line in result["misses"]:
            print(f"  miss: {line}")
        for line in result["alarms"]:
            print(f"  alarm: {line}")
    print(report(result))
    out = paths.ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / f"red-flag-corpus-{args.part}.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
