"""The sentence encoder: pinned files, and vectors that put like with like."""

from pathlib import Path

import numpy as np
import pytest

from understanding import embeddings


@pytest.fixture(scope="module")
def encoder():
    return embeddings.shared_encoder()


def test_the_installed_files_are_the_pinned_ones():
    assert embeddings.sha256_of(embeddings.model_file()) == embeddings.MODEL_SHA256
    assert embeddings.sha256_of(embeddings.tokenizer_file()) == embeddings.TOKENIZER_SHA256
    assert embeddings.sha256_of(embeddings.reference_weights_file()) == embeddings.REFERENCE_WEIGHTS_SHA256


def test_a_file_with_another_hash_is_refused(tmp_path: Path):
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not a model")
    with pytest.raises(embeddings.EmbeddingModelError, match="sha256"):
        embeddings.SentenceEncoder(model_path=fake)


def test_vectors_are_normalised_and_meaningful(encoder):
    vectors = encoder.encode(
        ["my legs have gone numb", "both my legs feel numb", "what shoes are good for walking"]
    )
    assert vectors.shape == (3, embeddings.DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


def test_empty_and_long_texts_are_embedded(encoder):
    assert encoder.encode([]).shape == (0, embeddings.DIMENSIONS)
    assert encoder.encode(["", "word " * 5000]).shape == (2, embeddings.DIMENSIONS)
