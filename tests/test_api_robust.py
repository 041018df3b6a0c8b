"""The server against hostile input and many doors, over real HTTP on loopback: the whole app (API,
widget, Gradio chat) served in-process by uvicorn over a real pipeline (real model, embedded store).

Each test is its own client address (X-Forwarded-For from a loopback peer), so rate limits do not leak
between tests."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
import time

import httpx
import pytest

from rag.config import Settings
from tests.api_support import API_KEY, AUTH, parse_sse, uvicorn_thread, wait_job
from tests.conftest import CORPUS

LIMIT = 8
MAX_BODY = 200_000
_ips = itertools.count(1)


@pytest.fixture(scope="module")
def served(tmp_path_factory, embeddings):
    from rag.pipeline import Pipeline
    from ui.server import create_app

    settings = Settings(home=tmp_path_factory.mktemp("robust-home"), chroma_url=None, api_key=API_KEY,
                        allowed_origins=["https://news.example"], rate_limit_per_minute=LIMIT,
                        max_body_bytes=MAX_BODY, max_concurrent_answers=2)
    pipeline = Pipeline(settings=settings, embeddings=embeddings)
    assert pipeline.ingest([str(CORPUS)], progress=False).ok
    app = create_app(pipeline)
    with uvicorn_thread(app) as url:
        yield url, app.state.api


@pytest.fixture
def base(served) -> str:
    return served[0]


@pytest.fixture
def state(served):
    return served[1]


@pytest.fixture
def client():
    n = next(_ips)
    with httpx.Client(headers={"X-Forwarded-For": f"198.51.{n // 250}.{n % 250 + 1}"}, timeout=120) as c:
        yield c


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    """The one error shape: a specific code, a message and a hint, no internals."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "hint"}, body
    err = body["error"]
    assert err["code"] == code and err["message"] and err["hint"], body
    for leak in ("Traceback", 'File "', "chromadb", "Error:", "rag-home", "/tmp/", "\\ud800"):
        assert leak not in response.text, (leak, response.text)
    return err


# -- hostile text ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/ask", "/api/ask/stream"])
def test_a_lone_surrogate_question_is_a_400_on_both_endpoints(base, client, path):
    raw = b'{"question": "who is acting \\ud800 president?"}'  # valid JSON
    err = assert_error(client.post(f"{base}{path}", content=raw, headers={"Content-Type": "application/json"}), 400,
                       "invalid_question")
    assert "broken character" in err["message"] and "UTF-8" in err["hint"]


@pytest.mark.parametrize(("field", "value"), [("sources", ["Yon\ud800hap"]), ("article", "https://x.example/\udc00"),
                                              ("history", ["who \ud800?"]), ("as_of", "2025-01-0\ud800"),
                                              ("history", [{"question": "ok?", "answer": "\udfff"}])])
def test_surrogates_in_other_fields_are_a_422_naming_the_field(base, client, field, value):
    raw = json.dumps({"question": "who is acting president?", field: value}).encode()
    err = assert_error(client.post(f"{base}/api/ask", content=raw, headers={"Content-Type": "application/json"}),
                       422, "invalid_request")
    assert field in err["message"] and "broken character" in err["message"]


def test_articles_with_hostile_text_are_422_and_nothing_is_queued(base, client, state):
    records = [{"id": "h1", "text": "Harbour \ud800 reopened."}, {"id": "h2", "text": "\u0000\u0000"},
               {"id": "h3", "text": "?!..."}, {"id": "h4", "text": "A good article about the harbour."}]
    raw = json.dumps(records).encode()
    err = assert_error(client.post(f"{base}/api/articles", content=raw, headers={**AUTH, "Content-Type":
                                                                                  "application/json"}),
                       422, "invalid_articles")
    assert "articles[0]" in err["message"] and "articles[1]" in err["message"] and "articles[2]" in err["message"]
    assert "articles[3]" not in err["message"]
    assert state.pipeline.find_article("h4") is None


@pytest.mark.parametrize("k", [True, "3", 2.5, [3], None])
def test_k_must_be_an_integer(base, client, k):
    if k is None:
        assert client.post(f"{base}/api/ask", json={"question": "who is acting president?", "k": 3}).status_code == 200
        return
    err = assert_error(client.post(f"{base}/api/ask", json={"question": "who?", "k": k}), 422, "invalid_request")
    assert "k:" in err["message"]


