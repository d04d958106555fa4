"""Which guidance a question asks for, from the shared sentence embedding.

No Rasa here: :mod:`understanding.guidance_retrieval` feeds it messages and
stores its plan in the parse data, the benchmarks sweep its settings over
stored scores, and the actions turn the plan into passages.

Three parts, all over L2-normalised sentence embeddings:

* **Passages.** Every passage of every guidance document, represented by its
  title, its text and each of its sentences (the document title stands for the
  opening paragraph too). A passage scores the cosine of its best anchor,
  plus a share of the words it has in common with the question (lemmas
  weighted by how rare they are among the passages): the embedding alone
  takes "my back" for the point of a question, the shared words find "box"
  or "mattress". This is what answers a document that no intent was written
  for.
* **Parts.** A linear classifier trained on the NLU examples reads each
  *part* of a message: the intent classifier sees the whole message, so a
  second question in the same message ("...and does it help my discs?") or an
  uncovered one ("...if I take ibuprofen?") is found here.
* **Routes** (``guidance/routes.yml``) say which intent is answered from which
  document, so a document with no routes is a *retrieval* document.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from common.names import INTENT_GUIDANCE, INTENT_NOT_COVERED
from guidance.parser import ParsedDocument

__all__ = ["INTENT_GUIDANCE", "INTENT_NOT_COVERED"]

Encoder = Callable[[Sequence[str]], np.ndarray]

FALLBACK_INTENTS = frozenset({"nlu_fallback", INTENT_NOT_COVERED, "out_of_scope"})

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"'])")
# A second question joined to the first: "..., and does it...", "... Also, can I ...".
_PART_BREAK = re.compile(
    r"(?<=[?!.;])\s+"
    r"|\s*(?:[,;]|[,;]?\s+(?:and|also|plus|but|or|n|&|\+)\s*,?)\s+"
    r"(?=(?:also\s+)?(?:what|how|why|when|where|which|is|are|does|do|did|can|could|should|would|will|"
    r"any|about|what's|hows|whats|wat|wot|shud|cud|wud|hw)\b)",
    re.I,
)
_LEADING_JOIN = re.compile(r"^(?:and|also|plus|but|or|n|&|\+)\s*,?\s+", re.I)
MIN_PART_WORDS = 3
# A question about the situation the statement before it told ("I carry my
# bag on one shoulder. Is that bad?", "I walk 30 minutes a day. Does such a
# walk feed my discs?"): read alone it looks unrelated to the message, but it
# is the message's own question.
_REFERS_BACK = re.compile(r"^(?:\w+\s+){0,3}?(?:that|this|such|these|those|doing\s+so)\b", re.I)


_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
MIN_TERM_LETTERS = 3


@lru_cache(maxsize=1)
def _lemmas() -> Mapping[str, str]:
    """spaCy's English lookup lemmas (``spacy-lookups-data``), the table the NLU
    pipeline's lemmatizer uses."""
    from spacy.lookups import load_lookups

    return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def terms(text: str) -> list[str]:
    """The content words of ``text``, lemmatised: no stop words, none shorter
    than three letters."""
    lemmas, stop = _lemmas(), _stop_words()
    found = []
    for word in _WORD.findall((text or "").lower().replace("’", "'")):
        word = word.split("'")[0]
        lemma = str(lemmas.get(word, word))
        if len(lemma) >= MIN_TERM_LETTERS and word not in stop and lemma not in stop:
            found.append(lemma)
    return found


def unseen_idf(passages: int) -> float:
    """The idf of a word no passage has: it only lengthens a question's vector."""
    return math.log(passages + 1) + math.log(2)


def weighted_terms(words: Sequence[str], idf: Mapping[str, float], unseen: float) -> dict[str, float]:
    """A unit-length tf-idf vector of ``words``."""
    vector: dict[str, float] = {}
    for word in words:
        vector[word] = vector.get(word, 0.0) + idf.get(word, unseen)
    norm = math.sqrt(sum(value * value for value in vector.values())) or 1.0
    return {word: value / norm for word, value in vector.items()}


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def split_parts(text: str) -> list[str]:
    """The questions a message asks, in order; short fragments join their neighbour."""
    pieces = [
        _LEADING_JOIN.sub("", p.strip(" ,;")) for p in _PART_BREAK.split(text or "") if p and p.strip(" ,;")
    ]
    parts: list[str] = []
    for piece in pieces:
        if parts and len(piece.split()) < MIN_PART_WORDS:
            parts[-1] = f"{parts[-1]} {piece}"
        elif parts and len(parts[-1].split()) < MIN_PART_WORDS:
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    return parts


# A document's opening and closing paragraphs sum up its points: they answer
# when they are the best passage, and are not added beside a closer point.
SUMMARIES = frozenset({"intro", "conclusion"})


