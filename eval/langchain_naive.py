"""The textbook LangChain pipeline as a `rag.retrieve.Retriever`, so it feeds the very same answerer.

RecursiveCharacterTextSplitter(1000, 200) over each article, the same embedding model, a
langchain_chroma.Chroma collection, `similarity_search_with_score(k=4)`. Only the retriever
differs from ours; the comparison is therefore about chunking and retrieval, not answering.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from rag.articles import Article
from rag.embeddings import SentenceEmbeddings
from rag.query import Query, search_text
from rag.retrieve import Retriever
from rag.sentences import split_sentences
from rag.store import article_metadata
from rag.types import Filters, Passage

log = logging.getLogger(__name__)

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4
COLLECTION = "langchain_naive"


def _vectorstore(path: Path, embeddings: Embeddings):
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    return Chroma(client=client, collection_name=COLLECTION, embedding_function=embeddings)


def split_articles(articles: list[Article]) -> list[Document]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True)
    docs = []
    for a in articles:
        meta = article_metadata(a)  # the same fields as our store, so Filters (as-of) apply exactly alike
        docs.extend(splitter.split_documents([Document(page_content=a.text, metadata=meta)]))
    return docs


def build_index(path: Path, articles: list[Article], embeddings: SentenceEmbeddings, batch: int = 256) -> int:
    """Embed and store the chunks of `articles` under `path`; returns the number of chunks."""
    store = _vectorstore(path, embeddings)
    docs = split_articles(articles)
    for i in range(0, len(docs), batch):
        part = docs[i:i + batch]
        ids = [f"{d.metadata['doc_id']}#lc#{d.metadata['start_index']}" for d in part]
        store.add_documents(part, ids=ids)
    return len(docs)


class _QueryEncoder(Embeddings):
    """The same model for LangChain. Questions are encoded in the same process as ours, after the
    harness set the process's compute threads for its question phase (rag.threads), so the latency
    comparison measures the pipelines, not two spinning torch threads on a busy CPU."""

    def __init__(self, embeddings: SentenceEmbeddings) -> None:
        self.embeddings = embeddings

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embeddings.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.embeddings.embed_query(text)


class LangChainNaiveRetriever(Retriever):
    """Similarity top-k from the LangChain Chroma store, converted to our `Passage`s.

    The collection uses Chroma's default squared-L2 distance; for unit vectors
    d = 2 - 2·cos, so the similarity score is 1 - d/2 (higher is better).
    """

    def __init__(self, path: Path, embeddings: SentenceEmbeddings) -> None:
        self.store = _vectorstore(path, _QueryEncoder(embeddings))

    def retrieve(self, query: Query | str, k: int, filters: Filters | None = None) -> list[Passage]:
        where = (filters or Filters()).to_where()
        hits = self.store.similarity_search_with_score(search_text(query), k=k, filter=where)
        return [to_passage(doc, 1.0 - float(distance) / 2.0) for doc, distance in hits]


def to_passage(doc: Document, score: float) -> Passage:
    m = doc.metadata
    start = int(m["start_index"])
    text = doc.page_content
    spans = tuple((start + s, start + e) for s, e in split_sentences(text))
    return Passage(chunk_id=f"{m['doc_id']}#lc#{start}", doc_id=m["doc_id"], title=m.get("title", ""), text=text,
                   start=start, end=start + len(text), score=score, sentences=spans, url=m.get("url"),
                   date=m.get("date"), source=m.get("source"))
