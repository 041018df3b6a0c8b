"""The HTTP API under /api: ask (JSON and Server-Sent Events), health, stats, examples, and article
writes as ingest jobs.

Every error is JSON `{"error": {"code", "message", "hint"}}` (ui.api_errors); no stack trace or
internal location ever reaches a client. Answers run in worker threads (the pipeline is synchronous
and CPU-bound), each holding one answer slot from its first event to its last, so the event loop keeps
serving while they run and a stream costs what a JSON answer costs. Writes are queued as jobs
(ui.jobs) that run outside the answer slots.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import asdict, replace
from typing import Any, TypeVar

import anyio
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import Receive, Scope, Send

from rag.articles import id_candidates
from rag.config import Settings
from rag.errors import LoadError, RagError, StoreUnavailable
from rag.events import Cited, Done, Text
from rag.examples import examples_from_store
from rag.loaders import article_from_record
from rag.pipeline import Pipeline, parse_day
from rag.types import Filters
from ui.api_errors import (
    INTERNAL_ERROR,
    ApiError,
    ShapedCORSMiddleware,
    error_payload,
    install_error_handlers,
    public,
)
from ui.api_limits import BodyLimitMiddleware, Throttle, client_key
from ui.api_models import (
    AskRequest,
    AskResponse,
    Deleted,
    ErrorResponse,
    Examples,
    Health,
    IngestIn,
    Job,
    UrlsIn,
)
from ui.jobs import IngestJobs

log = logging.getLogger(__name__)
T = TypeVar("T")

STORE_PING_SECONDS = 5.0


# -- answering --------------------------------------------------------------------------------------
def answer_events(pipeline: Pipeline, req: AskRequest) -> Iterator[tuple[str, dict]]:
    """(event name, data) pairs of one answer, for both the JSON and the SSE endpoint.

    With `article`, that article is asked first; if it holds no answer (the answerer cites
    nothing, which it says before any text) the whole archive is asked instead. `scope` in the
    citations and done events says which one answered.
    """
    base = Filters(as_of=parse_day(req.as_of, "as_of"), sources=tuple(req.sources))
    scopes: list[tuple[str, Filters]] = []
    if req.article:
        scopes.append(("article", replace(base, doc_ids=id_candidates(req.article))))
    scopes.append(("archive", base))
    history = req.turns()
    for i, (scope, filters) in enumerate(scopes):
        fallback_left = i < len(scopes) - 1
        events = pipeline.ask_stream(req.question, req.k, filters, history)
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


class HeldStream(StreamingResponse):
    """A streaming response that runs `on_close` exactly once when it is over, however it ends
    (finished, client gone, cancelled), even if its body was never iterated."""

    def __init__(self, content: AsyncIterator[bytes], on_close: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self._on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._on_close()


# -- shared state -----------------------------------------------------------------------------------
class ApiState:
    """What the routes share: the pipeline, its settings, the throttle (shared with the chat), the jobs."""

    def __init__(self, pipeline: Pipeline, settings: Settings, throttle: Throttle | None = None,
                 jobs: IngestJobs | None = None) -> None:
        self.pipeline = pipeline
        self.settings = settings
        self.throttle = throttle or Throttle.for_settings(settings)
        self.jobs = jobs or IngestJobs.for_pipeline(pipeline)
        self._examples: tuple[str, list[str]] | None = None  # (store generation, questions)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run pipeline work in a worker thread (the caller holds the answer slot, if it needs one). A
        failure with the store down is reported as such (503), whatever the client library raised; any
        other surprise becomes a logged 500."""
        try:
            return await anyio.to_thread.run_sync(fn, *args)
        except RagError:
            raise
        except Exception as exc:
            if not await self.store_answers():
                log.warning("store unreachable: %s: %s", exc.__class__.__name__, exc)
                raise StoreUnavailable("The article store is not answering.", None) from None
            log.exception("unexpected error in the API")
            raise ApiError(500, *INTERNAL_ERROR) from None

    async def store_answers(self) -> bool:
        with anyio.move_on_after(STORE_PING_SECONDS):
            return await anyio.to_thread.run_sync(self.pipeline.store.ping, abandon_on_cancel=True)
        return False

    def _answerable(self, question: str) -> bool:
        try:
            return self.pipeline.answerable(question)
        except RagError:
            return False

    def examples(self) -> list[str]:
        """Example questions of the archive as it is now, rebuilt only when it changed (any process's write)."""
        generation = self.pipeline.store.generation()
        cached = self._examples
        if cached is None or cached[0] != generation:
            cached = self._examples = (generation, [e.question for e in examples_from_store(
                self.pipeline.store, answers=self._answerable)])
        return cached[1]


