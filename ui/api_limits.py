"""Limits that keep a public server usable, shared by every door (HTTP API, chat, widget):

* a per-client rate limit, counted in a SQLite file under RAG_HOME so that every worker process of
  one machine shares one count (several machines each count their own: the limit is per machine);
* answer slots: how many answers are computed at once in this process; one slot per request, held
  from the first event to the last, so a stream costs what a JSON answer costs;
* a request-body cap that also holds for chunked bodies.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import math
import sqlite3
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.config import Settings
from rag.errors import RagError

log = logging.getLogger(__name__)

RATE_FILE = "ratelimit.sqlite3"


class RateLimited(Exception):
    """A client asked too often; `retry_after` is whole seconds until its next request is allowed."""

    def __init__(self, retry_after: int, limit: int) -> None:
        super().__init__(f"rate limit of {limit} per minute exceeded")
        self.retry_after = retry_after
        self.limit = limit

    @property
    def message(self) -> str:
        return f"Too many requests from your address: the limit is {self.limit} per minute."

    @property
    def hint(self) -> str:
        return f"Wait {self.retry_after} seconds and ask again."


class BodyTooLarge(RagError):
    code = "body_too_large"

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"The request body is larger than {max_bytes:,} bytes, this server's limit.",
                         "Send a smaller body: split a batch of articles over several requests "
                         "(the server's operators can raise RAG_MAX_BODY_BYTES).")


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


class RateLimiter:
    """At most `limit` requests per client in any `window` seconds: a log of recent request times in
    SQLite (a file shared by the processes of one machine, or `path=None` for this process only).

    Exact, not approximate: the check and the insert are one IMMEDIATE transaction, so two workers
    cannot both take a client's last request. Thread-safe. Costs ~0.1 ms per hit (WAL, no fsync: the
    counts are throwaway, a crash loses at most the last moment's).
    """

    _PURGE_EVERY = 2000

    def __init__(self, limit: int, window: float = 60.0, path: Path | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.path = path
        self._lock = threading.Lock()
        self._hits = 0
        self._db = self._open(path)

    @staticmethod
    def _open(path: Path | None) -> sqlite3.Connection:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path) if path else ":memory:", timeout=10, isolation_level=None,
                             check_same_thread=False)
        if path is not None:
            db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("CREATE TABLE IF NOT EXISTS hits (client TEXT NOT NULL, t REAL NOT NULL)")
        db.execute("CREATE INDEX IF NOT EXISTS hits_by_client ON hits (client, t)")
        return db

    @classmethod
    def for_settings(cls, settings: Settings) -> RateLimiter:
        """Shared by every process using this RAG_HOME; this process alone if the folder is not writable."""
        path = settings.home / RATE_FILE
        try:
            return cls(settings.rate_limit_per_minute, path=path)
        except (OSError, sqlite3.Error) as exc:
            log.warning("rate limit counts cannot be kept in %s (%s); each process counts its own", path, exc)
            return cls(settings.rate_limit_per_minute)

    def hit(self, client: str) -> None:
        """Record one request by `client`, or raise RateLimited without recording it."""
        now = self.clock()
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM hits WHERE client = ? AND t <= ?", (client, now - self.window))
                count, oldest = db.execute("SELECT COUNT(*), MIN(t) FROM hits WHERE client = ?", (client,)).fetchone()
                if count >= self.limit:
                    raise RateLimited(max(1, math.ceil(oldest + self.window - now)), self.limit)
                db.execute("INSERT INTO hits (client, t) VALUES (?, ?)", (client, now))
                self._hits += 1
                if self._hits % self._PURGE_EVERY == 0:  # clients that went quiet: bounded size
                    db.execute("DELETE FROM hits WHERE t <= ?", (now - self.window,))
            finally:
                db.execute("COMMIT")

    def clients(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(DISTINCT client) FROM hits").fetchone()[0]


class AnswerSlots:
    """At most `n` answers computed at once in this process, shared by asyncio tasks (the HTTP API)
    and worker threads (the chat's Gradio handlers), first come first served.

    Not tied to a task or thread: a slot taken by a request handler may be given back by the
    response that streams its events, or by a generator closed on another thread.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self._free = n
        self._lock = threading.Lock()
        self._waiters: deque[_Waiter] = deque()

    @property
    def busy(self) -> int:
        with self._lock:
            return self.n - self._free

    async def acquire(self) -> None:
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return
            waiter = _Waiter(asyncio.get_running_loop().create_future())
            self._waiters.append(waiter)
        try:
            await waiter.future
        except BaseException:  # cancelled while waiting: leave the queue, or pass on a slot just granted
            with self._lock:
                granted = waiter.granted
                if not granted:
                    self._waiters.remove(waiter)
            if granted:
                self.release()
            raise

    def acquire_blocking(self) -> None:
        """From a worker thread (never from the event loop: it would block every request)."""
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return
            waiter = _Waiter(threading.Event())
            self._waiters.append(waiter)
        waiter.event.wait()

    def release(self) -> None:
        with self._lock:
            while self._waiters:
                waiter = self._waiters.popleft()
                waiter.granted = True
                if waiter.wake():
                    return
                waiter.granted = False  # its loop is gone: skip it
            self._free += 1

    @contextlib.asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        await self.acquire()
        try:
            yield
        finally:
            self.release()

    @contextlib.contextmanager
    def hold_blocking(self) -> Iterator[None]:
        self.acquire_blocking()
        try:
            yield
        finally:
            self.release()


class _Waiter:
    __slots__ = ("future", "event", "granted")

    def __init__(self, waitable: asyncio.Future | threading.Event) -> None:
        self.future = waitable if isinstance(waitable, asyncio.Future) else None
        self.event = waitable if isinstance(waitable, threading.Event) else None
        self.granted = False

    def wake(self) -> bool:
        if self.event is not None:
            self.event.set()
            return True
        loop = self.future.get_loop()
        if loop.is_closed():
            return False
        loop.call_soon_threadsafe(_resolve, self.future)
        return True


def _resolve(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


class Throttle:
    """What every door shares: the per-client rate limit and the answer slots."""

    def __init__(self, rate: RateLimiter, slots: AnswerSlots) -> None:
        self.rate = rate
        self.slots = slots

    @classmethod
    def for_settings(cls, settings: Settings) -> Throttle:
        return cls(RateLimiter.for_settings(settings), AnswerSlots(settings.max_concurrent_answers))


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
                    # Raised inside the app, so the app's error handler renders it (with CORS headers).
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counting_receive, send)

    async def _refuse(self, send: Send) -> None:
        exc = BodyTooLarge(self.max_bytes)
        body = json.dumps({"error": {"code": exc.code, "message": exc.message, "hint": exc.hint}})
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body.encode()})
