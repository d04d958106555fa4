"""Adds each message's sentence embedding (``understanding.embeddings``) as a
dense sentence feature, for the intent classifier and the red-flag check.

The red-flag check reads the same vector back with :func:`sentence_embedding`,
so a message is embedded once per turn.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from understanding.embeddings import DIMENSIONS, shared_encoder

ORIGIN = "SentenceEmbeddingFeaturizer"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "alias": ORIGIN}

    @staticmethod
    def required_packages() -> List[Text]:
        return ["onnxruntime", "tokenizers"]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceEmbeddingFeaturizer":
        return cls(config, execution_context.node_name)

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Nothing to validate: the model is fixed."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._add([m for m in training_data.training_examples if m.get(TEXT)])
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._add([m for m in messages if m.get(TEXT) is not None])
        return messages

    def _add(self, messages: List[Message]) -> None:
        if not messages:
            return
        vectors = shared_encoder().encode([m.get(TEXT) or "" for m in messages])
        for message, vector in zip(messages, vectors, strict=True):
            self.add_features_to_message(None, vector[None, :], TEXT, message)


def sentence_embedding(message: Message) -> Optional[np.ndarray]:
    """The vector the featurizer added to ``message``, if any."""
    for feature in message.features:
        if feature.origin == ORIGIN and feature.type == FEATURE_TYPE_SENTENCE and feature.attribute == TEXT:
            return np.asarray(feature.features).reshape(-1)
    return None


def embeddings_of(texts: List[Text], training_data: Optional[TrainingData] = None) -> np.ndarray:
    """The sentence embeddings of ``texts``: a text the featurizer already
    embedded as a training example is not embedded again."""
    known: Dict[Text, np.ndarray] = {}
    for message in training_data.training_examples if training_data is not None else []:
        vector = sentence_embedding(message)
        if vector is not None and message.get(TEXT):
            known[message.get(TEXT)] = vector
    missing = [text for text in dict.fromkeys(texts) if text not in known]
    known.update(zip(missing, shared_encoder().encode(missing), strict=True))
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.vstack([known[text] for text in texts]).astype(np.float32)
