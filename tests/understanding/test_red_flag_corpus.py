"""The red-flag corpus: big enough, every flag covered, the held-out part apart."""

from collections import Counter

import yaml

from common import paths
from understanding import red_flag_corpus
from understanding.red_flags import FLAG_TIERS

TRAIN = red_flag_corpus.load(paths.RED_FLAG_CORPUS / "train")
HELDOUT = [
    example
    for part in sorted(paths.RED_FLAG_CORPUS.glob("heldout*"))
    for example in red_flag_corpus.load(part)
]


def positives(examples):
    return [e for e in examples if e.flag != red_flag_corpus.NO_FLAG]


def lookalikes(examples):
    return [e for e in examples if e.flag == red_flag_corpus.NO_FLAG]


def test_at_least_400_red_flags_with_20_per_flag_of_both_tiers():
    both = positives(TRAIN + HELDOUT)
    per_flag = Counter(e.flag for e in both)
    assert len(both) >= 400
    assert set(per_flag) == set(FLAG_TIERS)
    assert min(per_flag.values()) >= 20, per_flag


def test_at_least_400_lookalikes():
    assert len(lookalikes(TRAIN + HELDOUT)) >= 400


def test_the_heldout_part_covers_every_flag_and_kind():
    assert set(e.flag for e in positives(HELDOUT)) == set(FLAG_TIERS)
    assert {e.kind for e in lookalikes(HELDOUT)} >= {
        "general-question",
        "someone-else",
        "long-ago",
        "ordinary-cause",
        "negated",
        "hypothetical",
    }


def _texts(examples):
    return {t.lower().strip() for e in examples for t in e.turns}


def test_no_heldout_text_is_training_data():
    nlu = set()
    for block in yaml.safe_load(paths.NLU_DATA.read_text())["nlu"]:
        nlu |= {line[2:].strip().lower() for line in block["examples"].splitlines() if line.startswith("- ")}
    ordinary = {t.lower() for t in red_flag_corpus.read_ordinary(paths.RED_FLAG_CORPUS / "train")}
    for path in sorted(paths.NLU_DATA.parent.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text()) or {}).get("nlu") or []:
            examples = block.get("examples") or ""
            nlu |= {line[2:].strip().lower() for line in examples.splitlines() if line.startswith("- ")}
    # Short answers ("yes") may repeat; messages may not.
    heldout = {t for t in _texts(HELDOUT) if len(t.split()) > 3}
    assert heldout.isdisjoint(_texts(TRAIN) | nlu | ordinary)


def test_every_item_names_its_register_or_kind():
    assert all(e.kind for e in TRAIN + HELDOUT)
