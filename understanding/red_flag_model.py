"""The learned red-flag classifier.

Three learned parts:

* the *detector*, a logistic regression, says whether the message shows a red
  flag at all;
* the *neighbours*: the training messages whose embeddings are nearest to the
  message's vote the same (a weighted k-nearest-neighbour estimate). The two
  fail in different ways (the regression on wording it has not seen, the
  neighbours on look-alikes close to a red flag), so the advice needs both to
  agree (``Scores.agreement``, the lower of the two) and a triage question
  needs their mean (``Scores.probability``);
* the *typer*, trained on red flags only, says which flag it is, and so which
  tier.

Features: the sentence embedding that the intent classifier also uses
(``understanding.embeddings``), character n-grams (misspellings, texting
style), and what the hand-written patterns found (each flag, negated or not,
a general question, first person). Trained on the training part of the
red-flag corpus plus the NLU examples of every other intent, which are all
messages without a red flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from spacy.tokens import Doc

from common.names import EMERGENCY
from understanding.red_flags import FLAG_TIERS, Finding, first_person

FLAGS = tuple(FLAG_TIERS)
NO_FLAG = "none"

# Sample weights: a look-alike counts more than an ordinary walking question,
# because it is the kind of message the detector must learn to leave alone.
LOOKALIKE_WEIGHT = 3.0
ORDINARY_WEIGHT = 0.5
# The embedding's values are small beside the n-grams' tf-idf weights; scaled
# up, the meaning of the sentence counts for more than its spelling.
EMBEDDING_SCALE = 1.0


NEIGHBOURS = 10
NEIGHBOUR_TEMPERATURE = 0.02


@dataclass(frozen=True)
class Scores:
    probability: float  # that the message shows a red flag: the mean of both estimates
    agreement: float  # the lower of the two estimates
    flag: str  # the most likely flag
    flag_probability: float
    tier: str
    emergency_share: float  # of the flag probability mass, how much is emergency


def pattern_features(finding: Finding, doc: Doc) -> list[float]:
    """What the hand-written patterns found in ``doc`` (``finding``), as features."""
    found = {m.flag for m in finding.mentions if not m.negated}
    negated = {m.flag for m in finding.mentions if m.negated}
    return [
        *(1.0 if flag in found else 0.0 for flag in FLAGS),
        1.0 if negated else 0.0,
        1.0 if finding.general_question else 0.0,
        1.0 if finding.hypothetical else 0.0,
        1.0 if first_person(doc) else 0.0,
        1.0 if finding.long_ago else 0.0,
        1.0 if finding.someone_else else 0.0,
    ]


class RedFlagModel:
    def __init__(self, c: float = 4.0, seed: int = 7, embedding_scale: float = EMBEDDING_SCALE) -> None:
        self.c = c
        self.embedding_scale = embedding_scale
        self.seed = seed
        self.ngrams = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)
        self.detector = LogisticRegression(C=c, max_iter=3000, random_state=seed)
        self.typer = LogisticRegression(C=c, max_iter=3000, random_state=seed)
        # Hand-written rules that never matched a message without a red flag in
        # the training data: the floor, which the classifier cannot overrule.
        self.floor_rules: frozenset[str] = frozenset()

    def _features(
        self, texts: Sequence[str], embeddings: np.ndarray, patterns: np.ndarray, fit: bool = False
    ):
        grams = self.ngrams.fit_transform(texts) if fit else self.ngrams.transform(texts)
        return hstack([csr_matrix(embeddings * self.embedding_scale), grams, csr_matrix(patterns)]).tocsr()

    def fit(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        patterns: np.ndarray,
        labels: Sequence[str],
        lookalike: Sequence[bool],
        flags: bool = True,
    ) -> "RedFlagModel":
        """``labels``: a flag or NO_FLAG; ``lookalike``: a corpus look-alike
        (not an ordinary NLU example). ``flags=False`` leaves out the model of
        which flag it is (:meth:`probabilities` does not need it)."""
        x = self._features(texts, embeddings, patterns, fit=True)
        y = np.array([label != NO_FLAG for label in labels], dtype=int)
        weights = np.where(y == 1, 1.0, np.where(np.array(lookalike), LOOKALIKE_WEIGHT, ORDINARY_WEIGHT))
        # Red flags as a whole weigh as much as everything else.
        weights[y == 1] *= weights[y == 0].sum() / max(weights[y == 1].sum(), 1e-9)
        self.detector.fit(x, y, sample_weight=weights)
        self.neighbour_vectors = np.asarray(embeddings, dtype=np.float32)
        self.neighbour_labels = y.astype(np.float32)
        self.neighbour_weights = weights.astype(np.float32)
        if flags:
            positive = np.flatnonzero(y == 1)
            self.typer.fit(x[positive], np.array(labels)[positive])
        return self

    def _readings(self, x: Any, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The regression's and the nearest neighbours' red-flag probabilities."""
        return self.detector.predict_proba(x)[:, 1], self.neighbour_vote(
            np.asarray(embeddings, dtype=np.float32)
        )

    def probabilities(self, texts: Sequence[str], embeddings: np.ndarray, patterns: np.ndarray) -> np.ndarray:
        """Each message's red-flag probability (``Scores.probability``)."""
        regression, neighbours = self._readings(self._features(texts, embeddings, patterns), embeddings)
        return (regression + neighbours) / 2

    def score(self, texts: Sequence[str], embeddings: np.ndarray, patterns: np.ndarray) -> list[Scores]:
        x = self._features(texts, embeddings, patterns)
        regression, neighbours = self._readings(x, embeddings)
        kinds = self.typer.predict_proba(x)
        classes = list(self.typer.classes_)
        emergency = np.array([FLAG_TIERS[c] == EMERGENCY for c in classes])
        scores = []
        for p, q, row in zip(regression, neighbours, kinds, strict=True):
            best = int(row.argmax())
            scores.append(
                Scores(
                    probability=float((p + q) / 2),
                    agreement=float(min(p, q)),
                    flag=classes[best],
                    flag_probability=float(row[best]),
                    tier=FLAG_TIERS[classes[best]],
                    emergency_share=float(row[emergency].sum()),
                )
            )
        return scores

    def neighbour_vote(self, embeddings: np.ndarray) -> np.ndarray:
        """The weighted share of red flags among each message's nearest training messages."""
        similarity = embeddings @ self.neighbour_vectors.T
        k = min(NEIGHBOURS, similarity.shape[1])
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        votes = []
        for row, index in zip(similarity, nearest, strict=True):
            closeness = row[index]
            weight = (
                np.exp((closeness - closeness.max()) / NEIGHBOUR_TEMPERATURE) * self.neighbour_weights[index]
            )
            votes.append(float((weight * self.neighbour_labels[index]).sum() / weight.sum()))
        return np.array(votes)


