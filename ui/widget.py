"""The embeddable widget: GET /widget.js (one script a site adds with a tag), GET /embed (the same experience
as a full page, for an iframe), both static files read once at start-up; and GET /widget/origin, which tells a
widget whose requests the browser blocked whether this server refuses its page's origin (and logs it, so the
site's operators learn that RAG_ALLOWED_ORIGINS is the fix)."""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
import time
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from rag.config import Settings

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
REFUSAL_LOG_SECONDS = 600  # one log line per refused origin per 10 minutes, however many readers it has


class StaticAsset:
    """A small file held in memory with its gzip form and an ETag (the widget is fetched by every
    page view of every embedding site, so revalidation and compression matter)."""

    def __init__(self, path: Path, media_type: str, headers: dict[str, str]) -> None:
        self.body = path.read_bytes()
        self.gzipped = gzip.compress(self.body, compresslevel=9, mtime=0)
        self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'
        self.media_type = media_type
        self.headers = headers

    def response(self, request: Request) -> Response:
        headers = {**self.headers, "ETag": self.etag, "Vary": "Accept-Encoding"}
        if request.headers.get("if-none-match") == self.etag:
            return Response(status_code=304, headers=headers)
        if "gzip" in request.headers.get("accept-encoding", ""):
            return Response(self.gzipped, media_type=self.media_type, headers={**headers, "Content-Encoding": "gzip"})
        return Response(self.body, media_type=self.media_type, headers=headers)


def embed_csp(allowed_origins: list[str]) -> str:
    """No external requests at all; framing only by this server and the allowed origins."""
    ancestors = " ".join(["'self'", *allowed_origins])
    return ("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}")


class OriginCheck:
    """Answers "does this server refuse my page's origin?" for a widget whose request failed: the browser hides
    a refused CORS answer from the page, so without this the reader would only see "unreachable". Refusals
    are logged once per origin per REFUSAL_LOG_SECONDS, naming the origin and the setting that admits it."""

    def __init__(self, allowed: list[str]) -> None:
        self.allowed = set(allowed)
        self._logged: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, origin: str | None, own_origin: str) -> dict:
        allowed = not origin or origin == own_origin or origin in self.allowed
        if not allowed:
            self._log(origin)
        return {"origin": origin, "allowed": allowed, "setting": "RAG_ALLOWED_ORIGINS"}

    def _log(self, origin: str) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._logged.get(origin, -REFUSAL_LOG_SECONDS) < REFUSAL_LOG_SECONDS:
                return
            if len(self._logged) > 1000:
                self._logged.clear()  # bound memory against made-up origins; at worst a line is repeated
            self._logged[origin] = now
        log.warning("widget refused on %s: that origin is not in RAG_ALLOWED_ORIGINS (add it there and restart "
                    "to let that site ask)", origin[:200].encode("unicode_escape").decode("ascii"))


def install_widget(app: FastAPI, settings: Settings) -> None:
    common = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"}
    script = StaticAsset(STATIC / "widget.js", "application/javascript; charset=utf-8", {
        **common, "Cache-Control": "public, max-age=600",
        # Any site may load the script (that is its purpose); what it may *ask* is governed by CORS.
        "Cross-Origin-Resource-Policy": "cross-origin"})
    page = StaticAsset(STATIC / "embed.html", "text/html; charset=utf-8", {
        **common, "Cache-Control": "no-cache", "Content-Security-Policy": embed_csp(settings.allowed_origins)})

    @app.api_route("/widget.js", methods=["GET", "HEAD"], include_in_schema=False)
    async def widget_js(request: Request) -> Response:
        return script.response(request)

    @app.api_route("/embed", methods=["GET", "HEAD"], include_in_schema=False)
    async def embed(request: Request) -> Response:
        return page.response(request)

    origins = OriginCheck(settings.allowed_origins)

    @app.get("/widget/origin", include_in_schema=False)
    async def widget_origin(request: Request) -> JSONResponse:
        # Readable from any page (that is its point); it reveals only what CORS answers already reveal.
        own = f"{request.url.scheme}://{request.url.netloc}"
        return JSONResponse(origins.check(request.headers.get("origin"), own),
                            headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store", **common})
