"""BM25 stays in step with the Chroma store (embedded and server mode), survives restarts and
missing index folders, and honours filters. Real model, real Chroma."""

from __future__ import annotations

import shutil
import time
from datetime import date

import pytest

from rag.articles import Article
from rag.bm25 import BM25Index
from rag.config import Settings
from rag.pipeline import Pipeline
from rag.types import Filters

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
    folders = list(lexical.root.iterdir())
    assert len(folders) == 1 and (folders[0] / "chunks.jsonl").exists()  # persisted by the ingest

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


def test_readers_never_wait_for_a_rebuild_after_another_process_wrote(embeddings, monkeypatch):
    """A rebuild reads the whole store (minutes for a large archive): readers answer from the last complete
    index meanwhile, and one background rebuild brings the new articles in."""
    reader = make("bm25", embeddings)
    reader.ingest_articles([BRIDGE], progress=False)
    index = reader.retriever.sources[0].index
    load, loads = index._load, []

    def slow_load(fp):  # the writer saved the new generation's index: this reader loads it (or builds it)
        loads.append(fp)
        time.sleep(2.0)
        return load(fp)

    monkeypatch.setattr(index, "_load", slow_load)
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
