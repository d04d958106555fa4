"""The red-flag check, as a trainable Rasa NLU component inside the Rasa server.

It runs on every message, after the intent classifiers, and has the last word:

* the learned classifier (``understanding.red_flag_model``) scores the whole
  message and each of its sentences, so a flag buried in a long message
  counts; the highest score is kept;
* a score of at least ``flag_threshold`` sets the intent to
  ``red_flag_emergency`` or ``red_flag_urgent`` (confidence 1.0);
* a score of at least ``triage_threshold``, or a hand-written pattern that is
  not negated with a score of at least ``pattern_floor``, sets
  ``red_flag_possible``: the bot asks one triage question
  (``server/triage.py`` reads the answer);
* a general question about red flags becomes ``ask_red_flags``;
* a red-flag intent that the intent classifier guessed is otherwise dropped.

What it found is added to the parse data under ``red_flag`` (tier, flag,
phrase, score, how it was found), so the transcript records it, and as
entities that fill the ``red_flag_tier``, ``triage_flag`` and
``emergency_number`` slots. The emergency number comes from
``WALKWISE_EMERGENCY_NUMBER``; without it the domain's default text ("your
local emergency number") is used.

Training reads the training part of the red-flag corpus, never the held-out
part, plus the NLU examples of every non-red-flag intent as negatives.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.tokens import Doc, Span

from common import paths, settings
from common.names import (
    EMERGENCY,
    ENTITY_EMERGENCY_NUMBER,
    ENTITY_RED_FLAG_TIER,
    ENTITY_TRIAGE_FLAG,
    EXPLAINED,
    GUIDANCE_KEY,
    INTENT_ASK_RED_FLAGS,
    INTENT_FOR_TIER,
    INTENT_RED_FLAG_POSSIBLE,
    RED_FLAG_KEY,
    TIER_FOR_INTENT,
    TOLD_AS_PAST,
    TRIAGE_UNSPECIFIED,
)
from understanding import red_flag_corpus
from understanding.embeddings import shared_encoder
from understanding.red_flag_model import (
    NO_FLAG,
    RedFlagModel,
    Scores,
    floor_rules,
    out_of_fold_scores,
    pattern_features,
)
from understanding.red_flags import (
    FLAG_TIERS,
    Finding,
    Mention,
    RedFlagDetector,
    asked_in_question,
    everyday_cause,
    explained_flags,
    long_ago,
    one_leg_only,
    resolved,
    told_now,
)
from understanding.retrieval import is_question
from understanding.sentence_featurizer import embeddings_of, sentence_embedding

logger = logging.getLogger(__name__)

EMERGENCY_NUMBER_ENV = "WALKWISE_EMERGENCY_NUMBER"  # read by common/settings.py
MAX_PHRASE_CHARS = 200
MODEL_FILE = "red_flag_model.pkl"
SENTENCE_BREAKS = {".", "!", "?", ";", "\n"}
CLAUSE_BREAKS = {","}
MIN_SENTENCE_TOKENS = 3
# The words of a message that is only about back pain: the back and its pain,
# how bad, since when, and walking with it. A symptom that may be a red flag
# ("night", "numb", "legs", "fever", "weight", "fall"...) is not among them.
BACK_PAIN_WORDS = frozenset(
    """
    back backs backache lower low lumbar spine pain pains painful ache aches aching achy sore soreness
    hurt hurts hurting stiff stiffness tight twinge twinges niggle niggly bad worse awful terrible horrible
    dreadful really very quite pretty bit little lot lots super extremely so too proper properly today now
    still again lately recently currently week weeks day days yesterday month months while flare flares
    flared flaring playing killing agony dodgy walk walks walking stroll go going went usual normal ok okay
    fine hi hello hey thanks
    crook stuffed wrecked shot knackered rooted buggered cactus munted goosed banjaxed jacked messed screwed
    busted ruined cooked done gone out locked seized spasm spasms spasming tweaked pulled strained twisted
    put threw thrown grief giving complaining grumbling moaning acting silly buggers region area bits
    totally completely absolutely literally seriously honestly bloody fucking effing freaking frigging damn
    proper right real ugh argh ouch omg rn tbh lol mate guys fortnight ages forever morning mornings
    evening arvo monday tuesday wednesday thursday friday saturday sunday weekend
    destroying destroyed murdering dying losing mind head doing driving mad crazy nuts insane time times
    constantly always tips advice exercise exercises stretch stretches help
    """.split()
)
# Words that open an answer to a question without saying anything else.
HEDGES = frozenset({"kinda", "kind", "sort", "sorta", "well", "actually", "um", "erm", "hmm", "so"})
YESES = frozenset({"yes", "yeah", "yea", "yeh", "ya", "yep", "yup", "aye", "yess", "ye", "yh", "ok", "okay"})
AFFIRMATIONS = YESES | HEDGES


def red_flag_updates(
    *,
    text: Text,
    tier: Text,
    flag: Optional[Text],
    phrase: Optional[Text],
    detected_by: Text,
    entities: List[Dict[Text, Any]],
    ranking: List[Dict[Text, Any]],
    emergency_number: Optional[Text],
    score: Optional[float] = None,
) -> Dict[Text, Any]:
    """The parse-data keys a red flag sets: intent, ranking, ``red_flag`` and the
    entities that fill the ``red_flag_tier`` and ``emergency_number`` slots."""
    intent = INTENT_FOR_TIER[tier]
    found = {ENTITY_RED_FLAG_TIER: tier}
    if emergency_number:
        found[ENTITY_EMERGENCY_NUMBER] = emergency_number
    record: Dict[Text, Any] = {"tier": tier, "flag": flag, "phrase": phrase, "detected_by": detected_by}
    if score is not None:
        record["score"] = round(score, 3)
    return {
        INTENT: {"name": intent, "confidence": 1.0},
        INTENT_RANKING_KEY: [
            {"name": intent, "confidence": 1.0},
            *[e for e in ranking if e.get("name") != intent],
        ],
        RED_FLAG_KEY: record,
        ENTITIES: _with_entities(entities, found, len(text)),
    }


def _with_entities(
    entities: List[Dict[Text, Any]], found: Dict[Text, Text], length: int
) -> List[Dict[Text, Any]]:
    kept = [e for e in entities if e.get("entity") not in found]
    return kept + [
        {
            "entity": name,
            "value": value,
            "start": 0,
            "end": length,
            "confidence_entity": 1.0,
            "extractor": RedFlagCheck.__name__,
        }
        for name, value in found.items()
    ]


def red_flag_intent(parse_data: Dict[Text, Any]) -> Optional[Text]:
    """The red-flag intent a parse result must have, if it holds a red flag."""
    found = parse_data.get(RED_FLAG_KEY) or {}
    return INTENT_FOR_TIER.get(str(found.get("tier") or ""))


def configured_emergency_number() -> Optional[Text]:
    """``WALKWISE_EMERGENCY_NUMBER``, checked at start-up (common/settings.py)."""
    return settings.current().emergency_number


def inputs_digest() -> Text:
    """A hash of what the trained check depends on besides Rasa's training data."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    files = sorted((paths.RED_FLAG_CORPUS / "train").glob("*.yml"))
    files += list(red_flag_corpus.ORDINARY_NLU_FILES)
    files += [
        here / name
        for name in (
            "red_flags.py",
            "red_flag_vocabulary.yml",
            "red_flag_model.py",
            "red_flag_check.py",
            "embeddings.py",
        )
    ]
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def sentences(doc: Doc) -> List[Span]:
    """The sentences of a message of more than one, and the clauses of each
    (split at commas): a clause alone can lose what the rest of its sentence
    says ("my groin feels numb, like pins and needles")."""
    spans: List[Span] = []
    for sentence in _split(doc[:], SENTENCE_BREAKS):
        clauses = _split(sentence, CLAUSE_BREAKS)
        spans += [sentence] + (clauses if len(clauses) > 1 else [])
    whole = (0, len(doc))
    spans = [s for s in spans if _word_count(s) >= MIN_SENTENCE_TOKENS and (s.start, s.end) != whole]
    return spans if len(spans) > 1 else []


