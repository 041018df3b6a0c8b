"""Request and response shapes of the HTTP API (they are also what /docs shows)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from rag.types import Citation, Dropped, Notice

# Generous per-item caps: they exist to bound memory, not to judge content (the question cap is
# RAG_MAX_QUESTION_CHARS, checked by the pipeline so every surface answers the same way).
HistoryItem = Annotated[str, StringConstraints(max_length=4000)]
SourceName = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": "who is acting president?"},
        {"question": "who met Blinken?", "k": 5, "as_of": "2025-01-31", "sources": ["Yonhap"],
         "article": "https://example.com/news/2025/01/06/blinken-seoul", "history": []},
    ]})

    # No length cap here: an over-long question gets 413 from the pipeline's own check (the body
    # itself is capped by RAG_MAX_BODY_BYTES).
    question: str = Field(..., description="The question, up to RAG_MAX_QUESTION_CHARS characters (default 1,000).")
    k: int | None = Field(None, ge=1, le=50, description="Passages to retrieve (default RAG_K).")
    as_of: str | None = Field(None, max_length=40, description="Ignore articles published after this YYYY-MM-DD.")
    sources: list[SourceName] = Field(default_factory=list, max_length=50,
                                      description="Only articles from these sources.")
    article: str | None = Field(None, max_length=2000, description=(
        "URL (or id) of the article the reader is on: it is asked first, then the whole archive."))
    history: list[HistoryItem] = Field(default_factory=list, max_length=20,
                                       description="Earlier questions of this conversation, oldest first.")


class ErrorBody(BaseModel):
    code: str
    message: str
    hint: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class AskResponse(BaseModel):
    """`rag ask --json`, plus `scope`: which articles answered ("article" or "archive")."""

    model_config = ConfigDict(extra="allow")

    question: str
    answer: str
    abstained: bool
    citations: list[Citation]  # the library's dataclass: one definition of a citation's fields
    timings_ms: dict[str, float]
    query: str
    short_answer: str | None = None
    as_of: str | None = None
    answerer: Literal["extractive", "llm"] = "extractive"  # who wrote `answer`
    model: str | None = None  # the LLM that wrote it (answerer "llm")
    dropped: list[Dropped] = []  # generated sentences verification removed, each with its reason
    fallback_reason: Literal["unreachable", "timeout", "error", "empty", "unverified"] | None = None  # LLM not used
    notices: list[Notice] = []  # e.g. code "fallback": what the reader is told about it
    scope: Literal["article", "archive"]


class LLMHealth(BaseModel):
    configured: bool  # RAG_LLM_URL is set
    model: str | None  # RAG_LLM_MODEL, or the endpoint's first model once asked
    last_call_ok: bool | None  # did the LLM answer its last call (None: not called yet)
    last_call_at: float | None  # Unix time of that call
    last_error: str | None  # why it failed


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    store: bool
    llm: LLMHealth


class IngestResponse(BaseModel):
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    failed: list[str]
    undated: list[str]  # stored without a publication date: an as-of date or date range leaves them out
    chunks_written: int
    seconds: float


class Deleted(BaseModel):
    deleted: str
