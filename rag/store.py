"""Chroma storage, the source of truth every process and machine reads:

- `<c>_chunks`: one record per chunk: its vector, its text, and metadata (article fields, offsets,
  its sentences' spans and vectors (float16, `svec`), its named entities (`ents`, article offsets, and
  `ents_v`, the `rag.nlp.ENTITIES_VERSION` that found them);
- `<c>_articles`: one record per article (identity, content hash for change detection, `ents_v`, stats);
- `<c>_log`: the change log, one record per article written or deleted, so that a process holding a
  derived index can learn what changed since it last looked;
- `<c>_state`: the write generation, a token that changes on every write (one cheap read tells a
  process its derived indexes are stale).

The same code runs embedded (PersistentClient under RAG_HOME) or against a Chroma server
(HttpClient, when RAG_CHROMA_URL is set).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from rag.articles import Article
from rag.chunking import Chunk
from rag.config import Settings
from rag.errors import StoreBusy, StoreUnavailable
from rag.nlp import ENTITIES_VERSION
from rag.types import FORMAT_VERSION, Entity, Passage, date_ord

log = logging.getLogger(__name__)

SentenceKey = tuple[str, tuple[int, int]]  # (chunk_id, sentence span in the article)


@dataclass(frozen=True)
class Change:
    """One change-log entry: an article written ("put") or deleted ("delete")."""

    id: str  # "<ts ns>-<random>-<n>": sorts by the writer's clock
    ts: int  # milliseconds
    op: str
    doc_id: str


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
        self._changes = None
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
    def changes(self):
        """The change log: one record per article written or deleted (time, op, doc id, hash)."""
        if self._changes is None:
            self._changes = self._collection("log")
        return self._changes

    @property
    def state(self):
        """A one-record collection holding the store's generation: a token that changes on every write,
        so derived indexes (BM25) in any process can tell cheaply that they are stale."""
        if self._state is None:
            self._state = self._collection("state")
        return self._state

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A read that fails for any reason is the store not answering (chromadb raises several types for a dead
        server: connection errors, its own errors): a 503 with a hint, never a 500."""
        try:
            yield
        except StoreUnavailable:
            raise
        except Exception as exc:
            raise StoreUnavailable(f"The Chroma store at {self.settings.store_location} did not answer "
                                   f"({exc.__class__.__name__}).",
                                   "Check the server is running, or the folder is readable.") from None

    def chunk_count(self) -> int:
        with self._reading():
            return self.chunks.count()

    def generation(self) -> str:
        """The current write generation ('' for a store that has never been written by this version)."""
        with self._reading():
            got = self.state.get(ids=[_GENERATION_ID], include=["metadatas"])
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
    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the right to write. An embedded store has one writer at a time across processes (a lock
        file in RAG_HOME; threads of one process take turns); a Chroma server takes several at once."""
        if self.mode == "server":
            yield
            return
        path = (self.settings.home / "write.lock").resolve()
        turn = _thread_lock(path)
        with turn:
            if turn.depth:  # re-entered by the thread that holds it (an ingest that deletes, ...)
                turn.depth += 1
                try:
                    yield
                finally:
                    turn.depth -= 1
                return
            from filelock import FileLock, Timeout

            path.parent.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(path), thread_local=False)
            try:
                lock.acquire(timeout=self.settings.write_wait_seconds)
            except Timeout:
                raise StoreBusy(
                    f"another process is writing to RAG_HOME ({self.settings.home.resolve()}); "
                    "wait or use a Chroma server",
                    "Run this again when the other `rag ingest`/`rag delete` (or the server's ingest job) has "
                    "finished; to let several processes write at once, run `chroma run` and set RAG_CHROMA_URL.",
                ) from None
            turn.depth = 1
            try:
                yield
            finally:
                turn.depth = 0
                lock.release()

    def hashes(self, doc_ids: list[str]) -> dict[str, str]:
        """Content hash of each stored article among doc_ids."""
        return {i: digest for i, (digest, _) in self.article_states(doc_ids).items()}

    def article_states(self, doc_ids: list[str]) -> dict[str, tuple[str, bool]]:
        """Of each stored article among doc_ids, in one store call: its content hash, and whether an older
        version found its entities (see `stale_entities`)."""
        if not doc_ids:
            return {}
        got = self.articles.get(ids=list(dict.fromkeys(doc_ids)), include=["metadatas"])
        return {i: ((m or {}).get("hash", ""), (m or {}).get(ENTS_V) != ENTITIES_VERSION)
                for i, m in zip(got["ids"], got["metadatas"], strict=True)}

    def put_articles(self, items: list[PreparedArticle]) -> None:
        """Write a batch of articles' new chunks, then drop their old ones: a crash in between leaves
        the previous version searchable rather than losing it. A batch costs a handful of store calls
        (chunks in slices of the store's batch limit, one read and one delete of stale chunks, the
        article records, the change log, the generation), not several per article."""
        if not items:
            return
        ids: list[str] = []
        vectors: list[np.ndarray] = []
        documents: list[str] = []
        metas: list[dict] = []
        for item in items:
            a = item.article
            base = {**article_metadata(a), "hash": a.content_hash, ENTS_V: ENTITIES_VERSION}
            for c, ents, svecs in zip(item.chunks, item.entities, item.sentence_vectors, strict=True):
                ids.append(chunk_id(a.doc_id, a.content_hash, c.index))
                metas.append({**base, "chunk": c.index, "start": c.start, "end": c.end,
                              "sents": json.dumps([[s, e] for s, e in c.sentences]),
                              "ents": json.dumps([[e.start, e.end, e.label] for e in ents]),
                              SVEC_KEY: encode_sentence_vectors(svecs)})
                documents.append(c.text)
            vectors.append(np.asarray(item.vectors, dtype=np.float32))
        matrix = np.concatenate(vectors) if vectors else np.zeros((0, 1), dtype=np.float32)
        limit = self._max_batch()
        for i, j in _slices([len(d) + len(json.dumps(m)) + 12 * matrix.shape[1] for d, m in zip(documents, metas,
                                                                                            strict=True)], limit):
            self.chunks.upsert(ids=ids[i:j], embeddings=matrix[i:j], documents=documents[i:j], metadatas=metas[i:j])
        doc_ids = [item.article.doc_id for item in items]
        keep = set(ids)
        stale = [i for i in self.chunks.get(where={"doc_id": {"$in": doc_ids}}, include=[])["ids"] if i not in keep]
        for i in range(0, len(stale), limit):
            self.chunks.delete(ids=stale[i:i + limit])
        now = datetime.now(UTC).isoformat(timespec="seconds")
        centroids = []
        for item in items:
            centroid = np.asarray(item.vectors, dtype=np.float32).mean(axis=0)
            centroids.append(centroid / (np.linalg.norm(centroid) or 1.0))
        texts = [item.article.text for item in items]
        article_metas = [{**article_metadata(item.article), "hash": item.article.content_hash,
                          "n_chunks": len(item.chunks), "authors": json.dumps(list(item.article.authors)),
                          "ingested_at": now, ENTS_V: ENTITIES_VERSION} for item in items]
        for i, j in _slices([len(t) + 1000 for t in texts], limit):
            self.articles.upsert(ids=doc_ids[i:j], embeddings=np.stack(centroids[i:j]), documents=texts[i:j],
                                 metadatas=article_metas[i:j])
        self._log([("put", item.article.doc_id, item.article.content_hash) for item in items])

    def stale_entities(self) -> list[str]:
        """The stored articles whose entities an older version extracted."""
        where = {ENTS_V: {"$ne": ENTITIES_VERSION}}  # also matches records without the key (unstamped)
        with self._reading():
            out: list[str] = []
            while True:  # pages by offset over the small articles collection
                got = self.articles.get(where=where, include=[], limit=5000, offset=len(out))
                if not got["ids"]:
                    return out
                out.extend(got["ids"])

    def put_entities(self, items: list[Reanalysed]) -> None:
        """Replace stored articles' entities in place (vectors and text untouched), then log the articles as
        written, so that every derived index re-reads their chunks."""
        if not items:
            return
        ids = [cid for item in items for cid in item.entities]
        metas = [{"ents": json.dumps([[e.start, e.end, e.label] for e in ents]), ENTS_V: ENTITIES_VERSION}
                 for item in items for ents in item.entities.values()]
        limit = self._max_batch()
        for i, j in _slices([len(json.dumps(m)) + 64 for m in metas], limit):
            self.chunks.update(ids=ids[i:j], metadatas=metas[i:j])
        doc_ids = [item.doc_id for item in items]
        for i in range(0, len(doc_ids), limit):
            self.articles.update(ids=doc_ids[i:i + limit],
                                 metadatas=[{ENTS_V: ENTITIES_VERSION}] * len(doc_ids[i:i + limit]))
        self._log([("put", item.doc_id, item.content_hash) for item in items])

    def _log(self, entries: list[tuple[str, str, str]]) -> None:
        """Append to the change log (op, doc id, content hash) and bump the generation. Readers in other
        processes and on other machines learn from the log which articles changed since they last looked."""
        ts = time.time_ns()
        ids = [f"{ts:020d}-{uuid.uuid4().hex[:8]}-{n}" for n in range(len(entries))]
        metas = [{"ts": ts // 1_000_000, "op": op, "doc_id": doc_id, "hash": digest} for op, doc_id, digest in entries]
        limit = self._max_batch()
        for i in range(0, len(ids), limit):
            self.changes.upsert(ids=ids[i:i + limit], embeddings=np.ones((len(ids[i:i + limit]), 1), dtype=np.float32),
                                metadatas=metas[i:i + limit])
        self._bump_generation()

    def sentence_vectors(self, keys: list[SentenceKey]) -> dict[SentenceKey, np.ndarray]:
        """Stored embeddings for (chunk_id, sentence span) keys; keys without one are left out."""
        wanted: dict[str, list[SentenceKey]] = {}
        for key in keys:
            wanted.setdefault(key[0], []).append(key)
        if not wanted:
            return {}
        try:
            got = self.chunks.get(ids=list(wanted), include=["metadatas"])
        except Exception as exc:
            log.warning("sentence vectors unavailable (%s); they will be encoded", exc.__class__.__name__)
            return {}
        out: dict[SentenceKey, np.ndarray] = {}
        for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
            by_span = chunk_sentence_vectors(meta or {})
            for key in wanted[cid]:
                vec = by_span.get(key[1])
                if vec is not None:
                    out[key] = vec
        return out

    def delete_article(self, doc_id: str) -> bool:
        existed = bool(self.articles.get(ids=[doc_id], include=[])["ids"])
        self.chunks.delete(where={"doc_id": doc_id})
        self.articles.delete(ids=[doc_id])
        self._log([("delete", doc_id, "")])
        return existed

    def _max_batch(self) -> int:
        try:
            return max(1, int(self.client.get_max_batch_size()))
        except Exception:
            return 1000

    # -- reading ----------------------------------------------------------------------------
    def query(self, vector: np.ndarray, k: int, where: dict | None = None) -> list[Passage]:
        n = self.chunk_count()
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

    def article_ids(self, batch: int = 5000) -> list[str]:
        """Every stored article's id (pages of the small articles collection, not of the chunks)."""
        out: list[str] = []
        with self._reading():
            while True:
                got = self.articles.get(include=[], limit=batch, offset=len(out))
                if not got["ids"]:
                    return out
                out.extend(got["ids"])

    def chunks_of(self, doc_ids: list[str]) -> list[tuple[Passage, np.ndarray]]:
        """The chunks of these articles with their embeddings (one store call): how a derived index learns an
        article's current state. Reading by article rather than by offset keeps a full read O(archive) (an
        offset page costs O(offset) in Chroma's SQLite)."""
        if not doc_ids:
            return []
        with self._reading():
            got = self.chunks.get(where={"doc_id": {"$in": list(doc_ids)}},
                                  include=["documents", "metadatas", "embeddings"])
        return [(passage_from(cid, doc, meta, 0.0), np.asarray(vec, dtype=np.float32))
                for cid, doc, meta, vec in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"],
                                               strict=True)]

    def changes_since(self, ts_ms: int) -> list[Change]:
        """Change-log entries stamped at or after `ts_ms` (the writer's clock), oldest first."""
        with self._reading():
            got = self.changes.get(where={"ts": {"$gte": int(ts_ms)}}, include=["metadatas"])
        out = [Change(i, int(m["ts"]), str(m["op"]), str(m["doc_id"]))
               for i, m in zip(got["ids"], got["metadatas"], strict=True) if m]
        return sorted(out, key=lambda c: c.id)

    def get_article(self, doc_id: str) -> StoredArticle | None:
        return next(iter(self.get_articles([doc_id])), None)

    def get_articles(self, doc_ids: list[str]) -> list[StoredArticle]:
        """The stored articles among `doc_ids` (one store call), in the order given."""
        got = self.articles.get(ids=list(dict.fromkeys(doc_ids)), include=["documents", "metadatas"])
        found = {}
        for doc_id, text, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
            m = m or {}
            found[doc_id] = StoredArticle(doc_id=doc_id, title=m.get("title", ""), text=text,
                                          url=m.get("url"), date=m.get("date"), source=m.get("source"),
                                          authors=json.loads(m.get("authors", "[]")), content_hash=m.get("hash", ""),
                                          n_chunks=int(m.get("n_chunks", 0)))
        return [found[i] for i in dict.fromkeys(doc_ids) if i in found]

    def article_metadata(self) -> list[dict]:
        out, offset = [], 0
        while True:
            got = self.articles.get(include=["metadatas"], limit=5000, offset=offset)
            if not got["ids"]:
                return out
            out.extend({"doc_id": i, **(m or {})} for i, m in zip(got["ids"], got["metadatas"], strict=True))
            offset += len(got["ids"])

    def stats(self) -> dict:
        with self._reading():
            metas = self.article_metadata()
        dates = [m["date"] for m in metas if m.get("date")]
        stale = sum(m.get(ENTS_V) != ENTITIES_VERSION for m in metas)
        sources = sorted({m["source"] for m in metas if m.get("source")})
        return {"articles": len(metas), "chunks": self.chunk_count(), "newest_date": max(dates, default=None),
                "oldest_date": min(dates, default=None), "sources": sources, "stale_entities": stale,
                "mode": self.mode, "location": self.settings.store_location}


