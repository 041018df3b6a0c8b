"""The results tables in eval/README.md are the committed summaries' (regenerate with `python -m eval.readme`)."""

from __future__ import annotations

import pytest

from eval.readme import HERE, START, tables, with_tables


def test_the_readme_tables_are_generated_from_the_committed_summaries():
    readme = (HERE / "README.md").read_text()
    assert readme == with_tables(readme, tables()), (
        "eval/README.md's results tables differ from eval/results/*/summary.json: run `python -m eval.readme`")


def test_every_committed_run_is_in_the_tables_with_its_commit():
    generated = tables()
    for folder in ("corpus_qa", "conversations", "realtimeqa", "realtimeqa-distractors", "realtimeqa-open",
                   "realtimeqa-before", "rgb"):
        assert f"[report](results/{folder}/report.md)" in generated
    assert "commit `unknown`" not in generated


def test_a_readme_without_the_marker_is_refused_with_what_to_do():
    with pytest.raises(ValueError, match="results tables begin"):
        with_tables("# eval\n", "| a |\n")
    assert with_tables(f"intro\n{START}\nold tables\n", "new\n") == f"intro\n{START}\n\nnew\n"
