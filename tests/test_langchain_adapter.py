"""Our retriever through LangChain's Runnable interface, over the real store."""

from __future__ import annotations

from datetime import date

from rag.langchain import NewsRetriever
from rag.types import Filters


def test_news_retriever_returns_documents_with_citation_metadata(corpus_pipeline):
    lc = NewsRetriever(retriever=corpus_pipeline.retriever, k=2)
    docs = lc.invoke("who is acting president?")
    assert 1 <= len(docs) <= 2
    assert any("Choi Sang-mok" in d.page_content for d in docs)
    meta = docs[0].metadata
    assert meta["source"] == "Yonhap" and meta["date"] == "2025-01-06" and meta["end"] > meta["start"]
    assert NewsRetriever(retriever=corpus_pipeline.retriever, filters=Filters(as_of=date(2024, 1, 1))).invoke(
        "who is acting president?") == []