REQUEST_BYTES = 8_000_000  # per write call: a Chroma server refuses large bodies (413), well below its count limit


def _slices(sizes: list[int], limit: int, budget: int = REQUEST_BYTES) -> Iterator[tuple[int, int]]:
    """Consecutive [i, j) ranges of at most `limit` records and about `budget` bytes each (a record larger than
    the budget goes alone)."""
    i = 0
    while i < len(sizes):
        j, total = i, 0
        while j < len(sizes) and j - i < limit and (j == i or total + sizes[j] <= budget):
            total += sizes[j]
            j += 1
        yield i, j
        i = j


class _Turn:
    """A per-lock-file lock for the threads of this process, with the holder's nesting depth."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.depth = 0

    def __enter__(self) -> _Turn:
        self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


_TURNS: dict[Path, _Turn] = {}
_TURNS_LOCK = threading.Lock()


def _thread_lock(path: Path) -> _Turn:
    with _TURNS_LOCK:
        return _TURNS.setdefault(path, _Turn())


_GENERATION_ID = "generation"
SVEC_KEY = "svec"  # chunk metadata: its sentences' vectors, float16, base64
ENTS_V = "ents_v"  # chunk and article metadata: the ENTITIES_VERSION of its entities


@dataclass
class PreparedArticle:
    """An article ready to write: its chunks, their vectors, and per chunk its entities (article offsets)
    and its sentences' vectors (one row per sentence, in order)."""

    article: Article
    chunks: list[Chunk]
    vectors: np.ndarray
    entities: list[tuple[Entity, ...]]
    sentence_vectors: list[np.ndarray]