def test_invalid_utf8_and_deep_nesting_are_400_invalid_json_with_a_hint(base, client):
    for body, words in [(b'{"question": "who \xff\xfe is it?"}', "not valid UTF-8"),
                        (b"[" * 100_000, "nested too deeply"), (b'{"question": "who', "not valid JSON")]:
        err = assert_error(client.post(f"{base}/api/ask", content=body, headers={"Content-Type": "application/json"}),
                           400, "invalid_json")
        assert words in err["message"] and "UTF-8" in err["hint"]


def test_a_chunked_20_mb_body_is_refused_with_a_hint(base, client):
    sent = 0

    def chunks():  # no Content-Length: the cap must hold while the body streams in
        nonlocal sent
        yield b'{"question": "who?", "history": ["'
        for _ in range(20 * 64):
            sent += 16_384
            yield b"y" * 16_384
        yield b'"]}'

    err = assert_error(client.post(f"{base}/api/ask", content=chunks(), headers={"Content-Type": "application/json"}),
                       413, "body_too_large")
    assert "RAG_MAX_BODY_BYTES" in err["hint"] and f"{MAX_BODY:,}" in err["message"]


def test_refused_preflight_and_unknown_paths_are_in_the_shape(base, client):
    r = client.options(f"{base}/api/ask", headers={"Origin": "https://evil.example",
                                                   "Access-Control-Request-Method": "POST"})
    assert "RAG_ALLOWED_ORIGINS" in assert_error(r, 400, "cors_refused")["hint"]
    assert_error(client.get(f"{base}/api/no/such/thing"), 404, "not_found")
    assert_error(client.put(f"{base}/api/ask", json={}), 405, "method_not_allowed")
    assert_error(client.get(f"{base}/docs-assets/missing.js"), 404, "not_found")


# -- answers: typed history, documented fields, the slot ------------------------------------------------
def test_history_takes_turn_objects_answer_objects_and_strings(base, client):
    first = client.post(f"{base}/api/ask", json={"question": "who is acting president?"}).json()
    for history in ([first], [{"question": first["question"], "answer": first["answer"],
                               "short_answer": first["short_answer"], "date": "2025-01-06",
                               "entities": [{"text": "Choi Sang-mok", "label": "PERSON"}]}]):
        r = client.post(f"{base}/api/ask", json={"question": "what position did he hold before?", "history": history})
        assert r.status_code == 200, r.text
        assert r.json()["query"] == "what position did Choi Sang-mok hold before?"
    r = client.post(f"{base}/api/ask", json={"question": "and what about Blinken?",
                                             "history": ["who is acting president?"]})
    assert r.status_code == 200
    assert_error(client.post(f"{base}/api/ask", json={"question": "q?", "history": [{"answer": "no question"}]}), 422,
                 "invalid_request")
    assert_error(client.post(f"{base}/api/ask", json={"question": "q?", "history": ["x"] * 21}), 422,
                 "invalid_request")


def test_openapi_documents_the_answer_fields_and_the_error_shape(base, client):
    spec = client.get(f"{base}/openapi.json").json()
    answer = spec["components"]["schemas"]["AskResponse"]["properties"]
    assert {"answer_type", "entities", "answerer", "model", "dropped", "fallback_reason", "language",
            "notices", "scope", "short_answer"} <= set(answer)
    assert set(spec["components"]["schemas"]["ErrorBody"]["properties"]) == {"code", "message", "hint"}
    got = client.post(f"{base}/api/ask", json={"question": "who is acting president?"}).json()
    assert set(answer) >= set(got)


class CountingSlots:
    """Wraps the server's real AnswerSlots and counts how often a slot is taken."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.taken = 0

    async def acquire(self) -> None:
        self.taken += 1
        await self.inner.acquire()

    def release(self) -> None:
        self.inner.release()

    def hold(self):
        self.taken += 1
        return self.inner.hold()

    def hold_blocking(self):
        self.taken += 1
        return self.inner.hold_blocking()

    @property
    def busy(self) -> int:
        return self.inner.busy


def test_a_stream_takes_one_answer_slot_and_gives_it_back(base, client, state):
    real = state.throttle.slots
    counting = state.throttle.slots = CountingSlots(real)
    try:
        with client.stream("POST", f"{base}/api/ask/stream", json={"question": "who is acting president?"}) as r:
            events = parse_sse(r.read().decode())
        assert len(events) >= 3 and counting.taken == 1
        # A reader who leaves mid-stream gives the slot back too.
        with client.stream("POST", f"{base}/api/ask/stream", json={"question": "who met Blinken?"}) as r:
            next(r.iter_bytes())
        deadline = time.time() + 10
        while real.busy and time.time() < deadline:
            time.sleep(0.05)
        assert real.busy == 0 and counting.taken == 2
    finally:
        state.throttle.slots = real


# -- one throttle for every door ------------------------------------------------------------------------
def gradio_respond(client: httpx.Client, base: str, question: str) -> str:
    """Ask through the chat's Gradio HTTP endpoint (the side door of issue 15); the final transcript."""
    r = client.post(f"{base}/gradio_api/call/respond", json={"data": [question, "", "", "", [], 5]})
    assert r.status_code == 200, r.text
    events = client.get(f"{base}/gradio_api/call/respond/{r.json()['event_id']}").text
    finals = [line[len("data: "):] for line in events.splitlines() if line.startswith("data: ")]
    return json.loads(finals[-1])[0]