@dataclass(frozen=True)
class PassageRef:
    document: str
    key: str


@dataclass
class PassageIndex:
    """Passages and the embeddings of their anchors."""

    refs: list[PassageRef]
    anchor_vectors: np.ndarray  # (anchors, dim)
    anchor_owner: np.ndarray  # (anchors,) index into refs
    disclaimers: frozenset[PassageRef] = frozenset()
    # Subtracted from each anchor's cosine: how much more than the average
    # anchor it resembles questions in general (half its CSLS hubness term).
    anchor_hubness: np.ndarray | None = None
    # Each passage's words as a unit tf-idf vector, and the words' idf.
    passage_terms: list[dict[str, float]] = field(default_factory=list)
    idf: dict[str, float] = field(default_factory=dict)

    @property
    def unseen_idf(self) -> float:
        return unseen_idf(len(self.refs))

    @classmethod
    def build(
        cls,
        documents: Mapping[str, ParsedDocument],
        encode: Encoder,
        background: np.ndarray | None = None,
        neighbours: int = 10,
    ) -> "PassageIndex":
        """``background``: embeddings of ordinary questions (the NLU examples).
        A generic anchor ("walking can help with lower back pain") is close to
        every question and would win too often; cross-domain similarity local
        scaling (CSLS) discounts each anchor by its mean similarity to its
        ``neighbours`` nearest background questions."""
        refs: list[PassageRef] = []
        texts: list[str] = []
        owners: list[int] = []
        disclaimers = set()
        words: list[list[str]] = []
        for slug, document in sorted(documents.items()):
            for passage in document.passages:
                ref = PassageRef(slug, passage.key)
                if passage.is_disclaimer:
                    disclaimers.add(ref)
                anchors = [passage.text, *sentences(passage.text)]
                if passage.title:
                    anchors += [passage.title, f"{passage.title}: {passage.text}"]
                if passage.key == "intro":
                    anchors.append(document.title)
                for anchor in dict.fromkeys(a for a in anchors if a.strip()):
                    texts.append(anchor)
                    owners.append(len(refs))
                refs.append(ref)
                heading = document.title if passage.key == "intro" else passage.title or ""
                words.append(terms(f"{heading} {passage.text}"))
        frequency: dict[str, int] = {}
        for passage_words in words:
            for word in set(passage_words):
                frequency[word] = frequency.get(word, 0) + 1
        idf = {word: math.log((len(refs) + 1) / (count + 0.5)) for word, count in frequency.items()}
        passage_terms = [weighted_terms(passage_words, idf, unseen_idf(len(refs))) for passage_words in words]
        vectors = np.asarray(encode(texts) if texts else np.zeros((0, 1)), dtype=np.float32)
        hubness = None
        if background is not None and len(background) and len(vectors):
            k = min(neighbours, len(background))
            nearest = np.sort(vectors @ np.asarray(background, dtype=np.float32).T, axis=1)[:, -k:]
            radius = nearest.mean(axis=1)
            hubness = ((radius - radius.mean()) / 2).astype(np.float32)
        return cls(refs, vectors, np.asarray(owners), frozenset(disclaimers), hubness, passage_terms, idf)

    def __post_init__(self) -> None:
        # Anchors are stored passage by passage: each passage's best anchor is
        # a maximum over a contiguous run (np.maximum.at is ten times slower).
        owners = np.asarray(self.anchor_owner)
        in_runs = bool(len(owners)) and bool(np.all(np.diff(owners) >= 0))
        in_runs = in_runs and len(np.unique(owners)) == len(self.refs)
        self._runs = np.searchsorted(owners, np.arange(len(self.refs))) if in_runs else None
        # The passages' words as a matrix, for one product per question.
        self._vocabulary = {
            word: i for i, word in enumerate(sorted({w for p in self.passage_terms for w in p}))
        }
        self._term_matrix = np.zeros((len(self.passage_terms), len(self._vocabulary)), dtype=np.float32)
        for row, passage in enumerate(self.passage_terms):
            for word, weight in passage.items():
                self._term_matrix[row, self._vocabulary[word]] = weight

    def word_scores(self, text: str) -> np.ndarray:
        """The cosine of the question's words with each passage's."""
        question = weighted_terms(terms(text), self.idf, self.unseen_idf)
        vector = np.zeros(len(self._vocabulary), dtype=np.float32)
        for word, weight in question.items():
            column = self._vocabulary.get(word)
            if column is not None:
                vector[column] = weight
        return self._term_matrix @ vector

    def scores(self, vector: np.ndarray, text: str = "", lexical_weight: float = 0.0) -> np.ndarray:
        """Each passage's score with a question: its best anchor's cosine with
        ``vector``, less the anchor's hubness, plus ``lexical_weight`` times the
        cosine of the question's words (``text``) with the passage's."""
        best = np.full(len(self.refs), -1.0, dtype=np.float32)
        if not len(self.anchor_owner):
            return best
        similarity = self.anchor_vectors @ vector
        if self.anchor_hubness is not None:
            similarity = similarity - self.anchor_hubness
        if self._runs is not None:
            best = np.maximum.reduceat(similarity, self._runs).astype(np.float32)
        else:
            np.maximum.at(best, self.anchor_owner, similarity)
        if lexical_weight and text and self.passage_terms:
            best = best + lexical_weight * self.word_scores(text)
        return best