def without_answer_prefix(doc: Doc) -> Optional[Span]:
    """The statement after a leading "yes" ("yeah, ...", "ya kinda ..."), when
    it has at least MIN_SENTENCE_TOKENS words; otherwise None."""
    start = 0
    while start < len(doc) and (
        doc[start].lower_ in AFFIRMATIONS
        or doc[start].is_punct
        or (doc[start].lower_ == "of" and start > 0 and doc[start - 1].lower_ in HEDGES)
    ):
        start += 1
    if not any(t.lower_ in YESES for t in doc[:start]):
        return None
    rest = doc[start:]
    return rest if _word_count(rest) >= MIN_SENTENCE_TOKENS else None


def _the_only_flag(finding: Finding, *readings: Optional[Scores], floor: float) -> Optional[Text]:
    """The flag that the phrases found and the classifier's readings name as
    the likeliest, when they name one and no other. A reading less likely a
    red flag than ``floor`` (the level a triage question needs) names none."""
    flags = {m.flag for m in finding.mentions if not m.negated}
    flags |= {reading.flag for reading in readings if reading is not None and reading.probability >= floor}
    return next(iter(flags)) if len(flags) == 1 else None


def only_back_pain(doc: Doc | Span) -> bool:
    """Whether every word of the message is about back pain itself, how bad it
    is, when, or walking with it: nothing that could be another symptom."""
    return all(
        not token.is_alpha
        or token.is_stop
        or token.lower_ in BACK_PAIN_WORDS
        or token.lemma_.lower() in BACK_PAIN_WORDS
        for token in doc
    )


