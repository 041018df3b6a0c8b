"""Helpers for the HTTP API and widget tests: SSE parsing, a stoppable Chroma server, an in-process
uvicorn server and a static host-page server on another loopback origin."""

from __future__ import annotations

import contextlib
import http.server
import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.conftest import free_port, wait_http

API_KEY = "test-key-0123456789abcdef-not-secret"


def parse_sse(raw: str) -> list[tuple[str, dict]]:
    """(event, data) pairs of a text/event-stream body."""
    events = []
    for block in raw.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events


class ChromaProcess:
    """A real `chroma run` server on a fixed port that a test may stop and start again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
        log = open(self.path / "chroma.log", "a")  # noqa: SIM115 - the process owns it until stop()
        self.proc = subprocess.Popen([chroma, "run", "--path", str(self.path / "data"), "--host", "127.0.0.1",
                                      "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_http(f"{self.url}/api/v2/heartbeat", 60, self.proc)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


@contextlib.contextmanager
def uvicorn_thread(app) -> Iterator[str]:
    """Serve an ASGI app in this process on a free loopback port (real HTTP); yield its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("in-process uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextlib.contextmanager
def static_site(pages: dict[str, str], port: int | None = None) -> Iterator[str]:
    """Serve fixed HTML pages from another loopback origin (the news site embedding the widget)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            body = pages.get(self.path.split("?")[0])
            if body is None:
                self.send_error(404)
                return
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep test output quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port or free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def ask(client: httpx.Client, base: str, question: str, extra: dict | None = None) -> httpx.Response:
    return client.post(f"{base}/api/ask", json={"question": question, **(extra or {})}, timeout=60)


AUTH = {"Authorization": f"Bearer {API_KEY}"}


def wait_job(client: httpx.Client, base: str, job: dict, timeout: float = 300) -> dict:
    """Poll an ingest job (the 202 body of POST /api/articles) until it is no longer queued or running."""
    deadline = time.time() + timeout
    while job["state"] in ("queued", "running"):
        if time.time() > deadline:
            raise TimeoutError(f"job {job['id']} still {job['state']} after {timeout}s")
        time.sleep(0.2)
        r = client.get(f"{base}{job['location']}", headers=AUTH)
        assert r.status_code == 200, r.text
        job = r.json()
    return job


def ingest(client: httpx.Client, base: str, payload: object, timeout: float = 300) -> dict:
    """POST articles as a job and wait for it; the finished job."""
    r = client.post(f"{base}/api/articles", json=payload, headers=AUTH)
    assert r.status_code == 202, r.text
    assert r.headers["location"] == r.json()["location"]
    return wait_job(client, base, r.json(), timeout)
