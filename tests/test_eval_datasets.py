"""Dataset loaders: our gold set's shape, the generic format (and its error messages), the
RealTime QA loaders and the paper-baseline scoring against SOURCE.md's numbers."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from eval.datasets import (
    CORPUS_DIR,
    CORPUS_QA,
    REALTIMEQA_DEFAULT,
    DatasetError,
    LoadOptions,
    is_ad_form,
    load_dataset,
    read_questions,
    title_from_url,
)

DOC = "yonhap-2025-01-06-000_6a7eddd672144986"


def _article_text() -> str:
    text = next(CORPUS_DIR.glob("*.md")).read_text(encoding="utf-8")
    return text.split("---\n", 2)[2]


def test_gold_set_has_the_promised_shape():
    qs = read_questions(CORPUS_QA)
    types = {q.type for q in qs}
    assert len(qs) >= 40
    assert {"direct", "paraphrase", "follow-up", "date-sensitive", "unanswerable"} <= types
    assert sum(q.unanswerable for q in qs) >= 10
    assert all(q.history for q in qs if q.type == "follow-up")
    assert any(q.as_of for q in qs if q.type == "date-sensitive")
    assert any("Han Duck-soo" in q.answers for q in qs)  # the former acting president is asked about too


def test_gold_answers_and_evidence_are_spans_of_the_article():
    text = _article_text()
    for q in read_questions(CORPUS_QA):
        if q.unanswerable:
            assert not q.answers and not q.evidence_ids, q.id
            continue
        assert q.evidence_ids == (DOC,), q.id
        assert q.evidence in text, q.id
        for a in q.answers:
            assert a in q.evidence, (q.id, a)


def test_corpus_qa_loads_the_corpus_through_the_product_loaders():
    ds = load_dataset("corpus_qa", LoadOptions(limit=5))
    assert [a.doc_id for a in ds.articles] == [DOC]
    assert len(ds.questions) == 5


def test_title_from_url_uses_the_slug_only():
    assert title_from_url("https://www.cnn.com/2022/06/12/media/squid-game-season-2/index.html") == \
        "Squid game season 2"
    assert title_from_url("https://www.cnn.com/2022/06/12/asia/fiji-climate-change-intl-hnk/index.html") == \
        "Fiji climate change"
    assert title_from_url("https://example.com/") == ""


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_generic_dataset_round_trip(tmp_path):
    _write(tmp_path / "corpus.jsonl", [{"id": "a1", "title": "T", "text": "Alice won the race on Sunday.",
                                        "date": "2024-05-01"}])
    _write(tmp_path / "questions.jsonl", [
        {"id": "q1", "question": "Who won the race?", "answers": ["Alice"], "evidence_ids": ["a1"],
         "unanswerable": False, "as_of": "2024-05-02", "history": []},
        {"id": "q2", "question": "Who came second?", "unanswerable": True},
    ])
    ds = load_dataset(f"generic:{tmp_path}", LoadOptions())
    assert [a.doc_id for a in ds.articles] == ["a1"]
    assert ds.questions[0].as_of.isoformat() == "2024-05-02" and ds.questions[1].unanswerable


@pytest.mark.parametrize(("row", "needle"), [
    ({"id": "q", "answers": ["x"]}, "no 'question' text"),
    ({"id": "q", "question": "Who?"}, "needs 'answers'"),
    ({"id": "q", "question": "Who?", "answers": "x", "as_of": "yesterday"}, "as_of"),
    ({"id": "q", "question": "Who?", "answers": [1]}, "list of strings"),
])
def test_generic_questions_errors_say_what_to_fix(tmp_path, row, needle):
    _write(tmp_path / "corpus.jsonl", [{"id": "a", "text": "Some text."}])
    _write(tmp_path / "questions.jsonl", [row])
    with pytest.raises(DatasetError) as err:
        load_dataset(f"generic:{tmp_path}", LoadOptions())
    assert needle in str(err.value) and err.value.hint


def test_unknown_dataset_and_missing_generic_folder(tmp_path):
    with pytest.raises(DatasetError, match="Unknown dataset"):
        load_dataset("nope", LoadOptions())
    with pytest.raises(DatasetError, match="corpus.jsonl"):
        load_dataset(f"generic:{tmp_path}", LoadOptions())


# -- RealTime QA (read in place from ../shared; never copied into the repo) ----------------------
@pytest.fixture(scope="module")
def realtimeqa_root() -> Path:
    if not (REALTIMEQA_DEFAULT / "SOURCE.md").exists():
        pytest.fail(f"RealTime QA is missing at {REALTIMEQA_DEFAULT}: the evaluation tests need the shared "
                    "dataset checked out beside the repository (../shared/datasets/realtimeqa).")
    return REALTIMEQA_DEFAULT


def test_realtimeqa_gold_questions_and_articles(realtimeqa_root):
    raw = load_dataset("realtimeqa", LoadOptions(realtimeqa_path=realtimeqa_root, repair_gold=False))
    assert len(raw.questions) == 149  # SOURCE.md: 149 questions with a non-empty gold article
    stubs = [a for a in raw.articles if is_ad_form(a.text)]
    assert len(stubs) == 10 and all(len(a.text) < 300 for a in stubs)  # the crawler saved CNN's ad form instead
    ds = load_dataset("realtimeqa", LoadOptions(realtimeqa_path=realtimeqa_root))
    assert ds.notes["gold_text_from_search_page"] == 5 and ds.notes["gold_entries_ad_form_only"] == 5
    assert len(ds.questions) == 144 and not any(is_ad_form(a.text) for a in ds.articles)
    assert ds.notes["gold_entries_empty_text"] > 0
    splits = {q.id: q.split for q in ds.questions}
    assert splits["20220617_0"] == "dev" and splits["20220930_0"] == "test" and set(splits.values()) == {"dev", "test"}
    sprite = {a.doc_id: a for a in ds.articles}["https://cnn.com/2022/07/27/business/sprite-green-bottle/index.html"]
    assert "Sprite" in sprite.text and len(sprite.text) > 500  # repaired from the same URL's search page
    docs = {a.doc_id: a for a in ds.articles}
    for q in ds.questions:
        assert q.as_of is not None and len(q.choices) >= 2 and q.gold_choice is not None
        assert all(e in docs for e in q.evidence_ids)
    squid = docs["https://cnn.com/2022/06/12/media/squid-game-season-2/index.html"]
    assert squid.title == "Squid game season 2" and squid.source == "CNN"
    assert "Squid Game" in squid.text and "How relevant is this ad" not in squid.text


def test_distractors_never_replace_a_gold_article(realtimeqa_root):
    weeks = ("20220617",)
    gold = load_dataset("realtimeqa", LoadOptions(realtimeqa_path=realtimeqa_root, weeks=weeks))
    both = load_dataset("realtimeqa-distractors", LoadOptions(realtimeqa_path=realtimeqa_root, weeks=weeks))
    by_id = {a.doc_id: a for a in both.articles}
    assert len(both.articles) > 5 * len(gold.articles)
    for a in gold.articles:
        assert by_id[a.doc_id].text == a.text  # the GCS ad stub of the same URL lost
    assert both.notes["distractor_dropped_as_gold_duplicate"] > 0


def test_open_questions_are_the_rest_over_the_same_corpus(realtimeqa_root):
    """realtimeqa-open: every question without a gold article (but "... all of these except:"), over exactly the
    realtimeqa-distractors corpus, so the two share one index."""
    opts = LoadOptions(realtimeqa_path=realtimeqa_root)
    sourced = load_dataset("realtimeqa-distractors", opts)
    open_ = load_dataset("realtimeqa-open", opts)
    assert open_.corpus == sourced.corpus == "realtimeqa-distractors"
    assert [a.doc_id for a in open_.articles] == [a.doc_id for a in sourced.articles]
    ids = {q.id for q in open_.questions}
    assert not ids & {q.id for q in sourced.questions}
    assert len(ids) + open_.notes["questions_except"] == open_.notes["questions_without_gold_article"]
    assert len(ids) + len(sourced.questions) + open_.notes["questions_except"] <= open_.notes["questions_total"]
    assert {q.split for q in open_.questions} == {"dev", "test"}
    for q in open_.questions:
        assert q.answers and q.as_of and not q.evidence_ids and not q.question.rstrip(" :").endswith("except")


def test_questions_before_the_news_are_asked_the_day_before_their_first_gold_article(realtimeqa_root):
    """realtimeqa-before: the realtimeqa-distractors questions over the same corpus, each asked when no gold
    article was out yet, so none can be retrieved and none is expected."""
    opts = LoadOptions(realtimeqa_path=realtimeqa_root)
    sourced = load_dataset("realtimeqa-distractors", opts)
    before = load_dataset("realtimeqa-before", opts)
    assert before.corpus == "realtimeqa-distractors"
    assert [a.doc_id for a in before.articles] == [a.doc_id for a in sourced.articles]
    docs = {a.doc_id: a for a in sourced.articles}
    asked = {q.id: q for q in sourced.questions}
    assert len(before.questions) + before.notes["questions_without_dated_gold"] == len(sourced.questions)
    assert len(before.questions) > 0.9 * len(sourced.questions)
    for q in before.questions:
        first = min(docs[e].date for e in asked[q.id].evidence_ids if docs[e].date)
        assert q.as_of == first - timedelta(days=1) and not q.evidence_ids
        assert (q.question, q.answers, q.split) == (asked[q.id].question, asked[q.id].answers, asked[q.id].split)


def test_paper_baselines_reproduce_source_md(realtimeqa_root):
    """SOURCE.md (computed with the authors' evaluate_main.py rules) on the 149 gold questions:
    open_gpt3_gcs MC 80.5, EM/F1 43.0/54.3; closed_gpt3 41.6, 14.1/22.0; open_rag_gcs 63.1, 34.2/42.7;
    closed_t5 MC 40.9; open_gpt3_dpr MC 48.3; open_rag_dpr MC 25.5."""
    from eval.paper import score_all

    ds = load_dataset("realtimeqa", LoadOptions(realtimeqa_path=realtimeqa_root, repair_gold=False))
    got = {b["baseline"]: b for b in score_all(ds)}
    expected = {"open_gpt3_gcs": (80.5, 43.0, 54.3), "closed_gpt3": (41.6, 14.1, 22.0),
                "open_rag_gcs": (63.1, 34.2, 42.7)}
    for name, (mc, em, f1) in expected.items():
        b = got[name]
        assert b["mc_n"] == 149
        assert round(100 * b["mc_accuracy"], 1) == mc, name
        assert round(100 * b["em"], 1) == em, name
        assert round(100 * b["f1"], 1) == f1, name
    for name, mc in {"closed_t5": 40.9, "open_gpt3_dpr": 48.3, "open_rag_dpr": 25.5}.items():
        assert round(100 * got[name]["mc_accuracy"], 1) == mc, name


def test_paper_search_results_are_ranked_with_our_retrieval_metrics(realtimeqa_root):
    """20220617_0 (Squid Game): the gold URL is Google's first result (as an ad-stub page)."""
    from dataclasses import replace

    from eval.paper import gcs_retrieval

    ds = load_dataset("realtimeqa", LoadOptions(realtimeqa_path=realtimeqa_root, weeks=("20220617",)))
    squid = replace(ds, questions=[q for q in ds.questions if q.id == "20220617_0"])
    assert gcs_retrieval(squid) == {"hit@1": 1.0, "hit@3": 1.0, "hit@5": 1.0, "hit@10": 1.0, "mrr@10": 1.0, "n": 1}
    full = gcs_retrieval(load_dataset("realtimeqa", LoadOptions(realtimeqa_path=realtimeqa_root, repair_gold=False)))
    assert full["n"] == 149 and 0 < full["hit@1"] <= full["hit@10"] < 1


# -- RGB (read in place from ../shared/datasets/rgb) ---------------------------------------------
def _rgb_file(tmp_path: Path, records: list[dict]) -> Path:
    (tmp_path / "en_fact.json").write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return tmp_path


def test_rgb_reads_true_and_unrelated_snippets_into_one_corpus_and_never_the_edited_ones(tmp_path):
    shared = "Ashleigh Barty won the women's singles title at Wimbledon in 2021."
    root = _rgb_file(tmp_path, [
        {"id": 3, "query": "Who won the women's singles Wimbledon in 2021?", "answer": "Ashleigh Barty",
         "positive": [shared], "positive_wrong": ["Simona Halep won the title at Wimbledon in 2021."],
         "negative": ["Tickets for Wimbledon go on sale in June."]},
        {"id": 71, "query": "When was Splatoon 2 released?", "answer": [["July 21 2017", "Jul 21, 2017"]],
         "positive": ["Splatoon 2 was released on July 21, 2017."], "positive_wrong": [], "negative": [shared]},
    ])
    ds = load_dataset("rgb", LoadOptions(rgb_path=root))
    texts = {a.text for a in ds.articles}
    assert shared in texts and len(ds.articles) == 3  # a snippet two records share is stored once
    assert not any("Halep" in t for t in texts)  # the counterfactual edits stay out
    first, second = ds.questions
    assert first.answers == ("Ashleigh Barty",) and second.answers == ("July 21 2017", "Jul 21, 2017")
    assert [a.text for a in ds.articles if a.doc_id in first.evidence_ids] == [shared]
    assert (first.split, second.split) == ("dev", "test")  # the first 50 records are dev, the rest held out


@pytest.mark.parametrize(("record", "needle"), [
    ({"id": 1, "query": "Who?", "answer": [["a"], ["b"]], "positive": ["x"], "negative": []}, "one list of spellings"),
    ({"id": 1, "query": "Who?", "answer": "", "positive": ["x"], "negative": []}, "neither a string"),
])
def test_rgb_errors_say_what_is_wrong_and_where(tmp_path, record, needle):
    with pytest.raises(DatasetError, match=needle):
        load_dataset("rgb", LoadOptions(rgb_path=_rgb_file(tmp_path, [record])))
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset("rgb", LoadOptions(rgb_path=tmp_path / "missing"))
