"""The search index over the store's chunks (BM25 and exact cosine search), kept in step with the store by
applying what changed, never by rebuilding.

News questions hinge on names, places and numbers that dense embeddings blur; BM25 (bm25s's tokenizer with the
Snowball English stemmer, Lucene's scoring) matches them exactly. The index is derived data, in segments
(`rag.segment`): immutable, memory-mapped folders under `settings.home/bm25/<store key>/`, listed by a manifest.

- **O(new) updates.** The store keeps a change log (article written or deleted, with a time stamp) and a
  generation token. A process whose generation is stale reads the log entries it has not applied, fetches the
  current chunks of just those articles, writes them as a new segment, and marks the articles' older rows dead.
  Another process's write is applied in the background (queries keep the last complete view meanwhile); a
  write through this process is applied before its ingest returns.
- **O(1) start.** A process opens the manifest's segments (memory maps, no full read) and applies the log
  since the manifest was written. Only a missing or unreadable index is built from the whole store.
- **Merges** fold small segments together (and drop dead rows) in the background, so the segment count and
  query cost stay bounded.

The index also holds the chunk embeddings (the same vectors as Chroma's), so hybrid mode's dense half is a
search here instead of a filtered Chroma query (~90 ms vs ~1 ms per 10k chunks): exact, except in segments
large enough for k-means lists (`rag.segment`, IVF_MIN_ROWS).

Filters (as of, date range, sources, doc ids) use columns kept with each segment, with Chroma's semantics: a
date filter excludes undated chunks.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from rag import segment as seg
from rag.errors import StoreUnavailable
from rag.store import Store
from rag.types import Filters, Passage

log = logging.getLogger(__name__)

INDEX_FORMAT = 3  # bump when the manifest or segment layout changes; older folders are then rebuilt
_MANIFEST = "manifest.json"
# Log entries are read back this far behind the newest one applied: a writer stamps its entry before its
# write is visible, and machines' clocks differ a little. Entries already applied are skipped by id.
LOG_MARGIN_MS = 120_000
MERGE_AT = 8  # segments; past this a background merge folds the small ones together
_DEAD_SHARE = 0.25  # share of dead rows past which a merge rewrites everything
_FETCH_DOCS = 200  # articles per store read when applying changes or building
_TIES = 64  # extra rows read when many tie at the cut
_EXACT_ROWS = 100_000  # dense search scores every allowed row exactly when filters allow at most this many


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str], stemmer) -> list[list[str]]:
    """Lower-cased, stop-worded, stemmed tokens (the same for documents and queries)."""
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False)


@dataclass(frozen=True)
class _View:
    """One consistent state of the index; queries read a view, updates make a new one (`_View.of`)."""

    generation: str
    watermark: int  # ms: newest change-log time stamp applied
    applied: dict[str, int]  # log entry id -> its time stamp, for entries within LOG_MARGIN_MS of the watermark
    segments: tuple[seg.Segment, ...]
    dead: tuple[np.ndarray, ...]  # per segment: sorted rows superseded or deleted
    bases: tuple[int, ...]  # first global row of each segment
    total: int
    live: int
    live_len: float  # tokens in live rows (BM25's mean document length)
    alive: tuple[np.ndarray | None, ...]  # per segment: live-row mask, None when no row is dead (built once per view)

    @classmethod
    def of(cls, generation: str, watermark: int, applied: dict[str, int], segments, dead) -> _View:
        dead = tuple(np.unique(np.asarray(list(d), dtype=np.int64)) for d in dead)
        bases, n = [], 0
        for s in segments:
            bases.append(n)
            n += s.rows
        live_len = sum(s.sum_len - float(np.asarray(s.lens[d]).sum()) for s, d in zip(segments, dead, strict=True))
        alive = []
        for s, d in zip(segments, dead, strict=True):
            if len(d):
                a = np.ones(s.rows, dtype=bool)
                a[d] = False
                alive.append(a)
            else:
                alive.append(None)
        return cls(generation, watermark, applied, tuple(segments), dead, tuple(bases), n,
                   n - sum(len(d) for d in dead), live_len, tuple(alive))

    def live_rows(self, i: int, rows: range) -> np.ndarray:
        got = np.arange(rows.start, rows.stop, dtype=np.int64)
        return got if self.alive[i] is None else got[self.alive[i][got]]

    def masks(self, f: Filters | None) -> list[np.ndarray | None]:
        """Per segment, its rows that are live and allowed by the filters (None: all of them). Kept per segment:
        one archive-sized array per question is what a million chunks cannot afford."""
        out = []
        for s, a in zip(self.segments, self.alive, strict=True):
            m = s.mask(f) if f is not None else None
            out.append(a if m is None else m if a is None else m & a)
        return out

    def locate(self, row: int) -> tuple[seg.Segment, int]:
        i = int(np.searchsorted(self.bases, row, side="right")) - 1
        return self.segments[i], row - self.bases[i]


class BM25Index:
    """BM25 and exact cosine search over the store's chunks. Thread-safe; follows the store's writes."""

    def __init__(self, store: Store, k1: float = 1.2, b: float = 0.75, check_seconds: float = 0.0) -> None:
        self.store = store
        self.k1 = k1
        self.b = b
        self.check_seconds = check_seconds
        self._checked = 0.0
        self._stemmer = _stemmer()
        self._loaded: _View | None = None
        self._lock = threading.Lock()  # one update (delta, merge, build) at a time; readers never take it
        self._refresh_lock = threading.Lock()
        self._refreshing: threading.Thread | None = None
        self._merging: threading.Thread | None = None
        self._pin = threading.local()  # the view a question in progress on this thread reads (see `pinned`)
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

    @property
    def _home(self) -> Path:
        return self.root / f"v{INDEX_FORMAT}"

    def fingerprint(self) -> str:
        """What the index must match: the store's generation (or, for a store never written by
        this version, its chunk count)."""
        gen = self.store.generation()
        return gen or f"count-{self.store.chunk_count()}"

    def size(self) -> int:
        """Live chunks in the current view (0 before the first query or `ensure_fresh`)."""
        return self._loaded.live if self._loaded is not None else 0

    # -- keeping in step --------------------------------------------------------------------
    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Every search on this thread inside reads one view: a question checks the store's generation once
        (one round trip to a Chroma server), not once per search it makes."""
        if getattr(self._pin, "view", None) is not None:
            yield
            return
        self._pin.view = self.ensure_fresh()
        try:
            yield
        finally:
            self._pin.view = None

    def ensure_fresh(self, force: bool = False) -> _View:
        pinned = getattr(self._pin, "view", None)
        if pinned is not None and not force:
            return pinned
        loaded = self._loaded
        # Reading the generation costs a store round trip (~2-15 ms); within check_seconds of the last
        # check the loaded view is trusted (writes through this process refresh it with force=True).
        if loaded is not None and not force and time.monotonic() - self._checked < self.check_seconds:
            return loaded
        fp = self.fingerprint()
        self._checked = time.monotonic()
        if loaded is not None and loaded.generation == fp:
            return loaded
        if loaded is not None and not force:
            # Another process (or an ingest still under way here) wrote: apply it in the background while
            # queries answer from the last complete view.
            self._refresh_in_background()
            return loaded
        with self._lock:
            try:
                self._loaded = self._advance(self._loaded)
            except Exception as exc:  # noqa: BLE001 - a reader must outlive another process's write
                if self._loaded is None:
                    raise StoreUnavailable("The search index could not be read from the store "
                                           f"({exc.__class__.__name__}).",
                                           "Another process may be writing to it; retry in a moment.") from None
                log.warning("index update failed (%s: %s); serving the previous view", exc.__class__.__name__, exc)
            view = self._loaded
        self._merge_in_background(view)
        return view

    def _refresh_in_background(self) -> None:
        with self._refresh_lock:
            if self._refreshing is not None and self._refreshing.is_alive():
                return  # one update at a time; it reads the newest log when it starts
            self._refreshing = threading.Thread(target=self._refresh, name="bm25-refresh", daemon=True)
            self._refreshing.start()

    def _refresh(self) -> None:
        try:
            self.ensure_fresh(force=True)
        except Exception as exc:  # noqa: BLE001 - the next stale query starts another try
            log.warning("background index refresh failed (%s: %s)", exc.__class__.__name__, exc)

    def _advance(self, view: _View | None) -> _View:
        """The view brought up to the store's newest write (caller holds `_lock`)."""
        if view is None:
            view = self._open()
        if view is None:
            return self._build()
        gen = self.fingerprint()  # before the log: a write after this read shows up as a newer generation
        if gen == view.generation:
            return view
        # A process sharing this RAG_HOME (the writer itself, another worker) may have applied the write
        # already: its segments are on disk, so taking its manifest costs no store read. (An embedded Chroma
        # also cannot hand this process the vectors another process just wrote, until it reopens the store.)
        disk = self._open(reuse=view)
        if disk is not None and (disk.watermark > view.watermark or disk.generation == gen):
            if gen == disk.generation:
                return disk
            try:
                return self._apply_log(disk, gen)
            except Exception as exc:  # noqa: BLE001 - the writer's saved view is still newer than ours
                log.warning("index update from the store failed (%s: %s); serving the newest saved view",
                            exc.__class__.__name__, exc)
                return disk
        return self._apply_log(view, gen)

    def _apply_log(self, view: _View, gen: str) -> _View:
        """`view` with the change-log entries it has not applied: the changed articles' chunks fetched from the
        store as one new segment, their older rows marked dead."""
        changes = [c for c in self.store.changes_since(view.watermark - LOG_MARGIN_MS) if c.id not in view.applied]
        if not changes:
            return replace(view, generation=gen)
        t0 = time.perf_counter()
        docs = list(dict.fromkeys(c.doc_id for c in changes))
        pairs = [pair for i in range(0, len(docs), _FETCH_DOCS)
                 for pair in self.store.chunks_of(docs[i:i + _FETCH_DOCS])]
        dead = [set(d.tolist()) for d in view.dead]
        for i, s in enumerate(view.segments):
            for d in docs:
                dead[i].update(s.doc_rows(d))
        segments = list(view.segments)
        if pairs:
            segments.append(self._write_segment([p for p, _ in pairs], np.stack([v for _, v in pairs])))
            dead.append(set())
        watermark = max(view.watermark, max(c.ts for c in changes))
        applied = {i: ts for i, ts in [*view.applied.items(), *((c.id, c.ts) for c in changes)]
                   if ts >= watermark - LOG_MARGIN_MS}
        new = _View.of(gen, watermark, applied, segments, dead)
        self._save(new)
        log.info("applied %d change(s) to %d article(s) (%d chunks) in %.2fs", len(changes), len(docs), len(pairs),
                 time.perf_counter() - t0)
        return new

    def _build(self) -> _View:
        """Everything from the store, as one segment: the first start, or an index that was lost."""
        t0 = time.perf_counter()
        gen = self.fingerprint()
        # Writes already in the log are in what is read below (an entry is logged after its chunks are written);
        # remembering them as applied keeps the next update from fetching them again.
        watermark = int(time.time() * 1000)
        applied = {c.id: c.ts for c in self.store.changes_since(watermark - LOG_MARGIN_MS)}
        docs = self.store.article_ids()
        passages: list[Passage] = []
        vectors: list[np.ndarray] = []
        for i in range(0, len(docs), _FETCH_DOCS):
            for p, v in self.store.chunks_of(docs[i:i + _FETCH_DOCS]):
                passages.append(p)
                vectors.append(v)
        segments = (self._write_segment(passages, np.stack(vectors)),) if passages else ()
        view = _View.of(gen, max([watermark, *applied.values()]), applied, segments, [() for _ in segments])
        self._save(view)
        log.info("built the search index over %d chunks in %.2fs", len(passages), time.perf_counter() - t0)
        return view

    def _write_segment(self, passages: list[Passage], vectors: np.ndarray) -> seg.Segment:
        folder = self._home / f"seg-{uuid.uuid4().hex[:12]}"
        folder.parent.mkdir(parents=True, exist_ok=True)
        seg.build(folder, passages, vectors, tokenize([_indexed_text(p) for p in passages], self._stemmer))
        return seg.Segment(folder)

    # -- persistence ----------------------------------------------------------------------------
    def _open(self, reuse: _View | None = None) -> _View | None:
        """The view the manifest on disk describes (None if there is none or it is unreadable); segments
        `reuse` already has open are shared, not opened again."""
        path = self._home / _MANIFEST
        if not path.exists():
            return None
        try:
            m = json.loads(path.read_text())
            if m.get("format") != INDEX_FORMAT:
                return None
            opened = {s.name: s for s in reuse.segments} if reuse is not None else {}
            segments = tuple(opened.get(s["name"]) or seg.Segment(self._home / s["name"]) for s in m["segments"])
            dead = [s["dead"] for s in m["segments"]]
            view = _View.of(str(m["generation"]), int(m["watermark"]), {str(i): int(ts) for i, ts in m["applied"]},
                            segments, dead)
        except (OSError, ValueError, KeyError, TypeError) as exc:  # a damaged index is rebuilt, not fatal
            log.warning("search index at %s unreadable (%s); rebuilding", self._home, exc)
            return None
        if reuse is None:
            log.info("opened the search index (%d segments, %d chunks) at %s", len(segments), view.live, self._home)
        return view

    def _save(self, view: _View) -> None:
        """Write the manifest (temporary file, then rename: a reader never sees half of one), unless another
        process already saved a newer one; then drop segment folders no manifest needs."""
        body = {"format": INDEX_FORMAT, "generation": view.generation, "watermark": view.watermark,
                "applied": sorted(view.applied.items()),
                "segments": [{"name": s.name, "dead": d.tolist()}
                             for s, d in zip(view.segments, view.dead, strict=True)]}
        path = self._home / _MANIFEST
        try:
            from filelock import FileLock

            self._home.mkdir(parents=True, exist_ok=True)
            with FileLock(str(self._home / "manifest.lock")):
                try:
                    theirs = json.loads(path.read_text())
                    newer = theirs.get("format") == INDEX_FORMAT and int(theirs["watermark"]) > view.watermark
                except (OSError, ValueError, KeyError):
                    newer = False
                if not newer:
                    tmp = path.with_name(f"{_MANIFEST}.tmp-{os.getpid()}-{threading.get_ident()}")
                    tmp.write_text(json.dumps(body))
                    tmp.replace(path)
                self._collect(json.loads(path.read_text()), view)
            for old in self.root.iterdir():  # folders of earlier index formats are dead weight
                if old.name != self._home.name and ".tmp-" not in old.name:
                    shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:  # persistence is an optimisation; searching still works
            log.warning("could not save the search index under %s (%s)", self._home, exc)

    def _collect(self, manifest: dict, view: _View, grace_seconds: float = 600.0) -> None:
        """Remove segment folders neither the manifest nor this process uses, once they are old enough that no
        starting process can still be about to open them (a process that has them open keeps its maps)."""
        keep = {s["name"] for s in manifest.get("segments", [])} | {s.name for s in view.segments}
        now = time.time()
        for folder in self._home.glob("seg-*"):
            if folder.name in keep or ".tmp-" in folder.name:
                continue
            try:
                if now - folder.stat().st_mtime > grace_seconds:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                pass

    def clean_stale_temporaries(self) -> list[Path]:
        """Remove temporary folders and files left by a process that died while saving (`*.tmp-PID-TID`
        whose PID is not running). Called once per index object, i.e. at start-up."""
        removed = []
        for parent in (self.root, self._home):
            if not parent.is_dir():
                continue
            for path in parent.iterdir():
                pid = _tmp_owner(path.name)
                if pid is not None and not _alive(pid):
                    if path.is_dir():
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        path.unlink(missing_ok=True)
                    removed.append(path)
        if removed:
            log.info("removed %d stale temporary index folder(s) under %s", len(removed), self.root)
        return removed

    # -- merging --------------------------------------------------------------------------------
    def _merge_in_background(self, view: _View) -> None:
        if len(view.segments) <= MERGE_AT and view.total - view.live <= _DEAD_SHARE * max(view.total, 1):
            return
        with self._refresh_lock:
            if self._merging is not None and self._merging.is_alive():
                return
            self._merging = threading.Thread(target=self._merge, name="bm25-merge", daemon=True)
            self._merging.start()

    def _merge(self) -> None:
        try:
            with self._lock:
                view = self._loaded
                if view is None:
                    return
                # Tiered: fold the smaller half together, so a row is rewritten about log(archive) times in all,
                # not at every merge; many dead rows make it worth rewriting everything.
                by_size = sorted(range(len(view.segments)), key=lambda i: view.segments[i].rows)
                picked = sorted(by_size[:max(2, len(by_size) // 2)])
                if view.total - view.live > _DEAD_SHARE * max(view.total, 1):
                    picked = list(range(len(view.segments)))
                t0 = time.perf_counter()
                passages, vectors = [], []
                for i in picked:
                    s = view.segments[i]
                    live = view.live_rows(i, range(s.rows))
                    passages.extend(s.passage(int(r)) for r in live)
                    if len(live):
                        vectors.append(np.asarray(s.vectors[live]))
                kept = [i for i in range(len(view.segments)) if i not in picked]
                segments = [view.segments[i] for i in kept]
                dead = [view.dead[i] for i in kept]
                if passages:
                    segments.append(self._write_segment(passages, np.concatenate(vectors)))
                    dead.append(())
                merged = _View.of(view.generation, view.watermark, view.applied, segments, dead)
                self._save(merged)
                self._loaded = merged
                log.info("merged %d segments (%d chunks) in %.2fs", len(picked), len(passages),
                         time.perf_counter() - t0)
        except Exception as exc:  # noqa: BLE001 - a failed merge leaves the (correct) unmerged view
            log.warning("index merge failed (%s: %s)", exc.__class__.__name__, exc)

    # -- searching --------------------------------------------------------------------------
    def search(self, query: str, k: int, filters: Filters | None = None) -> list[Passage]:
        """The k best chunks by BM25 score (raw BM25, higher is better), best first; chunks that
        share no term with the query are never returned."""
        view = self.ensure_fresh()
        n_live = view.live
        if not n_live:
            return []
        terms = tokenize([query], self._stemmer)[0]
        # Each term's postings in each segment, dead rows (superseded or deleted articles) left out, so document
        # frequencies are those of the live archive: scores do not depend on how it was written.
        postings: dict[str, list[tuple[int, np.ndarray, np.ndarray]]] = {}
        for t in set(terms):
            for i, s in enumerate(view.segments):
                got = s.postings(t)
                if got is None:
                    continue
                rows, tf = got
                if view.alive[i] is not None:
                    live = view.alive[i][rows]
                    rows, tf = rows[live], tf[live]
                if len(rows):
                    postings.setdefault(t, []).append((i, rows, tf))
        terms = [t for t in terms if t in postings]
        if not terms:
            return []
        avgdl = np.float32(view.live_len / n_live)
        k1, b, one_minus_b = np.float32(self.k1), np.float32(self.b), np.float32(1 - self.b)
        touched = {i for found in postings.values() for i, _, _ in found}
        scores = [np.zeros(s.rows, dtype=np.float32) if i in touched else None for i, s in enumerate(view.segments)]
        # Each row's length normalisation once per question, not once per term (a common term's postings are a
        # large share of the archive).
        norms = [k1 * (one_minus_b + b * s.lens / avgdl) if i in touched else None
                 for i, s in enumerate(view.segments)]
        for t in terms:  # a repeated query word counts again, as in bm25s
            df = sum(len(rows) for _, rows, _ in postings[t])
            idf = np.float32(math.log(1 + (n_live - df + 0.5) / (df + 0.5)))
            for i, rows, tf in postings[t]:
                scores[i][rows] += idf * (tf / (norms[i][rows] + tf))
        found_rows, found_scores = [], []
        for i, (sc, m) in enumerate(zip(scores, view.masks(filters), strict=True)):
            if sc is None:
                continue
            rows = np.flatnonzero(sc if m is None else sc * m)
            found_rows.append(view.bases[i] + rows)
            found_scores.append(sc[rows])
        return self._top(view, np.concatenate(found_rows), np.concatenate(found_scores), k)

    def dense_search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[Passage]:
        """Cosine search over the chunk embeddings held with the index (the same vectors as in Chroma): a
        filtered Chroma query took ~90 ms here, this takes ~1 ms per 10k chunks. Exact, except in segments of
        segment.IVF_MIN_ROWS rows or more, which scan the lists nearest the question (when the filters allow more
        than _EXACT_ROWS rows); their best approximate scores are rescored exactly."""
        view = self.ensure_fresh()
        if not view.live:
            return []
        q = np.asarray(vector, dtype=np.float32)
        masks = view.masks(filters)
        if any(m is not None for m in masks) and \
                sum(s.rows if m is None else int(m.sum()) for s, m in zip(view.segments, masks, strict=True)) \
                <= _EXACT_ROWS:
            # Few rows allowed (one article, one source, a narrow date range): score exactly those; partial
            # lists might hold none of them.
            allowed = [_allowed(s, m) for s, m in zip(view.segments, masks, strict=True)]
            rows = [view.bases[i] + a for i, a in enumerate(allowed)]
            scores = [s.exact(a, q) for s, a in zip(view.segments, allowed, strict=True)]
            return self._top(view, np.concatenate(rows), np.concatenate(scores), k)
        exact_rows, exact_scores, near_rows, near_scores, near_seg = [], [], [], [], []
        for i, (s, m) in enumerate(zip(view.segments, masks, strict=True)):
            rows, got = s.dense(q)
            if rows is None:
                rows = _allowed(s, m)
                exact_rows.append(view.bases[i] + rows)
                exact_scores.append(got if m is None else got[rows])
            else:  # an IVF segment scanned in part: rows it did not scan are not candidates
                if m is not None:
                    keep = m[rows]
                    rows, got = rows[keep], got[keep]
                near_rows.append(rows)
                near_scores.append(got)
                near_seg.append(np.full(len(rows), i))
        if near_rows:
            # The best approximations over all IVF segments (codes of unit vectors: scores comparable across
            # segments), a margin beyond k, rescored exactly: a few hundred float32 rows read per question.
            rows, approx, which = np.concatenate(near_rows), np.concatenate(near_scores), np.concatenate(near_seg)
            keep = min(len(rows), 2 * k + _TIES)
            if keep:
                best = np.argpartition(-approx, keep - 1)[:keep]
                rows, which = rows[best], which[best]
                for i in np.unique(which):
                    mine = np.sort(rows[which == i])
                    exact_rows.append(view.bases[i] + mine)
                    exact_scores.append(view.segments[i].exact(mine, q))
        if not exact_rows:
            return []
        return self._top(view, np.concatenate(exact_rows), np.concatenate(exact_scores), k)

    @staticmethod
    def _top(view: _View, rows: np.ndarray, scores: np.ndarray, k: int) -> list[Passage]:
        """The k best of the candidate `rows` (global) by `scores`, as passages; equal scores in chunk id order,
        so that results do not depend on how rows are laid out in segments."""
        if not len(rows):
            return []
        k = min(k, len(rows))
        kth = scores[np.argpartition(-scores, k - 1)[k - 1]]
        top = np.flatnonzero(scores >= kth)
        if len(top) > k + _TIES:  # a flood of equal scores at the cut: keep the best and a bounded share of ties
            top = top[np.argsort(-scores[top], kind="stable")[:k + _TIES]]
        where = [view.locate(int(rows[j])) for j in top]
        if len(top) > k:  # ties at the cut: order by chunk id, read without decoding whole records
            ids = [s.chunk_id(local) for s, local in where]
            keep = sorted(range(len(top)), key=lambda i: (-scores[top[i]], ids[i]))[:k]
            top, where = top[keep], [where[i] for i in keep]
        found = [s.passage(local, float(scores[j])) for (s, local), j in zip(where, top, strict=True)]
        found.sort(key=lambda p: (-p.score, p.chunk_id))
        return found

    def doc_vectors(self, doc_ids: list[str]) -> dict[str, np.ndarray]:
        """Each article's vector (the normalised mean of its chunk vectors, as the store's article
        record holds), from the index's vectors: a store round trip per query would cost more."""
        view = self.ensure_fresh()
        out: dict[str, np.ndarray] = {}
        for d in doc_ids:
            for i in reversed(range(len(view.segments))):
                s = view.segments[i]
                rows = view.live_rows(i, s.doc_rows(d))
                if len(rows):
                    mean = s.read_vectors(rows).mean(axis=0)
                    out[d] = mean / (np.linalg.norm(mean) or 1.0)
                    break
        return out


def _allowed(s: seg.Segment, mask: np.ndarray | None) -> np.ndarray:
    return np.arange(s.rows) if mask is None else np.flatnonzero(mask)


def _tmp_owner(name: str) -> int | None:
    """The PID in a temporary name `<final>.tmp-PID-TID` (None for other names)."""
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


def _indexed_text(p: Passage) -> str:
    # The title is part of what a chunk is about (headlines carry the names); index it with each chunk.
    return f"{p.title}\n{p.text}" if p.title and not p.text.startswith(p.title) else p.text