def without_back_pain_clauses(doc: Doc) -> Optional[Doc]:
    """The message less its clauses that are only about the back pain ("Mate,
    my back's been crook all week, how should I lift the esky?" less its first
    clause), when at least one such clause goes and what remains is questions
    of at least MIN_SENTENCE_TOKENS words in all; otherwise None."""
    clauses = [c for s in _split(doc[:], SENTENCE_BREAKS) for c in _split(s, CLAUSE_BREAKS)]
    kept = [c for c in clauses if not only_back_pain(c)]
    if len(kept) == len(clauses) or sum(map(_word_count, kept)) < MIN_SENTENCE_TOKENS:
        return None
    # Only when what remains asks a question: a statement ("leg keeps
    # buckling. back sore 2") is read with the back pain it comes with.
    if not all(is_question(c.text.strip(" ,;")) for c in kept):
        return None
    return Doc.from_docs([c.as_doc() for c in kept])


def _word_count(span: Span) -> int:
    return sum(1 for token in span if token.is_alpha)


def _split(span: Span, breaks: set) -> List[Span]:
    parts, start = [], span.start
    for token in span:
        if token.text in breaks or "\n" in token.text:
            parts.append(span.doc[start : token.i + 1])
            start = token.i + 1
    if start < span.end:
        parts.append(span.doc[start : span.end])
    return [p for p in parts if len(p)]


