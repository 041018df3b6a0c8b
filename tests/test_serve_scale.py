"""Serving from several processes: `rag serve --workers N`, and two `rag serve` processes (as on two
machines: separate RAG_HOME) over one Chroma server seeing each other's ingests within 10 s. Real model,
real Chroma server, real subprocesses on loopback ports."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import CORPUS, free_port, wait_http

RAG = str(Path(sys.executable).parent / "rag")
pytestmark = pytest.mark.server


@contextlib.contextmanager
def _serve(env: dict[str, str], *args: str) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    log = open(Path(env["RAG_HOME"]) / f"serve-{port}.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([RAG, "serve", "--host", "127.0.0.1", "--port", str(port), *args], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/api/health", 240, proc)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        out.extend(int(c) for c in children)
    return out


def _ask(url: str, question: str) -> dict:
    r = httpx.post(f"{url}/api/ask", json={"question": question}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def test_serve_with_two_workers_answers_from_both_processes(rag_home):
    env = {**os.environ, "RAG_HOME": str(rag_home), "RAG_RATE_LIMIT_PER_MINUTE": "1000"}
    subprocess.run([RAG, "ingest", "--quiet", str(CORPUS)], env=env, check=True, capture_output=True)
    with _serve(env, "--workers", "2") as (url, proc):
        deadline = time.time() + 60
        while len(_children(proc.pid)) < 2 and time.time() < deadline:
            time.sleep(0.5)
        assert len(_children(proc.pid)) >= 2  # uvicorn's supervisor and two worker processes
        answers = [_ask(url, "who is acting president?") for _ in range(6)]
        assert all("Choi Sang-mok" in a["answer"] for a in answers)
        assert len({json.dumps(a["citations"]) for a in answers}) == 1  # every worker gives the same answer


def test_two_serve_processes_over_one_chroma_server_see_each_others_ingests_within_10_s(chroma_server, tmp_path):
    base = {**os.environ, "RAG_CHROMA_URL": chroma_server, "RAG_COLLECTION": f"two{uuid.uuid4().hex[:10]}",
            "RAG_RATE_LIMIT_PER_MINUTE": "1000"}
    homes = [tmp_path / "machine-a", tmp_path / "machine-b"]
    for h in homes:
        h.mkdir()
    env_a, env_b = ({**base, "RAG_HOME": str(h)} for h in homes)
    subprocess.run([RAG, "ingest", "--quiet", str(CORPUS)], env=env_a, check=True, capture_output=True)
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps({"id": "zoo-zebra", "title": "Zoo news", "date": "2025-01-07", "source": "Wire",
                               "text": "The Springfield zoo welcomed a baby zebra named Quagga on Tuesday. "
                                       "Keepers said the foal is healthy."}) + "\n")
    with _serve(env_a) as (url_a, _), _serve(env_b) as (url_b, _):
        question = "what is the name of the baby zebra at the Springfield zoo?"
        for url in (url_a, url_b):
            assert "zoo-zebra" not in {c["doc_id"] for c in _ask(url, question)["citations"]}
        subprocess.run([RAG, "ingest", "--quiet", str(new)], env=env_b, check=True, capture_output=True)
        done = time.monotonic()
        for url in (url_a, url_b):  # the writer's own machine and the other one
            while "zoo-zebra" not in {c["doc_id"] for c in _ask(url, question)["citations"]}:
                assert time.monotonic() - done < 10, f"{url} did not see the new article within 10 s"
                time.sleep(0.2)
        seen = time.monotonic() - done
    assert seen < 10
