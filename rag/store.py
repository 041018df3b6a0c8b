"""Chroma storage: one collection of chunks (searched) and one of whole articles (identity,
change detection, stats). The same code runs embedded (PersistentClient under RAG_HOME) or
against a Chroma server (HttpClient, when RAG_CHROMA_URL is set).
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import numpy as np

from rag.articles import Article
from rag.chunking import Chunk
from rag.config import Settings
from rag.errors import StoreUnavailable
from rag.types import FORMAT_VERSION, Passage, date_ord

log = logging.getLogger(__name__)

SentenceKey = tuple[str, tuple[int, int]]  # (chunk_id, sentence span in the article)


@dataclass
class StoredArticle:
    doc_id: str
    title: str
    text: str
    url: str | None
    date: str | None
    source: str | None
    authors: list[str]
    content_hash: str
    n_chunks: int


class Store:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client = None
        self._chunks = None
        self._articles = None
        self._sentences = None
        self._state = None

    # -- connection -------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return "server" if self.settings.chroma_url else "embedded"

    @property
    def client(self):
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _connect(self):
        os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        url = self.settings.chroma_url
        if url:
            parts = urlsplit(url if "://" in url else f"http://{url}")
            try:
                client = chromadb.HttpClient(host=parts.hostname or "127.0.0.1",
                                             port=parts.port or (443 if parts.scheme == "https" else 8000),
                                             ssl=parts.scheme == "https", settings=chroma_settings)
                client.heartbeat()
            except Exception as exc:  # chromadb raises several types for a dead server
                raise StoreUnavailable(
                    f"Cannot reach the Chroma server at {url} ({exc.__class__.__name__}).",
                    "Start it with `chroma run --path DIR --host 127.0.0.1 --port PORT`, "
                    "or unset RAG_CHROMA_URL to use the embedded store.",
                ) from None
            return client
        self.settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(self.settings.chroma_path), settings=chroma_settings)

    def _collection(self, suffix: str):
        # embedding_function=None: we always pass our own vectors; Chroma's default would download a model.
        name = f"{self.settings.collection}_{suffix}"
        try:
            col = self.client.get_or_create_collection(
                name, embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"newsrag_format": FORMAT_VERSION},
            )
        except StoreUnavailable:
            raise
        except Exception as exc:
            raise StoreUnavailable(f"The Chroma store at {self.settings.store_location} did not answer "
                                   f"({exc.__class__.__name__}: {exc}).",
                                   "Check the server is running, or the folder is writable.") from None
        found = (col.metadata or {}).get("newsrag_format")
        if found != FORMAT_VERSION:
            raise StoreUnavailable(
                f"Collection {name} was written in format {found}, this version reads format {FORMAT_VERSION}.",
                f"Move {self.settings.store_location} aside and run `rag ingest` again.",
            )
        return col

    @property
    def chunks(self):
        if self._chunks is None:
            self._chunks = self._collection("chunks")
        return self._chunks

    @property
    def articles(self):
        if self._articles is None:
            self._articles = self._collection("articles")
        return self._articles

    @property
    def sentences(self):
        """One record per sentence with its embedding, written at ingest so that answering never
        re-encodes sentences per query (and a server-mode store carries them for every process)."""
        if self._sentences is None:
            self._sentences = self._collection("sentences")
        return self._sentences

    @property
    def state(self):
        """A one-record collection holding the store's generation: a token that changes on every write,
        so derived indexes (BM25) in any process can tell cheaply that they are stale."""
        if self._state is None:
            self._state = self._collection("state")
        return self._state

    def generation(self) -> str:
        """The current write generation ('' for a store that has never been written by this version)."""
        try:
            got = self.state.get(ids=[_GENERATION_ID], include=["metadatas"])
        except StoreUnavailable:
            raise
        except Exception as exc:  # chromadb raises several types for a dead server
            raise StoreUnavailable(f"The Chroma store at {self.settings.store_location} did not answer "
                                   f"({exc.__class__.__name__}).",
                                   "Check the server is running, or the folder is readable.") from None
        if not got["ids"]:
            return ""
        return str((got["metadatas"][0] or {}).get("token", ""))

    def _bump_generation(self) -> None:
        self.state.upsert(ids=[_GENERATION_ID], embeddings=np.ones((1, 1), dtype=np.float32),
                          documents=[""], metadatas=[{"token": uuid.uuid4().hex}])

    def ping(self) -> bool:
        try:
            self.client.heartbeat()
            return True
        except Exception:
            return False

    # -- writing ----------------------------------------------------------------------------
    def hashes(self, doc_ids: list[str]) -> dict[str, str]:
        """Content hash of each stored article among doc_ids."""
        if not doc_ids:
            return {}
        got = self.articles.get(ids=list(dict.fromkeys(doc_ids)), include=["metadatas"])
        return {i: (m or {}).get("hash", "") for i, m in zip(got["ids"], got["metadatas"], strict=True)}

    def put_article(self, article: Article, chunks: list[Chunk], vectors: np.ndarray,
                    sentence_vectors: dict[tuple[int, int], np.ndarray] | None = None) -> None:
        """Write an article's new chunks, then drop its old ones: a crash in between leaves the
        previous version searchable rather than losing it. `sentence_vectors` (span -> embedding)
        go to the sentences collection so the answerer can look them up instead of re-encoding."""
        doc_id, digest = article.doc_id, article.content_hash
        base = {**article_metadata(article), "hash": digest}
        ids = [f"{doc_id}#{digest[:10]}#{c.index}" for c in chunks]
        metas = [{**base, "chunk": c.index, "start": c.start, "end": c.end,
                  "sents": json.dumps([[s, e] for s, e in c.sentences])} for c in chunks]
        limit = self._max_batch()
        for i in range(0, len(ids), limit):
            self.chunks.upsert(ids=ids[i:i + limit], embeddings=vectors[i:i + limit],
                               documents=[c.text for c in chunks[i:i + limit]], metadatas=metas[i:i + limit])
        stale = self.chunks.get(where={"doc_id": doc_id}, include=[])["ids"]
        stale = [s for s in stale if s not in set(ids)]
        if stale:
            self.chunks.delete(ids=stale)
        if sentence_vectors:
            self._put_sentences(doc_id, digest, base, sentence_vectors)
        centroid = vectors.mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        self.articles.upsert(
            ids=[doc_id], embeddings=centroid[None, :], documents=[article.text],
            metadatas=[{**base, "n_chunks": len(chunks), "authors": json.dumps(list(article.authors)),
                        "ingested_at": datetime.now(UTC).isoformat(timespec="seconds")}],
        )
        self._bump_generation()

    def _put_sentences(self, doc_id: str, digest: str, base: dict,
                       sentence_vectors: dict[tuple[int, int], np.ndarray]) -> None:
        spans = sorted(sentence_vectors)
        ids = [sentence_id(doc_id, digest, s) for s in spans]
        keep = {k: base[k] for k in ("doc_id", "date_ord", "source") if k in base}
        metas = [{**keep, "start": s, "end": e} for s, e in spans]
        vecs = np.stack([sentence_vectors[s] for s in spans]).astype(np.float32)
        limit = self._max_batch()
        for i in range(0, len(ids), limit):
            self.sentences.upsert(ids=ids[i:i + limit], embeddings=vecs[i:i + limit], metadatas=metas[i:i + limit])
        prefix = f"{doc_id}#{digest[:10]}#"
        stale = [s for s in self.sentences.get(where={"doc_id": doc_id}, include=[])["ids"]
                 if not s.startswith(prefix)]
        if stale:
            self.sentences.delete(ids=stale)

    def sentence_vectors(self, keys: list[SentenceKey]) -> dict[SentenceKey, np.ndarray]:
        """Stored embeddings for (chunk_id, sentence span) keys; keys without one are left out."""
        ids: dict[str, list[SentenceKey]] = {}
        for key in keys:  # overlapping chunks share sentences: one stored record, several keys
            ids.setdefault(sentence_id_for_chunk(*key), []).append(key)
        if not ids:
            return {}
        try:
            got = self.sentences.get(ids=list(ids), include=["embeddings"])
        except Exception as exc:
            log.warning("sentence vectors unavailable (%s); they will be encoded", exc.__class__.__name__)
            return {}
        out: dict[SentenceKey, np.ndarray] = {}
        for i, v in zip(got["ids"], got["embeddings"], strict=True):
            vec = np.asarray(v, dtype=np.float32)
            for key in ids[i]:
                out[key] = vec
        return out

    def delete_article(self, doc_id: str) -> bool:
        existed = bool(self.articles.get(ids=[doc_id], include=[])["ids"])
        self.chunks.delete(where={"doc_id": doc_id})
        self.sentences.delete(where={"doc_id": doc_id})
        self.articles.delete(ids=[doc_id])
        self._bump_generation()
        return existed

    def _max_batch(self) -> int:
        try:
            return max(1, int(self.client.get_max_batch_size()))
        except Exception:
            return 1000

    # -- reading ----------------------------------------------------------------------------
    def query(self, vector: np.ndarray, k: int, where: dict | None = None) -> list[Passage]:
        n = self.chunks.count()
        if n == 0:
            return []
        try:
            res = self.chunks.query(query_embeddings=[np.asarray(vector, dtype=np.float32)],
                                    n_results=min(k, n), where=where,
                                    include=["documents", "metadatas", "distances"])
        except Exception as exc:
            raise StoreUnavailable(f"Search failed in the Chroma store ({exc.__class__.__name__}: {exc}).",
                                   "Check the store is reachable; re-run `rag ingest` if it was moved.") from None
        return [
            passage_from(cid, doc, meta, 1.0 - float(dist))  # cosine distance -> cosine similarity
            for cid, doc, meta, dist in zip(res["ids"][0], res["documents"][0], res["metadatas"][0],
                                            res["distances"][0], strict=True)
        ]

    def get_chunks(self, ids: list[str] | None = None, where: dict | None = None,
                   batch: int = 2000) -> Iterator[Passage]:
        """All chunks (or those with `ids`) with score 0.0, in pages, for index rebuilds."""
        if ids is not None:
            got = self.chunks.get(ids=ids, include=["documents", "metadatas"])
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                yield passage_from(cid, doc, meta, 0.0)
            return
        offset = 0
        while True:
            got = self.chunks.get(where=where, include=["documents", "metadatas"], limit=batch, offset=offset)
            if not got["ids"]:
                return
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                yield passage_from(cid, doc, meta, 0.0)
            offset += len(got["ids"])

    def get_chunks_with_vectors(self, batch: int = 2000) -> Iterator[tuple[Passage, np.ndarray]]:
        """Every chunk with its embedding, in pages (for in-memory indexes derived from the store)."""
        offset = 0
        while True:
            got = self.chunks.get(include=["documents", "metadatas", "embeddings"], limit=batch, offset=offset)
            if not got["ids"]:
                return
            for cid, doc, meta, vec in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"],
                                           strict=True):
                yield passage_from(cid, doc, meta, 0.0), np.asarray(vec, dtype=np.float32)
            offset += len(got["ids"])

    def get_article(self, doc_id: str) -> StoredArticle | None:
        got = self.articles.get(ids=[doc_id], include=["documents", "metadatas"])
        if not got["ids"]:
            return None
        m = got["metadatas"][0] or {}
        return StoredArticle(doc_id=doc_id, title=m.get("title", ""), text=got["documents"][0],
                             url=m.get("url"), date=m.get("date"), source=m.get("source"),
                             authors=json.loads(m.get("authors", "[]")), content_hash=m.get("hash", ""),
                             n_chunks=int(m.get("n_chunks", 0)))

    def article_metadata(self) -> list[dict]:
        out, offset = [], 0
        while True:
            got = self.articles.get(include=["metadatas"], limit=5000, offset=offset)
            if not got["ids"]:
                return out
            out.extend({"doc_id": i, **(m or {})} for i, m in zip(got["ids"], got["metadatas"], strict=True))
            offset += len(got["ids"])

    def stats(self) -> dict:
        metas = self.article_metadata()
        dates = [m["date"] for m in metas if m.get("date")]
        sources = sorted({m["source"] for m in metas if m.get("source")})
        return {"articles": len(metas), "chunks": self.chunks.count(), "newest_date": max(dates, default=None),
                "oldest_date": min(dates, default=None), "sources": sources,
                "mode": self.mode, "location": self.settings.store_location}


_GENERATION_ID = "generation"


def sentence_id(doc_id: str, digest: str, span: tuple[int, int]) -> str:
    return f"{doc_id}#{digest[:10]}#s{span[0]}-{span[1]}"


def sentence_id_for_chunk(chunk_id: str, span: tuple[int, int]) -> str:
    """Chunk ids are '<doc_id>#<digest10>#<index>': the sentence id shares the first two parts."""
    return f"{chunk_id.rsplit('#', 1)[0]}#s{span[0]}-{span[1]}"


def article_metadata(article: Article) -> dict:
    """The metadata every chunk of an article carries; `date_ord` (YYYYMMDD) is what date filters
    compare, since Chroma compares numbers, not date strings. Chroma refuses None values, so
    missing fields are left out."""
    meta: dict = {"doc_id": article.doc_id, "title": article.display_title}
    if article.url:
        meta["url"] = article.url
    if article.source:
        meta["source"] = article.source
    if article.date:
        meta["date"] = article.iso_date
        meta["date_ord"] = date_ord(article.date)
    return meta


def passage_from(cid: str, doc: str, meta: dict, score: float) -> Passage:
    return Passage(
        chunk_id=cid, doc_id=meta["doc_id"], title=meta.get("title", ""), text=doc,
        start=int(meta["start"]), end=int(meta["end"]), score=score,
        sentences=tuple((int(s), int(e)) for s, e in json.loads(meta.get("sents", "[]"))),
        url=meta.get("url"), date=meta.get("date"), source=meta.get("source"),
    )
