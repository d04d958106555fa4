"""What the red-flag check and the shared sentence embedding cost per message.

    PYTHONPATH=. .venv/bin/python -m benchmarks.red_flag_cost [--model PATH] [--messages N]

Loads the trained model as the Rasa server does and parses messages from the
held-out guidance questions and the held-out red-flag corpus. Prints the
median and 95th percentile of:
* the whole NLU parse;
* the sentence-embedding featurizer alone (shared with the intent classifier);
* the red-flag check alone (including the extra embeddings of the clauses of
  longer messages);
and the resident memory the embedding model adds to the process.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from common import paths
from understanding import red_flag_corpus


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def messages(limit: int) -> list[str]:
    texts = [e.text for e in red_flag_corpus.load(paths.RED_FLAG_CORPUS / "heldout")]
    questions = paths.ROOT / "tests" / "guidance" / "heldout" / "questions.yml"
    if questions.exists():
        texts += [item["text"] for item in yaml.safe_load(questions.read_text()) or []]
    return texts[:limit]


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"median {statistics.median(ordered) * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms"


def timed(node: Any, times: list[float]) -> None:
    """Wraps a graph node's function to record how long each call takes."""
    original = node._fn

    def run(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            times.append(time.perf_counter() - start)

    node._fn = run


async def measure(model: Path, limit: int) -> None:
    from rasa.core.agent import Agent

    from server.hardening import install
    from understanding import embeddings

    install()
    before = rss_mib()
    embeddings.shared_encoder()
    encoder_mib = rss_mib() - before
    agent = Agent.load(str(model))
    runner = agent.processor.graph_runner
    featurizer_times: list[float] = []
    check_times: list[float] = []
    for node in runner._instantiated_nodes.values():  # the loaded graph's nodes
        name = node._component_class.__name__
        if name == "SentenceEmbeddingFeaturizer" and node._fn_name == "process":
            timed(node, featurizer_times)
        elif name == "RedFlagCheck" and node._fn_name == "process":
            timed(node, check_times)
    texts = messages(limit)
    for text in texts[:20]:  # warm up
        await agent.parse_message(text)
    featurizer_times.clear()
    check_times.clear()
    parse_times = []
    for text in texts:
        start = time.perf_counter()
        await agent.parse_message(text)
        parse_times.append(time.perf_counter() - start)
    gc.collect()
    print(f"{len(texts)} messages, model {model.name}")
    print(f"  whole NLU parse:          {percentiles(parse_times)}")
    print(f"  sentence embedding:       {percentiles(featurizer_times)}")
    print(f"  red-flag check:           {percentiles(check_times)}")
    added = [a + b for a, b in zip(featurizer_times, check_times, strict=True)]
    print(f"  embedding + check:        {percentiles(added)}")
    print(f"  memory of the embedding model: {encoder_mib:.0f} MiB; process now {rss_mib():.0f} MiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=paths.MODEL)
    parser.add_argument("--messages", type=int, default=400)
    args = parser.parse_args()
    asyncio.run(measure(args.model, args.messages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
