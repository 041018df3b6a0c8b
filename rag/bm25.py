"""A BM25 index over the same chunks as the Chroma store, kept in step with it.

News questions hinge on names, places and numbers that dense embeddings blur; BM25 (bm25s, with
the Snowball English stemmer) matches them exactly. The index is derived data:

- it is keyed by the store's *generation*, a token the store changes on every write, so any
  process (a second server, a restarted one) can tell with one cheap read that it is stale;
- it is persisted under `settings.home/bm25/<store key>/<generation>/` (also in server mode, where
  the key is the Chroma URL + collection), and rebuilt from `Store.get_chunks()` when missing;
- bm25s cannot add documents incrementally, so a write makes the index stale and it is rebuilt
  once (at the end of an ingest run by the pipeline, or in the background after a query saw another
  process's write, while queries keep the last complete index), not per article.

The index also holds the chunk embeddings (the same vectors as Chroma's), so hybrid mode's dense
half is an exact in-memory search instead of a filtered Chroma query (~90 ms vs ~1 ms).

Filters (as of, date range, sources, doc ids) are applied to BM25 scores with metadata arrays kept
alongside the index, with Chroma's semantics: a date filter excludes undated chunks.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.errors import StoreUnavailable
from rag.store import Store
from rag.types import Filters, Passage, date_ord

log = logging.getLogger(__name__)

INDEX_FORMAT = 2  # bump when the persisted layout changes; older folders are then rebuilt
_CHUNKS_FILE = "chunks.jsonl"
_META_FILE = "meta.json"
_VECTORS_FILE = "vectors.npy"


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str], stemmer) -> list[list[str]]:
    """Lower-cased, stop-worded, stemmed tokens (the same for documents and queries)."""
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False)


@dataclass
class _Loaded:
    generation: str
    bm25: object  # bm25s.BM25
    passages: list[Passage]
    vectors: np.ndarray  # (n, dim) chunk embeddings, row i = passages[i]
    date_ords: np.ndarray  # 0 where the chunk has no date
    sources: np.ndarray
    doc_ids: np.ndarray
    doc_rows: dict[str, list[int]]  # doc id -> its rows, for article-level vectors
    doc_vectors: dict[str, np.ndarray]  # filled lazily: mean of an article's chunk vectors, normalised


class BM25Index:
    """BM25 over the store's chunks. Thread-safe; rebuilt lazily when the store changed."""

    def __init__(self, store: Store, k1: float = 1.2, b: float = 0.75, check_seconds: float = 0.0) -> None:
        self.store = store
        self.k1 = k1
        self.b = b
        self.check_seconds = check_seconds
        self._checked = 0.0
        self._stemmer = _stemmer()
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._refreshing: threading.Thread | None = None
        try:
            self.clean_stale_temporaries()
        except OSError as exc:  # housekeeping never stops a reader
            log.warning("could not clean temporary index folders (%s)", exc)

    # -- where it lives ---------------------------------------------------------------------
    @property
    def root(self) -> Path:
        s = self.store.settings
        key = hashlib.sha1(f"{s.store_location}\x1f{s.collection}".encode()).hexdigest()[:16]
        return s.home / "bm25" / key

    def fingerprint(self) -> str:
        """What the index must match: the store's generation (or, for a store never written by
        this version, its chunk count)."""
        gen = self.store.generation()
        return gen or f"count-{self.store.chunk_count()}"

    # -- keeping in step --------------------------------------------------------------------
    def ensure_fresh(self, force: bool = False) -> _Loaded:
        loaded = self._loaded
        # Reading the generation costs a store round trip (~2-15 ms); within check_seconds of the last
        # check the loaded index is trusted (writes through this process refresh it with force=True).
        if loaded is not None and not force and time.monotonic() - self._checked < self.check_seconds:
            return loaded
        fp = self.fingerprint()
        self._checked = time.monotonic()
        if loaded is not None and loaded.generation == fp:
            return loaded
        if loaded is not None and not force:
            # Another process (or an ingest still under way here) wrote. A rebuild reads the whole store, so
            # readers waiting for it stalled behind every write; they answer from the last complete index
            # while one background thread builds the new one, which the next query then finds.
            self._refresh_in_background()
            return loaded
        with self._lock:
            if self._loaded is not loaded:
                # Another thread rebuilt while this one waited, and the store may have moved on since `fp` was
                # read: never put an index of an older generation back in place of a newer one.
                fp = self.fingerprint()
            if self._loaded is not None and self._loaded.generation == fp:
                return self._loaded
            try:
                self._loaded = self._load(fp) or self._build(fp)
            except Exception as exc:  # noqa: BLE001 - a reader must outlive another process's write
                if self._loaded is None:
                    raise StoreUnavailable("The search index could not be read from the store "
                                           f"({exc.__class__.__name__}).",
                                           "Another process may be writing to it; retry in a moment.") from None
                # Reading the store while another process writes to it can fail half way (an embedded Chroma
                # read racing a writer's segment flush): keep answering from the last complete index and
                # try again on a later query.
                log.warning("index rebuild failed (%s: %s); serving the previous index",
                            exc.__class__.__name__, exc)
            return self._loaded

    def _refresh_in_background(self) -> None:
        with self._refresh_lock:
            if self._refreshing is not None and self._refreshing.is_alive():
                return  # one rebuild at a time; it reads the newest generation when it starts
            self._refreshing = threading.Thread(target=self._refresh, name="bm25-refresh", daemon=True)
            self._refreshing.start()

    def _refresh(self) -> None:
        try:
            self.ensure_fresh(force=True)
        except Exception as exc:  # noqa: BLE001 - the next stale query starts another try
            log.warning("background index refresh failed (%s: %s)", exc.__class__.__name__, exc)

    def clean_stale_temporaries(self) -> list[Path]:
        """Remove temporary index folders left by a process that died while saving (`*.tmp-PID-TID`
        whose PID is not running). Called once per index object, i.e. at start-up."""
        removed = []
        if not self.root.is_dir():
            return removed
        for folder in self.root.iterdir():
            pid = _tmp_owner(folder.name)
            if pid is not None and not _alive(pid):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        if removed:
            log.info("removed %d stale temporary index folder(s) under %s", len(removed), self.root)
        return removed

    def _folder(self, fp: str) -> Path:
        return self.root / f"v{INDEX_FORMAT}-{fp}"

    def _load(self, fp: str) -> _Loaded | None:
        folder = self._folder(fp)
        if not (folder / _META_FILE).exists():
            return None
        import bm25s

        try:
            t0 = time.perf_counter()
            bm25 = bm25s.BM25.load(str(folder), load_corpus=False, mmap=False, show_progress=False)
            with open(folder / _CHUNKS_FILE, encoding="utf-8") as f:
                passages = [_passage_from_json(json.loads(line)) for line in f]
            vectors = np.load(folder / _VECTORS_FILE)
            log.info("loaded BM25 index (%d chunks) from %s in %.2fs", len(passages), folder,
                     time.perf_counter() - t0)
        except (OSError, ValueError, KeyError) as exc:  # a damaged folder is rebuilt, not fatal
            log.warning("BM25 index at %s unreadable (%s); rebuilding", folder, exc)
            return None
        return _arrays(fp, bm25, passages, vectors)

    def _build(self, fp: str) -> _Loaded:
        import bm25s

        t0 = time.perf_counter()
        pairs = list(self.store.get_chunks_with_vectors())
        passages = [p for p, _ in pairs]
        vectors = np.stack([v for _, v in pairs]) if pairs else np.zeros((0, 1), dtype=np.float32)
        bm25 = bm25s.BM25(k1=self.k1, b=self.b)
        if passages:
            tokens = bm25s.tokenize([_indexed_text(p) for p in passages], stopwords="en", stemmer=self._stemmer,
                                    show_progress=False)
            bm25.index(tokens, show_progress=False)
        loaded = _arrays(fp, bm25, passages, vectors)
        log.info("built BM25 index over %d chunks in %.2fs", len(passages), time.perf_counter() - t0)
        if passages:
            self._save(fp, bm25, passages, vectors)
        return loaded

    def _save(self, fp: str, bm25, passages: list[Passage], vectors: np.ndarray) -> None:
        """Write to a temporary folder, then rename: a reader never sees half an index."""
        final = self._folder(fp)
        tmp = final.with_name(f"{final.name}.tmp-{os.getpid()}-{threading.get_ident()}")
        try:
            tmp.mkdir(parents=True, exist_ok=True)
            bm25.save(str(tmp), show_progress=False)
            with open(tmp / _CHUNKS_FILE, "w", encoding="utf-8") as f:
                for p in passages:
                    f.write(json.dumps(_passage_to_json(p), ensure_ascii=False) + "\n")
            np.save(tmp / _VECTORS_FILE, vectors)
            (tmp / _META_FILE).write_text(json.dumps({"format": INDEX_FORMAT, "fingerprint": fp,
                                                      "chunks": len(passages)}))
            try:
                tmp.rename(final)
            except OSError:  # another process saved the same generation first: theirs is as good
                shutil.rmtree(tmp, ignore_errors=True)
            for old in self.root.iterdir():  # earlier generations are dead weight
                if old.name != final.name and ".tmp-" not in old.name:
                    shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:  # persistence is an optimisation; searching still works
            log.warning("could not save the BM25 index under %s (%s)", self.root, exc)
            shutil.rmtree(tmp, ignore_errors=True)

    # -- searching --------------------------------------------------------------------------
    def search(self, query: str, k: int, filters: Filters | None = None) -> list[Passage]:
        """The k best chunks by BM25 score (raw BM25, higher is better), best first; chunks that
        share no term with the query are never returned."""
        idx = self.ensure_fresh()
        if not idx.passages:
            return []
        terms = [t for t in tokenize([query], self._stemmer)[0] if t in idx.bm25.vocab_dict]
        if not terms:
            return []
        scores = np.asarray(idx.bm25.get_scores(terms), dtype=np.float32)
        mask = filter_mask(idx, filters or Filters())
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        n_pos = int((scores > 0).sum())
        if n_pos == 0:
            return []
        k = min(k, n_pos)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [_with_score(idx.passages[i], float(scores[i])) for i in top]


    def dense_search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[Passage]:
        """Exact cosine search over the chunk embeddings held with the index (the same vectors as in
        Chroma): a filtered Chroma query took ~90 ms here, this takes ~1 ms per 10k chunks."""
        idx = self.ensure_fresh()
        if not idx.passages:
            return []
        scores = _matvec(idx.vectors, np.asarray(vector, dtype=np.float32))
        mask = filter_mask(idx, filters or Filters())
        allowed = int(mask.sum()) if mask is not None else len(scores)
        if allowed == 0:
            return []
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        k = min(k, allowed)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [_with_score(idx.passages[i], float(scores[i])) for i in top]

    def doc_vectors(self, doc_ids: list[str]) -> dict[str, np.ndarray]:
        """Each article's vector (the normalised mean of its chunk vectors, as the store's article
        record holds), from the vectors in memory: a store round trip per query would cost more."""
        idx = self.ensure_fresh()
        out: dict[str, np.ndarray] = {}
        for d in doc_ids:
            vec = idx.doc_vectors.get(d)
            if vec is None and d in idx.doc_rows:
                mean = idx.vectors[idx.doc_rows[d]].mean(axis=0)
                vec = idx.doc_vectors[d] = mean / (np.linalg.norm(mean) or 1.0)
            if vec is not None:
                out[d] = vec
        return out


