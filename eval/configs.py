"""Named, reproducible pipeline configurations and the per-config index cache.

A config is `rag.config.Settings` overrides (chunk size, k, retriever mode, ...) plus how the
pipeline is built ("native": our store and retriever; "langchain-naive": the textbook LangChain
retriever in front of the same answerer). Settings start from the *field defaults*, not the
environment, so a user's RAG_* variables can neither change a named config nor point the
harness at their own store.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rag.articles import Article
from rag.config import Settings
from rag.embeddings import SentenceEmbeddings, ingest_precision
from rag.pipeline import Pipeline
from rag.retrieve import RETRIEVERS, Retriever
from rag.threads import set_compute_threads
from rag.types import FORMAT_VERSION, Filters, Passage

log = logging.getLogger(__name__)

CACHE_FORMAT = 3  # bump when what the cache holds changes (2: store format 2, entities + sentence vectors; 3: a later
# full mention of a person linked whole, rag.nlp.link_people)
_MARKER = "complete.json"


@dataclass(frozen=True)
class EvalConfig:
    name: str
    description: str
    overrides: dict = field(default_factory=dict)
    kind: str = "native"  # key into BUILDERS
    # Settings taken from the environment (RAG_*) on top of the overrides: what only the user can say, such as
    # the LLM endpoint. None of them changes the index.
    from_env: tuple[str, ...] = ()

    def settings(self, home: Path) -> Settings:
        return eval_settings(home, {**self.overrides, **self.env_overrides()})

    def env_overrides(self) -> dict:
        if not self.from_env:
            return {}
        env = Settings()
        return {name: getattr(env, name) for name in self.from_env}

    def index_params(self) -> dict:
        """What the index depends on (not k or the retriever mode: those only read it)."""
        if self.kind == "langchain-naive":
            from eval import langchain_naive as lc

            return {"kind": self.kind, "chunk_size": lc.CHUNK_SIZE, "chunk_overlap": lc.CHUNK_OVERLAP,
                    "code": code_fingerprint((lc.split_articles, lc.build_index))}
        s = eval_settings(Path("."), self.overrides)
        params = {"kind": "native", "chunk_tokens": s.chunk_tokens, "overlap": s.chunk_overlap_sentences,
                  "store_format": FORMAT_VERSION, "code": code_fingerprint(("rag.chunking", "rag.sentences"))}
        precision = ingest_precision(s.ingest_precision)
        if precision != "float32":  # float32 indexes keep the keys they had before the setting existed
            params["precision"] = precision
        return params

    def unavailable(self) -> str | None:
        """Why this config cannot run in this checkout (None: it can)."""
        if "llm_url" in self.from_env and not self.env_overrides().get("llm_url"):
            return (f"config {self.name!r} needs an LLM endpoint: set RAG_LLM_URL (and RAG_LLM_MODEL, RAG_LLM_API_KEY "
                    "if the endpoint wants them), e.g. RAG_LLM_URL=http://127.0.0.1:8080/v1; see eval/README.md; "
                    "skipped")
        mode = self.overrides.get("retriever")
        if mode and mode not in RETRIEVERS:
            return (f"config {self.name!r} needs retriever mode {mode!r}, which rag.retrieve.RETRIEVERS does not "
                    f"register yet (have: {', '.join(RETRIEVERS)}); skipped")
        return None


def code_fingerprint(parts: tuple[object, ...]) -> str:
    """Hash of the source of the modules (by name) or functions that decide what an index holds:
    an index built by other chunking code is never reused."""
    import importlib
    import inspect

    h = hashlib.sha1()
    for part in parts:
        obj = importlib.import_module(part) if isinstance(part, str) else part
        h.update(inspect.getsource(obj).encode())
    return h.hexdigest()[:12]


def eval_settings(home: Path, overrides: dict) -> Settings:
    defaults = {name: f.get_default(call_default_factory=True) for name, f in Settings.model_fields.items()}
    # Init arguments outrank environment variables in pydantic-settings, so this ignores RAG_*.
    return Settings(**{**defaults, **overrides, "home": home, "chroma_url": None, "collection": "eval"})


def _core_name(mode: str, rescore: bool, dedup: bool) -> str:
    """dense-core (re-scoring and dedup on), dense-norescore, dense-nodedup, dense-norescore-nodedup, ..."""
    if rescore and dedup:
        return f"{mode}-core"
    return mode + ("" if rescore else "-norescore") + ("" if dedup else "-nodedup")


NO_PRIORS = {"recency_weight": 0.0, "recency_latest_weight": 0.0, "article_weight": 0.0, "recent_window_days": 0}

CONFIGS: dict[str, EvalConfig] = {c.name: c for c in (
    EvalConfig("default", "Pipeline defaults (Settings field defaults)."),
    EvalConfig("dense", "Dense retrieval only.", {"retriever": "dense"}),
    EvalConfig("bm25", "BM25 lexical retrieval.", {"retriever": "bm25"}),
    EvalConfig("hybrid", "Dense + BM25 fusion.", {"retriever": "hybrid"}),
    EvalConfig("k10", "Defaults with k=10 passages.", {"k": 10}),
    EvalConfig("chunk128", "Defaults with 128-token chunks.", {"chunk_tokens": 128}),
    EvalConfig("float32", "Defaults with the model in float32 at ingest (default: bfloat16 where the CPU has it).",
               {"ingest_precision": "float32"}),
    # Retrieval ablation: the core (mode x sentence re-scoring x dedup) with every prior off, then the priors
    # added one at a time; `default` has them all.
    *(EvalConfig(_core_name(mode, rescore, dedup),
                 f"{mode} retrieval, sentence re-scoring {'on' if rescore else 'off'}, "
                 f"dedup {'on' if dedup else 'off'}, no recency, window or article prior.",
                 {"retriever": mode, "rescore_sentences": rescore, "dedup": dedup, **NO_PRIORS})
      for mode in ("dense", "bm25", "hybrid") for rescore in (True, False) for dedup in (True, False)),
    EvalConfig("hybrid-weighted", "Defaults with weighted min-max score fusion instead of RRF.",
               {"fusion": "weighted"}),
    EvalConfig("hybrid-recency", "Hybrid core + the recency prior 0.1/30 days for every question.",
               {**NO_PRIORS, "recency_weight": 0.1, "recency_latest_weight": 0.1,
                "recency_latest_half_life_days": 30.0}),
    EvalConfig("hybrid-recency-latest", "Hybrid core + recency 0.1/30 days, and 0.3/14 days for 'latest news' "
               "questions.", {**NO_PRIORS, "recency_weight": 0.1, "recency_latest_weight": 0.3}),
    EvalConfig("hybrid-recency-latest-window", "Hybrid core + both recency priors + the 7-day search window for "
               "'latest news' questions (default minus the article prior).",
               {**NO_PRIORS, "recency_weight": 0.1, "recency_latest_weight": 0.3, "recent_window_days": 7}),
    EvalConfig("hybrid-article", "Hybrid core + the article prior (0.15 x question-article cosine) only.",
               {**NO_PRIORS, "article_weight": 0.15}),
    EvalConfig("llm", "Defaults, with answers generated by the LLM at RAG_LLM_URL (RAG_LLM_MODEL, RAG_LLM_API_KEY, "
               "RAG_LLM_TIMEOUT, RAG_LLM_MAX_TOKENS, RAG_LLM_TEMPERATURE, RAG_LLM_MIN_SUPPORT from the environment), "
               "verified sentence by sentence, the extractive answer as fallback.",
               from_env=("llm_url", "llm_model", "llm_api_key", "llm_timeout", "llm_max_tokens", "llm_temperature",
                         "llm_min_support")),
    EvalConfig("langchain-naive", "Textbook LangChain: RecursiveCharacterTextSplitter 1000/200, same embedding "
               "model, Chroma similarity top-4, same answerer.", {"k": 4}, kind="langchain-naive"),
)}


# -- index cache --------------------------------------------------------------------------------
def default_cache_dir() -> Path:
    import os

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "newsrag-eval"


def corpus_key(articles: list[Article], params: dict) -> str:
    h = hashlib.sha1()
    h.update(json.dumps({"cache": CACHE_FORMAT, **params}, sort_keys=True).encode())
    for doc_id, digest in sorted((a.doc_id, a.content_hash) for a in articles):
        h.update(f"{doc_id}\x1f{digest}\n".encode())
    return h.hexdigest()[:16]


@dataclass
class BuiltIndex:
    path: Path
    chunks: int
    seconds: float
    reused: bool


def _build_native(path: Path, articles: list[Article], cfg: EvalConfig, emb: SentenceEmbeddings) -> int:
    pipe = Pipeline(settings=cfg.settings(path), embeddings=emb, retriever=_NoRetriever())
    report = pipe.ingest_articles(articles, progress=True)
    for message in report.failed[:5]:
        log.warning("ingest: %s", message)
    return pipe.store.chunks.count()  # all chunks, also those a resumed build found already stored


def _build_langchain(path: Path, articles: list[Article], cfg: EvalConfig, emb: SentenceEmbeddings) -> int:
    from eval import langchain_naive

    return langchain_naive.build_index(path, articles, emb)


class _NoRetriever(Retriever):
    """Index building never retrieves; avoids building a retriever the config may not have yet."""

    def retrieve(self, query, k: int, filters: Filters | None = None) -> list[Passage]:
        raise RuntimeError("an index-building pipeline cannot answer")


IndexBuilder = Callable[[Path, list[Article], EvalConfig, SentenceEmbeddings], int]
BUILDERS: dict[str, IndexBuilder] = {"native": _build_native, "langchain-naive": _build_langchain}
# Our ingest skips articles already stored with the same content hash, so an interrupted native
# build resumes where it stopped; the LangChain one starts again.
RESUMABLE = frozenset({"native"})


def ensure_index(cache_dir: Path, dataset: str, articles: list[Article], cfg: EvalConfig,
                 emb: SentenceEmbeddings) -> BuiltIndex:
    """The index for (corpus, index settings): reused when complete, else built (resumed if it can be)."""
    params = cfg.index_params()
    path = cache_dir / f"{dataset.replace(':', '_').replace('/', '_')}-{corpus_key(articles, params)}"
    marker = path / _MARKER
    if marker.exists():
        info = json.loads(marker.read_text())
        return BuiltIndex(path, int(info["chunks"]), float(info["seconds"]), reused=True)
    if path.exists() and cfg.kind not in RESUMABLE:  # a half-built index from an interrupted run
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    # Index building (ours and the textbook's alike) runs with the process's default threads; the question
    # phase after it with the serving count (make_pipeline). Switched between phases, never inside a question.
    set_compute_threads(None)
    t0 = time.perf_counter()
    chunks = BUILDERS[cfg.kind](path, articles, cfg, emb)
    seconds = time.perf_counter() - t0
    marker.write_text(json.dumps({"chunks": chunks, "seconds": round(seconds, 1), "articles": len(articles),
                                  "params": params}))
    return BuiltIndex(path, chunks, seconds, reused=False)


def make_pipeline(cfg: EvalConfig, index: BuiltIndex, emb: SentenceEmbeddings) -> Pipeline:
    settings = cfg.settings(index.path)
    set_compute_threads(settings.compute_threads)  # the question phase: as `rag serve` runs (rag.threads)
    if cfg.kind == "langchain-naive":
        from eval.langchain_naive import LangChainNaiveRetriever

        return Pipeline(settings=settings, embeddings=emb, retriever=LangChainNaiveRetriever(index.path, emb))
    return Pipeline(settings=settings, embeddings=emb)
