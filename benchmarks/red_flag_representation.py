"""Does the sentence embedding earn its cost? The red-flag classifier with and
without it, trained on the training part, scored on the held-out part.

    PYTHONPATH=. .venv/bin/python -m benchmarks.red_flag_representation

Variants (the hand-written patterns' features are in all of them):
* n-grams: character n-grams only (no embedding, no neighbours);
* embedding: the sentence embedding and its nearest neighbours only;
* both: what the bot uses.
Single messages only (two-turn items are left out); thresholds as in config.yml.
"""

from __future__ import annotations

import sys

import numpy as np
import spacy
import yaml

from benchmarks.red_flag_cv import nlu_texts
from common import paths
from understanding import red_flag_corpus
from understanding.embeddings import shared_encoder
from understanding.red_flag_model import NO_FLAG, RedFlagModel, pattern_features
from understanding.red_flags import RedFlagDetector


class NgramsOnly(RedFlagModel):
    def _features(self, texts, embeddings, patterns, fit=False):  # type: ignore[override]
        return super()._features(texts, np.zeros((len(texts), 1)), patterns, fit)

    def neighbour_vote(self, embeddings: np.ndarray) -> np.ndarray:
        return np.full(len(embeddings), np.nan)


class EmbeddingOnly(RedFlagModel):
    def _features(self, texts, embeddings, patterns, fit=False):  # type: ignore[override]
        from scipy.sparse import csr_matrix, hstack

        return hstack([csr_matrix(embeddings), csr_matrix(patterns)]).tocsr()


def thresholds() -> dict:
    for step in yaml.safe_load((paths.ROOT / "config.yml").read_text())["pipeline"]:
        if step["name"].endswith("RedFlagCheck"):
            return step
    raise SystemExit("RedFlagCheck is not in config.yml")


def main() -> int:
    config = thresholds()
    nlp = spacy.load(paths.SPACY_PIPELINE)
    detector = RedFlagDetector(nlp.vocab)
    encoder = shared_encoder()

    def featurise(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        docs = list(nlp.pipe(texts))
        patterns = np.array([pattern_features(detector.check(d), d) for d in docs])
        return encoder.encode(texts), patterns

    train_dir = paths.RED_FLAG_CORPUS / "train"
    train = [e for e in red_flag_corpus.load(train_dir) if len(e.turns) == 1]
    ordinary = red_flag_corpus.read_ordinary(train_dir)
    nlu = nlu_texts()
    texts = [e.text for e in train] + ordinary + nlu
    labels = [e.flag for e in train] + [NO_FLAG] * (len(ordinary) + len(nlu))
    lookalike = [e.flag == NO_FLAG for e in train] + [True] * len(ordinary) + [False] * len(nlu)
    embeddings, patterns = featurise(texts)

    heldout = [e for e in red_flag_corpus.load(paths.RED_FLAG_CORPUS / "heldout") if len(e.turns) == 1]
    h_texts = [e.text for e in heldout]
    h_flag = np.array([e.flag != NO_FLAG for e in heldout])
    h_embeddings, h_patterns = featurise(h_texts)

    print(f"held-out single messages: {h_flag.sum()} red flags, {(~h_flag).sum()} look-alikes")
    print(f"{'variant':10} | {'flags advised':>13} {'+asked':>7} | {'look-alikes advised':>19} {'asked':>6}")
    for name, model in (("n-grams", NgramsOnly()), ("embedding", EmbeddingOnly()), ("both", RedFlagModel())):
        model.fit(texts, embeddings, patterns, labels, lookalike)
        scores = model.score(h_texts, h_embeddings, h_patterns)
        mean = np.array([s.probability for s in scores])
        agree = np.array([s.agreement for s in scores])
        if name == "n-grams":  # one estimate: it is both the mean and the agreement
            regression = model.detector.predict_proba(model._features(h_texts, h_embeddings, h_patterns))[
                :, 1
            ]
            mean = agree = regression
        advised = agree >= config["flag_threshold"]
        asked = ~advised & (mean >= config["triage_threshold"])
        print(
            f"{name:10} | {advised[h_flag].mean():>13.3f} {(advised | asked)[h_flag].mean():>7.3f} | "
            f"{advised[~h_flag].mean():>19.3f} {asked[~h_flag].mean():>6.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