def floor_rules(
    findings: Sequence[Finding],
    labels: Sequence[str],
    all_rules: Sequence[str],
    held_out_scores: Sequence[float] | np.ndarray,
    min_score: float,
    min_precision: float = 0.9,
    min_support: int = 1,
) -> frozenset[str]:
    """The rules that, not negated, matched messages with a red flag at least
    ``min_precision`` of the time in the training data, counting only messages
    whose out-of-fold classifier score reached ``min_score`` (where the floor
    applies), or that never matched a message without one; either way on at
    least ``min_support`` red flags, so that one message cannot decide."""
    hits: dict[str, list[int]] = {rule: [0, 0] for rule in all_rules}
    for finding, label, score in zip(findings, labels, held_out_scores, strict=True):
        if finding.general_question or finding.hypothetical or score < min_score:
            continue
        for rule in {m.rule for m in finding.mentions if not m.negated}:
            hits.setdefault(rule, [0, 0])[label == NO_FLAG] += 1
    return frozenset(
        rule
        for rule, (true, false) in hits.items()
        if true >= min_support and (false == 0 or true / (true + false) >= min_precision)
    )


def out_of_fold_scores(
    texts: Sequence[str],
    embeddings: np.ndarray,
    patterns: np.ndarray,
    labels: Sequence[str],
    lookalike: Sequence[bool],
    c: float,
    folds: int = 5,
) -> np.ndarray:
    """Each training message's score from a model that did not see it."""
    from sklearn.model_selection import StratifiedKFold

    labels_array = np.array(labels)
    scores = np.zeros(len(texts))
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    for fit, held in splitter.split(texts, labels_array):
        model = RedFlagModel(c=c).fit(
            [texts[i] for i in fit],
            embeddings[fit],
            patterns[fit],
            labels_array[fit],
            np.array(lookalike)[fit],
            flags=False,
        )
        scores[held] = model.probabilities([texts[i] for i in held], embeddings[held], patterns[held])
    return scores
