"""The report renders every table, ratio and plot, and escapes dataset text in HTML."""

from __future__ import annotations

from eval.report import gap_table, metrics_table, render_html, split_table, write_report

EVIL = "<script>alert('x')</script> & “quotes”"


def _summary() -> dict:
    def cfg(contains: float, hit1: float) -> dict:
        return {"index": {"chunks": 4}, "metrics": {
            "questions": 2, "answerable": 1, "unanswerable": 1, "errors": 0, "retrieval_n": 1, "short_answers_n": 0,
            "mc_n": 0, "hit@1": hit1, "hit@3": 1.0, "hit@5": 1.0, "hit@10": 1.0, "mrr@10": hit1,
            "contains_gold": contains, "em": None, "f1": None, "mc_accuracy": None, "total_p50_ms": 12.0,
            "wrong_abstention_rate": 0.0}}

    return {"created": "2026-11-29T00:00:00+00:00", "git_commit": "abc", "command": ["rag", "eval"],
            "datasets": [{"name": "toy", "description": EVIL, "corpus_articles": 1, "questions": 2, "notes": {},
                          "weeks": [], "closed_corpus_note": "", "skipped_configs": {"bm25": "not registered"},
                          "paper_baselines": [],
                          "configs": {"default": cfg(1.0, 1.0), "langchain-naive": cfg(0.5, 0.0)}}]}


def _records() -> list[dict]:
    rec = {"dataset": "toy", "config": "default", "id": "q1", "question": EVIL, "answers": ["gold"],
           "evidence_ids": ["d1"], "unanswerable": False, "type": "direct", "as_of": None,
           "result": {"answer": EVIL}, "retrieved": [{"doc_id": "d1", "score": 0.5, "title": EVIL, "text": EVIL}],
           "metrics": {"contains_gold": False, "abstained": False, "evidence_rank": 1, "f1": None, "total_ms": 12.0}}
    return [rec, {**rec, "config": "langchain-naive"}]


def test_metrics_table_has_naive_ratio_and_skips_undefined_rows():
    table = metrics_table(_summary()["datasets"][0])
    assert table.headers == ["metric", "default", "langchain-naive", "default / naive"]
    rows = {r[0]: r for r in table.rows}
    assert rows["answer contains gold"][1:] == ["100.0", "50.0", "2.00×"]
    assert rows["hit@1"][3] == "–"  # ratio against a zero is undefined, not infinite
    assert "EM (short answers)" not in rows  # no config has a value


def test_report_files_escape_dataset_text(tmp_path):
    write_report(_summary(), _records(), tmp_path)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Skipped bm25: not registered" in page
    assert (tmp_path / "toy-hitk.png").stat().st_size > 1000
    assert (tmp_path / "toy-bars.png").exists() and (tmp_path / "toy-latency.png").exists()
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "| answer contains gold | 100.0 | 50.0 | 2.00× |" in md
    assert "Worst questions: toy / default" in md
    assert render_html([]).startswith("<!doctype html>")


def test_split_table_puts_tuned_on_and_held_out_questions_side_by_side():
    summary = _summary()
    entry = summary["datasets"][0]
    assert split_table(entry) is None  # no split: no table
    entry["configs"]["default"]["by_split"] = {"dev": {"hit@1": 0.9, "questions": 10},
                                               "test": {"hit@1": 0.7, "questions": 8}}
    table = split_table(entry)
    assert table.headers == ["metric", "default: dev", "default: test"]
    rows = {r[0]: r[1:] for r in table.rows}
    assert rows["hit@1"] == ["90.0", "70.0"] and rows["n questions"] == ["10", "8"]
    assert rows["MC accuracy"] == ["–", "–"]


def test_gap_table_says_whether_a_dev_held_out_gap_is_beyond_chance():
    entry = _summary()["datasets"][0]
    assert gap_table(entry) is None  # no split: no table
    entry["configs"]["default"]["split_gap"] = {
        "contains_gold": {"dev": [55, 74], "test": [43, 70], "gap": 55 / 74 - 43 / 70, "ci95": [-0.02, 0.28]},
        "hit@1": {"dev": [70, 74], "test": [30, 70], "gap": 70 / 74 - 30 / 70, "ci95": [0.38, 0.63]}}
    rows = {r[1]: r for r in gap_table(entry).rows}
    assert rows["answer contains gold"][2:] == ["55/74 = 74.3", "43/70 = 61.4", "+12.9", "-2.0 to +28.0", "no"]
    assert rows["hit@1"][-1] == "yes"