def test_the_chat_endpoint_shares_the_api_rate_limit(base, client):
    for _ in range(LIMIT):
        assert client.post(f"{base}/api/ask", json={"question": "who is acting president?"}).status_code == 200
    assert_error(client.post(f"{base}/api/ask", json={"question": "who is acting president?"}), 429, "rate_limited")
    html = gradio_respond(client, base, "who is acting president?")
    assert 'data-state="error"' in html and "Too many requests" in html and "Choi Sang-mok" not in html


def test_chat_questions_count_against_the_api_limit(base, client):
    for _ in range(LIMIT):
        assert "Choi Sang-mok" in gradio_respond(client, base, "who is acting president?")
    r = client.post(f"{base}/api/ask", json={"question": "who is acting president?"})
    assert_error(r, 429, "rate_limited")
    assert 1 <= int(r.headers["Retry-After"]) <= 60


def test_examples_and_stats_are_rate_limited_like_questions(base, client):
    r = client.get(f"{base}/api/examples")
    assert r.status_code == 200 and r.json()["examples"] and all(isinstance(q, str) for q in r.json()["examples"])
    assert r.json()["examples"][0] == "Who is the acting president?"
    for _ in range(LIMIT - 1):
        assert client.get(f"{base}/api/stats").status_code == 200
    assert_error(client.get(f"{base}/api/examples"), 429, "rate_limited")


# -- ingest jobs ----------------------------------------------------------------------------------------
def article(i: int, **extra) -> dict:
    return {"id": f"job-{i}", "title": f"Ferry route {i} opens", "date": "2025-02-10", "source": "Harbour Times",
            "text": f"The harbour authority opened ferry route number {i} on Monday. Tickets cost {i} euros. "
                    f"The route links the old port with island {i}.", **extra}


def test_post_articles_is_a_202_job_with_progress_failures_and_result(base, client, state):
    batch = [article(i) for i in range(20)] + [article(3, text="Different text under the same id, on purpose.")]
    t0 = time.perf_counter()
    r = client.post(f"{base}/api/articles", json=batch, headers=AUTH)
    accepted = time.perf_counter() - t0
    assert r.status_code == 202 and accepted < 5, (r.text, accepted)
    job = r.json()
    assert job["state"] in ("queued", "running") and job["total"] == 21 and job["kind"] == "articles"
    seen = set()
    while job["state"] in ("queued", "running"):
        seen.add((job["state"], job["processed"]))
        assert state.throttle.slots.busy == 0  # a job never holds an answer slot
        time.sleep(0.05)
        job = client.get(f"{base}/api/jobs/{job['id']}", headers=AUTH).json()
    assert job["state"] == "done" and job["processed"] == 21 and job["finished"], job
    result = job["result"]
    assert sorted(result["added"]) == sorted(f"job-{i}" for i in range(20))
    assert len(result["failed"]) == 1 and "articles[20]" in result["failed"][0] and "same id" in result["failed"][0]
    answer = client.post(f"{base}/api/ask", json={"question": "what do tickets for ferry route 7 cost?"}).json()
    assert any(c["doc_id"] == "job-7" for c in answer["citations"])
    again = wait_job(client, base, client.post(f"{base}/api/articles", json=batch[:20], headers=AUTH).json())
    assert len(again["result"]["unchanged"]) == 20 and again["result"]["chunks_written"] == 0


def test_a_job_survives_its_client(base, state):
    with httpx.Client(timeout=30) as c:
        job = c.post(f"{base}/api/articles", json=[article(i) for i in range(100, 110)], headers=AUTH).json()
    # The client is gone; the job runs on.
    done = state.jobs.wait(job["id"], timeout=300)
    assert done["state"] == "done" and len(done["result"]["added"]) == 10


