"""Red-flag recall and false alarms through the trained model (patterns and classifier)."""

from benchmarks.red_flags import evaluate
from tests.helpers.running import run_async


def test_recall_is_total_and_no_ordinary_message_gets_the_emergency_tier(trained_model):
    result = run_async(evaluate(trained_model))
    print(
        f"red-flag recall {result.recall:.3f} ({result.recalled}/{result.positives}), "
        f"emergency false alarms {result.emergency_false_alarms}/{result.negatives}, "
        f"any-tier false alarms {result.any_false_alarms}/{result.negatives}"
    )
    assert result.misses == []
    assert result.recall == 1.0
    assert result.emergency_false_alarms == 0, result.false_alarms
