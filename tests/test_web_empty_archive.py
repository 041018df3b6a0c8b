"""An empty archive is reported as empty, with the command that fills it, by the HTTP API (409) and the chat
(the CLI: tests/test_web_cli.py); once an article is in, the same question is answered."""

from __future__ import annotations

import httpx
import pytest

from tests.api_support import parse_sse, uvicorn_thread
from tests.conftest import CORPUS
from ui.chat import ChatSession
from ui.chat_view import DONE, ERROR


@pytest.fixture
def empty_pipeline(embeddings):
    from rag.pipeline import Pipeline

    return Pipeline(embeddings=embeddings)


def test_api_and_chat_say_the_archive_is_empty(empty_pipeline):
    from ui.server import create_app

    with uvicorn_thread(create_app(empty_pipeline)) as base:
        r = httpx.post(base + "/api/ask", json={"question": "who is acting president?"}, timeout=60)
        assert r.status_code == 409, r.text
        error = r.json()["error"]
        assert error["code"] == "archive_empty" and "rag ingest PATH|URL" in error["hint"]
        assert empty_pipeline.settings.store_location not in r.text  # no server paths for the public
        s = httpx.post(base + "/api/ask/stream", json={"question": "who is acting president?"}, timeout=60)
        assert s.status_code == 409 and s.json()["error"]["code"] == "archive_empty"

        session = ChatSession(empty_pipeline)
        *_, (html, turns, _) = session.respond("who is acting president?", [], "", "", "", [], 5)
        assert turns[-1].state == ERROR and "The archive is empty" in html and "rag ingest PATH|URL" in html

        assert empty_pipeline.ingest([str(CORPUS)], progress=False).ok
        r = httpx.post(base + "/api/ask/stream", json={"question": "who is acting president?"}, timeout=60)
        assert r.status_code == 200 and parse_sse(r.text)[-1][0] == "done"
        *_, (_, turns, _) = session.respond("who is acting president?", [], "", "", "", [], 5)
        assert turns[-1].state == DONE
