"""Exceptions with fields, so surfaces can render them (CLI message, HTTP status, chat notice)."""

from __future__ import annotations


class RagError(Exception):
    """Base error: `message` says what went wrong, `hint` says what to do about it."""

    code = "error"

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} - {self.hint}" if self.hint else self.message


class InvalidQuestion(RagError):
    code = "invalid_question"


class InvalidText(RagError, ValueError):
    """Text that cannot be accepted (rag.hygiene): e.g. a lone surrogate, or no letters or digits at all.
    A ValueError too, so request-model validators report it as a field error."""

    code = "invalid_text"


class QuestionTooLong(InvalidQuestion):
    code = "question_too_long"

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(
            f"The question is {length:,} characters long; the limit is {limit:,}.",
            "Shorten the question to its essentials (or raise RAG_MAX_QUESTION_CHARS).",
        )
        self.length = length
        self.limit = limit


class LoadError(RagError):
    """One file (or one record in it) could not be read as an article."""

    code = "load_error"

    def __init__(self, path: str, message: str, hint: str | None = None, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}", hint)
        self.path = path
        self.line = line


class FetchError(LoadError):
    """A URL could not be fetched or read. `transient` failures (timeouts, 5xx, 429, a 404 that may yet
    appear) are retried by the next run; the others (not an article, refused by robots.txt) are not."""

    code = "fetch_error"

    def __init__(self, url: str, message: str, hint: str | None = None, transient: bool = False) -> None:
        super().__init__(url, message, hint)
        self.reason = message  # without the URL in front
        self.transient = transient


class ArchiveEmpty(RagError):
    """The store holds no articles, so no question can be answered yet. The message does not name the store's
    location (readers of the chat and the API see it); `location` is there for the operator's surfaces."""

    code = "archive_empty"

    def __init__(self, location: str | None = None) -> None:
        super().__init__("The archive is empty: no articles have been ingested yet.",
                         "Add articles with `rag ingest PATH|URL` (files, folders, a feed, a sitemap or an article "
                         "page), then ask again.")
        self.location = location


class StoreUnavailable(RagError):
    code = "store_unavailable"


class ModelNotFound(RagError):
    code = "model_not_found"


class StoreBusy(RagError):
    """Another process holds the embedded store's write lock."""

    code = "store_busy"


class WorkerFailed(RagError):
    """A worker process of `rag reanalyse` died (killed for memory, say). The batches written before it are kept;
    `done` counts them."""

    code = "worker_failed"

    def __init__(self, done: int, detail: str) -> None:
        super().__init__(f"A worker process stopped ({detail}) after {done} articles were re-analysed; those are "
                         "kept.", "Run `rag reanalyse` again to finish the rest, with fewer --processes (or 1) if "
                         "memory is short.")
        self.done = done
