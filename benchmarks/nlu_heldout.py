"""Intent macro-F1 on the held-out questions (tests/nlu/heldout.yml).

    .venv/bin/python -m benchmarks.nlu_heldout [--model models/walkwise.tar.gz]

Runs ``rasa test nlu`` on questions that are not in data/nlu.yml and prints
macro-F1, accuracy and every misclassified question. The low-confidence
fallback counts as a miss.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from common import paths

ROOT = paths.ROOT
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"


def evaluate(model: Path, out: Path) -> dict:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            "test",
            "nlu",
            "--nlu",
            str(HELDOUT),
            "--model",
            str(model),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    report = json.loads((out / "intent_report.json").read_text())
    errors_file = out / "intent_errors.json"
    errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
    return {
        "macro_f1": report["macro avg"]["f1-score"],
        "accuracy": report["accuracy"],
        "questions": int(report["macro avg"]["support"]),
        "errors": [
            {
                "text": e["text"],
                "expected": e["intent"],
                "predicted": e["intent_prediction"]["name"],
                "confidence": round(e["intent_prediction"]["confidence"], 2),
            }
            for e in errors
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=paths.MODEL)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "nlu-heldout")
    args = parser.parse_args()
    result = evaluate(args.model, args.out)
    for error in result["errors"]:
        print(f"  miss: {error['expected']} -> {error['predicted']} ({error['confidence']}): {error['text']}")
    print(f"held-out questions: {result['questions']}")
    print(f"intent accuracy: {result['accuracy']:.3f}")
    print(f"intent macro-F1: {result['macro_f1']:.3f}")
    (args.out / "summary.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
