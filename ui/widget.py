"""The embeddable widget: GET /widget.js (one script a site adds with a tag) and GET /embed (the
same experience as a full page, for an iframe). Both are static files read once at start-up."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response

from rag.config import Settings

STATIC = Path(__file__).resolve().parent / "static"


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
