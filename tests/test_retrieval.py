"""Retrieval and answering behaviour: fusion, sentence vectors stored at ingest, newest report wins
within the as-of date, short answers. Unit tests use hand-made passages; integration tests use the
real model and real Chroma."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from rag.articles import Article
from rag.config import Settings
from rag.fusion import rrf, weighted
from rag.pipeline import Pipeline
from rag.retrieve import RankedRetriever, Retriever, recency
from rag.scoring import SentenceScorer
from rag.sentence_index import encode_with_sentences
from rag.types import Filters, Passage


def passage(cid: str, score: float, date_: str | None = None, text: str = "") -> Passage:
    return Passage(chunk_id=cid, doc_id=cid.split("#")[0], title="", text=text or cid, start=0,
                   end=len(text or cid), score=score, date=date_)


# -- fusion (unit) --------------------------------------------------------------------------------
def test_rrf_rewards_agreement_and_is_normalised():
    dense = [passage("a", 0.9), passage("b", 0.8), passage("c", 0.7)]
    lexical = [passage("b", 12.0), passage("d", 9.0), passage("a", 3.0)]
    fused = rrf([dense, lexical])
    assert [p.chunk_id for p in fused] == ["b", "a", "d", "c"]  # b: ranks 2+1, a: ranks 1+3
    assert fused[0].score == pytest.approx((1 / 62 + 1 / 61) / (2 / 61), abs=1e-6)
    assert all(0 < p.score <= 1 for p in fused)
    assert rrf([[passage("x", 1.0)], [passage("x", 5.0)]])[0].score == pytest.approx(1.0)


def test_rrf_weights_shift_the_winner():
    dense = [passage("a", 0.9), passage("b", 0.1)]
    lexical = [passage("b", 9.0), passage("a", 1.0)]
    assert rrf([dense, lexical], [0.9, 0.1])[0].chunk_id == "a"
    assert rrf([dense, lexical], [0.1, 0.9])[0].chunk_id == "b"


def test_weighted_fusion_min_max_normalises_each_list():
    dense = [passage("a", 0.90), passage("b", 0.50)]
    lexical = [passage("b", 20.0), passage("c", 10.0)]
    fused = {p.chunk_id: p.score for p in weighted([dense, lexical], [0.5, 0.5])}
    assert fused == pytest.approx({"a": 0.5, "b": 0.5, "c": 0.0})
    assert weighted([[], []]) == []


def test_recency_prior_decays_with_age_before_the_reference_date_and_skips_undated():
    ranked = [passage("old", 0.50, "2024-01-01"), passage("new", 0.49, "2024-12-31"), passage("undated", 0.495)]
    assert [p.chunk_id for p in recency(ranked, 0.05, 30.0)] == ["new", "old", "undated"]
    got = {p.chunk_id: p.score for p in recency(ranked, 0.1, 30.0, reference=date(2025, 1, 30))}
    assert got["new"] == pytest.approx(0.49 + 0.05, abs=1e-6)  # 30 days old: half the weight
    assert got["undated"] == 0.495 and got["old"] < 0.5 + 0.001
    assert recency(ranked, 0.0)[0].chunk_id == "old"


# -- sentence vectors at ingest -------------------------------------------------------------------
def test_one_forward_pass_gives_the_models_chunk_vectors_and_a_vector_per_sentence(embeddings):
    texts = ["Choi Sang-mok is the acting president. Han Duck-soo was impeached.", "A short one."]
    spans = [[(0, 38), (39, 66)], [(0, 12)]]
    chunk_vecs, sent_vecs = encode_with_sentences(embeddings, texts, spans)
    assert np.allclose(chunk_vecs, embeddings.encode(texts), atol=1e-5)
    assert [v.shape for v in sent_vecs] == [(2, chunk_vecs.shape[1]), (1, chunk_vecs.shape[1])]
    assert np.allclose(np.linalg.norm(sent_vecs[0], axis=1), 1.0, atol=1e-5)
    # Each sentence vector is closer to its own sentence than to the other one.
    alone = embeddings.encode([texts[0][0:38], texts[0][39:66]])
    sims = sent_vecs[0] @ alone.T
    assert sims[0, 0] > sims[0, 1] and sims[1, 1] > sims[1, 0]


def test_sentence_vectors_are_stored_at_ingest_and_dropped_on_delete(pipeline):
    pipeline.ingest([str(_corpus())], progress=False)
    chunks = list(pipeline.store.get_chunks())
    keys = [(c.chunk_id, s) for c in chunks for s in c.sentences]
    stored = pipeline.store.sentence_vectors(keys)
    assert keys and set(stored) == set(keys)  # every sentence of every chunk, no re-encoding needed
    doc_id = chunks[0].doc_id
    pipeline.delete(doc_id)
    assert pipeline.store.sentence_vectors(keys) == {}
    assert f"{pipeline.settings.collection}_sentences" not in {c.name for c in pipeline.store.client.list_collections()}


def _corpus():
    from pathlib import Path

    return Path(__file__).resolve().parents[1] / "corpus"


# -- newest report wins within the as-of date ------------------------------------------------------
OLDER = Article(id="older", source="Wire", date=date(2025, 1, 6), title="Acting president named",
                text="Seoul, Jan. 6. Deputy Prime Minister Choi Sang-mok is the acting president of South Korea. "
                     "He took over after the parliament impeached the previous acting president.")
NEWER = Article(id="newer", source="Herald", date=date(2025, 3, 24), title="Court restores acting president",
                text="Seoul, March 24. Prime Minister Han Duck-soo is the acting president of South Korea again. "
                     "The court restored him to office on Monday.")


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_answer_follows_the_newest_article_within_as_of_and_says_its_date(embeddings, mode):
    pipe = Pipeline(settings=Settings(retriever=mode), embeddings=embeddings)
    pipe.ingest_articles([OLDER, NEWER], progress=False)
    now = pipe.ask("Who is the acting president of South Korea?")
    assert not now.abstained and now.citations[0].doc_id == "newer"
    assert "Han Duck-soo" in now.answer and "24 March 2025" in now.answer
    assert now.short_answer == "Han Duck-soo"

    then = pipe.ask("Who is the acting president of South Korea?", filters=Filters(as_of=date(2025, 2, 1)))
    assert then.citations and {c.doc_id for c in then.citations} == {"older"}
    assert "Choi Sang-mok" in then.answer and "6 January 2025" in then.answer
    assert then.short_answer == "Choi Sang-mok" and then.as_of == "2025-02-01"

    before = pipe.ask("Who is the acting president of South Korea?", filters=Filters(as_of=date(2024, 12, 1)))
    assert before.abstained and before.citations == []


def test_first_citation_holds_the_best_sentence_and_citations_are_in_rank_order(corpus_pipeline):
    r = corpus_pipeline.ask("who is acting president?")
    assert [c.n for c in r.citations] == list(range(1, len(r.citations) + 1))
    assert "Choi Sang-mok" in r.citations[0].sentence
    assert r.short_answer == "Choi Sang-mok"
    assert r.to_dict()["short_answer"] == "Choi Sang-mok"


# -- "latest news" questions and the article prior -------------------------------------------------
@pytest.mark.parametrize("question, latest", [
    ("Which automaker recalled 2.9 million vehicles this week?", True),
    ("Who is currently the acting president?", True),
    ("What did the court rule yesterday?", True),
    ("Which company recently announced layoffs?", True),
    ("Who is the mayor of New York?", False),  # "New" is not a cue
    ("Who founded the now-defunct airline?", False),
    ("Who is acting president?", False),
])
def test_questions_asking_for_the_latest_news_are_recognised(question, latest):
    from rag.query import analyse

    assert analyse(question).latest is latest


class _Fixed(Retriever):
    """A real Retriever that returns the passages it was given (a candidate source for RankedRetriever)."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages

    def retrieve(self, query, k: int, filters: Filters | None = None) -> list[Passage]:
        return self.passages[:k]


