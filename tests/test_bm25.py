"""BM25 stays in step with the Chroma store (embedded and server mode), survives restarts and
missing index folders, and honours filters. Real model, real Chroma."""

from __future__ import annotations

import shutil
import time
from datetime import date

import numpy as np
import pytest

from rag.articles import Article
from rag.bm25 import BM25Index
from rag.config import Settings
from rag.pipeline import Pipeline
from rag.store import Store
from rag.types import Filters, Passage

ZEBRA = Article(id="zebra", title="Zoo news", date=date(2024, 3, 1), source="Wire",
                text="The Springfield zoo welcomed a baby zebra named Quagga on Friday. Keepers said she is healthy.")
BRIDGE = Article(id="bridge", title="City news", date=date(2024, 5, 1), source="Gazette",
                 text="The mayor of Shelbyville opened the Kwakiutl bridge across the river on Monday.")


def make(retriever: str, embeddings) -> Pipeline:
    # index_check_seconds=0: every query re-reads the store's generation, so another process's
    # write is seen at once (the default trusts the index for a second).
    return Pipeline(settings=Settings(retriever=retriever, index_check_seconds=0.0), embeddings=embeddings)


def ids(passages) -> list[str]:
    return [p.doc_id for p in passages]


def eventually(probe, seconds: float = 20.0):
    """probe() until it returns something truthy (another process's write is applied in the background)."""
    deadline = time.monotonic() + seconds
    while not (got := probe()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return got


@pytest.mark.parametrize("mode", ["bm25", "hybrid"])
def test_bm25_follows_ingest_update_and_delete(store_mode, embeddings, mode):
    pipe = make(mode, embeddings)
    pipe.ingest_articles([ZEBRA, BRIDGE], progress=False)
    assert ids(pipe.retriever.retrieve("Quagga zebra", 5))[0] == "zebra"

    # Update: the zebra article now talks about an okapi; the old words must be gone from BM25.
    updated = Article(id="zebra", title="Zoo news", date=date(2024, 3, 2), source="Wire",
                      text="The Springfield zoo welcomed an okapi named Tamu on Friday.")
    report = pipe.ingest_articles([updated], progress=False)
    assert report.updated == ["zebra"]
    lexical = BM25Index(pipe.store)
    assert lexical.search("Quagga", 5) == []
    assert ids(lexical.search("okapi Tamu", 5)) == ["zebra"]

    assert pipe.delete("zebra")  # `lexical` stands for another process: it applies the delete in the background
    assert eventually(lambda: lexical.search("okapi Tamu", 5) == [])
    assert ids(pipe.retriever.retrieve("Kwakiutl bridge", 5))[0] == "bridge"


def test_index_is_persisted_and_rebuilt_when_missing_with_the_same_results(store_mode, embeddings):
    pipe = make("bm25", embeddings)
    pipe.ingest_articles([ZEBRA, BRIDGE], progress=False)
    first = pipe.retriever.retrieve("zebra on Friday", 5)
    lexical = BM25Index(pipe.store)
    segments = list(lexical.root.glob("v*/seg-*"))
    assert segments and all((s / "chunks.jsonl").exists() for s in segments)  # persisted by the ingest

    # A fresh process state (second Pipeline, as a second server would have) loads the same index.
    second = make("bm25", embeddings)
    assert [(p.chunk_id, p.score) for p in second.retriever.retrieve("zebra on Friday", 5)] == \
           [(p.chunk_id, p.score) for p in first]

    shutil.rmtree(lexical.root)  # lost index folder: rebuilt from the store's documents
    third = make("bm25", embeddings)
    assert [(p.chunk_id, p.score) for p in third.retriever.retrieve("zebra on Friday", 5)] == \
           [(p.chunk_id, p.score) for p in first]
    assert lexical.root.exists()


def test_another_process_writing_makes_this_index_stale(store_mode, embeddings):
    reader = make("bm25", embeddings)
    reader.ingest_articles([BRIDGE], progress=False)
    assert reader.retriever.retrieve("Quagga", 5) == []
    writer = make("dense", embeddings)  # a different process that does not use BM25 itself
    writer.ingest_articles([ZEBRA], progress=False)
    assert ids(eventually(lambda: reader.retriever.retrieve("Quagga", 5))) == ["zebra"]


def test_readers_never_wait_for_an_update_after_another_process_wrote(embeddings, monkeypatch):
    """Applying another process's write reads from the store (long for a large ingest): readers answer from the
    last complete view meanwhile, and one background update brings the new articles in."""
    reader = make("bm25", embeddings)
    reader.ingest_articles([BRIDGE], progress=False)
    index = reader.retriever.sources[0].index
    advance, loads = index._advance, []

    def slow_advance(view):
        loads.append(view)
        time.sleep(2.0)
        return advance(view)

    monkeypatch.setattr(index, "_advance", slow_advance)
    make("dense", embeddings).ingest_articles([ZEBRA], progress=False)
    t0 = time.perf_counter()
    for _ in range(5):  # several readers see the write; none waits and only one rebuild starts
        assert ids(reader.retriever.retrieve("Kwakiutl bridge", 5)) == ["bridge"]
    assert time.perf_counter() - t0 < 1.5
    assert ids(eventually(lambda: reader.retriever.retrieve("Quagga", 5))) == ["zebra"]
    assert len(loads) == 1


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_filters_are_honoured_in_every_mode(embeddings, mode):
    pipe = make(mode, embeddings)
    pipe.ingest_articles([ZEBRA, BRIDGE], progress=False)
    q = "zebra bridge zoo mayor"
    assert set(ids(pipe.retriever.retrieve(q, 5))) == {"zebra", "bridge"}
    assert set(ids(pipe.retriever.retrieve(q, 5, Filters(as_of=date(2024, 4, 1))))) == {"zebra"}
    assert set(ids(pipe.retriever.retrieve(q, 5, Filters(date_from=date(2024, 4, 1))))) == {"bridge"}
    assert set(ids(pipe.retriever.retrieve(q, 5, Filters(sources=("Gazette",))))) == {"bridge"}
    assert set(ids(pipe.retriever.retrieve(q, 5, Filters(doc_ids=("zebra",))))) == {"zebra"}
    assert pipe.retriever.retrieve(q, 5, Filters(as_of=date(2020, 1, 1))) == []


def test_bm25_scores_are_higher_is_better_and_unmatched_queries_return_nothing(embeddings):
    pipe = make("bm25", embeddings)
    pipe.ingest_articles([ZEBRA, BRIDGE], progress=False)
    lexical = BM25Index(pipe.store)
    got = lexical.search("zebra Quagga Springfield", 5)
    assert got[0].doc_id == "zebra" and all(a.score >= b.score > 0 for a, b in zip(got, got[1:], strict=False))
    assert lexical.search("xylophone", 5) == []
    assert lexical.search("the of and", 5) == []  # stopwords only


def test_in_memory_dense_search_matches_chromas_cosine_similarities(store_mode, embeddings):
    pipe = make("hybrid", embeddings)
    pipe.ingest_articles([ZEBRA, BRIDGE], progress=False)
    vec = embeddings.encode(["a baby zebra at the zoo"])[0]
    chroma = pipe.store.query(vec, 5)
    memory = BM25Index(pipe.store).dense_search(vec, 5)
    assert [p.chunk_id for p in memory] == [p.chunk_id for p in chroma]
    assert [p.score for p in memory] == pytest.approx([p.score for p in chroma], abs=1e-4)
    assert BM25Index(pipe.store).dense_search(vec, 5, Filters(as_of=date(2020, 1, 1))) == []


def _articles(n: int, start: int = 0) -> list[Article]:
    towns = ["Springfield", "Shelbyville", "Ogdenville", "Brockway", "Capital City", "North Haverbrook"]
    things = ["bridge", "library", "stadium", "harbour", "museum", "tram line", "school"]
    return [Article(id=f"story-{i}", title=f"{towns[i % 6]} news {i}", date=date(2024, 1, 1 + i % 28),
                    source=("Wire", "Gazette")[i % 2],
                    text=f"The mayor of {towns[i % 6]} opened the new {things[i % 7]} number {i} on Monday. "
                         f"Residents said the {things[(i + 3) % 7]} had waited {i + 2} years for repairs.")
            for i in range(start, start + n)]


class _Spy:
    """Counts what an index reads from the store."""

    def __init__(self, index: BM25Index, monkeypatch) -> None:
        self.docs: list[str] = []
        self.full_reads = 0
        chunks_of, article_ids = index.store.chunks_of, index.store.article_ids

        def spy_chunks(doc_ids):
            self.docs.extend(doc_ids)
            return chunks_of(doc_ids)

        def spy_ids(*a):
            self.full_reads += 1
            return article_ids(*a)

        monkeypatch.setattr(index.store, "chunks_of", spy_chunks)
        monkeypatch.setattr(index.store, "article_ids", spy_ids)


def test_another_process_write_is_applied_by_reading_only_the_changed_articles(store_mode, embeddings, monkeypatch,
                                                                              tmp_path):
    """O(new): a reader that sees another process's write fetches the written (or deleted) articles' chunks, not
    the archive's; a reader sharing the writer's RAG_HOME takes the writer's saved segments and reads nothing."""
    writer = make("dense", embeddings)
    writer.ingest_articles(_articles(12), progress=False)
    shared = store_mode == "embedded"  # an embedded store lives in RAG_HOME; a server's readers may be elsewhere
    settings = writer.store.settings if shared else writer.store.settings.model_copy(update={"home": tmp_path / "b"})
    reader = BM25Index(Store(settings))  # another process: its own store connection (and maybe its own home)
    assert ids(reader.search("Ogdenville stadium", 3))  # first use: opens the saved index or builds it once
    spy = _Spy(reader, monkeypatch)
    writer.ingest_articles([ZEBRA, *_articles(12)], progress=False)  # one new article, twelve unchanged
    reader.ensure_fresh(force=True)
    assert ids(reader.search("Quagga zebra", 3)) == ["zebra"]
    assert spy.docs == ([] if shared else ["zebra"]) and spy.full_reads == 0
    writer.delete("story-4")
    reader.ensure_fresh(force=True)
    assert "story-4" not in ids(reader.search("number 4 Brockway", 20))
    assert spy.docs == ([] if shared else ["zebra", "story-4"]) and spy.full_reads == 0


def test_a_restarted_process_opens_the_saved_index_without_reading_the_archive(embeddings, monkeypatch):
    pipe = make("bm25", embeddings)
    pipe.ingest_articles(_articles(10), progress=False)
    before = [(p.chunk_id, p.score) for p in pipe.retriever.retrieve("mayor opened the library", 5)]
    restarted = BM25Index(Store(pipe.store.settings))
    spy = _Spy(restarted, monkeypatch)
    assert [(p.chunk_id, p.score) for p in restarted.search("mayor opened the library", 5)] == \
        [(p.chunk_id, p.score) for p in BM25Index(pipe.store).search("mayor opened the library", 5)]
    assert before and spy.docs == [] and spy.full_reads == 0


def test_scores_do_not_depend_on_how_the_archive_was_written(store_mode, embeddings):
    """BM25 statistics are the whole archive's whatever the segments: articles written in many small ingests
    (plus an update and a delete) score exactly as one fresh build over the same final articles."""
    articles = _articles(15)
    pipe = make("bm25", embeddings)
    for i in range(0, 15, 4):
        pipe.ingest_articles(articles[i:i + 4], progress=False)
    pipe.ingest_articles([Article(id="story-3", title="Brockway news 3", date=date(2024, 1, 4), source="Wire",
                                  text="The Brockway tram line reopened after a flood on Tuesday.")], progress=False)
    pipe.delete("story-7")
    index = pipe.retriever.sources[0].index
    assert len(index._loaded.segments) > 1
    shutil.rmtree(index.root)
    fresh = BM25Index(pipe.store)
    for q in ("mayor opened the stadium", "Brockway tram line flood", "residents waited years repairs",
              "Capital City harbour number 7"):
        for f in (None, Filters(as_of=date(2024, 1, 10)), Filters(sources=("Gazette",))):
            got = [(p.chunk_id, round(p.score, 4)) for p in index.search(q, 10, f)]
            assert got == [(p.chunk_id, round(p.score, 4)) for p in fresh.search(q, 10, f)], (q, f)
    assert "story-7" not in ids(index.search("Capital City harbour number 7", 20))


def test_small_segments_are_merged_and_answers_stay_the_same(embeddings, monkeypatch):
    from rag import bm25

    monkeypatch.setattr(bm25, "MERGE_AT", 3)
    pipe = make("bm25", embeddings)
    articles = _articles(12)
    pipe.ingest_articles(articles[:6], progress=False)
    index = pipe.retriever.sources[0].index
    for a in articles[6:]:
        pipe.ingest_articles([a], progress=False)
    if index._merging is not None:
        index._merging.join(60)
    assert len(index._loaded.segments) <= 3
    shutil.rmtree(index.root)
    fresh = BM25Index(pipe.store)
    q = "mayor opened the new museum"
    assert [(p.chunk_id, round(p.score, 4)) for p in index.search(q, 10)] == \
        [(p.chunk_id, round(p.score, 4)) for p in fresh.search(q, 10)]


def test_large_segments_scan_only_the_nearest_lists_and_still_find_the_nearest_vector(tmp_path, monkeypatch):
    """Above IVF_MIN_ROWS a segment's vectors are searched by k-means lists: every row is in exactly one list, a
    question scans part of the segment, and a stored vector is still (nearly always) its own nearest neighbour."""
    from rag import segment

    rng = np.random.default_rng(7)
    n, dim = 3000, 32
    centres = rng.normal(size=(30, dim))
    vecs = centres[rng.integers(0, 30, n)] + 0.3 * rng.normal(size=(n, dim))
    vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
    passages = [Passage(chunk_id=f"d{i // 3}#x#{i % 3}", doc_id=f"d{i // 3}", title="", text=f"chunk {i}", start=0,
                        end=7, score=0.0, date="2024-01-0" + str(1 + i % 9), source=("Wire", "Gazette")[i % 2])
                for i in range(n)]
    monkeypatch.setattr(segment, "IVF_MIN_ROWS", 1000)
    segment.build(tmp_path / "seg", passages, vecs, [["chunk"]] * n)
    seg = segment.Segment(tmp_path / "seg")
    assert seg.ivf is not None and len(seg.ivf[0]) == int(np.sqrt(n))
    order = seg.ivf[1]
    assert sorted(order.tolist()) == list(range(n))  # every row in exactly one list
    found = 0
    for i in rng.choice(n, 50, replace=False):
        rows, scores = seg.dense(np.asarray(seg.vectors[i]))
        assert rows is not None and len(rows) < n
        found += int(rows[int(np.argmax(scores))] == i)
    assert found >= 48


def _ivf_segment(tmp_path, monkeypatch, n: int = 3000, dim: int = 32):
    from rag import segment

    rng = np.random.default_rng(11)
    centres = rng.normal(size=(30, dim))
    vecs = centres[rng.integers(0, 30, n)] + 0.3 * rng.normal(size=(n, dim))
    vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
    passages = [Passage(chunk_id=f"d{i // 3}#x#{i % 3}", doc_id=f"d{i // 3}", title="", text=f"chunk {i}", start=0,
                        end=7, score=0.0, date="2024-01-0" + str(1 + i % 9), source=None) for i in range(n)]
    monkeypatch.setattr(segment, "IVF_MIN_ROWS", 1000)
    segment.build(tmp_path / "seg", passages, vecs, [["chunk"]] * n)
    return segment, vecs, rng


def test_list_scans_read_int8_codes_whose_scores_stay_close_to_the_true_cosines(tmp_path, monkeypatch):
    """The approximate scores of a list scan are within a small bound of the exact cosines (the caller rescores
    the best ones exactly), and `exact`/`read_vectors` give the stored float32 vectors whatever the row order."""
    segment, vecs, rng = _ivf_segment(tmp_path, monkeypatch)
    seg = segment.Segment(tmp_path / "seg")
    vecs = np.array(seg.vectors)  # as stored: rows are grouped by article, not in input order
    worst = 0.0
    for _ in range(20):
        q = rng.normal(size=vecs.shape[1]).astype(np.float32)
        q /= np.linalg.norm(q)
        rows, approx = seg.dense(q)
        worst = max(worst, float(np.abs(approx - vecs[rows] @ q).max()))
        # a few rows (read out) and most of them (the whole segment scored): the same cosines
        for size in (50, len(vecs) // 2, len(vecs)):
            picked = np.sort(rng.choice(len(vecs), size, replace=False))
            assert np.allclose(seg.exact(picked, q), vecs[picked] @ q, atol=1e-6)
    assert worst < 0.02
    runs = np.array([5, 6, 7, 40, 41, 900])
    assert np.array_equal(seg.read_vectors(runs), vecs[runs])


def test_dense_search_over_list_segments_returns_exact_cosines(tmp_path, monkeypatch):
    """Whatever the lists and codes, the score a dense search returns is the true cosine of that chunk."""
    segment, vecs, rng = _ivf_segment(tmp_path, monkeypatch)
    seg = segment.Segment(tmp_path / "seg")
    index = BM25Index(Store(Settings()))
    from rag.bm25 import _View

    view = _View.of("g", 0, {}, [seg], [()])
    monkeypatch.setattr(index, "ensure_fresh", lambda force=False: view)
    by_id = {f"d{i // 3}#x#{i % 3}": i for i in range(len(vecs))}
    for i in rng.choice(len(vecs), 10, replace=False):
        found = index.dense_search(vecs[i], 10)
        assert len(found) == 10
        assert all(abs(p.score - float(vecs[by_id[p.chunk_id]] @ vecs[i])) < 1e-5 for p in found)
        assert found[0].score > 0.999  # the vector itself (or an identical one) comes first


def test_a_format_1_segment_gains_its_codes_in_place_and_answers_as_before(tmp_path, monkeypatch):
    """An index written by the previous version is upgraded when opened (the codes added, no store read): the
    scanned rows are the same, and a second open finds the current format."""
    import json

    segment, vecs, rng = _ivf_segment(tmp_path, monkeypatch)
    folder = tmp_path / "seg"
    fresh = segment.Segment(folder)
    q = vecs[17]
    rows_before, _ = fresh.dense(q)
    for name in ("ivf_codes.npy", "ivf_scale.npy"):
        (folder / name).unlink()
    meta = json.loads((folder / "meta.json").read_text())
    (folder / "meta.json").write_text(json.dumps({**meta, "format": 1}))
    upgraded = segment.Segment(folder)
    assert json.loads((folder / "meta.json").read_text())["format"] == segment.SEGMENT_FORMAT
    assert (folder / "ivf_codes.npy").exists() and not list(folder.glob("*.tmp-*"))
    rows_after, approx = upgraded.dense(q)
    assert np.array_equal(np.sort(rows_after), np.sort(rows_before))
    assert np.allclose(approx, np.asarray(upgraded.vectors)[rows_after] @ q, atol=0.02)


def test_a_question_reads_the_store_generation_once(embeddings, monkeypatch):
    """Each search (dense, BM25, the recent window, article vectors) used to check the store on its own: four or
    more round trips to a Chroma server per question. A question now reads one view of the index."""
    pipe = make("hybrid", embeddings)
    pipe.ingest_articles([ZEBRA, BRIDGE], progress=False)
    reads = []
    generation = pipe.store.generation
    monkeypatch.setattr(pipe.store, "generation", lambda: reads.append(1) or generation())
    pipe.ask("What did the mayor of Shelbyville open?")
    assert len(reads) == 1
    pipe.ask("Who opened a bridge this week?")  # "this week" adds searches within the recent window
    assert len(reads) == 2
