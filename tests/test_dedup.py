"""Near-duplicate collapsing and MMR diversity on hand-made passages."""

from __future__ import annotations

from rag.dedup import collapse_duplicates, jaccard, mmr, shingles
from rag.types import Passage

STORY = ("The city council voted on Tuesday to build a new bridge over the river, "
         "with construction starting next spring and costing 40 million dollars.")


def p(cid: str, text: str, score: float, date: str | None = None, url: str | None = None) -> Passage:
    return Passage(chunk_id=cid, doc_id=cid, title="", text=text, start=0, end=len(text), score=score,
                   date=date, url=url)


def test_shingle_jaccard_separates_copies_from_different_stories():
    assert jaccard(shingles(STORY), shingles(STORY + " Officials welcomed it.")) > 0.8
    assert jaccard(shingles(STORY), shingles("The mayor opened a zoo on Friday with two zebras.")) < 0.1
    assert jaccard(frozenset(), shingles(STORY)) == 0.0


def test_republished_story_collapses_into_the_earliest_copy_at_the_best_rank():
    passages = [
        p("reprint", STORY + " (Reprinted.)", 0.9, "2024-05-03", "https://b.example/reprint"),
        p("other", "The mayor opened a zoo on Friday with two zebras.", 0.8, "2024-05-02"),
        p("original", STORY, 0.7, "2024-05-01", "https://a.example/original"),
    ]
    out = collapse_duplicates(passages, 0.8)
    assert [x.chunk_id for x in out] == ["original", "other"]
    assert out[0].score == 0.9  # the group keeps its best rank and score, cited as the original
    assert out[0].url == "https://a.example/original"


def test_distinct_passages_are_all_kept_in_order():
    passages = [p("a", STORY, 0.9), p("b", "The mayor opened a zoo on Friday with two zebras.", 0.5)]
    assert [x.chunk_id for x in collapse_duplicates(passages, 0.8)] == ["a", "b"]


def test_mmr_keeps_the_best_first_and_prefers_a_new_story_over_a_near_copy():
    near_copy = STORY.replace("Tuesday", "Wednesday")
    passages = [p("a", STORY, 1.0), p("a2", near_copy, 0.95), p("zoo", "The mayor opened a zoo with zebras.", 0.9)]
    out = mmr(passages, 2, lam=0.5)
    assert [x.chunk_id for x in out] == ["a", "zoo"]
    assert [x.chunk_id for x in mmr(passages, 3, lam=1.0)] == ["a", "a2", "zoo"]  # lam=1: relevance only
    assert mmr([], 3) == []
