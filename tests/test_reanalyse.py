"""A store whose entities an older newsrag found is known as such and brought up to date in place: `rag
reanalyse` (and `rag ingest` of the same articles) finds them again from the stored text, without re-embedding,
and every derived index then reads the new ones. Real model, real Chroma (embedded and server)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from rag import nlp as nlp_module
from rag import pipeline as pipeline_module
from rag.errors import WorkerFailed
from rag.nlp import ENTITIES_VERSION, analyzer
from rag.pipeline import entities_in
from rag.store import ENTS_V, Reanalysed
from rag.types import Entity

QUESTION = "who is acting president?"


def _age(pipeline) -> list[str]:
    """Make every stored article look as an older version wrote it: no entities found, no version stamp.
    (Written through the store so that the search index re-reads the chunks, then the stamps taken away.)"""
    store = pipeline.store
    ids = store.article_ids()
    got = store.chunks.get(include=["metadatas"])
    by_doc: dict[str, dict[str, tuple[Entity, ...]]] = {}
    for cid, m in zip(got["ids"], got["metadatas"], strict=True):
        by_doc.setdefault(m["doc_id"], {})[cid] = ()
    store.put_entities([Reanalysed(d, store.hashes([d])[d], chunks) for d, chunks in by_doc.items()])
    store.chunks.update(ids=got["ids"], metadatas=[{ENTS_V: 1}] * len(got["ids"]))
    store.articles.update(ids=ids, metadatas=[{ENTS_V: 1}] * len(ids))
    pipeline.retriever.refresh()
    return ids


def test_reanalyse_finds_entities_again_without_re_embedding(corpus_pipeline):
    store = corpus_pipeline.store
    before = store.chunks.get(include=["embeddings", "documents"])
    assert corpus_pipeline.stats()["stale_entities"] == 0  # a store this version wrote is current
    assert corpus_pipeline.ask(QUESTION).short_answer

    ids = _age(corpus_pipeline)
    assert corpus_pipeline.stats()["stale_entities"] == len(ids)
    # Read with the old (here: no) entities, a who-question finds no person to show.
    assert corpus_pipeline.ask(QUESTION).short_answer is None

    done = corpus_pipeline.reanalyse()
    assert sorted(done) == sorted(ids)
    assert corpus_pipeline.stats()["stale_entities"] == 0
    assert corpus_pipeline.reanalyse() == []  # nothing left to do

    _assert_current(store, before)
    assert corpus_pipeline.ask(QUESTION).short_answer  # the search index read the new entities


def _assert_current(store, before: dict) -> None:
    """Vectors and text as they were; every chunk's entities what an ingest today would store."""
    after = store.chunks.get(include=["embeddings", "documents", "metadatas"])
    assert after["ids"] == before["ids"] and after["documents"] == before["documents"]
    assert np.array_equal(np.asarray(after["embeddings"]), np.asarray(before["embeddings"]))
    for cid, m in zip(after["ids"], after["metadatas"], strict=True):
        article = store.get_article(m["doc_id"])
        want = entities_in(analyzer().entities([article.text])[0], m["start"], m["end"])
        assert m[ENTS_V] == ENTITIES_VERSION, cid
        assert [tuple(x) for x in json.loads(m["ents"])] == [(e.start, e.end, e.label) for e in want], cid


STORIES = [
    "Prime Minister Fumio Kishida met President Joe Biden at the White House in Washington on Friday.",
    "The Colorado Avalanche beat the Tampa Bay Lightning in Denver to win the Stanley Cup on June 26, 2022.",
    "Apple will open its first store in Mumbai next month, chief executive Tim Cook told Reuters.",
]


def _add_stories(pipeline, tmp_path) -> None:
    folder = tmp_path / "stories"
    folder.mkdir()
    for i, text in enumerate(STORIES):
        (folder / f"story-{i}.md").write_text(f"---\ntitle: Story {i}\ndate: 2025-01-0{i + 1}\nsource: Wire\n---\n"
                                                f"{text}\n", encoding="utf-8")
    assert pipeline.ingest([str(folder)], progress=False).ok


def _die(texts: list[str]) -> list[list[Entity]]:
    """A worker process killed mid-batch (run in the spawned process, which imports this module)."""
    os._exit(3)


def test_a_worker_process_that_dies_is_reported_and_loses_nothing(corpus_pipeline, tmp_path, monkeypatch):
    _add_stories(corpus_pipeline, tmp_path)
    ids = _age(corpus_pipeline)
    monkeypatch.setattr(nlp_module, "entities_of", _die)
    with pytest.raises(WorkerFailed) as err:
        corpus_pipeline.reanalyse(batch=1, processes=2)
    assert err.value.done == 0 and "rag reanalyse" in err.value.hint
    assert corpus_pipeline.stats()["stale_entities"] == len(ids)  # nothing half-written
    monkeypatch.undo()
    assert sorted(corpus_pipeline.reanalyse(batch=1, processes=2)) == sorted(ids)
    assert corpus_pipeline.stats()["stale_entities"] == 0


def test_reanalyse_in_worker_processes_writes_what_one_process_does(corpus_pipeline, tmp_path, monkeypatch):
    """Batches of one article each, recognised in two spawned processes, written back in order."""
    pools = []

    class Recorded(pipeline_module.ProcessPoolExecutor):
        def submit(self, fn, /, *args):
            pools.append(self)
            return super().submit(fn, *args)

    monkeypatch.setattr(pipeline_module, "ProcessPoolExecutor", Recorded)
    _add_stories(corpus_pipeline, tmp_path)
    store = corpus_pipeline.store
    before = store.chunks.get(include=["embeddings", "documents"])
    ids = _age(corpus_pipeline)
    assert corpus_pipeline.ask(QUESTION).short_answer is None
    assert len(ids) == 1 + len(STORIES)
    assert sorted(corpus_pipeline.reanalyse(batch=1, processes=2)) == sorted(ids)
    assert len(pools) == len(ids) and pools[0]._max_workers == 2  # every batch went to the worker processes
    assert corpus_pipeline.stats()["stale_entities"] == 0
    _assert_current(store, before)
    assert corpus_pipeline.ask(QUESTION).short_answer


def test_ingest_of_unchanged_articles_refreshes_their_old_entities(corpus_pipeline):
    from tests.conftest import CORPUS

    ids = _age(corpus_pipeline)
    report = corpus_pipeline.ingest([str(CORPUS)], progress=False)
    assert sorted(report.unchanged) == sorted(ids) and sorted(report.reanalysed) == sorted(ids)
    assert report.chunks_written == 0 and "entities found again" in report.summary()
    assert corpus_pipeline.stats()["stale_entities"] == 0
    assert corpus_pipeline.ask(QUESTION).short_answer

    again = corpus_pipeline.ingest([str(CORPUS)], progress=False)
    assert again.reanalysed == [] and "found again" not in again.summary()
