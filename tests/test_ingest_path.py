"""The ingest path: one tokenisation per article, one forward pass per chunk, entities and sentence
vectors stored with each chunk, a handful of store calls per batch. Real model, real Chroma."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from rag.articles import Article
from rag.chunking import chunk_text
from rag.embeddings import ingest_precision
from rag.nlp import analyzer
from rag.pipeline import Pipeline
from rag.retrieve import Retriever
from rag.sentence_index import ChunkInput, encode_chunks, tokenize_articles
from rag.sentences import split_sentences
from rag.store import Store
from tests.conftest import CORPUS


def _corpus_text() -> str:
    from rag.loaders import load_paths

    return next(a for a in load_paths([str(CORPUS)]) if isinstance(a, Article)).text


def test_article_tokens_count_every_span_as_tokenising_its_text_would(embeddings):
    text = _corpus_text()
    toks = tokenize_articles(embeddings, [text])[0]
    spans = split_sentences(text)
    assert toks.count(spans) == embeddings.count_tokens([text[s:e] for s, e in spans])


def test_chunks_from_span_counts_equal_chunks_from_text_counts(embeddings):
    text = _corpus_text()
    toks = tokenize_articles(embeddings, [text])[0]
    by_text = chunk_text(text, embeddings.count_tokens, 200, 1)
    by_span = chunk_text(text, max_tokens=200, overlap_sentences=1, count_spans=toks.count)
    assert len(by_text) > 1 and by_span == by_text


def test_one_tokenisation_gives_the_models_own_chunk_vectors(embeddings):
    text = _corpus_text()
    toks = tokenize_articles(embeddings, [text])[0]
    chunks = chunk_text(text, max_tokens=200, overlap_sentences=1, count_spans=toks.count)
    vecs, sents = encode_chunks(embeddings, [ChunkInput(toks, c.start, c.end, c.sentences, c.text) for c in chunks])
    assert np.allclose(vecs, embeddings.encode([c.text for c in chunks]), atol=1e-5)
    assert [len(s) for s in sents] == [len(c.sentences) for c in chunks]
    assert all(np.allclose(np.linalg.norm(s, axis=1), 1.0, atol=1e-5) for s in sents)


def test_a_bfloat16_forward_pass_gives_nearly_the_float32_vectors(embeddings):
    """The faster ingest format must not move what retrieval compares: every chunk and sentence vector stays
    within cosine 0.999 of float32's, normalised."""
    text = _corpus_text()
    toks = tokenize_articles(embeddings, [text])[0]
    chunks = [ChunkInput(toks, c.start, c.end, c.sentences, c.text)
              for c in chunk_text(text, max_tokens=200, overlap_sentences=1, count_spans=toks.count)]
    full, full_sents = encode_chunks(embeddings, chunks, precision="float32")
    fast, fast_sents = encode_chunks(embeddings, chunks, precision="bfloat16")
    assert fast.dtype == np.float32 and np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert (fast * full).sum(axis=1).min() > 0.999
    assert min(float((a * b).sum(axis=1).min()) for a, b in zip(fast_sents, full_sents, strict=True)) > 0.999


A = Article(id="a", title="Zoo", date=date(2024, 3, 1), source="Wire",
            text="Keeper Jane Goodall of the Springfield Zoo welcomed a zebra on Friday. The city of Springfield "
                 "paid $2 million for the new enclosure, Mayor Joe Quimby said in Boston.")
B = Article(id="b", title="Bridge", date=date(2024, 5, 1), source="Gazette",
            text="The mayor of Shelbyville, Alice Smith, opened the Kwakiutl bridge across the river on Monday.")


def test_entities_and_sentence_vectors_are_stored_with_each_chunk_and_returned_on_passages(store_mode, embeddings):
    pipe = Pipeline(embeddings=embeddings)
    report = pipe.ingest_articles([A, B], progress=False)
    assert report.added == ["a", "b"]
    expected = {a.doc_id: analyzer().entities([a.text])[0] for a in (A, B)}
    passages = list(pipe.store.get_chunks())
    assert passages
    for p in passages:
        want = tuple(e for e in expected[p.doc_id] if e.start >= p.start and e.end <= p.end)
        assert p.entities == want
        assert all(p.start <= e.start < e.end <= p.end for e in p.entities)
    labels = {e.label for p in passages for e in p.entities}
    assert {"PERSON", "GPE"} <= labels
    # Retrieval returns them too (every Passage built from the store carries them).
    hit = pipe.retriever.retrieve("who opened the Kwakiutl bridge?", 1)[0]
    assert hit.doc_id == "b" and any(B.text[e.start:e.end] == "Alice Smith" for e in hit.entities)
    keys = [(p.chunk_id, s) for p in passages for s in p.sentences]
    stored = pipe.store.sentence_vectors(keys)
    assert set(stored) == set(keys)
    for art in (A, B):
        toks = tokenize_articles(embeddings, [art.text])[0]
        mine = sorted((p for p in passages if p.doc_id == art.doc_id), key=lambda p: p.start)
        _, sents = encode_chunks(embeddings, [ChunkInput(toks, p.start, p.end, p.sentences, p.text) for p in mine],
                                 precision=ingest_precision(pipe.settings.ingest_precision))
        for p, vecs in zip(mine, sents, strict=True):  # the forward pass's vectors, kept as float16
            got = np.stack([stored[(p.chunk_id, span)] for span in p.sentences])
            assert np.allclose(got, vecs, atol=2e-3)


class _Unused(Retriever):
    """Ingest only: nothing to refresh, so the calls counted are the writes'."""

    def retrieve(self, query, k, filters=None):
        raise AssertionError("not used")


def test_a_batch_of_articles_costs_a_few_store_calls_not_several_per_article(embeddings, monkeypatch):
    pipe = Pipeline(embeddings=embeddings, retriever=_Unused())
    calls: list[str] = []
    store = pipe.store
    for name in ("chunks", "articles", "changes", "state"):
        col = getattr(store, name)
        for method in ("upsert", "get", "delete"):
            real = getattr(col, method)
            monkeypatch.setattr(col, method, lambda *a, _real=real, _n=f"{name}.{method}", **k: (calls.append(_n),
                                                                                                  _real(*a, **k))[1])
    articles = [Article(id=f"n{i}", date=date(2024, 1, 1 + i), source="Wire",
                        text=f"Story number {i}. The council met on day {i} and voted on the budget.")
                for i in range(20)]
    report = pipe.ingest_articles(articles, progress=False)
    assert len(report.added) == 20
    writes = [c for c in calls if c.endswith(("upsert", "delete"))]
    # articles.get, chunks.upsert, chunks.get (stale), articles.upsert, changes.upsert, state.upsert
    assert len(calls) <= 6 and len(writes) <= 4, calls


def test_a_store_of_the_previous_format_is_refused_with_a_hint(rag_home, embeddings):
    import chromadb

    from rag.config import Settings

    settings = Settings()
    settings.chroma_path.mkdir(parents=True)
    client = chromadb.PersistentClient(path=str(settings.chroma_path))
    client.get_or_create_collection(f"{settings.collection}_chunks", embedding_function=None,
                                    metadata={"newsrag_format": 1})
    from rag.errors import StoreUnavailable

    with pytest.raises(StoreUnavailable) as err:
        Store(settings).stats()
    assert "format 1" in err.value.message and "rag ingest" in err.value.hint
