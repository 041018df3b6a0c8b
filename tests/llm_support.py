"""Loopback servers that misbehave the way LLM endpoints do: one that accepts connections and never
answers, one that answers 500, one that streams an OpenAI-style answer slowly and records when the
client hung up. Each binds 127.0.0.1 on a free port and stops when its `with` block ends."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextlib.contextmanager
def hanging_server() -> Iterator[str]:
    """Accepts every connection, reads nothing, answers nothing."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):
                conn, _ = sock.accept()
                held.append(conn)

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    finally:
        stop.set()
        t.join(2)
        for c in held:
            c.close()
        sock.close()


def closed_port_url() -> str:
    """A loopback URL nothing listens on (a stopped server)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@dataclass
class StreamLog:
    requests: int = 0
    chunks_sent: int = 0
    disconnected_at: float | None = None  # time.monotonic() when a write failed: the client hung up
    bodies: list[dict] = field(default_factory=list)


def _serve(handler: type[BaseHTTPRequestHandler]) -> contextlib.AbstractContextManager[str]:
    @contextlib.contextmanager
    def run() -> Iterator[str]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        t.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/v1"
        finally:
            server.shutdown()
            server.server_close()
    return run()


def error_server(status: int = 500) -> contextlib.AbstractContextManager[str]:
    """Answers every request with `status` and an OpenAI-style error body."""

    class Handler(BaseHTTPRequestHandler):
        def _fail(self) -> None:
            body = json.dumps({"error": {"message": "internal error", "type": "server_error"}}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _fail

        def log_message(self, *args) -> None:
            pass

    return _serve(Handler)


def streaming_server(pieces: list[str], delay: float, log: StreamLog,
                     first_delay: float = 0.0) -> contextlib.AbstractContextManager[str]:
    """An OpenAI-compatible chat endpoint that streams `pieces` as chat.completion.chunk events, `delay`
    seconds apart (after `first_delay`), and lists one model, "slow"."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = json.dumps({"object": "list", "data": [{"id": "slow", "object": "model"}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            log.bodies.append(json.loads(self.rfile.read(length) or b"{}"))
            log.requests += 1
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            time.sleep(first_delay)
            try:
                for i, piece in enumerate(pieces):
                    chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "slow",
                             "choices": [{"index": 0, "delta": {"role": "assistant", "content": piece} if i == 0
                                          else {"content": piece}, "finish_reason": None}]}
                    self._send(f"data: {json.dumps(chunk)}\n\n")
                    log.chunks_sent += 1
                    time.sleep(delay)
                end = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "slow",
                       "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                self._send(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n")
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                log.disconnected_at = time.monotonic()
            self.close_connection = True

        def _send(self, text: str) -> None:
            data = text.encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def log_message(self, *args) -> None:
            pass

    return _serve(Handler)