def test_jobs_need_the_key_and_unknown_jobs_are_404(base, client):
    assert_error(client.get(f"{base}/api/jobs/nope"), 401, "unauthorized")
    assert_error(client.get(f"{base}/api/jobs/nope", headers=AUTH), 404, "job_not_found")


def test_url_jobs_use_the_url_loader_when_there_is_one(base, client, monkeypatch):
    import ui.jobs
    from rag.errors import LoadError
    from rag.loaders import article_from_record

    pages = {"https://harbour.example/2025/02/11/storm": "A storm closed the harbour on Tuesday, officials said."}

    def load_urls(urls, settings):  # the interface rag.web.load_urls implements, over fixed pages
        for u in urls:
            text = pages.get(u)
            yield article_from_record({"url": u, "text": text}, u) if text else LoadError(u, "not found (404)")

    monkeypatch.setattr(ui.jobs, "url_loader", lambda: None)
    err = assert_error(client.post(f"{base}/api/articles", json={"urls": list(pages)}, headers=AUTH), 501,
                       "url_ingest_unavailable")
    assert "text" in err["hint"]
    monkeypatch.setattr(ui.jobs, "url_loader", lambda: load_urls)
    r = client.post(f"{base}/api/articles", json={"urls": [*pages, "https://harbour.example/gone"]}, headers=AUTH)
    assert r.status_code == 202 and r.json()["kind"] == "urls"
    job = wait_job(client, base, r.json())
    assert job["result"]["added"] == list(pages) and "harbour.example/gone: not found" in job["result"]["failed"][0]
    assert_error(client.post(f"{base}/api/articles", json={"urls": []}, headers=AUTH), 422, "invalid_request")


def test_a_job_of_a_process_that_died_is_interrupted(tmp_path):
    from ui.jobs import IngestJobs

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    jobs = IngestJobs(pipeline=None, path=tmp_path / "jobs.sqlite3")
    jobs._execute("INSERT INTO jobs (id, kind, state, pid, total, created) VALUES ('j1', 'articles', 'running', ?, 3, "
                  "'2025-01-01T00:00:00+00:00')", (int(dead.stdout),))
    job = IngestJobs(pipeline=None, path=tmp_path / "jobs.sqlite3").get("j1")  # another worker, or after a restart
    assert job["state"] == "interrupted" and job["error"]["code"] == "job_interrupted" and job["error"]["hint"]


# -- the limiter across processes, the slots across threads and tasks ------------------------------------
def test_the_rate_limit_holds_across_processes_sharing_rag_home(tmp_path):
    from ui.api_limits import RateLimited, RateLimiter

    path = tmp_path / "ratelimit.sqlite3"
    script = ("import sys; from pathlib import Path; from ui.api_limits import RateLimiter, RateLimited\n"
              "lim = RateLimiter(10, path=Path(sys.argv[1])); ok = 0\n"
              "for _ in range(8):\n"
              "    try: lim.hit('203.0.113.7'); ok += 1\n"
              "    except RateLimited: pass\n"
              "print(ok)\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True)
             for _ in range(3)]
    allowed = sum(int(p.communicate(timeout=60)[0]) for p in procs)
    assert allowed == 10  # 24 attempts from three "workers", exactly the limit let through
    with pytest.raises(RateLimited):
        RateLimiter(10, path=path).hit("203.0.113.7")
    RateLimiter(10, path=path).hit("203.0.113.8")


def test_answer_slots_are_shared_by_threads_and_tasks_first_come_first_served():
    import asyncio

    from ui.api_limits import AnswerSlots

    slots = AnswerSlots(1)
    order: list[str] = []

    async def main() -> None:
        await slots.acquire()  # held by "the API"
        thread = threading.Thread(target=lambda: (slots.acquire_blocking(), order.append("chat"), slots.release()))
        thread.start()
        while not slots._waiters:
            await asyncio.sleep(0.01)
        cancelled = asyncio.ensure_future(slots.acquire())
        await asyncio.sleep(0.01)
        cancelled.cancel()  # a request that gave up while waiting must not keep a slot
        later = asyncio.ensure_future(slots.acquire())
        await asyncio.sleep(0.01)
        slots.release()
        await later
        order.append("api")
        slots.release()
        await asyncio.to_thread(thread.join, 10)

    asyncio.run(main())
    assert order == ["chat", "api"] and slots.busy == 0 and not slots._waiters