def _tmp_owner(name: str) -> int | None:
    """The PID in a temporary folder name `<final>.tmp-PID-TID` (None for other names)."""
    _, sep, tail = name.rpartition(".tmp-")
    if not sep:
        return None
    pid = tail.split("-", 1)[0]
    return int(pid) if pid.isdigit() else None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _matvec(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """matrix @ vector (BLAS sgemv; its thread count is the process's, see rag.threads)."""
    return matrix @ vector


def filter_mask(idx: _Loaded, f: Filters) -> np.ndarray | None:
    """Boolean mask of chunks the filters allow (None: all), mirroring Filters.to_where()."""
    mask = None

    def both(m: np.ndarray) -> np.ndarray:
        return m if mask is None else (mask & m)

    upper = f.upper
    if upper:
        mask = both((idx.date_ords > 0) & (idx.date_ords <= date_ord(upper)))
    if f.date_from:
        mask = both((idx.date_ords > 0) & (idx.date_ords >= date_ord(f.date_from)))
    if f.sources:
        mask = both(np.isin(idx.sources, list(f.sources)))
    if f.doc_ids:
        mask = both(np.isin(idx.doc_ids, list(f.doc_ids)))
    return mask


def _indexed_text(p: Passage) -> str:
    # The title is part of what a chunk is about (headlines carry the names); index it with each chunk.
    return f"{p.title}\n{p.text}" if p.title and not p.text.startswith(p.title) else p.text


def _arrays(fp: str, bm25, passages: list[Passage], vectors: np.ndarray) -> _Loaded:
    ords = np.array([_ord(p.date) for p in passages], dtype=np.int64)
    rows: dict[str, list[int]] = {}
    for i, p in enumerate(passages):
        rows.setdefault(p.doc_id, []).append(i)
    return _Loaded(fp, bm25, passages, vectors, ords, np.array([p.source or "" for p in passages], dtype=object),
                   np.array([p.doc_id for p in passages], dtype=object), rows, {})


def _ord(iso: str | None) -> int:
    return int(iso.replace("-", "")) if iso else 0


def _with_score(p: Passage, score: float) -> Passage:
    from dataclasses import replace

    return replace(p, score=score)


def _passage_to_json(p: Passage) -> dict:
    return {"id": p.chunk_id, "doc": p.doc_id, "title": p.title, "text": p.text, "start": p.start, "end": p.end,
            "sents": [list(s) for s in p.sentences], "url": p.url, "date": p.date, "source": p.source}


def _passage_from_json(d: dict) -> Passage:
    return Passage(chunk_id=d["id"], doc_id=d["doc"], title=d["title"], text=d["text"], start=d["start"],
                   end=d["end"], score=0.0, sentences=tuple((s, e) for s, e in d["sents"]), url=d["url"],
                   date=d["date"], source=d["source"])