@dataclass
class PartClassifier:
    """A linear classifier of intents over the sentence embedding, trained on the
    NLU examples: it reads each part of a message, which the intent classifier
    (over the whole message) cannot."""

    weights: np.ndarray  # (intents, dim)
    bias: np.ndarray  # (intents,)
    labels: list[str]

    @classmethod
    def fit(cls, vectors: np.ndarray, labels: Sequence[str], c: float = 10.0) -> "PartClassifier":
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=c, max_iter=3000).fit(vectors, list(labels))
        weights = np.asarray(model.coef_, dtype=np.float32)
        bias = np.asarray(model.intercept_, dtype=np.float32)
        if len(model.classes_) == 2:  # sklearn keeps one row for two classes
            weights, bias = np.vstack([-weights, weights]), np.concatenate([-bias, bias])
        return cls(weights, bias, [str(label) for label in model.classes_])

    def probabilities(self, vector: np.ndarray) -> dict[str, float]:
        if not self.labels:
            return {}
        logits = self.weights @ vector + self.bias
        exp = np.exp(logits - logits.max())
        return dict(zip(self.labels, (exp / exp.sum()).tolist(), strict=True))

    def classify(self, vector: np.ndarray) -> tuple[str, float]:
        probabilities = self.probabilities(vector)
        if not probabilities:
            return "", 0.0
        label = max(probabilities, key=lambda name: probabilities[name])
        return label, probabilities[label]


@dataclass(frozen=True)
class Settings:
    # A retrieval document's passage answers when it scores at least this...
    passage_threshold: float = 0.5
    # ...or this, when the intent classifier read the message as a question
    # the guidance does not cover: then only a close passage overrules it.
    not_covered_passage_threshold: float = 0.5
    # ...and beats every routed document's best passage by this much.
    document_margin: float = 0.05
    # A second passage of the same part: within this of the best one.
    passage_tie: float = 0.03
    # A passage's score: its best anchor's cosine plus this times the cosine of
    # the question's words with the passage's.
    lexical_weight: float = 0.3
    # A part of a message asks a guidance question (or an uncovered one) when the
    # part classifier gives it this probability...
    part_probability: float = 0.5
    # ...and a question part that gives the message's own intent less than this,
    # and no other guidance intent, is a question the answer leaves out.
    part_unrelated: float = 0.1


@dataclass
class PartFinding:
    text: str
    label: str
    probability: float
    passage: PassageRef | None = None
    passage_score: float = 0.0