def _denied_or_asked(span: Span, finding: Finding) -> bool:
    """A clause whose only symptom words are denied ("no bladder trouble"), or a
    message that asks about red flags or what-ifs: its clauses are not scored alone."""
    if finding.general_question or finding.hypothetical:
        return True
    inside = [m for m in finding.mentions if span.start <= m.start < span.end]
    return bool(inside) and all(m.negated for m in inside)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class RedFlagCheck(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "flag_threshold": 0.55,
            "sentence_flag_threshold": 0.8,
            # Below this many words, a sure clause alone asks unless the whole agrees (see check).
            "short_message_words": 20,
            "clause_gate": 0.05,
            # Below this confidence in which flag it is, the triage question is the general one.
            "specific_question_confidence": 0.5,
            # The emergency advice is given at once only when the classifier is
            # at least this sure which flag it is; else the general question.
            "emergency_flag_confidence": 0.5,
            "triage_threshold": 0.4,
            "pattern_floor": 0.2,
            # A hand-written rule joins the floor when, in training, at least this
            # share of the messages it matched (not negated) were red flags.
            "floor_precision": 0.9,
            # ...and it matched at least this many red flags.
            "floor_support": 1,
            "emergency_share": 0.4,
            "fallback_threshold": 0.45,
            "regularisation": 4.0,
            "corpus": None,  # the training part of the corpus by default
            # Part of the component's fingerprint, so Rasa's training cache
            # retrains it when the corpus or the red-flag code changes.
            "inputs_digest": inputs_digest(),
        }

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "RedFlagCheck":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "RedFlagCheck":
        model = None
        try:
            with model_storage.read_from(resource) as directory:
                model = pickle.loads((Path(directory) / MODEL_FILE).read_bytes())
        except (ValueError, FileNotFoundError):
            logger.warning("the red-flag model was not trained; only the patterns run")
        return cls(config, model_storage, resource, model=model)

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: Optional[ModelStorage] = None,
        resource: Optional[Resource] = None,
        model: Optional[RedFlagModel] = None,
        emergency_number: Optional[Text] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self.model_storage = model_storage
        self.resource = resource
        self.model = model
        self.emergency_number = emergency_number or configured_emergency_number()
        self._detector: Optional[RedFlagDetector] = None

    # Training -------------------------------------------------------------

    def train(self, training_data: TrainingData) -> Resource:
        import spacy

        corpus = Path(self.config["corpus"] or paths.RED_FLAG_CORPUS / "train")
        examples = [e for e in red_flag_corpus.load(corpus) if len(e.turns) == 1]
        ordinary_texts = red_flag_corpus.read_ordinary(corpus)
        nlu_texts = red_flag_corpus.ordinary_nlu_texts(set(TIER_FOR_INTENT))
        texts = [e.text for e in examples] + ordinary_texts + nlu_texts
        labels = [e.flag for e in examples] + [NO_FLAG] * (len(ordinary_texts) + len(nlu_texts))
        lookalike = (
            [e.flag == NO_FLAG for e in examples] + [True] * len(ordinary_texts) + [False] * len(nlu_texts)
        )
        nlp = spacy.load(paths.SPACY_PIPELINE)
        docs = list(nlp.pipe(texts))
        detector = RedFlagDetector(nlp.vocab)
        findings = [detector.check(d) for d in docs]
        patterns = np.array([pattern_features(f, d) for f, d in zip(findings, docs, strict=True)])
        embeddings = embeddings_of(texts, training_data)
        self.model = RedFlagModel(c=float(self.config["regularisation"])).fit(
            texts, embeddings, patterns, labels, lookalike
        )
        held_out = out_of_fold_scores(
            texts, embeddings, patterns, labels, lookalike, float(self.config["regularisation"])
        )
        self.model.floor_rules = floor_rules(
            findings,
            labels,
            detector.rules(),
            held_out,
            float(self.config["pattern_floor"]),
            float(self.config["floor_precision"]),
            int(self.config["floor_support"]),
        )
        logger.info("red-flag floor: %d of %d rules", len(self.model.floor_rules), len(detector.rules()))
        if self.model_storage is not None and self.resource is not None:
            with self.model_storage.write_to(self.resource) as directory:
                (Path(directory) / MODEL_FILE).write_bytes(pickle.dumps(self.model))
        return self.resource  # type: ignore[return-value]

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    # Inference --------------------------------------------------------------

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self.check(message)
            self._mark_told_as_past(message)
            self._mark_explained(message)
        return messages

    @staticmethod
    def _mark_explained(message: Message) -> None:
        """A message not advised that gives an everyday cause for a symptom
        ("yeah, but it's only my hamstrings, tight after football") records
        the flags it explains: as the answer to the triage question about
        one of them it is a "no" (server/triage.py)."""
        record = message.get(RED_FLAG_KEY) or {}
        if record.get("tier"):
            return
        explained = explained_flags(message.get(TEXT) or "")
        if explained:
            message.set(
                RED_FLAG_KEY, {"tier": None, **record, EXPLAINED: sorted(explained)}, add_to_output=True
            )

    def _mark_told_as_past(self, message: Message) -> None:
        """A message not advised that tells a symptom as long past or gone
        ("years ago I had a numb patch, fine since; my back's just stiff from
        driving") says "no" when it answers the triage question
        (server/triage.py), whether or not it is itself asked about. Not a
        history of cancer, which is a flag however old, nor someone else's
        symptom, which a carer may be telling."""
        record = message.get(RED_FLAG_KEY) or {}
        doc = message.get(SPACY_DOCS[TEXT])
        # The text forms first: the phrases are looked for again only in a
        # message that tells something as past.
        if record.get("tier") or doc is None or not (long_ago(doc) or resolved(doc)) or told_now(doc):
            return
        possible = record.get("possible")
        finding = self.detector(doc).check(doc)
        flags = {m.flag for m in finding.mentions} | {(possible or {}).get("flag")}
        if not (possible or finding.mentions) or "history-of-cancer" in flags:
            return
        if not finding.someone_else:
            if possible:
                told = {**record, "possible": {**possible, TOLD_AS_PAST: True}}
            else:
                told = {**record, "tier": None, TOLD_AS_PAST: True}
            message.set(RED_FLAG_KEY, told, add_to_output=True)

    def detector(self, doc: Doc) -> RedFlagDetector:
        if self._detector is None or self._detector.vocab is not doc.vocab:
            self._detector = RedFlagDetector(doc.vocab)
        return self._detector

    def score(
        self, doc: Doc, finding: Finding, embedding: Optional[np.ndarray] = None
    ) -> tuple[Optional[Scores], Optional[Scores]]:
        """The scores of the whole message, and the highest of its sentences and
        clauses. Clauses are scored (an extra embedding) only when the whole
        does not already decide: not advised, and either a phrase of the
        vocabulary or a score of at least ``clause_gate``."""
        if self.model is None:
            return None, None
        whole_vector = embedding if embedding is not None else shared_encoder().encode_one(doc.text)
        whole_patterns = np.array([pattern_features(finding, doc)])
        [whole] = self.model.score([doc.text], whole_vector[None, :], whole_patterns)
        if whole.agreement >= self.config["flag_threshold"]:
            return whole, None
        # A long message can bury a symptom the vocabulary does not know in
        # talk of walking, which dilutes the whole reading: its sentences are
        # always scored.
        short = _word_count(doc[:]) < self.config["short_message_words"]
        if not finding.mentions and whole.probability < self.config["clause_gate"] and short:
            return whole, None
        parts = [s.as_doc() for s in sentences(doc) if not _denied_or_asked(s, finding)]
        if not parts:
            return whole, None
        texts = [p.text for p in parts]
        scores = self.model.score(texts, shared_encoder().encode(texts), self._patterns(parts))
        return whole, max(scores, key=lambda s: s.agreement)

    def _patterns(self, docs: List[Doc]) -> np.ndarray:
        return np.array([pattern_features(self.detector(d).check(d), d) for d in docs])

    def check(self, message: Message) -> None:
        doc = message.get(SPACY_DOCS[TEXT])
        if doc is None:
            return
        embedding = sentence_embedding(message)
        # "Yes, I've wet myself since it started": the answer's "yes" says
        # nothing about the symptom, but in training "yes" alone is an affirm
        # example, a negative; the statement after it is scored alone.
        statement = without_answer_prefix(doc)
        if statement is not None:
            doc, embedding = statement.as_doc(), shared_encoder().encode_one(statement.text)
        finding = self.detector(doc).check(doc)
        # "my back is really bad today" names no symptom besides the back pain
        # itself: however the classifier scores it, it is no red flag.
        if not finding.mentions and only_back_pain(doc):
            if _guessed_red_flag(message):
                self._demote(message, 0.0, [])
            return
        # The classifier reads a message whole, and a clause only about the
        # back pain ("my back's been crook all week") can tip an ordinary
        # question into a red flag: with no phrase of the vocabulary, the
        # rest of the message is what is scored.
        rest = without_back_pain_clauses(doc) if not finding.mentions else None
        if rest is not None:
            doc, embedding = rest, shared_encoder().encode_one(rest.text)
            finding = self.detector(doc).check(doc)
        scores, sentence = self.score(doc, finding, embedding)
        probability = scores.probability if scores else (1.0 if finding.tier else 0.0)
        text = message.get(TEXT) or ""
        # "my back wakes me when I turn over in bed, what position should I
        # sleep in?": pain that a position or a bed brings on is ordinary back
        # pain. Read as the night-pain flag and nothing else, it is answered.
        # "my mum's mate fell off a horse and broke her back, mine's just achy
        # from netball": every symptom is someone else's, and the writer calls
        # their own back pain ordinary. It is answered, not asked about.
        # "there's a lump on my back where the wasp stung me", "legs went to
        # jelly after the stair climb, reckon I overdid it": a symptom with an
        # everyday cause, read as its flag and nothing else, is answered too.
        only = _the_only_flag(finding, scores, sentence, floor=self.config["triage_threshold"])
        if finding.own_ordinary or (only is not None and everyday_cause(doc, only)):
            if _guessed_red_flag(message):
                self._demote(message, probability, [])
            return
        # A message that only denies symptoms, and that read whole is no red
        # flag, is not asked about because a clause of it, read alone, looks
        # like one ("No numbness, bladder's fine, | legs feel normal").
        if finding.negated_only and probability < self.config["triage_threshold"]:
            sentence = None
        # A rule of the floor (a phrase that in training almost always meant a
        # red flag) gives the advice unless the classifier is sure it is not
        # one, and then still asks.
        floor = self._floor_mention(finding)
        if floor is not None and probability >= self.config["pattern_floor"]:
            tier, flag = FLAG_TIERS[floor.flag], floor.flag
            if scores and scores.agreement >= self.config["flag_threshold"]:
                by_classifier = self._tier_and_flag(scores)
                if by_classifier[0] == EMERGENCY:
                    tier, flag = by_classifier
            # "whats saddle numbness even mean?", "If I slip on the ice and
            # land on my back, should I...": the phrase is asked about, not
            # told; the person's own answer decides.
            if asked_in_question(doc, floor):
                self._ask_triage(message, flag, probability, floor.text)
                return
            self._mark(message, tier, flag, floor.text, "pattern", probability)
            return
        if floor is not None:
            self._ask_triage(message, floor.flag, probability, floor.text)
            return
        # Denied symptoms only, a what-if or a figure of speech: the classifier's score alone
        # asks the triage question rather than giving the advice.
        # So does a symptom that has passed, or one told of someone else by a
        # writer whose own back pain is ordinary.
        doubtful = (
            finding.negated_only
            or finding.hypothetical
            or finding.figurative
            or finding.resolved
            or finding.contrasted
        )
        if scores and scores.agreement >= self.config["flag_threshold"] and not doubtful:
            tier, flag = self._tier_and_flag(scores)
            if self._only_asked(tier, flag, scores, finding, doc):
                self._ask_triage(message, flag, probability, finding.phrase, self._sure_which(scores))
                return
            how = "classifier+pattern" if finding.tier else "classifier"
            self._mark(message, tier, flag, finding.phrase or text[:MAX_PHRASE_CHARS], how, probability)
            return
        # A sentence that alone is surely a red flag, buried in a longer
        # message, gets the advice; one that only looks like one gets the
        # triage question: its context may explain it.
        # (The whole must not contradict it: a clause read alone loses its
        # context, "years ago" or "my friend" in the clause before, which
        # the whole message is checked for.)
        sure_clause = sentence and sentence.agreement >= self.config["sentence_flag_threshold"]
        # In a short message the whole reading has the clause's context: a
        # clause alone gives the advice at once only when the whole message
        # is read as a red flag more likely than not; else it asks.
        buried = _word_count(doc[:]) >= self.config["short_message_words"] or probability >= 0.5
        if (
            sure_clause
            and buried
            and sentence
            and not doubtful
            and not finding.distanced(sentence.flag)
            and probability >= self.config["pattern_floor"]
        ):
            tier, flag = self._tier_and_flag(sentence)
            if self._only_asked(tier, flag, sentence, finding, doc):
                self._ask_triage(
                    message, flag, sentence.probability, finding.phrase, self._sure_which(sentence)
                )
                return
            self._mark(
                message,
                tier,
                flag,
                finding.phrase or text[:MAX_PHRASE_CHARS],
                "classifier",
                sentence.agreement,
            )
            return
        if sentence and sentence.agreement >= self.config["flag_threshold"]:
            self._ask_triage(
                message,
                self._tier_and_flag(sentence)[1],
                sentence.probability,
                finding.phrase,
                self._sure_which(sentence),
            )
            return
        if scores and doubtful and scores.agreement >= self.config["flag_threshold"]:
            self._ask_triage(
                message, self._tier_and_flag(scores)[1], probability, finding.phrase, self._sure_which(scores)
            )
            return
        # Any other hand-written phrase, not negated, asks unless the
        # classifier is sure it is not a red flag.
        # (A phrase told at a distance, long ago or of someone else, is left to
        # the classifier.)
        pattern_hit = (
            bool(finding.tier)
            and not finding.general_question
            and not finding.hypothetical
            and not finding.distanced(finding.flag or "")
        )
        if probability >= self.config["triage_threshold"] or (
            pattern_hit and probability >= self.config["pattern_floor"]
        ):
            guess = self._tier_and_flag(scores)[1] if scores and not pattern_hit else finding.flag
            specific = pattern_hit or (scores is not None and self._sure_which(scores))
            self._ask_triage(message, guess or "", probability, finding.phrase, specific)
            return
        if finding.general_question or (finding.hypothetical and finding.tier):
            self._set_intent(message, INTENT_ASK_RED_FLAGS)
            message.set(RED_FLAG_KEY, {"tier": None, "score": round(probability, 3)}, add_to_output=True)
        elif _guessed_red_flag(message):
            self._demote(message, probability, [m.text for m in finding.mentions if m.negated])

    def _sure_which(self, scores: Scores) -> bool:
        return scores.flag_probability >= self.config["specific_question_confidence"]

    def _only_asked(self, tier: Text, flag: Text, scores: Scores, finding: Finding, doc: Doc) -> bool:
        """Whether a message the classifier reads as a red flag gets the triage
        question instead of the advice:

        * it is told at a distance (someone else's, long ago, passed) for the
          flag the classifier found: the classifier reads those cues as
          features, but a single confident reading ("My husband's legs gave
          way this morning and he's in hospital now") is no reason to send
          the writer to an emergency department;
        * it is the emergency tier, and the classifier is unsure which flag it
          is ("my legs feel weird and my back's sore", "this back pain is a
          real killer"): a red flag it cannot name is a question to ask;
        * it is pain in both legs, and the writer says it is one leg only
          ("the pain only goes down my right leg, not both").
        """
        if finding.distanced(flag):
            return True
        if flag == "pain-in-both-legs" and one_leg_only(doc):
            return True
        return tier == EMERGENCY and scores.flag_probability < self.config["emergency_flag_confidence"]

    def _floor_mention(self, finding: Finding) -> Optional[Mention]:
        """The first mention, not negated, of a rule of the floor, unless the
        message tells it at a distance (long ago, or about someone else):
        then the classifier decides."""
        if self.model is None or finding.general_question or finding.hypothetical:
            return None
        floor: frozenset[str] = getattr(self.model, "floor_rules", frozenset())
        found = [
            m for m in finding.mentions if not m.negated and m.rule in floor and not finding.distanced(m.flag)
        ]
        return min(found, key=lambda m: (FLAG_TIERS[m.flag] != EMERGENCY, m.start)) if found else None

    def _tier_and_flag(self, scores: Scores) -> tuple[Text, Text]:
        if scores.emergency_share >= self.config["emergency_share"]:
            tier = EMERGENCY
        else:
            tier = scores.tier
        flag = scores.flag if FLAG_TIERS[scores.flag] == tier else _first_flag_of(tier)
        return tier, flag

    def _mark(
        self,
        message: Message,
        tier: Text,
        flag: Optional[Text],
        phrase: Optional[Text],
        how: Text,
        score: float,
    ) -> None:
        updates = red_flag_updates(
            text=message.get(TEXT) or "",
            tier=tier,
            flag=flag,
            phrase=phrase,
            detected_by=how,
            entities=message.get(ENTITIES, []),
            ranking=message.get(INTENT_RANKING_KEY) or [],
            emergency_number=self.emergency_number,
            score=score,
        )
        for key, value in updates.items():
            message.set(key, value, add_to_output=True)

    def _ask_triage(
        self, message: Message, flag: Text, score: float, phrase: Optional[Text], specific: bool = True
    ) -> None:
        """Asks the triage question about ``flag``; the general question ("is
        this new, with your back pain?") when the classifier is unsure which
        flag it is (``specific`` false), though "yes" still gives its tier."""
        held = _best_other_intent(message)
        tier = FLAG_TIERS.get(flag)
        asked_about = flag if specific else TRIAGE_UNSPECIFIED
        entities = _with_entities(
            message.get(ENTITIES, []), {ENTITY_TRIAGE_FLAG: asked_about}, len(message.get(TEXT) or "")
        )
        self._set_intent(message, INTENT_RED_FLAG_POSSIBLE)
        message.set(ENTITIES, entities, add_to_output=True)
        message.set(
            RED_FLAG_KEY,
            {
                "tier": None,
                "possible": {
                    "flag": flag,
                    "tier": tier,
                    "score": round(score, 3),
                    "phrase": phrase,
                    # The flag the question names, or "unspecified" for the general one.
                    "question": asked_about,
                },
                "held_intent": held,
                # What the guidance retrieval found, answered if the reply is "no".
                "held_guidance": message.get(GUIDANCE_KEY),
            },
            add_to_output=True,
        )

    @staticmethod
    def _set_intent(message: Message, name: Text) -> None:
        ranking = [e for e in message.get(INTENT_RANKING_KEY) or [] if e.get("name") != name]
        message.set(INTENT, {"name": name, "confidence": 1.0}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [{"name": name, "confidence": 1.0}, *ranking], add_to_output=True)

    def _demote(self, message: Message, score: float, negated: List[Text]) -> None:
        """Drops a red-flag intent the intent classifier guessed but the check does not confirm."""
        ranking = [
            e
            for e in message.get(INTENT_RANKING_KEY) or []
            if e.get("name") not in TIER_FOR_INTENT and e.get("name") != INTENT_RED_FLAG_POSSIBLE
        ]
        best = ranking[0] if ranking else {"name": "nlu_fallback", "confidence": 1.0}
        if best.get("confidence", 0) < self.config["fallback_threshold"]:
            best = {"name": "nlu_fallback", "confidence": self.config["fallback_threshold"]}
        message.set(INTENT, dict(best), add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        message.set(
            RED_FLAG_KEY, {"tier": None, "score": round(score, 3), "negated": negated}, add_to_output=True
        )


def _first_flag_of(tier: Text) -> Text:
    return next(flag for flag, t in FLAG_TIERS.items() if t == tier)


def _best_other_intent(message: Message) -> Optional[Text]:
    for entry in message.get(INTENT_RANKING_KEY) or []:
        name = entry.get("name")
        if name not in TIER_FOR_INTENT and name not in (INTENT_RED_FLAG_POSSIBLE, INTENT_ASK_RED_FLAGS):
            return name
    return None


def _guessed_red_flag(message: Message) -> bool:
    """Whether the intent classifier put a red-flag intent on top."""
    return _top_intent(message) in (*TIER_FOR_INTENT, INTENT_RED_FLAG_POSSIBLE)


def _top_intent(message: Message) -> Optional[Text]:
    return (message.get(INTENT) or {}).get("name")
