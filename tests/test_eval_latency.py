"""eval.latency: warm ask times over a dataset, measured as `rag serve` runs (real model, real index)."""

from __future__ import annotations

from eval import latency
from eval.datasets import LoadOptions, load_dataset
from rag.pipeline import Pipeline


def test_latency_warms_the_pipeline_as_serve_does_and_times_every_question(tmp_path, monkeypatch):
    warmed = []
    real_warm = Pipeline.warm

    def warm(self: Pipeline) -> None:
        warmed.append(self)
        real_warm(self)

    monkeypatch.setattr(Pipeline, "warm", warm)
    out = latency.measure("corpus_qa", ["default"], LoadOptions(), tmp_path)["default"]
    assert len(warmed) == 1
    assert out["questions"] == len(load_dataset("corpus_qa", LoadOptions()).questions)
    assert 0 < out["total_p50_ms"] <= out["total_p95_ms"]
    assert 0 < out["retrieve_p50_ms"] <= out["retrieve_p95_ms"] <= out["total_p95_ms"]