@dataclass
class Plan:
    """What to answer: routed intents and retrieval passages, in the order asked."""

    intents: list[str] = field(default_factory=list)
    passages: list[PassageRef] = field(default_factory=list)
    uncovered: bool = False
    parts: list[PartFinding] = field(default_factory=list)

    @property
    def answers(self) -> bool:
        return bool(self.intents or self.passages)

    def as_dict(self) -> dict[str, Any]:
        return {
            "intents": list(self.intents),
            "passages": [asdict(p) for p in self.passages],
            "uncovered": self.uncovered,
            "parts": [
                {
                    "text": p.text,
                    "label": p.label,
                    "probability": round(p.probability, 3),
                    "passage": asdict(p.passage) if p.passage else None,
                    "passage_score": round(p.passage_score, 3),
                }
                for p in self.parts
            ],
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> "Plan":
        raw = raw or {}
        return cls(
            intents=[str(i) for i in raw.get("intents") or []],
            passages=[PassageRef(str(p["document"]), str(p["key"])) for p in raw.get("passages") or []],
            uncovered=bool(raw.get("uncovered")),
        )


@dataclass
class Retriever:
    passages: PassageIndex
    parts: PartClassifier
    # intent -> document it is answered from
    routed: Mapping[str, str]
    settings: Settings = field(default_factory=Settings)

    @property
    def retrieval_documents(self) -> set[str]:
        routed_documents = set(self.routed.values())
        return {ref.document for ref in self.passages.refs} - routed_documents

    def best_passage(
        self, vector: np.ndarray, text: str = ""
    ) -> tuple[PassageRef | None, float, float, list[PassageRef]]:
        """The best retrieval-document passage, its score, the routed documents'
        best score, and the passages tied with the best."""
        s = self.settings
        scores = self.passages.scores(vector, text, s.lexical_weight)
        retrieval = self.retrieval_documents
        best_ref, best, routed_best = None, -1.0, -1.0
        for ref, score in zip(self.passages.refs, scores, strict=True):
            if ref.document in retrieval:
                if score > best:
                    best_ref, best = ref, float(score)
            else:
                routed_best = max(routed_best, float(score))
        tied = [
            ref
            for ref, score in zip(self.passages.refs, scores, strict=True)
            if best_ref is not None
            and ref.document == best_ref.document
            and ref != best_ref
            and ref not in self.passages.disclaimers
            and ref.key not in SUMMARIES
            and score >= best - self.settings.passage_tie
        ]
        return best_ref, best, routed_best, tied

    def plan(
        self,
        text: str,
        intent: str,
        confidence: float,
        vector: np.ndarray | None,
        encode: Encoder,
        topic_named: bool = False,
    ) -> Plan:
        """Decides what a message asks for. ``intent`` is the classifier's, for
        the whole message; the parts only add what it cannot see.
        ``topic_named``: the message names a topic the guidance leaves out
        (painkillers, swimming...: :mod:`understanding.uncovered_topics`)."""
        s = self.settings
        plan = Plan()
        if vector is None:
            vector = encode([text])[0]
        parts = split_parts(text)

        whole_ref, whole_score, routed_best, tied = self.best_passage(vector, text)
        whole_retrieved = False
        routed_intent = intent in self.routed
        threshold = s.not_covered_passage_threshold if intent == INTENT_NOT_COVERED else s.passage_threshold
        if (
            whole_ref is not None
            and whole_score >= threshold
            and whole_score >= routed_best + s.document_margin
            and (routed_intent or intent in FALLBACK_INTENTS)
        ):
            plan.passages += [whole_ref, *tied]
            whole_retrieved = True
        elif routed_intent:
            plan.intents.append(intent)

        if len(parts) <= 1:
            label, probability = self.parts.classify(vector)
            plan.parts.append(PartFinding(text, label, probability))
            sure = probability >= s.part_probability
            if not plan.answers and intent == "nlu_fallback" and sure and label in self.routed:
                plan.intents.append(label)
            return plan

        retrieved_documents = {ref.document for ref in plan.passages}
        previous = ""
        for part, part_vector in zip(parts, encode(parts), strict=True):
            refers_back = bool(_REFERS_BACK.match(part)) and bool(previous) and not is_question(previous)
            previous = part
            probabilities = self.parts.probabilities(part_vector)
            label = max(probabilities, key=lambda name: probabilities[name]) if probabilities else ""
            finding = PartFinding(part, label, probabilities.get(label, 0.0))
            plan.parts.append(finding)
            if not is_question(part):
                continue
            ref, score, part_routed_best, _ = self.best_passage(part_vector, part)
            if (
                ref is not None
                and (ref.document in retrieved_documents or not plan.answers)
                and score >= s.passage_threshold
                and score >= part_routed_best + s.document_margin
            ):
                finding.passage, finding.passage_score = ref, score
                if ref not in plan.passages:
                    plan.passages.append(ref)
                continue
            if finding.probability >= s.part_probability and label in self.routed:
                if label not in plan.intents:
                    plan.intents.append(label)
            elif finding.probability >= s.part_probability and label == INTENT_NOT_COVERED:
                plan.uncovered = True
            elif (
                routed_intent
                and not refers_back
                and probabilities.get(intent, 0.0) < s.part_unrelated
                and not any(probabilities.get(i, 0.0) >= s.part_unrelated for i in plan.intents)
            ):
                plan.uncovered = True
        # The classifier learned "not covered" without the documents no intent
        # was written for: a message one of them answers as a whole leaves
        # something out only when a part says so or it names such a topic.
        if intent == INTENT_NOT_COVERED and plan.answers:
            plan.uncovered = plan.uncovered or topic_named or bool(plan.intents) or not whole_retrieved
        if not plan.answers:
            plan.uncovered = False
        return plan


_QUESTION_START = re.compile(
    r"^(?:and\s+|also\s+|so\s+|but\s+)?(?:what|how|why|when|where|which|who|is|are|does|do|did|can|could|"
    r"should|would|will|any|am|shall|what's|whats|hows|wat|wot|shud|cud|wud|hw|is\s+it|tell me)\b",
    re.I,
)


def is_question(part: str) -> bool:
    return part.rstrip().endswith("?") or bool(_QUESTION_START.match(part.strip()))


def routed_documents(routes: Iterable[Any]) -> dict[str, str]:
    """intent -> document, from :class:`guidance.routes.Route` objects."""
    return {route.intent: route.document for route in routes}
