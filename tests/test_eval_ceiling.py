"""eval.ceiling: where the answering sentence stands among the retrieved ones (real model, real index)."""

from __future__ import annotations

import pytest

from eval import ceiling
from eval.configs import CONFIGS
from eval.datasets import LoadOptions, load_dataset
from eval.runner import run_config


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    cache = tmp_path_factory.mktemp("ceiling-cache")
    return cache, ceiling.measure("corpus_qa", ["default"], LoadOptions(), cache)["default"]


def test_sentence_ranks_are_cumulative_and_bounded(measured):
    _, m = measured
    shares = [m[f"top{k}_sentences_contain_gold"] for k in ceiling.TOPS] + [m["any_retrieved_sentence_contains_gold"]]
    assert shares == sorted(shares) and 0 < shares[0] and shares[-1] <= 1
    ds = load_dataset("corpus_qa", LoadOptions())
    assert m["questions"] == sum(1 for q in ds.questions if not q.unanswerable and q.answers)


def test_answer_rate_matches_the_harness(measured, embeddings):
    """The tool asks through the same pipeline as `rag eval`: the two contains-gold rates agree."""
    cache, m = measured
    ds = load_dataset("corpus_qa", LoadOptions())
    run = run_config(ds, CONFIGS["default"], cache, embeddings, say=lambda _: None)
    assert m["answer_contains_gold"] == pytest.approx(run.summary["metrics"]["contains_gold"], abs=0.001)

