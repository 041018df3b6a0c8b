"""Limits that keep a public endpoint usable: a per-client rate limit and a request-body cap.

Both live in this process. With several server processes (uvicorn --workers N) each keeps its
own counts, so the effective limit is N times the configured one.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import deque
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RateLimited(Exception):
    """A client asked too often; `retry_after` is whole seconds until its next request is allowed."""

    def __init__(self, retry_after: int, limit: int) -> None:
        super().__init__(f"rate limit of {limit} per minute exceeded")
        self.retry_after = retry_after
        self.limit = limit


def client_key(host: str | None) -> str:
    """The rate-limit bucket of a client address. IPv6 clients get a whole /64 (one subscriber's
    usual allocation), or rotating through its addresses would dodge the limit."""
    if not host:
        return "unknown"
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        return str(ipaddress.ip_network(f"{addr}/64", strict=False))
    return str(addr)


class SlidingWindowLimiter:
    """At most `limit` requests per client in any `window` seconds (a log of recent request times).

    Exact rather than approximate, and cheap: each client's log holds at most `limit` entries.
    Runs on the event loop only, so it needs no lock.
    """

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_clients = max_clients
        self._log: dict[str, deque[float]] = {}

    def hit(self, client: str) -> None:
        """Record one request by `client`, or raise RateLimited without recording it."""
        now = self.clock()
        log = self._log.get(client)
        if log is None:
            if len(self._log) >= self.max_clients:
                self._forget_idle(now)
            log = self._log[client] = deque()
        while log and log[0] <= now - self.window:
            log.popleft()
        if len(log) >= self.limit:
            raise RateLimited(max(1, math.ceil(log[0] + self.window - now)), self.limit)
        log.append(now)

    def _forget_idle(self, now: float) -> None:
        # Bounded memory under a flood of distinct addresses: drop clients with no recent request,
        # and if every client is recent, the oldest half (they get a fresh window; better than OOM).
        idle = [c for c, log in self._log.items() if not log or log[-1] <= now - self.window]
        for c in idle:
            del self._log[c]
        if len(self._log) >= self.max_clients:
            by_age = sorted(self._log, key=lambda c: self._log[c][-1])
            for c in by_age[: len(by_age) // 2]:
                del self._log[c]


class BodyLimitMiddleware:
    """Refuse request bodies over `max_bytes` under `prefix` with 413, before they are read in full.

    Checks Content-Length up front and counts the bytes of chunked bodies as they arrive, so a
    client cannot make the server buffer an unbounded body.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, prefix: str = "/api/") -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised inside the app, so the app's HTTPException handler renders it as JSON.
                    raise HTTPException(413, self.message)
            return message

        await self.app(scope, counting_receive, send)

    @property
    def message(self) -> str:
        return f"The request body is larger than {self.max_bytes:,} bytes."

    async def _refuse(self, send: Send) -> None:
        import json

        body = json.dumps({"error": {"code": "body_too_large", "message": self.message,
                                     "hint": "Send fewer articles per request (or raise RAG_MAX_BODY_BYTES)."}})
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body.encode()})
