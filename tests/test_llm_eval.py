"""The harness's llm config and its generated-answer metrics."""

from __future__ import annotations

from eval import metrics as M
from eval.configs import CONFIGS
from eval.runner import generation_scores
from rag.types import AskResult, Citation, Dropped


def _citation(n: int) -> Citation:
    return Citation(n=n, doc_id="d", title="t", url=None, date=None, source=None, text="x", start=0, end=1, score=1.0)


def test_citation_validity_counts_sentences_citing_only_existing_citations():
    answer = "Choi is acting president [1]. He met Blinken [1][2]. Blinken left [3]. No marker here."
    assert M.sentences_with_valid_citations(answer, [1, 2]) == (2, 4)
    assert M.pooled_share([(2, 4), None, (1, 1)]) == 0.6
    assert M.pooled_share([(0, 0)]) is None


def test_generation_scores_of_an_llm_answer_and_of_a_fallback():
    llm = AskResult(question="q", answer="A [1]. B [2].", abstained=False, citations=[_citation(1), _citation(2)],
                    timings_ms={}, answerer="llm", model="m", dropped=[Dropped("C [9].", "invalid citation: [9]")])
    s = generation_scores(llm)
    assert s["sentences_valid_citations"] == [2, 2] and s["sentences_kept_dropped"] == [2, 1]
    fell = AskResult(question="q", answer="According to X, A [1].", abstained=False, citations=[_citation(1)],
                     timings_ms={}, fallback_reason="unverified", dropped=[Dropped("C.", "no citation")])
    s = generation_scores(fell)
    assert s["sentences_kept_dropped"] == [0, 1] and s["fallback_reason"] == "unverified"


def test_llm_config_reads_the_endpoint_from_the_environment(monkeypatch, tmp_path):
    cfg = CONFIGS["llm"]
    monkeypatch.delenv("RAG_LLM_URL", raising=False)
    assert "RAG_LLM_URL" in (cfg.unavailable() or "")
    monkeypatch.setenv("RAG_LLM_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("RAG_LLM_TIMEOUT", "77")
    monkeypatch.setenv("RAG_K", "9")  # other RAG_* settings still do not leak into a named config
    assert cfg.unavailable() is None
    s = cfg.settings(tmp_path)
    assert s.llm_url == "http://127.0.0.1:9/v1" and s.llm_timeout == 77 and s.k == 5
    assert cfg.index_params() == CONFIGS["default"].index_params()  # same index as default
    assert CONFIGS["default"].settings(tmp_path).llm_url is None
