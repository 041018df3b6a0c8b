"""Several processes on one RAG_HOME: one embedded writer at a time (a lock file with a clear message),
readers that keep answering while another process writes, no temporary folders left by dead processes.
Real model, real Chroma, real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from rag.articles import Article
from rag.bm25 import BM25Index
from rag.config import Settings
from rag.errors import StoreBusy, StoreUnavailable
from rag.pipeline import Pipeline
from rag.store import Store
from tests.api_support import ChromaProcess

RAG = str(Path(sys.executable).parent / "rag")
HOLD = """
import sys, time
from rag.config import Settings
from rag.store import Store
with Store(Settings()).writing():
    print("held", flush=True)
    time.sleep(float(sys.argv[1]))
"""


def _article(i: int) -> Article:
    return Article(id=f"story-{i}", title=f"Council story {i}", date=date(2024, 1, 1 + i % 28), source="Wire",
                   text=f"The Springfield council met for session {i} on Monday. Councillor Ada Wong proposed "
                        f"budget item {i}, and the vote on item {i} passed by seven votes to two.")


def _hold_lock(seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(seconds)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_embedded_writer_is_refused_with_a_clear_message_and_loses_nothing(rag_home, embeddings,
                                                                                    monkeypatch, tmp_path):
    pipe = Pipeline(embeddings=embeddings)
    pipe.ingest_articles([_article(0)], progress=False)
    monkeypatch.setenv("RAG_WRITE_WAIT_SECONDS", "0.5")
    holder = _hold_lock(60)
    try:
        with pytest.raises(StoreBusy) as err:
            Pipeline(embeddings=embeddings).ingest_articles([_article(1)], progress=False)
        assert "another process is writing to RAG_HOME" in err.value.message
        assert "wait or use a Chroma server" in err.value.message and "RAG_CHROMA_URL" in err.value.hint
        with pytest.raises(StoreBusy):
            Pipeline(embeddings=embeddings).delete("story-0")
        f = tmp_path / "one.jsonl"
        f.write_text(json.dumps({"id": "cli", "text": "The mayor spoke on Monday.", "date": "2024-01-02"}) + "\n")
        cli = subprocess.run([RAG, "ingest", "--quiet", str(f)], capture_output=True, text=True, timeout=300,
                             env={**os.environ, "RAG_WRITE_WAIT_SECONDS": "0.5"})
        assert cli.returncode == 2 and "another process is writing to RAG_HOME" in cli.stderr
    finally:
        holder.kill()
        holder.wait()
    after = Pipeline(embeddings=embeddings)
    assert after.store.stats()["articles"] == 1  # nothing lost, nothing half-written
    assert after.ingest_articles([_article(1)], progress=False).added == ["story-1"]


def test_threads_of_one_process_take_turns_instead_of_failing(embeddings):
    pipe = Pipeline(embeddings=embeddings)
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            pipe.ingest_articles([_article(i), _article(i + 10)], progress=False)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors and pipe.store.stats()["articles"] == 6


def test_server_mode_takes_several_writers_at_once(embeddings, chroma_server, monkeypatch):
    monkeypatch.setenv("RAG_CHROMA_URL", chroma_server)
    monkeypatch.setenv("RAG_COLLECTION", f"lock{os.getpid()}{int(time.time())}")
    first = Pipeline(embeddings=embeddings)
    with first.store.writing():  # no lock file in server mode: a second writer is not refused
        assert Pipeline(embeddings=embeddings).ingest_articles([_article(2)], progress=False).added == ["story-2"]


def test_stale_temporary_index_folders_are_removed_at_start_up(rag_home):
    index = BM25Index(Store(Settings()))
    index.root.mkdir(parents=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()  # a PID that has exited
    stale = index.root / f"v2-abc.tmp-{dead}-140000"
    live = index.root / f"v2-def.tmp-{os.getpid()}-140001"  # this process may be saving it right now
    kept = index.root / "v2-abc"
    for folder in (stale, live, kept):
        folder.mkdir()
        (folder / "params.index.json").write_text("{}")
    BM25Index(Store(Settings()))  # what a starting process does
    assert not stale.exists() and live.exists() and kept.exists()


def test_readers_keep_answering_while_another_process_writes(rag_home, embeddings, tmp_path):
    """The defect: `rag ingest` into the embedded RAG_HOME while `rag serve` answered gave 500s (Chroma
    'Error finding id' during the reader's index rebuild). Readers now never fail because of a write."""
    reader = Pipeline(settings=Settings(retriever="hybrid", index_check_seconds=0.0), embeddings=embeddings)
    reader.ingest_articles([_article(0)], progress=False)
    feed = tmp_path / "more.jsonl"
    feed.write_text("".join(json.dumps({"id": a.id, "title": a.title, "text": a.text, "date": a.iso_date,
                                        "source": a.source}) + "\n" for a in map(_article, range(1, 120))))
    writer = subprocess.Popen([RAG, "ingest", "--quiet", str(feed)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    asked, failures = 0, []
    try:
        while writer.poll() is None:
            try:
                hits = reader.retriever.retrieve("budget item vote council", 3)
                assert hits
            except Exception as exc:  # noqa: BLE001 - every failure is reported
                failures.append(repr(exc))
            asked += 1
    finally:
        out = writer.communicate(timeout=600)[0]
    assert writer.returncode == 0, out
    assert asked > 5 and failures == []
    deadline = time.monotonic() + 30  # the reader applies the finished write in the background
    while "story-117" not in {p.doc_id for p in reader.retriever.retrieve("budget item 117 session 117", 5)}:
        assert time.monotonic() < deadline, "the reader never saw the other process's articles"
        time.sleep(0.1)


def test_a_chroma_server_that_goes_away_is_store_unavailable_on_every_read(embeddings, tmp_path, monkeypatch):
    """The defect: with the server gone, a read the pipeline makes before searching (the archive-empty check)
    raised the client library's connection error, which the API could only call a 500 when Chroma was back by
    the time it looked. Every read of a dead store is StoreUnavailable: a 503 with a hint, whenever it is seen."""
    (tmp_path / "chroma").mkdir()
    chroma = ChromaProcess(tmp_path / "chroma")
    chroma.start()
    try:
        monkeypatch.setenv("RAG_CHROMA_URL", chroma.url)
        pipe = Pipeline(settings=Settings(index_check_seconds=0.0), embeddings=embeddings)
        pipe.ingest_articles([_article(1)], progress=False)
        assert pipe.ask("What did the Springfield council vote on?").citations
    finally:
        chroma.stop()
    for read in (lambda: pipe.ask("What did the Springfield council vote on?"), pipe.store.stats,
                 pipe.store.generation, pipe.store.chunk_count):
        with pytest.raises(StoreUnavailable) as err:
            read()
        assert err.value.hint
