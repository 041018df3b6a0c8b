"""Retrievers: one abstract method, `retrieve`; a registry maps the RAG_RETRIEVER mode to a class.

Modes `dense`, `bm25` and `hybrid` differ only in where candidates come from (exact cosine search
over the chunk vectors, the BM25 index, or both fused; both indexes live in `rag.bm25.BM25Index`,
derived from the store). Every mode then applies the same optional stages, each a setting:
re-ranking by the best sentence of each candidate (`rescore_sentences`), the article prior
(`article_weight`), recency priors (`recency_weight`, stronger for "latest news" questions, which
are also searched within `recent_window_days`), near-duplicate collapsing and MMR diversity (`dedup`).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import replace
from datetime import date, timedelta

import numpy as np

from rag.bm25 import BM25Index
from rag.config import Settings
from rag.dedup import collapse_duplicates, mmr
from rag.embeddings import SentenceEmbeddings
from rag.fusion import FUSERS
from rag.query import Query, as_query, search_text
from rag.recency import freshness, period_start, reference_day
from rag.scoring import SentenceScorer
from rag.store import Store
from rag.types import Filters, Passage

log = logging.getLogger(__name__)

DocVectors = Callable[[list[str]], dict[str, np.ndarray]]  # doc ids -> article vectors (those known)


class Retriever(ABC):
    @abstractmethod
    def retrieve(self, query: Query | str, k: int, filters: Filters | None = None) -> list[Passage]:
        """The k best passages for `query` (a question understood by rag.query, or plain search text), best first,
        each with a similarity score (higher is better)."""

    def refresh(self) -> None:
        """Bring derived indexes in step with the store after a write (default: nothing to do)."""
        return None

    def pinned(self) -> AbstractContextManager:
        """Searches inside read one state of the index (default: nothing to pin)."""
        return nullcontext()

    def holds_chunks(self) -> bool:
        """True when the retriever knows, without asking the store, that the archive is not empty."""
        return False


class MemoryDenseRetriever(Retriever):
    """Exact cosine search over the chunk vectors held in memory with the BM25 index (same vectors
    as Chroma's, kept in step the same way): a date-filtered Chroma query costs ~20x more."""

    def __init__(self, index: BM25Index, scorer: SentenceScorer) -> None:
        self.index = index
        self.scorer = scorer

    def retrieve(self, query: Query | str, k: int, filters: Filters | None = None) -> list[Passage]:
        return self.index.dense_search(self.scorer.query_vector(search_text(query)), k, filters)

    def refresh(self) -> None:
        self.index.ensure_fresh(force=True)

    def pinned(self) -> AbstractContextManager:
        return self.index.pinned()

    def holds_chunks(self) -> bool:
        return self.index.size() > 0


class BM25Retriever(Retriever):
    """BM25 over the store's chunks; `score` is the raw BM25 score."""

    def __init__(self, index: BM25Index) -> None:
        self.index = index

    def retrieve(self, query: Query | str, k: int, filters: Filters | None = None) -> list[Passage]:
        return self.index.search(search_text(query), k, filters)

    def refresh(self) -> None:
        self.index.ensure_fresh(force=True)

    def pinned(self) -> AbstractContextManager:
        return self.index.pinned()

    def holds_chunks(self) -> bool:
        return self.index.size() > 0


class RankedRetriever(Retriever):
    """Candidates from one or more sources, fused, then re-ranked, de-duplicated and cut to k.

    The final `score` is, without sentence re-scoring, the source's own score (cosine similarity,
    BM25, or the fused score in [0, 1]); with re-scoring it is
    (1 - sentence_weight) * normalised candidate score + sentence_weight * best sentence score,
    where a sentence score is 0.6 * cosine(question, sentence) + 0.4 * share of question terms it
    contains. The recency prior adds recency_weight * (0..1 by date among the candidates).
    """

    def __init__(self, sources: list[Retriever], settings: Settings, scorer: SentenceScorer,
                 weights: list[float] | None = None, doc_vectors: DocVectors | None = None) -> None:
        self.sources = sources
        self.settings = settings
        self.scorer = scorer
        self.weights = weights
        self.doc_vectors = doc_vectors

    def refresh(self) -> None:
        for s in self.sources:
            s.refresh()

    def holds_chunks(self) -> bool:
        return any(s.holds_chunks() for s in self.sources)

    def candidates(self, query: Query, k: int, filters: Filters | None) -> list[Passage]:
        n = max(k, self.settings.candidates)
        f = filters or Filters()
        lists = [s.retrieve(query, n, f) for s in self.sources]
        weights = self.weights
        recent = self.recent_window(query, f)
        if recent is not None:
            # "This week" in an archive of years: the week's reports may not reach the top n of the whole
            # archive at all, so each source is also searched within the recent window and fused in.
            lists += [s.retrieve(query, n, recent) for s in self.sources]
            weights = (weights or [1.0] * len(self.sources)) * 2
        if len(lists) == 1:
            return lists[0]
        return FUSERS[self.settings.fusion](lists, weights)

    def recent_window(self, query: Query, f: Filters) -> Filters | None:
        """The filters narrowed to the last `recent_window_days` before the as-of date, for questions
        that ask for the latest news; None otherwise."""
        days = self.settings.recent_window_days
        if days <= 0 or not query.latest:
            return None
        end = f.upper or date.today()
        start = end - timedelta(days=days)
        return replace(f, date_from=max(start, f.date_from) if f.date_from else start)

    def retrieve(self, query: Query | str, k: int, filters: Filters | None = None) -> list[Passage]:
        with ExitStack() as pins:
            for s in self.sources:
                pins.enter_context(s.pinned())
            return self._retrieve(as_query(query), k, filters)

    def _retrieve(self, query: Query, k: int, filters: Filters | None) -> list[Passage]:
        ranked = self.candidates(query, k, filters)
        if self.settings.keep_to_period:
            ranked = within_period(query, ranked, (filters or Filters()).upper)
        if not ranked:
            return []
        if self.settings.rescore_sentences:
            ranked = self.rescore(query, ranked)
        if self.settings.article_weight > 0 and self.doc_vectors is not None:
            ranked = self.article_prior(query, ranked)
        s = self.settings
        weight, half_life = ((s.recency_latest_weight, s.recency_latest_half_life_days) if query.latest
                             else (s.recency_weight, s.recency_half_life_days))
        if weight > 0:
            ranked = recency(ranked, weight, half_life, (filters or Filters()).upper)
        if self.settings.dedup:
            # Only the head can reach the answer; comparing every pair of 60 candidates costs ~25 ms.
            head = collapse_duplicates(ranked[:2 * k + 5], self.settings.dedup_threshold)
            ranked = mmr(head, k, self.settings.mmr_lambda)
        return ranked[:k]

    def rescore(self, query: Query, ranked: list[Passage]) -> list[Passage]:
        """Re-rank the head of the candidates by their best sentence; the tail keeps its order below.
        Scoring every sentence of 60 candidates cost ~10x more than the head's for no gain in hit@5."""
        n = max(self.settings.rescore_top, 1)
        head, tail = ranked[:n], ranked[n:]
        best: dict[str, float] = {}
        for s in self.scorer.score(query, head):
            best.setdefault(s.passage.chunk_id, s.score)
        scores = [p.score for p in ranked]
        lo, hi = min(scores), max(scores)
        w = self.settings.sentence_weight

        def norm(p: Passage) -> float:
            return (p.score - lo) / (hi - lo) if hi > lo else 1.0

        out = sorted((replace(p, score=round((1 - w) * norm(p) + w * best.get(p.chunk_id, 0.0), 6)) for p in head),
                     key=lambda p: -p.score)
        floor = out[-1].score if out else 0.0
        # Tail scores stay below the head's (higher is better, ranks agree with scores).
        return out + [replace(p, score=round(min(floor, (1 - w) * norm(p)) * 0.999, 6)) for p in tail]

    def article_prior(self, query: Query, ranked: list[Passage]) -> list[Passage]:
        """Add article_weight * cosine(question, the passage's whole article). A passage from an
        article about the question outranks an equally good passage in a round-up or a piece
        about something else that mentions it in passing."""
        vectors = self.doc_vectors(list(dict.fromkeys(p.doc_id for p in ranked)))
        if not vectors:
            return ranked
        q = self.scorer.query_vector(query.search)
        w = self.settings.article_weight
        sims = {d: float(v @ q) for d, v in vectors.items()}
        out = [replace(p, score=round(p.score + w * sims.get(p.doc_id, 0.0), 6)) for p in ranked]
        return sorted(out, key=lambda p: -p.score)


def within_period(query: Query, ranked: list[Passage], as_of: date | None) -> list[Passage]:
    """The passages whose reports lie in the period the question asks about ("this week": the two weeks before
    the as-of day, else before the newest candidate's day). A 2016 report of another earthquake does not answer
    "Which country was shaken by an earthquake this week?": quoted, it reads as this week's news. Undated
    passages stay: nothing says they are old."""
    start = period_start(query.period, reference_day((p.date for p in ranked), as_of))
    if start is None:
        return ranked
    return [p for p in ranked if not p.date or date.fromisoformat(p.date) >= start]


def recency(ranked: list[Passage], weight: float, half_life_days: float = 30.0,
            reference: date | None = None) -> list[Passage]:
    """Add weight * 0.5 ** (age / half_life): age in days before `reference` (the as-of date, else
    the newest candidate). Undated passages get nothing. "This week" news questions favour fresh
    reports; the half-life keeps a month-old background piece from being buried outright."""
    ref = reference_day((p.date for p in ranked), reference)
    if ref is None:
        return ranked
    out = [replace(p, score=round(p.score + freshness(p.date, ref, weight, half_life_days), 6)) for p in ranked]
    return sorted(out, key=lambda p: -p.score)


def _scorer(store: Store, embeddings: SentenceEmbeddings) -> SentenceScorer:
    return SentenceScorer(embeddings, store=store, answer_bonus=store.settings.answer_bonus)


def _dense(store: Store, embeddings: SentenceEmbeddings) -> Retriever:
    # Exact search over the chunk vectors in memory: Chroma's date-filtered query took ~560 ms p50 on a 36k-chunk
    # store, this ~30 ms (eval/results/ablation.md); tests/test_bm25.py checks both find the same chunks.
    scorer = _scorer(store, embeddings)
    index = _index(store)
    return RankedRetriever([MemoryDenseRetriever(index, scorer)], store.settings, scorer,
                           doc_vectors=index.doc_vectors)


def _index(store: Store) -> BM25Index:
    return BM25Index(store, check_seconds=store.settings.index_check_seconds)


def _bm25(store: Store, embeddings: SentenceEmbeddings) -> Retriever:
    index = _index(store)
    return RankedRetriever([BM25Retriever(index)], store.settings, _scorer(store, embeddings),
                           doc_vectors=index.doc_vectors)


def _hybrid(store: Store, embeddings: SentenceEmbeddings) -> Retriever:
    scorer = _scorer(store, embeddings)
    index = _index(store)
    w = store.settings.dense_weight
    return RankedRetriever([MemoryDenseRetriever(index, scorer), BM25Retriever(index)],
                           store.settings, scorer, weights=[w, 1.0 - w], doc_vectors=index.doc_vectors)


RetrieverFactory = Callable[[Store, SentenceEmbeddings], Retriever]

RETRIEVERS: dict[str, RetrieverFactory] = {
    "dense": _dense,
    "bm25": _bm25,
    "hybrid": _hybrid,
}


def make_retriever(mode: str, store: Store, embeddings: SentenceEmbeddings) -> Retriever:
    try:
        factory = RETRIEVERS[mode]
    except KeyError:
        raise ValueError(f"Unknown retriever mode {mode!r}; choose one of {', '.join(RETRIEVERS)}") from None
    return factory(store, embeddings)
