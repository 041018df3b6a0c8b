"""One ASGI app: the HTTP API under /api, the widget, and the Gradio chat mounted at /."""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)


def create_app(pipeline=None):
    """Build the FastAPI app with the chat mounted at '/'. The pipeline is shared by every surface."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr
    from fastapi import FastAPI

    from rag.pipeline import Pipeline
    from ui.chat import CSS_PATH, FAVICON_PATH, HEAD, build_chat, chat_theme

    pipeline = pipeline or Pipeline()
    app = FastAPI(title="newsrag", version="0.1.0")
    app.state.pipeline = pipeline
    from ui.api import install_api
    from ui.api_limits import Throttle

    # One throttle for every door: the chat's questions count against the same per-client limit and
    # take the same answer slots as the API's.
    throttle = Throttle.for_settings(pipeline.settings)
    install_api(app, pipeline, throttle)
    blocks = build_chat(pipeline, throttle)
    # Page assets must be given here: mount_gradio_app overrides the Blocks' own css/head/theme.
    # run_history=False: do not keep the reader's questions in the browser's storage.
    return gr.mount_gradio_app(app, blocks, path="/", footer_links=[], ssr_mode=False, run_history=False,
                               css_paths=[CSS_PATH], head=HEAD, favicon_path=str(FAVICON_PATH),
                               theme=chat_theme())


def serving_app():
    """The app of one serving process: the pipeline warmed before the first reader waits for it. Also the
    uvicorn factory every worker of `rag serve --workers N` calls (`ui.server:serving_app`): each worker is
    its own process with its own pipeline, opening the persisted index rather than building it."""
    from rag.pipeline import Pipeline
    from rag.threads import set_compute_threads

    pipeline = Pipeline()
    set_compute_threads(pipeline.settings.compute_threads)  # once, before any request (rag/threads.py)
    pipeline.store.stats()  # fail fast with a clear message if the store is unreachable
    pipeline.warm()
    return create_app(pipeline)


def run(host: str = "127.0.0.1", port: int = 7860, workers: int = 1) -> None:
    import uvicorn

    from rag.config import get_settings
    from rag.store import Store

    settings = get_settings()
    stale = Store(settings).stats()["stale_entities"]  # a clear message now, not one per worker
    if stale:
        log.warning("%d stored articles carry named entities found by an older newsrag (short answers and "
                    "follow-ups read them); run `rag reanalyse` to find them again", stale)
    if workers > 1:
        if not settings.chroma_url:
            log.warning("%d workers over the embedded store: writes take turns (one writer at a time); "
                        "set RAG_CHROMA_URL to a Chroma server for several writers", workers)
        print(f"newsrag: {workers} workers loading the model and the search index...", flush=True)
        print(f"newsrag: serving the chat on http://{host}:{port}/", flush=True)
        uvicorn.run("ui.server:serving_app", factory=True, workers=workers, host=host, port=port,
                    log_level="warning")
        return
    print("newsrag: loading the model and the search index...", flush=True)
    app = serving_app()
    print(f"newsrag: serving the chat on http://{host}:{port}/", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
