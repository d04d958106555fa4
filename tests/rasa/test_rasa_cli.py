"""The Rasa command line on this project: validation, conversation tests, held-out NLU."""

import subprocess
import sys

import yaml

from benchmarks.nlu_heldout import HELDOUT, evaluate
from common.names import INTENT_GUIDANCE, INTENT_RED_FLAG_POSSIBLE, INTENT_TRIAGE_CLEAR
from tests.conftest import ROOT

MIN_HELDOUT_MACRO_F1 = 0.90


def rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def expected_validator_warnings() -> set[str]:
    """Warnings of stock `rasa data validate` that do not apply here: intents set
    by the red-flag check, the triage reader or the guidance retrieval (never
    predicted, so they have no examples), and the questions of a form, which
    the form asks itself."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    expected = {
        f"The intent '{intent}' is listed in the domain file, but is not found in the NLU training data."
        for intent in (INTENT_RED_FLAG_POSSIBLE, INTENT_TRIAGE_CLEAR, INTENT_GUIDANCE)
    }
    for form in domain["forms"].values():
        expected |= {
            f"The utterance 'utter_ask_{slot}' is not used in any story or rule."
            for slot in form["required_slots"]
        }
    return expected


def test_data_validate_passes_without_warnings():
    result = rasa("data", "validate")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    warnings = [line for line in output.splitlines() if "UserWarning" in line or " WARNING " in line]
    unexpected = [w for w in warnings if not any(known in w for known in expected_validator_warnings())]
    assert unexpected == []


def test_conversation_stories_pass(trained_model, tmp_path):
    result = rasa(
        "test",
        "core",
        "--stories",
        "tests/conversations",
        "--model",
        str(trained_model),
        "--fail-on-prediction-errors",
        "--out",
        str(tmp_path),
    )
    failed = tmp_path / "failed_test_stories.yml"
    detail = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:] + detail


def examples(path):
    found = set()
    for block in yaml.safe_load(path.read_text())["nlu"]:
        found |= {
            line[2:].strip().lower() for line in block["examples"].splitlines() if line.startswith("- ")
        }
    return found


def test_heldout_questions_are_not_training_examples():
    heldout = examples(HELDOUT)
    assert len(heldout) >= 100
    assert heldout.isdisjoint(examples(ROOT / "data" / "nlu.yml"))


def test_heldout_intent_macro_f1(trained_model, tmp_path):
    result = evaluate(trained_model, tmp_path)
    print(f"held-out intent macro-F1 {result['macro_f1']:.3f} over {result['questions']} questions")
    assert result["macro_f1"] >= MIN_HELDOUT_MACRO_F1, result["errors"]
