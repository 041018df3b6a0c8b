"""The HTTP API under /api: ask (JSON and Server-Sent Events), health, stats and article writes.

Every error under /api is JSON `{"error": {"code", "message", "hint"}}` with a meaningful status;
no stack trace ever reaches a client. Answers run in worker threads (the pipeline is synchronous
and CPU-bound) behind a small concurrency cap, so the event loop keeps serving while they run.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import asdict, replace
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag.articles import canonical_url
from rag.config import Settings
from rag.errors import InvalidQuestion, LoadError, ModelNotFound, QuestionTooLong, RagError, StoreUnavailable
from rag.events import Cited, Done, Text
from rag.loaders import article_from_record
from rag.pipeline import Pipeline, parse_day
from rag.types import Filters
from ui.api_limits import BodyLimitMiddleware, RateLimited, SlidingWindowLimiter, client_key
from ui.api_models import AskRequest, AskResponse, Deleted, ErrorResponse, Health, IngestResponse

log = logging.getLogger(__name__)
T = TypeVar("T")

STORE_PING_SECONDS = 5.0
MAX_ARTICLES_PER_REQUEST = 1000


class ApiError(RagError):
    """An error of the HTTP layer itself (auth, not found...): it carries its own status and code."""

    def __init__(self, status: int, code: str, message: str, hint: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message, hint)
        self.status = status
        self.code = code
        self.headers = headers or {}


# Library errors -> HTTP status; looked up along the class hierarchy, so QuestionTooLong (a kind of
# InvalidQuestion) finds its own 413 before InvalidQuestion's 400.
STATUS_BY_ERROR: dict[type[RagError], int] = {
    QuestionTooLong: 413,
    InvalidQuestion: 400,
    LoadError: 422,
    StoreUnavailable: 503,
    ModelNotFound: 503,
}

# Statuses the framework raises itself (routing, body cap) -> our error codes.
CODE_BY_STATUS: dict[int, str] = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large",
                                  415: "unsupported_media_type"}

INTERNAL_ERROR = ("internal_error", "Something went wrong on the server while handling this request.",
                  "Try again in a moment; if it keeps happening, tell the site's operators.")


def status_for(exc: RagError) -> int:
    if isinstance(exc, ApiError):
        return exc.status
    return next((STATUS_BY_ERROR[c] for c in type(exc).__mro__ if c in STATUS_BY_ERROR), 500)


def error_payload(code: str, message: str, hint: str | None = None) -> dict:
    return {"error": {"code": code, "message": message, "hint": hint}}


def error_response(status: int, code: str, message: str, hint: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_payload(code, message, hint), status_code=status, headers=headers)


# -- request handling helpers ---------------------------------------------------------------------
class ArticleIn(BaseModel):
    """One article in the JSON ingest format (unknown fields are ignored, as `rag ingest` does)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
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


ArticlesIn = Annotated[list[ArticleIn], Field(min_length=1, max_length=MAX_ARTICLES_PER_REQUEST)]


def article_ids(article: str) -> tuple[str, ...]:
    """Ids the article on the reader's page may be stored under: as given, and (for a web address)
    its canonical URL, which is how articles identified only by URL are keyed."""
    ids = [article.strip()]
    if ids[0].lower().startswith(("http://", "https://")):
        ids.append(canonical_url(ids[0]))
    return tuple(dict.fromkeys(ids))


def answer_events(pipeline: Pipeline, req: AskRequest) -> Iterator[tuple[str, dict]]:
    """(event name, data) pairs of one answer, for both the JSON and the SSE endpoint.

    With `article`, that article is asked first; if it holds no answer (the answerer cites
    nothing, which it says before any text) the whole archive is asked instead. `scope` in the
    citations and done events says which one answered.
    """
    base = Filters(as_of=parse_day(req.as_of, "as_of"), sources=tuple(req.sources))
    scopes: list[tuple[str, Filters]] = []
    if req.article and req.article.strip():
        scopes.append(("article", replace(base, doc_ids=article_ids(req.article))))
    scopes.append(("archive", base))
    for i, (scope, filters) in enumerate(scopes):
        fallback_left = i < len(scopes) - 1
        events = pipeline.ask_stream(req.question, req.k, filters, req.history)
        for event in events:
            if isinstance(event, Cited):
                if not event.citations and fallback_left:
                    events.close()
                    break
                yield "citations", {"scope": scope, "citations": [asdict(c) for c in event.citations]}
            elif isinstance(event, Text):
                yield "text", {"delta": event.delta}
            elif isinstance(event, Done):
                yield "done", {**event.result.to_dict(), "scope": scope}
        else:
            return


def answer_json(pipeline: Pipeline, req: AskRequest) -> dict:
    done = [data for name, data in answer_events(pipeline, req) if name == "done"]
    if not done:
        raise RuntimeError("the answer ended without a result")
    return done[-1]


_END = object()


def next_or_end(it: Iterator[T]) -> T | object:
    # StopIteration cannot cross a thread boundary (it would end the awaiting coroutine), so the end
    # of the iterator is signalled with a sentinel instead.
    return next(it, _END)