def _ranked(embeddings, passages: list[Passage], doc_vectors=None, **settings) -> RankedRetriever:
    s = Settings(rescore_sentences=False, dedup=False, **settings)
    return RankedRetriever([_Fixed(passages)], s, SentenceScorer(embeddings), doc_vectors=doc_vectors)


def test_questions_about_the_latest_news_get_the_stronger_recency_prior(embeddings):
    old = passage("old#1", 0.60, "2022-06-01")
    new = passage("new#1", 0.50, "2022-07-12")
    r = _ranked(embeddings, [old, new], recency_weight=0.0, recency_latest_weight=0.3,
                recency_latest_half_life_days=14.0, article_weight=0.0, keep_to_period=False)
    f = Filters(as_of=date(2022, 7, 14))
    assert [p.doc_id for p in r.retrieve("Which show led the nominations this week?", 2, f)] == ["new", "old"]
    assert [p.doc_id for p in r.retrieve("Which show led the nominations?", 2, f)] == ["old", "new"]


def test_article_prior_prefers_the_passage_whose_whole_article_is_about_the_question(embeddings):
    q = "Which drink is getting a new bottle design?"
    on_topic, roundup = embeddings.encode([
        "Sprite is dropping its green plastic bottle for a clear one that is easier to recycle.",
        "Five things to know today: storms in Texas, a court ruling on tariffs, football transfers, "
        "an election in Kenya, and a soda brand changing its packaging.",
    ])
    vectors = {"feature": on_topic, "roundup": roundup}
    tied = [passage("roundup#1", 0.5), passage("feature#1", 0.5)]
    r = _ranked(embeddings, tied, doc_vectors=lambda ids: {d: vectors[d] for d in ids if d in vectors},
                article_weight=0.15, recency_weight=0.0, recency_latest_weight=0.0)
    got = r.retrieve(q, 2)
    assert [p.doc_id for p in got] == ["feature", "roundup"]
    assert got[0].score == pytest.approx(0.5 + 0.15 * float(on_topic @ embeddings.encode([q])[0]), abs=1e-4)


