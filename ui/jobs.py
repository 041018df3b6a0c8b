"""Ingest jobs for the HTTP API: `POST /api/articles` queues a job and answers 202 at once.

A job runs in this process's one ingest thread (jobs run one after another, never in an answer slot),
whatever happens to the client that sent it. Its record (state, progress, per-article failures, the
result) is kept in SQLite under RAG_HOME, so every worker process of the server can report every
job, and a job whose process died is reported as interrupted instead of running forever.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib.util
import json
import logging
import os
import queue
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rag.articles import Article
from rag.errors import LoadError, RagError
from rag.types import IngestReport
from ui.api_errors import INTERNAL_ERROR, ApiError, public

log = logging.getLogger(__name__)

JOBS_FILE = "jobs.sqlite3"
KEEP_SECONDS = 24 * 3600  # finished jobs are reported for a day
JOB_BATCH = 8  # articles written per batch: progress moves in steps of this size

LoadUrls = Callable[[list[str], object], Iterator[Article | LoadError]]


@dataclass
class _Work:
    job_id: str
    items: Callable[[], Iterable[Article | LoadError]]


def url_loader() -> LoadUrls | None:
    """`rag.web.load_urls(urls, settings)`, when this version has it."""
    if importlib.util.find_spec("rag.web") is None:
        return None
    from rag import web

    return getattr(web, "load_urls", None)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _release_memory() -> None:
    """Give freed memory back to the system after a job: a batch's texts, token tensors and Chroma
    payloads are freed by Python, but glibc keeps the pages in its arenas (RSS would only grow)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class IngestJobs:
    """Queue and run ingest jobs for one pipeline; report any job of this RAG_HOME."""

    def __init__(self, pipeline, path: Path | None = None, max_queued: int = 20) -> None:
        self.pipeline = pipeline
        self.max_queued = max_queued
        self._lock = threading.Lock()
        self._db = self._open(path)
        self._queue: queue.Queue[_Work | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._mark_dead_interrupted()

    @classmethod
    def for_pipeline(cls, pipeline) -> IngestJobs:
        path = pipeline.settings.home / JOBS_FILE
        try:
            return cls(pipeline, path)
        except (OSError, sqlite3.Error) as exc:
            log.warning("job records cannot be kept in %s (%s); only this process will know its jobs", path, exc)
            return cls(pipeline)

    @staticmethod
    def _open(path: Path | None) -> sqlite3.Connection:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path) if path else ":memory:", timeout=10, isolation_level=None,
                             check_same_thread=False)
        if path is not None:
            db.execute("PRAGMA journal_mode=WAL")
        db.execute("""CREATE TABLE IF NOT EXISTS jobs (
            id TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL, pid INTEGER NOT NULL,
            total INTEGER, processed INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL, started TEXT,
            finished TEXT, finished_at REAL, result TEXT, error TEXT)""")
        return db

    def _execute(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # -- submitting ---------------------------------------------------------------------------
    def submit_articles(self, articles: list[Article]) -> dict:
        return self._submit("articles", len(articles), lambda: articles)

    def submit_urls(self, urls: list[str]) -> dict:
        load_urls = url_loader()
        if load_urls is None:
            raise ApiError(501, "url_ingest_unavailable", "This server version cannot fetch URLs.",
                           "Send the articles themselves (JSON objects with their text); see /docs.")
        settings = self.pipeline.settings
        return self._submit("urls", None, lambda: load_urls(list(urls), settings))

    def _submit(self, kind: str, total: int | None, items: Callable[[], Iterable[Article | LoadError]]) -> dict:
        if self._queue.qsize() >= self.max_queued:
            raise ApiError(503, "busy", f"{self.max_queued} ingest jobs are already waiting on this server.",
                           "Wait for them to finish (GET /api/jobs/{id}) and send this one again.",
                           headers={"Retry-After": "30"})
        job_id = uuid.uuid4().hex
        self._prune()
        self._execute("INSERT INTO jobs (id, kind, state, pid, total, created) VALUES (?, ?, 'queued', ?, ?, ?)",
                      (job_id, kind, os.getpid(), total, _now()))
        self._ensure_thread()
        self._queue.put(_Work(job_id, items))
        return self.get(job_id)

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ingest-jobs", daemon=True)
                self._thread.start()

    # -- running ------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            work = self._queue.get()
            if work is None:
                return
            try:
                self._run_one(work)
            finally:
                del work  # the job's articles, before memory is trimmed
                _release_memory()

    def _run_one(self, work: _Work) -> None:
        self._execute("UPDATE jobs SET state = 'running', started = ? WHERE id = ?", (_now(), work.job_id))

        def progress(report: IngestReport) -> None:
            self._execute("UPDATE jobs SET processed = ? WHERE id = ?", (_handled(report), work.job_id))

        try:
            report = self.pipeline.ingest_articles(work.items(), progress=False, batch=JOB_BATCH, on_batch=progress)
        except RagError as exc:
            code, message, hint = public(exc)
            self._finish(work.job_id, "failed", error={"code": code, "message": message, "hint": hint})
            return
        except Exception:
            log.exception("ingest job %s failed", work.job_id)
            code, message, hint = INTERNAL_ERROR
            self._finish(work.job_id, "failed", error={"code": code, "message": message, "hint": hint})
            return
        result = {"added": report.added, "updated": report.updated, "unchanged": report.unchanged,
                  "failed": report.failed, "undated": report.undated, "chunks_written": report.chunks_written,
                  "seconds": round(report.seconds, 3)}
        self._finish(work.job_id, "done", result=result, total=_handled(report))

    def _finish(self, job_id: str, state: str, result: dict | None = None, error: dict | None = None,
                total: int | None = None) -> None:
        self._execute("UPDATE jobs SET state = ?, finished = ?, finished_at = ?, result = ?, error = ?, "
                      "total = COALESCE(?, total), processed = COALESCE(?, processed) WHERE id = ?",
                      (state, _now(), time.time(), json.dumps(result) if result else None,
                       json.dumps(error) if error else None, total, total, job_id))

    def wait(self, job_id: str, timeout: float = 600.0) -> dict:
        """Block until the job has finished (for the command line and tests); the job's record."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if job is None or job["state"] not in ("queued", "running") or time.monotonic() > deadline:
                return job
            time.sleep(0.1)

    def close(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)

    # -- reporting ----------------------------------------------------------------------------
    def get(self, job_id: str) -> dict | None:
        rows = self._execute("SELECT id, kind, state, pid, total, processed, created, started, finished, result, "
                             "error FROM jobs WHERE id = ?", (job_id,))
        if not rows:
            return None
        jid, kind, state, pid, total, processed, created, started, finished, result, error = rows[0]
        if state in ("queued", "running") and pid != os.getpid() and not _alive(pid):
            state, error = self._interrupt(jid), json.dumps(INTERRUPTED)
        return {"id": jid, "kind": kind, "state": state, "total": total, "processed": processed, "created": created,
                "started": started, "finished": finished, "result": json.loads(result) if result else None,
                "error": json.loads(error) if error else None, "location": f"/api/jobs/{jid}"}

    def _interrupt(self, job_id: str) -> str:
        self._execute("UPDATE jobs SET state = 'interrupted', finished_at = ?, error = ? WHERE id = ? "
                      "AND state IN ('queued', 'running')",
                      (time.time(), json.dumps(INTERRUPTED), job_id))
        return "interrupted"

    def _mark_dead_interrupted(self) -> None:
        for (jid, pid) in self._execute("SELECT id, pid FROM jobs WHERE state IN ('queued', 'running')"):
            if pid != os.getpid() and not _alive(pid):
                self._interrupt(jid)

    def _prune(self) -> None:
        self._execute("DELETE FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?",
                      (time.time() - KEEP_SECONDS,))


INTERRUPTED = {"code": "job_interrupted", "message": "The server stopped while this job ran.",
               "hint": "Send the same request again: articles already stored unchanged are skipped."}


def _handled(report: IngestReport) -> int:
    return len(report.added) + len(report.updated) + len(report.unchanged) + len(report.failed)
