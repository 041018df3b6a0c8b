"""One error shape for every route of the server: `{"error": {"code", "message", "hint"}}`.

Every 4xx and 5xx carries a specific code, a message that says what was wrong and a hint that says
what to do. Public messages never name internal places (a store path, a server URL) or class names:
errors that may carry them are logged in full and answered with public text.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from rag.errors import (
    ArchiveEmpty,
    InvalidQuestion,
    InvalidText,
    LoadError,
    ModelNotFound,
    QuestionTooLong,
    RagError,
    StoreUnavailable,
)
from ui.api_limits import BodyTooLarge, RateLimited

log = logging.getLogger(__name__)


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
    InvalidText: 422,
    LoadError: 422,
    BodyTooLarge: 413,
    ArchiveEmpty: 409,
    StoreUnavailable: 503,
    ModelNotFound: 503,
}

# Errors whose text may name internal places or classes: what the client reads instead (the log keeps it all).
PUBLIC: dict[type[RagError], tuple[str, str]] = {
    StoreUnavailable: ("The article store is not answering right now.",
                       "Try again in a minute; if it keeps happening, tell the site's operators."),
    ModelNotFound: ("The answering model is not available on this server.",
                    "Tell the site's operators; the server log says what is missing."),
}

# Statuses the framework raises itself (routing) -> code and hint.
BY_STATUS: dict[int, tuple[str, str]] = {
    404: ("not_found", "See /docs for the endpoints."),
    405: ("method_not_allowed", "See /docs for the methods each endpoint accepts."),
    415: ("unsupported_media_type", "Send JSON with Content-Type: application/json."),
}

INTERNAL_ERROR = ("internal_error", "Something went wrong on the server while handling this request.",
                  "Try again in a moment; if it keeps happening, tell the site's operators.")
JSON_HINT = "Send one JSON object, UTF-8 encoded, with Content-Type: application/json; see /docs for the fields."


def error_payload(code: str, message: str, hint: str | None = None) -> dict:
    return {"error": {"code": code, "message": message, "hint": hint}}


def error_response(status: int, code: str, message: str, hint: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_payload(code, message, hint), status_code=status, headers=headers)


def status_for(exc: RagError) -> int:
    if isinstance(exc, ApiError):
        return exc.status
    return next((STATUS_BY_ERROR[c] for c in type(exc).__mro__ if c in STATUS_BY_ERROR), 500)


def public(exc: RagError) -> tuple[str, str, str | None]:
    """(code, message, hint) a client may read; errors that may hold internal details are logged here."""
    for cls in type(exc).__mro__:
        if cls in PUBLIC:
            log.warning("%s: %s", exc.code, exc)
            return (exc.code, *PUBLIC[cls])
    if type(exc) is RagError:  # a library failure without a class of its own (e.g. the answerer stopped)
        return "server_error", exc.message, exc.hint or INTERNAL_ERROR[2]
    return exc.code, exc.message, exc.hint


def render(exc: RagError) -> JSONResponse:
    code, message, hint = public(exc)
    return error_response(status_for(exc), code, message, hint, exc.headers if isinstance(exc, ApiError) else None)


def rate_limited_response(exc: RateLimited) -> JSONResponse:
    return error_response(429, "rate_limited", exc.message, exc.hint, headers={"Retry-After": str(exc.retry_after)})


def body_parse_error(exc: StarletteHTTPException) -> RagError | None:
    """FastAPI turns any failure to read a JSON body into a bare 400; say which failure it was."""
    cause = exc.__cause__
    if isinstance(cause, BodyTooLarge):
        return cause
    if exc.status_code != 400 or cause is None:
        return None
    if isinstance(cause, UnicodeDecodeError):
        message = f"The request body is not valid UTF-8 (byte {cause.start:,})."
    elif isinstance(cause, RecursionError):
        message = "The request body is JSON nested too deeply."
    else:
        message = "The request body could not be read as JSON."
    return ApiError(400, "invalid_json", message, JSON_HINT)


def _message(error: dict) -> str:
    """pydantic's message, or ours (rag.hygiene) without pydantic's "Value error, " prefix."""
    cause = (error.get("ctx") or {}).get("error")
    text = cause.message if isinstance(cause, RagError) else str(error.get("msg", "invalid"))
    return text if text.endswith(".") else text + "."


def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    async def on_rag_error(request: Request, exc: RagError) -> JSONResponse:
        return render(exc)

    async def on_rate_limited(request: Request, exc: RateLimited) -> JSONResponse:
        return rate_limited_response(exc)

    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "invalid_json", "The request body is not valid JSON.", JSON_HINT)
        # Only field names and our or pydantic's messages: the submitted values are never echoed back.
        ours = [e["ctx"]["error"] for e in errors if isinstance((e.get("ctx") or {}).get("error"), RagError)]
        detail = "; ".join(f"{_field(tuple(e.get('loc', ())))}: {_message(e)}" for e in errors[:10])
        return error_response(422, "invalid_request", f"The request is not valid: {detail}",
                              ours[0].hint if ours else JSON_HINT)

    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        parsed = body_parse_error(exc)
        if parsed is not None:
            return render(parsed)
        code, hint = BY_STATUS.get(exc.status_code, ("http_error", "See /docs for how to call this server."))
        message = str(exc.detail) if exc.detail else "The request could not be handled."
        return error_response(exc.status_code, code, message, hint, getattr(exc, "headers", None))

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, *INTERNAL_ERROR)

    app.add_exception_handler(RagError, on_rag_error)
    app.add_exception_handler(RateLimited, on_rate_limited)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)


class ShapedCORSMiddleware(CORSMiddleware):
    """Starlette's CORS middleware, with its refused preflight (a plain-text 400) in the one error shape."""

    def preflight_response(self, request_headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
        return error_response(response.status_code, "cors_refused",
                              f"This browser request was refused: {response.body.decode('utf-8', 'replace')}.",
                              "Call the API from a site listed in RAG_ALLOWED_ORIGINS, with GET or POST and "
                              "Content-Type; writes are not allowed from browsers.", headers)
