"""LangChain adapters, for users who compose newsrag into their own chains.

`NewsRetriever` exposes any of our retrievers (with its filters) as a LangChain `BaseRetriever`;
each Document carries the citation fields in its metadata.
"""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from rag.retrieve import Retriever
from rag.types import Filters


class NewsRetriever(BaseRetriever):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Retriever
    k: int = 5
    filters: Filters = Filters()

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [
            Document(page_content=p.text, id=p.chunk_id,
                     metadata={"doc_id": p.doc_id, "title": p.title, "url": p.url, "date": p.date,
                               "source": p.source, "start": p.start, "end": p.end, "score": p.score})
            for p in self.retriever.retrieve(query, self.k, self.filters)
        ]