# -- routes -----------------------------------------------------------------------------------------
ERRORS = {400: {"model": ErrorResponse}, 413: {"model": ErrorResponse}, 422: {"model": ErrorResponse},
          429: {"model": ErrorResponse}, 500: {"model": ErrorResponse}, 503: {"model": ErrorResponse}}
WRITE_ERRORS = {**ERRORS, 401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}}


def build_router(api: ApiState) -> APIRouter:
    router = APIRouter(prefix="/api")
    bearer = HTTPBearer(auto_error=False, description="RAG_API_KEY of the server")

    async def rate_limit(request: Request) -> None:
        # request.client is the peer address; uvicorn replaces it with X-Forwarded-For only when the
        # peer is a trusted proxy (FORWARDED_ALLOW_IPS, default 127.0.0.1). The count is shared with the
        # chat and with the other worker processes (a SQLite file: off the event loop).
        key = client_key(request.client.host if request.client else None)
        await anyio.to_thread.run_sync(api.throttle.rate.hit, key)

    # A default value, not an Annotated hint: with postponed annotations FastAPI could not resolve
    # the local `bearer` from a string.
    def require_key(creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:  # noqa: B008
        key = api.settings.api_key
        if not key:
            raise ApiError(403, "writes_disabled", "Adding and deleting articles over HTTP is disabled on this server.",
                           "Set RAG_API_KEY to a long random secret, restart `rag serve`, and send "
                           "`Authorization: Bearer <key>`.")
        given = creds.credentials if creds else ""
        if not hmac.compare_digest(given.encode("utf-8", "surrogatepass"), key.encode("utf-8")):
            raise ApiError(401, "unauthorized", "Missing or wrong API key.",
                           "Send the server's RAG_API_KEY as `Authorization: Bearer <key>`.",
                           headers={"WWW-Authenticate": "Bearer"})

    @router.post("/ask", dependencies=[Depends(rate_limit)], response_model=AskResponse, responses=ERRORS,
                 summary="Answer a question with numbered citations (the object `rag ask --json` prints)")
    async def ask(req: AskRequest) -> JSONResponse:
        async with api.throttle.slots.hold():
            return JSONResponse(await api.run(answer_json, api.pipeline, req))

    @router.post("/ask/stream", dependencies=[Depends(rate_limit)], responses={
        **ERRORS, 200: {"content": {"text/event-stream": {}}, "description": (
            "Server-Sent Events: `citations` {scope, citations}, then `text` {delta}..., then `done` (the "
            "/api/ask object); `error` {error} if it fails after the stream started.")}},
        summary="Answer a question as Server-Sent Events, as it is composed")
    async def ask_stream(req: AskRequest) -> StreamingResponse:
        # One slot for the whole answer, taken here and given back when the response is over.
        slots = api.throttle.slots
        await slots.acquire()
        events = answer_events(api.pipeline, req)
        try:
            # Validation and retrieval happen before the first event: their errors still get a real HTTP
            # status. Only a failure after the stream has started becomes an `error` event.
            first = await api.run(next_or_end, events)
        except BaseException:
            events.close()
            slots.release()
            raise

        async def body() -> AsyncIterator[bytes]:
            item = first
            try:
                while item is not _END:
                    name, data = item
                    yield sse(name, data)
                    item = await api.run(next_or_end, events)
            except RagError as exc:
                code, message, hint = public(exc)
                yield sse("error", error_payload(code, message, hint))

        def over() -> None:
            events.close()
            slots.release()

        return HeldStream(body(), over, media_type="text/event-stream",
                          headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @router.get("/health", response_model=Health, responses={503: {"model": Health}},
                summary="Liveness, and whether the article store answers")
    async def health() -> JSONResponse:
        ok = await api.store_answers()
        # The LLM never makes the service unavailable (answers fall back to extractive): reported, not judged.
        return JSONResponse({"status": "ok" if ok else "unavailable", "store": ok,
                             "llm": api.pipeline.llm_status.as_dict()}, status_code=200 if ok else 503)

    @router.get("/stats", dependencies=[Depends(rate_limit)], responses={429: {"model": ErrorResponse},
                                                                         503: {"model": ErrorResponse}},
                summary="Articles, chunks, sources and date range of the archive")
    async def stats() -> dict:
        info = await api.run(api.pipeline.stats)
        info.pop("location", None)  # a filesystem path or internal URL is nobody's business outside
        return info

    @router.get("/examples", dependencies=[Depends(rate_limit)], response_model=Examples,
                responses={429: {"model": ErrorResponse}, 503: {"model": ErrorResponse}},
                summary="Example questions the archive can answer now (built from its newest articles)")
    async def examples() -> dict:
        return {"examples": await api.run(api.examples)}

    @router.post("/articles", dependencies=[Depends(require_key)], status_code=202, response_model=Job,
                 responses={**WRITE_ERRORS, 501: {"model": ErrorResponse}},
                 summary="Queue articles (one object, a list, or {\"urls\": [...]}) for ingest; needs the API key")
    async def add_articles(payload: IngestIn) -> JSONResponse:
        if isinstance(payload, UrlsIn):
            job = await anyio.to_thread.run_sync(api.jobs.submit_urls, payload.urls)
        else:
            records = payload if isinstance(payload, list) else [payload]
            articles, problems = [], []
            for i, rec in enumerate(records):
                item = article_from_record(rec.model_dump(exclude_none=True), f"articles[{i}]")
                (problems if isinstance(item, LoadError) else articles).append(item)
            if problems:
                # Nothing is queued unless every record is readable: the sender fixes and resends one batch.
                raise ApiError(422, "invalid_articles",
                               f"{len(problems)} of {len(records)} articles cannot be read, so none were stored: "
                               + "; ".join(str(p) for p in problems[:20]),
                               "Fix those records and send the request again.")
            job = await anyio.to_thread.run_sync(api.jobs.submit_articles, articles)
        return JSONResponse(job, status_code=202, headers={"Location": job["location"]})

    @router.get("/jobs/{job_id}", dependencies=[Depends(require_key)], response_model=Job,
                responses={**WRITE_ERRORS, 404: {"model": ErrorResponse}},
                summary="An ingest job's state, progress, per-article failures and result; needs the API key")
    async def get_job(job_id: str) -> dict:
        job = await anyio.to_thread.run_sync(api.jobs.get, job_id)
        if job is None:
            raise ApiError(404, "job_not_found", "No ingest job with that id on this server.",
                           "Use the id (or the Location header) POST /api/articles answered with; "
                           "finished jobs are kept for a day.")
        return job

    @router.delete("/articles/{ref:path}", dependencies=[Depends(require_key)], response_model=Deleted,
                   responses={**WRITE_ERRORS, 404: {"model": ErrorResponse}},
                   summary="Delete one article (and all its passages) by id or URL; needs the API key")
    async def delete_article(ref: str) -> dict:
        doc_id = await api.run(api.pipeline.find_article, ref)
        if doc_id is None:
            raise ApiError(404, "article_not_found", "No article with that id or URL.",
                           "Use the article's id, or its URL as ingested; `rag list` on the server shows ids.")
        await api.run(api.pipeline.delete, doc_id)
        return {"deleted": doc_id}

    @router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def unknown(request: Request, rest: str) -> None:
        # Without this, unknown /api paths would fall through to the chat app mounted at "/"; a known path
        # asked with another method gets here too (this route matches any path), and is told what it takes.
        path = request.url.path
        allowed = sorted({m for r in router.routes if r.endpoint is not unknown and r.path_regex.match(path)
                          for m in (r.methods or ())})
        if allowed:
            raise ApiError(405, "method_not_allowed", f"{path} does not take {request.method}.",
                           f"Use {' or '.join(allowed)}; see /docs.", headers={"Allow": ", ".join(allowed)})
        raise ApiError(404, "not_found", "There is no such API endpoint.", "See /docs for the endpoints.")

    return router


def install_api(app: FastAPI, pipeline: Pipeline, throttle: Throttle | None = None) -> ApiState:
    """Add the /api routes, the widget routes, error handlers, the body cap and CORS to `app`.
    `throttle` is shared with the chat when the server mounts both."""
    from ui.api_docs import install_offline_docs
    from ui.widget import install_widget

    settings = pipeline.settings
    if settings.api_key and len(settings.api_key) < 16:
        log.warning("RAG_API_KEY is shorter than 16 characters; use a long random secret")
    api = ApiState(pipeline, settings, throttle)
    app.state.api = api
    install_error_handlers(app)
    app.include_router(build_router(api))
    install_widget(app, settings)
    install_offline_docs(app)
    # Added last = outermost: even a refused body or a 429 carries the CORS headers, so the widget
    # can read the error instead of seeing an opaque network failure.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(ShapedCORSMiddleware, allow_origins=settings.allowed_origins, allow_methods=["GET", "POST"],
                       allow_headers=["Content-Type"], expose_headers=["Retry-After"], allow_credentials=False,
                       max_age=600)
    return api
