"""Cross-validation of the red-flag classifier on the training part only.

    PYTHONPATH=. .venv/bin/python -m benchmarks.red_flag_cv [--folds 5]

This is where the thresholds in config.yml were chosen; it never reads the
held-out part. For each fold the classifier is trained on the rest (corpus
training part, ordinary aches and the NLU examples of every other intent) and
scores the fold; the table shows, for a grid of thresholds (advice when both
estimates reach ``flag``, a question when their mean reaches ``triage`` or a
pattern matched and the mean reaches ``floor``), the red flags
flagged directly or after a triage question, and the look-alikes and ordinary
NLU questions flagged or asked a question.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import spacy
from sklearn.model_selection import StratifiedKFold

from common import paths
from common.names import TIER_FOR_INTENT
from understanding import red_flag_corpus
from understanding.embeddings import shared_encoder
from understanding.red_flag_model import NO_FLAG, RedFlagModel, pattern_features
from understanding.red_flags import RedFlagDetector


def nlu_texts() -> list[str]:
    return red_flag_corpus.ordinary_nlu_texts(set(TIER_FOR_INTENT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--regularisation", type=float, default=4.0)
    args = parser.parse_args()

    train = paths.RED_FLAG_CORPUS / "train"
    examples = [e for e in red_flag_corpus.load(train) if len(e.turns) == 1]
    ordinary = red_flag_corpus.read_ordinary(train)
    nlu = nlu_texts()
    texts = [e.text for e in examples] + ordinary + nlu
    labels = np.array([e.flag for e in examples] + [NO_FLAG] * (len(ordinary) + len(nlu)))
    group = np.array(
        ["flag" if e.flag != NO_FLAG else "lookalike" for e in examples]
        + ["lookalike"] * len(ordinary)
        + ["nlu"] * len(nlu)
    )

    nlp = spacy.load(paths.SPACY_PIPELINE)
    detector = RedFlagDetector(nlp.vocab)
    docs = list(nlp.pipe(texts))
    findings = [detector.check(d) for d in docs]
    patterns = np.array([pattern_features(f, d) for f, d in zip(findings, docs, strict=True)])
    pattern_hit = np.array([bool(f.tier) and not f.general_question for f in findings])
    embeddings = shared_encoder().encode(texts)

    probability = np.zeros(len(texts))
    agreement = np.zeros(len(texts))
    folds = StratifiedKFold(args.folds, shuffle=True, random_state=0)
    for fit, held in folds.split(texts, np.where(group == "nlu", "nlu", labels)):
        model = RedFlagModel(c=args.regularisation).fit(
            [texts[i] for i in fit], embeddings[fit], patterns[fit], labels[fit], group[fit] == "lookalike"
        )
        scores = model.score([texts[i] for i in held], embeddings[held], patterns[held])
        probability[held] = [s.probability for s in scores]
        agreement[held] = [s.agreement for s in scores]

    flag, look, ordinary_q = group == "flag", group == "lookalike", group == "nlu"
    print(f"training part: {flag.sum()} red flags, {look.sum()} look-alikes, {ordinary_q.sum()} NLU examples")
    print(
        f"{'flag':>5} {'triage':>6} {'floor':>5} | {'flagged':>7} {'+asked':>7} | "
        f"{'look-alikes flagged':>19} {'asked':>6} | {'NLU flagged':>11} {'asked':>6}"
    )
    for high in (0.4, 0.5, 0.6):
        for low in (0.25, 0.3, 0.4):
            for floor in (0.1, 0.2, 0.3):
                flagged = agreement >= high
                asked = ~flagged & ((probability >= low) | (pattern_hit & (probability >= floor)))
                print(
                    f"{high:>5} {low:>6} {floor:>5} | {flagged[flag].mean():>7.3f} "
                    f"{(flagged | asked)[flag].mean():>7.3f} | {flagged[look].mean():>19.3f} "
                    f"{asked[look].mean():>6.3f} | {flagged[ordinary_q].mean():>11.3f} "
                    f"{asked[ordinary_q].mean():>6.3f}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
