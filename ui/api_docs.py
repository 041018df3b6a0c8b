"""/docs without a CDN: Swagger UI served from the `swagger-ui-bundle-v2` package.

FastAPI's default /docs and /redoc pages load their scripts from cdn.jsdelivr.net; this product
runs offline (and a page that phones a CDN is a privacy leak for readers), so those two routes
are replaced by one that loads the bundled copy from this server.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

log = logging.getLogger(__name__)

ASSETS = "/docs-assets"


def install_offline_docs(app: FastAPI) -> None:
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:  # keep the API working; say what to install
        log.warning("swagger-ui-bundle-v2 is not installed: /docs would load Swagger UI from a CDN, so it is off")
        swagger_ui_path = None
    cdn_pages = {app.docs_url, app.redoc_url}
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) not in cdn_pages]
    if swagger_ui_path is None or not app.openapi_url:
        return
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")
    title = f"{app.title} API"

    @app.get(app.docs_url or "/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url, title=title,
                                   swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
                                   # null: no spec-validator badge fetched from validator.swagger.io
                                   swagger_ui_parameters={"validatorUrl": None})