def test_article_vectors_from_memory_match_the_stored_article_vectors(pipeline):
    pipeline.ingest([str(_corpus())], progress=False)
    from rag.bm25 import BM25Index

    doc_id = next(iter(pipeline.store.get_chunks())).doc_id
    in_memory = BM25Index(pipeline.store).doc_vectors([doc_id, "no-such-article"])
    got = pipeline.store.articles.get(ids=[doc_id], include=["embeddings"])
    stored = np.asarray(got["embeddings"][0], dtype=np.float32)  # the article record the store writes at ingest
    assert set(in_memory) == {doc_id}
    assert np.allclose(in_memory[doc_id], stored, atol=1e-5)
    assert np.linalg.norm(stored) == pytest.approx(1.0, abs=1e-4)


def test_warm_builds_the_in_memory_index_before_the_first_question(embeddings):
    pipe = Pipeline(settings=Settings(retriever="hybrid"), embeddings=embeddings)
    pipe.ingest_articles([OLDER, NEWER], progress=False)
    fresh = Pipeline(settings=Settings(retriever="hybrid"), embeddings=embeddings)  # a restarted server
    index = fresh.retriever.sources[1].index
    assert index._loaded is None
    fresh.warm()
    assert index._loaded is not None and index.size() == pipe.store.chunks.count()


class _Dated(Retriever):
    """A real Retriever over fixed passages that honours the date filters, best score first."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = sorted(passages, key=lambda p: -p.score)

    def retrieve(self, query: str, k: int, filters: Filters | None = None) -> list[Passage]:
        f = filters or Filters()
        upper = f.upper
        keep = [p for p in self.passages if (not upper or date.fromisoformat(p.date) <= upper)
                and (not f.date_from or date.fromisoformat(p.date) >= f.date_from)]
        return keep[:k]


def test_latest_news_questions_also_search_the_recent_window(embeddings):
    archive = [passage("old1#1", 0.9, "2021-03-01"), passage("old2#1", 0.8, "2021-08-11"),
               passage("week#1", 0.3, "2022-07-07")]
    s = Settings(rescore_sentences=False, dedup=False, candidates=2, recency_weight=0.0, recency_latest_weight=0.0,
                 article_weight=0.0, recent_window_days=7)
    r = RankedRetriever([_Dated(archive)], s, SentenceScorer(embeddings))
    f = Filters(as_of=date(2022, 7, 8))
    assert "week" in [p.doc_id for p in r.retrieve("Which leader resigned this week?", 2, f)]
    assert "week" not in [p.doc_id for p in r.retrieve("Which leader resigned?", 2, f)]  # no cue, no window
    off = RankedRetriever([_Dated(archive)], s.model_copy(update={"recent_window_days": 0}), SentenceScorer(embeddings))
    assert "week" not in [p.doc_id for p in off.retrieve("Which leader resigned this week?", 2, f)]


def test_a_question_naming_a_period_is_answered_only_from_reports_of_that_period(embeddings):
    """"This week" in an archive of years: a 2021 report of another resignation is not this week's news, however
    well it matches. Undated reports stay (nothing says they are old), and a question with no bounded period
    ("currently": the newest state of things) or none at all keeps every report."""
    archive = [passage("old#1", 0.9, "2021-03-01"), passage("fortnight#1", 0.8, "2022-06-26"),
               passage("week#1", 0.3, "2022-07-07")]
    undated = passage("undated#1", 0.5)
    s = Settings(rescore_sentences=False, dedup=False, recency_weight=0.0, recency_latest_weight=0.0,
                 article_weight=0.0, recent_window_days=0)

    class _Archive(Retriever):
        def retrieve(self, query, k: int, filters: Filters | None = None) -> list[Passage]:
            return (archive + [undated])[:k]

    r = RankedRetriever([_Archive()], s, SentenceScorer(embeddings))
    f = Filters(as_of=date(2022, 7, 8))

    def ids(question: str, filters: Filters | None = f) -> set[str]:
        return {p.doc_id for p in r.retrieve(question, 5, filters)}

    assert ids("Which leader resigned this week?") == {"fortnight", "week", "undated"}
    assert ids("Which leader resigned this year?") == {"fortnight", "week", "undated"}
    assert ids("Which leader resigned?") == {"old", "fortnight", "week", "undated"}
    assert ids("Who is currently the leader?") == {"old", "fortnight", "week", "undated"}
    # Without an as-of day the period counts back from the newest report retrieved.
    assert ids("Which leader resigned this week?", None) == {"fortnight", "week", "undated"}
    off = RankedRetriever([_Archive()], s.model_copy(update={"keep_to_period": False}), SentenceScorer(embeddings))
    assert "old" in {p.doc_id for p in off.retrieve("Which leader resigned this week?", 5, f)}
