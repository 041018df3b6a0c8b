"""Retrievers: one abstract method, `retrieve`; a registry maps the RAG_RETRIEVER mode to a class."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

from rag.embeddings import SentenceEmbeddings
from rag.store import Store
from rag.types import Filters, Passage


class Retriever(ABC):
    @abstractmethod
    def retrieve(self, query: str, k: int, filters: Filters | None = None) -> list[Passage]:
        """The k best passages for `query`, best first, each with a similarity score (higher is better)."""


class DenseRetriever(Retriever):
    """Cosine similarity between the query embedding and chunk embeddings, searched in Chroma."""

    def __init__(self, store: Store, embeddings: SentenceEmbeddings) -> None:
        self.store = store
        self.embeddings = embeddings

    def retrieve(self, query: str, k: int, filters: Filters | None = None) -> list[Passage]:
        vector = self.embeddings.encode([query])[0]
        return self.store.query(vector, k, (filters or Filters()).to_where())


RetrieverFactory = Callable[[Store, SentenceEmbeddings], Retriever]

RETRIEVERS: dict[str, RetrieverFactory] = {
    "dense": DenseRetriever,
}


def make_retriever(mode: str, store: Store, embeddings: SentenceEmbeddings) -> Retriever:
    try:
        factory = RETRIEVERS[mode]
    except KeyError:
        raise ValueError(f"Unknown retriever mode {mode!r}; choose one of {', '.join(RETRIEVERS)}") from None
    return factory(store, embeddings)
