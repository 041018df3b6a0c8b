"""Request and response shapes of the HTTP API (they are also what /docs shows).

Requests are strict: a field of the wrong JSON type is refused (`"k": true` is not 1, `"k": "3"` is not
3), unknown fields are refused, and every text field is cleaned by rag.hygiene (a lone surrogate is a
422 naming the field, never a 500 from the tokenizer). The question itself is checked by the pipeline,
so every surface answers a bad question the same way.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    model_validator,
)

from rag.hygiene import clean_line
from rag.types import Citation, Dropped, Mention, Notice, Turn


def _clean(value: str) -> str:
    return clean_line(value, "the text")


# Generous per-item caps: they exist to bound memory, not to judge content (the question cap is
# RAG_MAX_QUESTION_CHARS, checked by the pipeline so every surface answers the same way).
CleanStr = Annotated[str, AfterValidator(_clean)]
SourceName = Annotated[CleanStr, StringConstraints(min_length=1, max_length=200)]
HistoryText = Annotated[CleanStr, StringConstraints(max_length=4000)]
IsoDay = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
MAX_HISTORY = 20
MAX_ARTICLES_PER_REQUEST = 1000
MAX_URLS_PER_REQUEST = 200


class MentionIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    text: Annotated[CleanStr, StringConstraints(max_length=400)]
    label: Annotated[CleanStr, StringConstraints(max_length=40)]


class HistoryTurn(BaseModel):
    """One earlier turn as the widget keeps it; a whole /api/ask answer object is accepted too (its
    other fields are ignored, and `date` defaults to its first citation's)."""

    model_config = ConfigDict(strict=True, extra="ignore")

    question: HistoryText
    answer: HistoryText = ""
    short_answer: Annotated[CleanStr, StringConstraints(max_length=400)] | None = None
    entities: list[MentionIn] = Field(default_factory=list, max_length=50)
    date: IsoDay | None = None
    query: HistoryText | None = None

    @model_validator(mode="before")
    @classmethod
    def _date_of_first_citation(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("date") is None and isinstance(data.get("citations"), list):
            first = data["citations"][0] if data["citations"] else None
            if isinstance(first, dict) and isinstance(first.get("date"), str):
                data = {**data, "date": first["date"]}
        return data

    def to_turn(self) -> Turn:
        return Turn(question=self.question, answer=self.answer, short_answer=self.short_answer,
                    entities=tuple(Mention(m.text, m.label) for m in self.entities), date=self.date,
                    query=self.query or None)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"question": "who is acting president?"},
        {"question": "when did he take over?", "k": 5, "as_of": "2025-01-31", "sources": ["Yonhap"],
         "article": "https://example.com/news/2025/01/06/acting-president",
         "history": [{"question": "who is acting president?", "short_answer": "Choi Sang-mok",
                      "entities": [{"text": "Choi Sang-mok", "label": "PERSON"}], "date": "2025-01-06"}]},
    ]})

    # No length cap here: an over-long question gets 413 from the pipeline's own check (the body
    # itself is capped by RAG_MAX_BODY_BYTES).
    question: str = Field(..., description="The question, up to RAG_MAX_QUESTION_CHARS characters (default 1,000).")
    k: int | None = Field(None, ge=1, le=50, description="Passages to retrieve, an integer (default RAG_K).")
    as_of: Annotated[CleanStr, StringConstraints(max_length=40)] | None = Field(
        None, description="Ignore articles published after this YYYY-MM-DD.")
    sources: list[SourceName] = Field(default_factory=list, max_length=50,
                                      description="Only articles from these sources.")
    article: Annotated[CleanStr, StringConstraints(max_length=2000)] | None = Field(None, description=(
        "URL (or id) of the article the reader is on: it is asked first, then the whole archive."))
    history: list[HistoryText | HistoryTurn] = Field(default_factory=list, max_length=MAX_HISTORY, description=(
        "Earlier turns of this conversation, oldest first: each an object {question, answer?, short_answer?, "
        "entities?, date?, query?} (an /api/ask answer object will do), or a string (an earlier question "
        "whose answer the client did not keep)."))

    def turns(self) -> list[Turn | str]:
        return [h.to_turn() if isinstance(h, HistoryTurn) else h for h in self.history if h]


