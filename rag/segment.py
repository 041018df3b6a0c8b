"""One immutable, memory-mapped piece of the search index: BM25 postings, chunk vectors, filter columns and the
chunk records themselves, for a set of chunks (grouped by article).

Why segments: an archive takes new articles all day. Rebuilding one monolithic index per write is O(archive);
a new segment holds only the write's chunks (O(new)), older segments are never rewritten, and a merge folds
small segments together in the background. Scores stay comparable across segments because BM25's statistics
(document count, mean length, document frequencies) are summed over segments at query time instead of being
baked into each segment (which is what bm25s does, and why it cannot take additions).

Why memory-mapped: opening a segment costs a few file opens whatever its size, so start-up does not grow with
the archive, and the operating system keeps in RAM only the pages queries touch. Chunk records are read for
the top candidates only.

On-disk layout (a folder; every file written before the folder is renamed into place):
    meta.json      {"format", "rows", "dim", "sum_len"}
    vocab.json     terms; term i's postings are rows[indptr[i]:indptr[i+1]] with frequencies tfs[...]
    indptr.npy rows.npy tfs.npy lens.npy     postings (int64, int32, float32) and token counts per row
    vectors.npy    (rows, dim) float32 chunk embeddings
    dates.npy      YYYYMMDD per row, 0 when undated
    docs.json doc_start.npy     article ids; article i owns rows doc_start[i]:doc_start[i+1]
    sources.json src.npy        source names; source code per row (-1: none)
    chunks.jsonl offsets.npy    one JSON record per row; its byte range
    centroids.npy ivf_order.npy ivf_offsets.npy   only in segments of IVF_MIN_ROWS rows or more: the vectors'
                   k-means lists (list i holds rows ivf_order[ivf_offsets[i]:ivf_offsets[i+1]])
    ivf_codes.npy ivf_scale.npy   with the lists (format 2): every vector as int8 codes, in list order, and the
                   per-dimension scale that turns a code back into a component (code * scale)

Dense search is exact below IVF_MIN_ROWS rows per segment. Above it, an exact scan of every vector costs about
as much as memory bandwidth allows (1.5 GB per question at a million chunks), so the segment's vectors are
grouped into k-means lists and a question scans only the NPROBE lists nearest to it, reading their int8 codes.
Why codes in list order: a list is then one contiguous slice (gathering a tenth of a million float32 rows
scattered over the file cost ~70 ms; the same rows as contiguous int8 slices cost ~10 ms), and a worker's pages
of the scanned data are a quarter of the float32 vectors'. The caller rescores the best few approximations
exactly with the float32 vectors, so scores shown and compared are true cosines.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.types import Entity, Filters, Passage, date_ord

SEGMENT_FORMAT = 2  # bump when the layout above changes; older segments are then rebuilt from the store
# Format 1 lacks only the int8 codes: opening such a segment adds them (`_add_codes`), no store read.
_UPGRADABLE = {1}
IVF_MIN_ROWS = 50_000
NPROBE = 48
_PREAD_ROWS = 4096  # up to this many vectors are read by pread (see `Segment.read_vectors`)
_FULL_SCAN_SHARE = 8  # `Segment.exact` scores the whole segment when asked for at least 1/8 of its rows


def build(folder: Path, passages: Sequence[Passage], vectors: np.ndarray, tokens: Sequence[list[str]]) -> None:
    """Write a segment for `passages` (any order; stored grouped by article) into `folder` atomically."""
    order = sorted(range(len(passages)), key=lambda i: (passages[i].doc_id, passages[i].start, i))
    passages = [passages[i] for i in order]
    tokens = [tokens[i] for i in order]
    vectors = np.asarray(vectors, dtype=np.float32)[order] if len(order) else np.zeros((0, 1), np.float32)

    # Postings by sorting (term, row) keys, not per-term Python lists: a million-chunk merge holds a hundred
    # million postings.
    vocab: dict[str, int] = {}
    ids = [np.fromiter((vocab.setdefault(t, len(vocab)) for t in terms), dtype=np.int64, count=len(terms))
           for terms in tokens]
    lens = np.array([len(t) for t in tokens], dtype=np.float32)
    n = max(len(passages), 1)
    keys = (np.concatenate(ids) * n + np.repeat(np.arange(len(passages), dtype=np.int64), lens.astype(np.int64))
            if ids else np.zeros(0, dtype=np.int64))
    keys, counts = np.unique(keys, return_counts=True)  # sorted by term, then row
    indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(np.bincount(keys // n, minlength=len(vocab)))
    rows = (keys % n).astype(np.int32)
    freqs = counts.astype(np.float32)

    docs: list[str] = []
    doc_start: list[int] = []
    for row, p in enumerate(passages):
        if not docs or docs[-1] != p.doc_id:
            docs.append(p.doc_id)
            doc_start.append(row)
    doc_start.append(len(passages))
    sources = sorted({p.source for p in passages if p.source})
    src_code = {s: i for i, s in enumerate(sources)}

    tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        np.save(tmp / "indptr.npy", indptr)
        np.save(tmp / "rows.npy", rows)
        np.save(tmp / "tfs.npy", freqs)
        np.save(tmp / "lens.npy", lens)
        np.save(tmp / "vectors.npy", vectors)
        np.save(tmp / "dates.npy", np.array([_ord(p.date) for p in passages], dtype=np.int32))
        np.save(tmp / "doc_start.npy", np.array(doc_start, dtype=np.int64))
        np.save(tmp / "src.npy", np.array([src_code.get(p.source or "", -1) for p in passages], dtype=np.int32))
        (tmp / "vocab.json").write_text(json.dumps(list(vocab), ensure_ascii=False), encoding="utf-8")
        (tmp / "docs.json").write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
        (tmp / "sources.json").write_text(json.dumps(sources, ensure_ascii=False), encoding="utf-8")
        offsets = [0]
        with open(tmp / "chunks.jsonl", "wb") as f:
            for p in passages:
                line = (json.dumps(_to_json(p), ensure_ascii=False) + "\n").encode("utf-8")
                f.write(line)
                offsets.append(offsets[-1] + len(line))
        np.save(tmp / "offsets.npy", np.array(offsets, dtype=np.int64))
        if len(passages) >= IVF_MIN_ROWS:
            centroids, order, starts = ivf_lists(vectors)
            np.save(tmp / "centroids.npy", centroids)
            np.save(tmp / "ivf_order.npy", order)
            np.save(tmp / "ivf_offsets.npy", starts)
            _write_codes(tmp, vectors, order)
        (tmp / "meta.json").write_text(json.dumps({"format": SEGMENT_FORMAT, "rows": len(passages),
                                                   "dim": int(vectors.shape[1]) if len(passages) else 0,
                                                   "sum_len": float(lens.sum())}))
        tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


class Segment:
    """A segment opened read-only. Thread-safe: nothing in it changes after opening (lazy tables are built
    under a lock)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.name = folder.name
        meta = json.loads((folder / "meta.json").read_text())
        if meta.get("format") in _UPGRADABLE:
            meta = _add_codes(folder, meta)
        if meta.get("format") != SEGMENT_FORMAT:
            raise ValueError(f"segment format {meta.get('format')} (this version reads {SEGMENT_FORMAT})")
        self.rows = int(meta["rows"])
        self.sum_len = float(meta["sum_len"])

        def arr(name: str) -> np.ndarray:
            # A plain array over the map: numpy's memmap subclass costs ~7 us per slice, and a question slices
            # thousands of times (postings, lists, record offsets).
            return np.asarray(np.load(folder / name, mmap_mode="r")) if self.rows else np.load(folder / name)

        self.indptr = arr("indptr.npy")
        self.post_rows = arr("rows.npy")
        self.tfs = arr("tfs.npy")
        self.lens = arr("lens.npy")
        self.vectors = np.load(folder / "vectors.npy", mmap_mode="r") if self.rows else np.load(folder / "vectors.npy")
        self._vec_offset = getattr(self.vectors, "offset", 0)  # where row 0 starts in the file
        self.dates = arr("dates.npy")
        self.doc_start = arr("doc_start.npy")
        self.src = arr("src.npy")
        self.offsets = arr("offsets.npy")
        self.ivf = (np.load(folder / "centroids.npy"), arr("ivf_order.npy"), np.load(folder / "ivf_offsets.npy")) \
            if (folder / "centroids.npy").exists() else None
        self.codes = arr("ivf_codes.npy") if self.ivf is not None else None
        self.scale = np.load(folder / "ivf_scale.npy") if self.ivf is not None else None
        # Read eagerly: a merge in another process may delete this folder later (the open maps stay valid).
        self.vocab: dict[str, int] = {t: i for i, t in enumerate(_json(folder / "vocab.json"))}
        self.docs: list[str] = _json(folder / "docs.json")
        self.doc_code: dict[str, int] = {d: i for i, d in enumerate(self.docs)}
        self.sources: list[str] = _json(folder / "sources.json")
        # Scattered reads (a question's few hundred records and vectors) go through pread, not the maps: a page
        # fault on a map also maps the cached pages around it (64 KB here, whatever madvise says), so a worker's
        # RSS grew by ~50 KB per 1.5 KB vector read, to 0.7 GB at a million chunks after 400 questions.
        self._vec_fd = os.open(folder / "vectors.npy", os.O_RDONLY) if self.rows else None
        self._rec_fd = os.open(folder / "chunks.jsonl", os.O_RDONLY) if self.rows else None
        if self.rows:  # closed with the segment (a view that drops it after a merge lets it go)
            weakref.finalize(self, _close, self._vec_fd, self._rec_fd)

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        col = self.vocab.get(term)
        if col is None:
            return None
        s, e = int(self.indptr[col]), int(self.indptr[col + 1])
        return self.post_rows[s:e], self.tfs[s:e]

    def dense(self, vector: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
        """(rows, scores) of the rows scanned for `vector`: below IVF_MIN_ROWS every row (rows None) with its exact
        cosine; above it the rows of the NPROBE nearest lists with approximate cosines from the int8 codes (within
        about 0.01 of the exact one; rescore the ones you keep with `exact`)."""
        if self.ivf is None:
            return None, np.asarray(self.vectors @ vector, dtype=np.float32)
        centroids, order, starts = self.ivf
        near = np.sort(np.argpartition(-(centroids @ vector), min(NPROBE, len(centroids)) - 1)[:NPROBE])
        q = (self.scale * vector).astype(np.float32)
        # One slice per list: small enough that its float32 copy stays in cache.
        rows = np.concatenate([order[starts[i]:starts[i + 1]] for i in near])
        scores = np.concatenate([self.codes[starts[i]:starts[i + 1]].astype(np.float32) @ q for i in near])
        return rows, scores

    def exact(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """Exact cosines of `rows` (sorted, so that the reads go forward through the file). Past an eighth of the
        segment, every row is scored and the asked ones taken: one pass over the map (~1 ms for 36k rows here)
        beats copying the rows out first (~10 ms for nearly all of them, as an as-of date allows)."""
        if len(rows) * _FULL_SCAN_SHARE >= self.rows:
            return np.asarray(self.vectors @ vector, dtype=np.float32)[np.asarray(rows, dtype=np.int64)]
        return np.asarray(self.read_vectors(rows) @ vector, dtype=np.float32)

    def read_vectors(self, rows: np.ndarray) -> np.ndarray:
        """The float32 vectors of `rows`: a few by pread (one read per run of consecutive rows), many through
        the map, where one fault per page beats a system call per row."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows) or self._vec_fd is None or len(rows) > _PREAD_ROWS:
            return np.asarray(self.vectors[rows], dtype=np.float32)
        dim = self.vectors.shape[1]
        width = dim * self.vectors.itemsize
        out = np.empty((len(rows), dim), dtype=np.float32)
        cuts = np.flatnonzero(np.diff(rows) != 1) + 1
        for a, b in zip([0, *cuts.tolist()], [*cuts.tolist(), len(rows)], strict=True):
            got = os.pread(self._vec_fd, (b - a) * width, self._vec_offset + int(rows[a]) * width)
            out[a:b] = np.frombuffer(got, dtype=self.vectors.dtype).reshape(b - a, dim)
        return out

    def df(self, term: str) -> int:
        col = self.vocab.get(term)
        return 0 if col is None else int(self.indptr[col + 1] - self.indptr[col])

    def doc_rows(self, doc_id: str) -> range:
        code = self.doc_code.get(doc_id)
        if code is None:
            return range(0)
        return range(int(self.doc_start[code]), int(self.doc_start[code + 1]))

    def _record(self, row: int) -> bytes:
        start, end = int(self.offsets[row]), int(self.offsets[row + 1])
        return os.pread(self._rec_fd, end - start, start)

    def passage(self, row: int, score: float = 0.0) -> Passage:
        return _from_json(json.loads(self._record(row)), score)

    def chunk_id(self, row: int) -> str:
        """The row's chunk id without decoding the rest of its record (ties at a cut are ordered by id)."""
        raw = self._record(row).decode("utf-8")
        if raw.startswith(_ID_PREFIX):  # records are written id first (`_to_json`)
            return _DECODER.raw_decode(raw, len(_ID_PREFIX))[0]
        return json.loads(raw)["id"]

    def mask(self, f: Filters) -> np.ndarray | None:
        """Rows the filters allow (None: all), with Chroma's semantics (a date filter excludes undated rows)."""
        mask: np.ndarray | None = None

        def both(m: np.ndarray) -> np.ndarray:
            return m if mask is None else mask & m

        upper = f.upper
        if upper:
            mask = both((self.dates > 0) & (self.dates <= date_ord(upper)))
        if f.date_from:
            mask = both((self.dates > 0) & (self.dates >= date_ord(f.date_from)))
        if f.sources:
            codes = [i for i, s in enumerate(self.sources) if s in set(f.sources)]
            mask = both(np.isin(self.src, codes))
        if f.doc_ids:
            m = np.zeros(self.rows, dtype=bool)
            for d in f.doc_ids:
                r = self.doc_rows(d)
                m[r.start:r.stop] = True
            mask = both(m)
        return mask


def ivf_lists(vectors: np.ndarray, iterations: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spherical k-means over (a sample of) the vectors, then every row assigned to its nearest centroid:
    (centroids, rows in list order, each list's start in that order)."""
    n = len(vectors)
    lists = max(1, int(np.sqrt(n)))
    rng = np.random.default_rng(seed)
    sample = np.asarray(vectors[np.sort(rng.choice(n, min(n, 40 * lists), replace=False))], dtype=np.float32)
    centroids = sample[rng.choice(len(sample), lists, replace=False)].copy()
    for _ in range(iterations):
        assign = np.argmax(sample @ centroids.T, axis=1)
        sums = np.zeros_like(centroids)
        np.add.at(sums, assign, sample)
        empty = np.bincount(assign, minlength=lists) == 0
        sums[empty] = sample[rng.choice(len(sample), int(empty.sum()), replace=False)]  # reseed empty lists
        centroids = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    assign = np.concatenate([np.argmax(np.asarray(vectors[i:i + 65536], dtype=np.float32) @ centroids.T, axis=1)
                             for i in range(0, n, 65536)])
    order = np.argsort(assign, kind="stable").astype(np.int64)
    starts = np.searchsorted(assign[order], np.arange(lists + 1)).astype(np.int64)
    return centroids.astype(np.float32), order, starts


def _close(*fds: int) -> None:
    for fd in fds:
        os.close(fd)


def _write_codes(folder: Path, vectors: np.ndarray, order: np.ndarray) -> None:
    """ivf_codes.npy (the vectors in list order as int8) and ivf_scale.npy. Symmetric per-dimension scale: unit
    vectors' components are small and differ in range by dimension, so one scale for all would waste bits."""
    scale = np.zeros(vectors.shape[1], dtype=np.float32)
    for i in range(0, len(vectors), 65536):
        scale = np.maximum(scale, np.abs(np.asarray(vectors[i:i + 65536], dtype=np.float32)).max(axis=0))
    scale = np.maximum(scale, 1e-12) / 127
    codes = np.lib.format.open_memmap(folder / "ivf_codes.npy", mode="w+", dtype=np.int8, shape=vectors.shape)
    for i in range(0, len(order), 65536):
        chunk = order[i:i + 65536]
        rows = np.sort(chunk)  # read forward through the file, then put back in list order
        got = np.asarray(vectors[rows], dtype=np.float32)[np.searchsorted(rows, chunk)]
        codes[i:i + len(rows)] = np.clip(np.rint(got / scale), -127, 127).astype(np.int8)
    codes.flush()
    del codes
    np.save(folder / "ivf_scale.npy", scale.astype(np.float32))


def _add_codes(folder: Path, meta: dict) -> dict:
    """A format-1 segment brought to format 2 in place: only IVF segments gain files. Every file is written under
    a temporary name and renamed, and meta.json last, so a reader (or a second process upgrading the same
    folder at once) sees either the old segment or the whole new one."""
    if (folder / "centroids.npy").exists():
        tmp = folder / f"codes.tmp-{os.getpid()}-{threading.get_ident()}"
        tmp.mkdir(exist_ok=True)
        try:
            _write_codes(tmp, np.load(folder / "vectors.npy", mmap_mode="r"), np.load(folder / "ivf_order.npy"))
            for name in ("ivf_codes.npy", "ivf_scale.npy"):
                (tmp / name).replace(folder / name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    meta = {**meta, "format": SEGMENT_FORMAT}
    new = folder / f"meta.json.tmp-{os.getpid()}-{threading.get_ident()}"
    new.write_text(json.dumps(meta))
    new.replace(folder / "meta.json")
    return meta


def _json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _ord(iso: str | None) -> int:
    return int(iso.replace("-", "")) if iso else 0


def _to_json(p: Passage) -> dict:
    return {"id": p.chunk_id, "doc": p.doc_id, "title": p.title, "text": p.text, "start": p.start, "end": p.end,
            "sents": [list(s) for s in p.sentences], "url": p.url, "date": p.date, "source": p.source,
            "ents": None if p.entities is None else [[e.start, e.end, e.label] for e in p.entities]}


_ID_PREFIX = '{"id": '
_DECODER = json.JSONDecoder()


def _from_json(d: dict, score: float = 0.0) -> Passage:
    ents = d.get("ents")
    return Passage(chunk_id=d["id"], doc_id=d["doc"], title=d["title"], text=d["text"], start=d["start"],
                   end=d["end"], score=score, sentences=tuple((s, e) for s, e in d["sents"]), url=d["url"],
                   date=d["date"], source=d["source"],
                   entities=None if ents is None else tuple(Entity(int(s), int(e), str(lb)) for s, e, lb in ents))