def sse(name: str, data: dict) -> bytes:
    # json.dumps escapes newlines, so one `data:` line always carries the whole payload.
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


class ApiState:
    """What the routes share: the pipeline, its settings, the rate limiter and the answer slots."""

    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self.pipeline = pipeline
        self.settings = settings
        self.rate = SlidingWindowLimiter(settings.rate_limit_per_minute)
        self.slots = anyio.CapacityLimiter(settings.max_concurrent_answers)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run pipeline work in a worker thread. A failure with the store down is reported as such
        (503), whatever the client library raised; any other surprise becomes a logged 500."""
        try:
            return await anyio.to_thread.run_sync(fn, *args, limiter=self.slots)
        except RagError:
            raise
        except Exception as exc:
            if not await self.store_answers():
                log.warning("store unreachable: %s: %s", exc.__class__.__name__, exc)
                raise StoreUnavailable("The article store is not answering right now.",
                                       "Try again in a minute; the site's operators have been told.") from None
            log.exception("unexpected error in the API")
            raise ApiError(500, *INTERNAL_ERROR) from None

    async def store_answers(self) -> bool:
        with anyio.move_on_after(STORE_PING_SECONDS):
            return await anyio.to_thread.run_sync(self.pipeline.store.ping, abandon_on_cancel=True)
        return False


# -- routes ---------------------------------------------------------------------------------------
ERRORS = {400: {"model": ErrorResponse}, 413: {"model": ErrorResponse}, 422: {"model": ErrorResponse},
          429: {"model": ErrorResponse}, 503: {"model": ErrorResponse}}


def build_router(api: ApiState) -> APIRouter:
    router = APIRouter(prefix="/api")
    bearer = HTTPBearer(auto_error=False, description="RAG_API_KEY of the server")

    async def rate_limit(request: Request) -> None:
        # request.client is the peer address; uvicorn replaces it with X-Forwarded-For only when the
        # peer is a trusted proxy (FORWARDED_ALLOW_IPS, default 127.0.0.1).
        api.rate.hit(client_key(request.client.host if request.client else None))

    # A default value, not an Annotated hint: with postponed annotations FastAPI could not resolve
    # the local `bearer` from a string.
    def require_key(creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:  # noqa: B008
        key = api.settings.api_key
        if not key:
            raise ApiError(403, "writes_disabled", "Adding and deleting articles over HTTP is disabled on this server.",
                           "Set RAG_API_KEY to a long random secret, restart `rag serve`, and send "
                           "`Authorization: Bearer <key>`.")
        given = creds.credentials if creds else ""
        if not hmac.compare_digest(given.encode("utf-8"), key.encode("utf-8")):
            raise ApiError(401, "unauthorized", "Missing or wrong API key.",
                           "Send the server's RAG_API_KEY as `Authorization: Bearer <key>`.",
                           headers={"WWW-Authenticate": "Bearer"})

    @router.post("/ask", dependencies=[Depends(rate_limit)], response_model=AskResponse, responses=ERRORS,
                 summary="Answer a question with numbered citations (the object `rag ask --json` prints)")
    async def ask(req: AskRequest) -> JSONResponse:
        return JSONResponse(await api.run(answer_json, api.pipeline, req))

    @router.post("/ask/stream", dependencies=[Depends(rate_limit)], responses={
        **ERRORS, 200: {"content": {"text/event-stream": {}}, "description": (
            "Server-Sent Events: `citations` {scope, citations}, then `text` {delta}..., then `done` (the "
            "/api/ask object); `error` {error} if it fails after the stream started.")}},
        summary="Answer a question as Server-Sent Events, as it is composed")
    async def ask_stream(req: AskRequest) -> StreamingResponse:
        events = answer_events(api.pipeline, req)
        # Validation and retrieval happen before the first event: their errors still get a real HTTP
        # status. Only a failure after the stream has started becomes an `error` event.
        first = await api.run(next_or_end, events)

        async def body() -> AsyncIterator[bytes]:
            item = first
            try:
                while item is not _END:
                    name, data = item
                    yield sse(name, data)
                    item = await api.run(next_or_end, events)
            except RagError as exc:
                yield sse("error", error_payload(exc.code, exc.message, exc.hint))
            finally:
                events.close()

        return StreamingResponse(body(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @router.get("/health", response_model=Health, responses={503: {"model": Health}},
                summary="Liveness, and whether the article store answers")
    async def health() -> JSONResponse:
        ok = await api.store_answers()
        # The LLM never makes the service unavailable (answers fall back to extractive): reported, not judged.
        return JSONResponse({"status": "ok" if ok else "unavailable", "store": ok,
                             "llm": api.pipeline.llm_status.as_dict()}, status_code=200 if ok else 503)

    @router.get("/stats", dependencies=[Depends(rate_limit)], responses={503: {"model": ErrorResponse}},
                summary="Articles, chunks, sources and date range of the archive")
    async def stats() -> dict:
        info = await api.run(api.pipeline.stats)
        info.pop("location", None)  # a filesystem path or internal URL is nobody's business outside
        return info

    @router.post("/articles", dependencies=[Depends(require_key)], response_model=IngestResponse,
                 responses={**ERRORS, 401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}},
                 summary="Add or update articles (JSON ingest format: one object or a list); needs the API key")
    async def add_articles(payload: ArticleIn | ArticlesIn) -> JSONResponse:
        records = payload if isinstance(payload, list) else [payload]
        articles, problems = [], []
        for i, rec in enumerate(records):
            item = article_from_record(rec.model_dump(exclude_none=True), f"articles[{i}]")
            (problems if isinstance(item, LoadError) else articles).append(item)
        if problems:
            # Nothing is written unless every record is readable, so a fixed resend cannot duplicate.
            raise ApiError(422, "invalid_articles",
                           f"{len(problems)} of {len(records)} articles cannot be read, so none were stored: "
                           + "; ".join(str(p) for p in problems[:20]),
                           "Fix those records and send the request again.")
        report = await api.run(api.pipeline.ingest_articles, articles, False)
        counts = {"added": report.added, "updated": report.updated, "unchanged": report.unchanged,
                  "failed": report.failed, "undated": report.undated, "chunks_written": report.chunks_written,
                  "seconds": round(report.seconds, 3)}
        if report.failed:
            body = error_payload("articles_failed", f"{len(report.failed)} articles could not be stored: "
                                 + "; ".join(report.failed[:20]), "Fix those articles and send them again; "
                                 "the others were stored.")
            return JSONResponse({**body, "report": counts}, status_code=422)
        return JSONResponse(counts, status_code=201 if report.added else 200)

    @router.delete("/articles/{doc_id:path}", dependencies=[Depends(require_key)], response_model=Deleted,
                   responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse},
                              404: {"model": ErrorResponse}, 503: {"model": ErrorResponse}},
                   summary="Delete one article (and all its passages) by id; needs the API key")
    async def delete_article(doc_id: str) -> dict:
        if not await api.run(api.pipeline.delete, doc_id):
            raise ApiError(404, "not_found", f"No article with id {doc_id!r}.",
                           "Use the id the article was ingested with; articles without an id are keyed by "
                           "their canonical URL (https://host/path, no query or trailing slash).")
        return {"deleted": doc_id}

    @router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def unknown(rest: str) -> None:
        # Without this, unknown /api paths would fall through to the chat app mounted at "/".
        raise ApiError(404, "not_found", f"There is no API endpoint /api/{rest}.", "See /docs for the endpoints.")

    return router


# -- error rendering ------------------------------------------------------------------------------
def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    async def on_rag_error(request: Request, exc: RagError) -> JSONResponse:
        headers = exc.headers if isinstance(exc, ApiError) else None
        return error_response(status_for(exc), exc.code, exc.message, exc.hint, headers)

    async def on_rate_limited(request: Request, exc: RateLimited) -> JSONResponse:
        return error_response(429, "rate_limited",
                              f"Too many requests from your address: the limit is {exc.limit} per minute.",
                              f"Wait {exc.retry_after} seconds and ask again.",
                              headers={"Retry-After": str(exc.retry_after)})

    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "invalid_json", "The request body is not valid JSON.",
                                  "Send a JSON object with Content-Type: application/json.")
        # Only field names and pydantic's messages: the submitted values are never echoed back.
        detail = "; ".join(f"{_field(tuple(e.get('loc', ())))}: {e.get('msg', 'invalid')}" for e in errors[:10])
        return error_response(422, "invalid_request", f"The request is not valid: {detail}.",
                              "Send a JSON body with Content-Type: application/json; see /docs for the fields.")

    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if not request.url.path.startswith("/api/"):
            return await http_exception_handler(request, exc)
        code = CODE_BY_STATUS.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), None, getattr(exc, "headers", None))

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, *INTERNAL_ERROR)

    app.add_exception_handler(RagError, on_rag_error)
    app.add_exception_handler(RateLimited, on_rate_limited)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)


def install_api(app: FastAPI, pipeline: Pipeline) -> None:
    """Add the /api routes, the widget routes, error handlers, the body cap and CORS to `app`."""
    from ui.api_docs import install_offline_docs
    from ui.widget import install_widget

    settings = pipeline.settings
    if settings.api_key and len(settings.api_key) < 16:
        log.warning("RAG_API_KEY is shorter than 16 characters; use a long random secret")
    api = ApiState(pipeline, settings)
    app.state.api = api
    install_error_handlers(app)
    app.include_router(build_router(api))
    install_widget(app, settings)
    install_offline_docs(app)
    # Added last = outermost: even a refused body or a 429 carries the CORS headers, so the widget
    # can read the error instead of seeing an opaque network failure.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(CORSMiddleware, allow_origins=settings.allowed_origins, allow_methods=["GET", "POST"],
                       allow_headers=["Content-Type"], expose_headers=["Retry-After"], allow_credentials=False,
                       max_age=600)