@dataclass
class Reanalysed:
    """A stored article's entities found again: per chunk id, the chunk's entities (article offsets)."""
    doc_id: str
    content_hash: str
    entities: dict[str, tuple[Entity, ...]]


def chunk_id(doc_id: str, digest: str, index: int) -> str:
    return f"{doc_id}#{digest[:10]}#{index}"


def encode_sentence_vectors(vectors: np.ndarray) -> str:
    """float16 rows, base64: 768 bytes per sentence instead of a float32 record in an HNSW index."""
    return base64.b64encode(np.ascontiguousarray(vectors, dtype="<f2").tobytes()).decode("ascii")


def decode_sentence_vectors(blob: str, n: int) -> np.ndarray:
    raw = np.frombuffer(base64.b64decode(blob), dtype="<f2")
    return raw.reshape(n, -1).astype(np.float32) if n else np.zeros((0, 1), dtype=np.float32)


def chunk_sentence_vectors(meta: dict) -> dict[tuple[int, int], np.ndarray]:
    """span -> vector for one chunk's metadata (empty when it has none)."""
    blob = meta.get(SVEC_KEY)
    if not blob:
        return {}
    spans = [(int(s), int(e)) for s, e in json.loads(meta.get("sents", "[]"))]
    vecs = decode_sentence_vectors(blob, len(spans))
    return {span: vecs[i] for i, span in enumerate(spans)}


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
        entities=tuple(Entity(int(s), int(e), str(label)) for s, e, label in json.loads(meta.get("ents", "[]"))),
    )