class ErrorBody(BaseModel):
    code: str = Field(..., description="Stable machine-readable code, e.g. invalid_question, rate_limited.")
    message: str = Field(..., description="What was wrong, for people.")
    hint: str | None = Field(None, description="What to do about it.")


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
    query: str = Field(..., description="What was searched (a follow-up resolved against the history).")
    short_answer: str | None = Field(None, description="The answer's core (a name, a number, a date), if any.")
    as_of: str | None = None
    answer_type: str | None = Field(None, description="What the question asks for, e.g. person, date, number.")
    entities: list[Mention] = Field(default_factory=list, description="Names of the supporting sentence, in order.")
    answerer: Literal["extractive", "llm"] = Field("extractive", description="Who wrote the answer.")
    model: str | None = Field(None, description="The LLM that wrote the answer, when answerer is llm.")
    dropped: list[Dropped] = Field(default_factory=list,
                                   description="Generated sentences removed: the citations did not support them.")
    fallback_reason: Literal["unreachable", "timeout", "error", "empty", "unverified"] | None = Field(
        None, description="Why a configured LLM did not write this answer.")
    language: str = Field("en", description="The question's language as detected (answers are in English).")
    notices: list[Notice] = Field(default_factory=list,
                                  description="What the reader must know about how the question was handled.")
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


class Examples(BaseModel):
    examples: list[str] = Field(..., description="Questions the archive can answer now, built from its articles.")


class ArticleIn(BaseModel):
    """One article in the JSON ingest format (unknown fields are ignored, as `rag ingest` does)."""

    model_config = ConfigDict(extra="allow", strict=True, json_schema_extra={"examples": [{
        "id": "example-2025-01-06-1", "title": "Choi Sang-mok takes over as acting president",
        "text": "Deputy Prime Minister Choi Sang-mok has taken over as the acting president.",
        "url": "https://example.com/news/2025/01/06/acting-president", "date": "2025-01-06",
        "source": "Example News", "authors": ["A. Reporter"]}]})

    id: str | int | None = None
    title: str | None = None
    text: str | None = None
    body: str | None = None
    content: str | None = None
    url: str | None = None
    date: str | None = None
    publish_date: str | None = None
    published: str | None = None
    source: str | None = None
    authors: list[str] | str | None = None


class UrlsIn(BaseModel):
    """Pages to fetch and ingest (articles, RSS/Atom feeds, sitemaps)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    urls: list[Annotated[CleanStr, StringConstraints(min_length=1, max_length=2000)]] = Field(
        ..., min_length=1, max_length=MAX_URLS_PER_REQUEST)


def _ingest_kind(value: Any) -> str:
    if isinstance(value, list):
        return "articles"
    if isinstance(value, dict) and "urls" in value:
        return "urls"
    return "article"


ArticlesIn = Annotated[list[ArticleIn], Field(min_length=1, max_length=MAX_ARTICLES_PER_REQUEST)]
IngestIn = Annotated[Annotated[ArticleIn, Tag("article")] | Annotated[ArticlesIn, Tag("articles")]
                     | Annotated[UrlsIn, Tag("urls")], Discriminator(_ingest_kind)]


class IngestResult(BaseModel):
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    failed: list[str] = Field(..., description="One message per article that could not be stored, naming it.")
    undated: list[str] = Field(..., description="Stored without a publication date: an as-of date or date range "
                                                "leaves them out.")
    chunks_written: int
    seconds: float


class Job(BaseModel):
    id: str
    kind: Literal["articles", "urls"]
    state: Literal["queued", "running", "done", "failed", "interrupted"] = Field(..., description=(
        "done: finished (some articles may still have failed: see result.failed); failed: the job stopped "
        "(see error); interrupted: the server stopped while it ran (send the same request again: unchanged "
        "articles are skipped)."))
    total: int | None = Field(None, description="Articles in the job (for URL jobs: known once fetched).")
    processed: int = Field(..., description="Articles handled so far (stored, unchanged or failed).")
    created: str
    started: str | None = None
    finished: str | None = None
    result: IngestResult | None = None
    error: ErrorBody | None = None
    location: str = Field(..., description="Where to poll: GET this path.")


class Deleted(BaseModel):
    deleted: str
