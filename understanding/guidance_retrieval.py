"""Finds the guidance a message asks for, through Rasa.

Runs after the intent classifiers and before the red-flag check (which still
wins). Trained on the guidance documents (``guidance/documents/``, or
``$WALKWISE_GUIDANCE_DIR``) and on the NLU examples, over the sentence
embedding the featurizer already computed: see :mod:`understanding.retrieval`.

It stores its plan under ``guidance`` in the parse data, which the answering
action reads, and sets the intent when the plan needs one the classifier did
not give: ``ask_guidance`` for a passage of a document no intent was written
for, or a part's guidance intent when the classifier was unsure.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from common.names import GUIDANCE_KEY, UNCOVERED_TOPIC_KEY
from guidance import settings as guidance_settings
from guidance.coverage import load_documents
from guidance.routes import load_routes
from understanding.embeddings import shared_encoder
from understanding.retrieval import (
    INTENT_GUIDANCE,
    PartClassifier,
    PassageIndex,
    PassageRef,
    Retriever,
    Settings,
    routed_documents,
)
from understanding.sentence_featurizer import embeddings_of, sentence_embedding

logger = logging.getLogger(__name__)

INDEX_FILE = "index.npz"
META_FILE = "index.json"
SETTINGS = tuple(Settings.__dataclass_fields__)


def inputs_digest() -> Text:
    """A hash of the documents and routes, so Rasa's cache retrains on a change."""
    digest = hashlib.sha256()
    files = sorted(guidance_settings.documents_dir().glob("*.txt")) + [guidance_settings.ROUTES_FILE]
    files += [Path(__file__).with_name("retrieval.py"), guidance_settings.ROOT / "guidance" / "parser.py"]
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class GuidanceRetrieval(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        defaults = Settings()
        return {
            **{name: getattr(defaults, name) for name in SETTINGS},
            "part_regularisation": 10.0,
            "inputs_digest": inputs_digest(),
        }

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "GuidanceRetrieval":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "GuidanceRetrieval":
        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                arrays = np.load(Path(directory) / INDEX_FILE)
                meta = json.loads((Path(directory) / META_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            logger.warning("guidance retrieval was not trained; the intent classifier answers alone")
            return component
        refs = [PassageRef(**ref) for ref in meta["refs"]]
        component.retriever = Retriever(
            passages=PassageIndex(
                refs,
                arrays["anchor_vectors"],
                arrays["anchor_owner"],
                frozenset(PassageRef(**ref) for ref in meta["disclaimers"]),
                arrays["anchor_hubness"],
                meta.get("passage_terms") or [],
                meta.get("idf") or {},
            ),
            parts=PartClassifier(arrays["part_weights"], arrays["part_bias"], meta["labels"]),
            routed=meta["routed"],
            settings=component.settings,
        )
        return component

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: Optional[ModelStorage] = None,
        resource: Optional[Resource] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self.model_storage = model_storage
        self.resource = resource
        self.settings = Settings(**{name: float(self.config[name]) for name in SETTINGS})
        self.retriever: Optional[Retriever] = None

    def train(self, training_data: TrainingData) -> Resource:
        documents = load_documents(guidance_settings.documents_dir())
        routes = load_routes()
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        matrix = embeddings_of([m.get(TEXT) for m in examples], training_data)
        passages = PassageIndex.build(documents, shared_encoder().encode, background=matrix)
        routed = {i: d for i, d in routed_documents(routes.values()).items() if d in documents}
        self.retriever = Retriever(
            passages,
            PartClassifier.fit(
                matrix, [m.get(INTENT) for m in examples], c=float(self.config["part_regularisation"])
            ),
            routed,
            self.settings,
        )
        retrieval_documents = sorted(self.retriever.retrieval_documents)
        logger.info(
            "guidance retrieval: %d passages of %d documents (%s answered by retrieval), %d examples",
            len(passages.refs),
            len(documents),
            ", ".join(retrieval_documents) or "none",
            len(examples),
        )
        if self.model_storage is not None and self.resource is not None:
            with self.model_storage.write_to(self.resource) as directory:
                np.savez(
                    Path(directory) / INDEX_FILE,
                    anchor_vectors=passages.anchor_vectors,
                    anchor_owner=passages.anchor_owner,
                    anchor_hubness=(
                        passages.anchor_hubness
                        if passages.anchor_hubness is not None
                        else np.zeros(len(passages.anchor_owner), dtype=np.float32)
                    ),
                    part_weights=self.retriever.parts.weights,
                    part_bias=self.retriever.parts.bias,
                )
                meta = {
                    "refs": [ref.__dict__ for ref in passages.refs],
                    "disclaimers": [ref.__dict__ for ref in passages.disclaimers],
                    "labels": self.retriever.parts.labels,
                    "routed": routed,
                    "passage_terms": passages.passage_terms,
                    "idf": passages.idf,
                }
                (Path(directory) / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
        return self.resource  # type: ignore[return-value]

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self.retriever is None:
            return messages
        for message in messages:
            if message.get(TEXT):
                self.check(message)
        return messages

    def check(self, message: Message) -> None:
        assert self.retriever is not None
        predicted = message.get(INTENT) or {}
        intent = str(predicted.get("name") or "")
        plan = self.retriever.plan(
            message.get(TEXT),
            intent,
            float(predicted.get("confidence") or 0.0),
            sentence_embedding(message),
            shared_encoder().encode,
            topic_named=bool(message.get(UNCOVERED_TOPIC_KEY)),
        )
        record = plan.as_dict()
        record["classifier"] = {
            "name": intent,
            "confidence": round(float(predicted.get("confidence") or 0), 4),
        }
        message.set(GUIDANCE_KEY, record, add_to_output=True)
        wanted = plan.intents[0] if plan.intents else INTENT_GUIDANCE if plan.passages else None
        if wanted is None or wanted == intent or intent in self.retriever.routed and plan.intents:
            return
        ranking = [e for e in message.get(INTENT_RANKING_KEY) or [] if e.get("name") != wanted]
        chosen = {"name": wanted, "confidence": 1.0}
        message.set(INTENT, chosen, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [chosen, *ranking], add_to_output=True)
