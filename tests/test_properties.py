"""Property-based tests (hypothesis) at the boundaries where outside data enters: text hygiene, the
loaders (records and whole files of every format), the chunker (with the real tokenizer), and the
HTTP API's request models (through the real app and pipeline). At least 1,000 generated inputs per
boundary: arbitrary Unicode (lone surrogates, controls, bidi and zero-width characters, combining
marks, emoji, long runs without spaces), arbitrary JSON types and sizes.

The runs are derandomized (the same inputs each run, so CI cannot flake); RAG_PROPERTY_EXAMPLES
changes the count and RAG_PROPERTY_RANDOM=1 explores new inputs."""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.articles import Article, canonical_url
from rag.errors import InvalidText, LoadError
from rag.hygiene import clean_line, clean_text, has_words
from rag.loaders import LOADERS, article_from_record

EXAMPLES = int(os.environ.get("RAG_PROPERTY_EXAMPLES", "1000"))
PROPERTIES = settings(max_examples=EXAMPLES, deadline=None, database=None,
                      derandomize=os.environ.get("RAG_PROPERTY_RANDOM") != "1",
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                             HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])

NASTY = ["\ud800", "\udfff", "\udbff", "\x00", "\x1b", "\x7f", "\x85", "\x9f", "\u202e", "\u2066", "\u200b",
         "\u200d", "\ufeff", "\u00ad", "\u2028", "\u2029", "\r\n", "\r", "\t", "\x0b", "\x0c", "\u0301", "\u00a0",
         "\u3000", "\ufffd", "\uffff", "\U0001f1f0\U0001f1f7", "🤔", "東京", "ﬁ", "e\u0301", "<script>", "&amp;",
         "---\n", "\n\n\n", ". ", "U.S.", "Dr.", "#", "\\", '"', "{", "[", "https://x.example/a?utm_source=b#c"]
WORDS = ["the", "council", "approved", "a", "tram", "line", "on", "Tuesday", "Choi", "Sang-mok", "said", "2025",
         "Yonhap", "Seoul", "officials", "president", "acting", "."]

any_char = st.characters(exclude_categories=())  # every category, lone surrogates included
nasty = st.sampled_from(NASTY)
word_run = st.sampled_from([" ".join(WORDS[i:i + n]) for i in range(len(WORDS)) for n in (1, 3, 8)])
hostile_text = st.one_of(
    st.text(any_char, max_size=30),
    # ordinary words with hostile characters around and inside them (tuples: cheaper to draw than lists)
    st.tuples(st.text(any_char, max_size=6), nasty, word_run, nasty, word_run, st.text(any_char, max_size=6),
              nasty).map("".join),
    st.tuples(word_run, st.sampled_from([" ", "\n", ". "]), word_run).map("".join),
    # long runs with few or no spaces (numbers, URLs, tables), built cheaply from a repeated unit
    st.tuples(st.sampled_from(["1", "1.", "ab", "x" * 7, "a b ", "é", "東", "\u0301", "- ", "word. "]),
              st.integers(50, 1500)).map(lambda p: p[0] * p[1]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | hostile_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(hostile_text, children, max_size=4),
    max_leaves=6,
)
FIELDS = ["id", "title", "text", "body", "content", "url", "date", "publish_date", "published", "source", "authors"]
records = st.dictionaries(st.sampled_from(FIELDS) | hostile_text, hostile_text | hostile_text | json_values, max_size=6)


def is_clean(text: str, *, line: bool) -> bool:
    text.encode("utf-8")  # raises on a surrogate
    allowed = {"\t", "\n"} if not line else set()
    return (unicodedata.is_normalized("NFC", text) and text == text.strip()
            and not any(unicodedata.category(c) == "Cc" and c not in allowed for c in text))


# -- hygiene -----------------------------------------------------------------------------------------
@PROPERTIES
@given(hostile_text)
def test_cleaning_refuses_exactly_the_surrogates_and_leaves_clean_idempotent_text(text):
    surrogate = any(0xD800 <= ord(c) <= 0xDFFF for c in text)
    try:
        body, line = clean_text(text), clean_line(text)
    except InvalidText as exc:
        assert surrogate and exc.hint
        return
    assert not surrogate
    assert is_clean(body, line=False) and is_clean(line, line=True) and "\n" not in line
    assert clean_text(body) == body and clean_line(line) == line
    assert has_words(line) == has_words(body)


# -- loaders -----------------------------------------------------------------------------------------
def assert_clean_article(a: Article) -> None:
    assert has_words(a.text) and is_clean(a.text, line=False)
    for value in (a.title, a.id or "", a.url or "", a.source or "", *a.authors):
        assert is_clean(value, line=True), value
    a.doc_id.encode("utf-8")
    a.content_hash  # noqa: B018 - computes over every field


@PROPERTIES
@given(records)
def test_any_record_is_a_clean_article_or_a_load_error_that_says_why(rec):
    item = article_from_record(rec, "articles[0]")
    if isinstance(item, LoadError):
        assert item.message.startswith("articles[0]: ") and item.hint
        str(item).encode("utf-8")  # printable: no surrogate from the input is echoed
    else:
        assert_clean_article(item)


file_texts = st.one_of(
    st.lists(records.map(lambda r: json.dumps(r)) | hostile_text, max_size=6).map("\n".join),  # jsonl
    st.lists(records, max_size=4).map(json.dumps) | json_values.map(json.dumps),  # json
    st.tuples(records, hostile_text).map(lambda p: "---\n" + "\n".join(f"{k}: {json.dumps(v)}" for k, v in
                                                                         p[0].items()) + "\n---\n" + p[1]),  # md
    hostile_text.map(lambda t: f"<html><head><title>{t[:20]}</title></head><body><article><p>{t}</p>"
                               f"<p>{t}</p></article></body></html>"),  # html
)


@PROPERTIES
@given(st.sampled_from([".jsonl", ".json", ".md", ".txt", ".html"]), file_texts)
def test_any_file_content_loads_without_raising(ext, text):
    # surrogates cannot come from a UTF-8 file except as JSON escapes, which json.dumps writes for them
    text = text.encode("utf-8", "replace").decode("utf-8")
    for item in LOADERS[ext](Path(f"feed{ext}"), text):
        if isinstance(item, LoadError):
            assert item.hint is not None or "front matter" in item.message
            str(item).encode("utf-8")
        else:
            assert_clean_article(item)


@PROPERTIES
@given(hostile_text)
def test_canonical_url_never_raises_and_is_stable(url):
    once = canonical_url(url)
    assert canonical_url(once) == once or not once.startswith("https://")


# -- the chunker -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def count_tokens(embeddings):
    return embeddings.count_tokens


@PROPERTIES
@given(text=hostile_text, max_tokens=st.integers(32, 256), overlap=st.integers(0, 3))
def test_chunks_are_exact_slices_that_fit_the_window_and_cover_every_sentence(count_tokens, text, max_tokens,
                                                                              overlap):
    from rag.chunking import chunk_text
    from rag.sentences import split_sentences

    try:
        text = clean_text(text)
    except InvalidText:
        return
    chunks = chunk_text(text, count_tokens, max_tokens, overlap)
    assert bool(chunks) == bool(text.strip())
    assert [c.index for c in chunks] == list(range(len(chunks)))
    covered: set[tuple[int, int]] = set()
    for c in chunks:
        assert text[c.start:c.end] == c.text and c.text.strip()
        assert c.sentences and c.sentences[0][0] == c.start and c.sentences[-1][1] == c.end
        assert all(c.start <= s < e <= c.end for s, e in c.sentences)
        assert count_tokens([c.text])[0] <= max_tokens or len(c.sentences) == 1
        covered.update(c.sentences)
    for s, e in split_sentences(text):  # every sentence is in some chunk, whole or in pieces
        assert any(cs <= s < ce or cs < e <= ce for cs, ce in covered)
    pieces = [p for c in chunks for p in c.sentences]
    assert all(count_tokens([text[s:e]])[0] <= max_tokens for s, e in pieces)


# -- the API's request models, through the real app --------------------------------------------------
class RecordingJobs:
    """An IngestJobs that records what it is given instead of ingesting it (the property needs the
    request boundary, not a thousand ingest runs); the same submit interface."""

    def __init__(self) -> None:
        self.articles: list[Article] = []

    def submit_articles(self, articles: list[Article]) -> dict:
        self.articles.extend(articles)
        return {"id": "j", "kind": "articles", "state": "queued", "total": len(articles), "processed": 0,
                "created": "2025-01-01T00:00:00+00:00", "started": None, "finished": None, "result": None,
                "error": None, "location": "/api/jobs/j"}

    def submit_urls(self, urls: list[str]) -> dict:
        return self.submit_articles([])


@pytest.fixture(scope="module")
def app_client(tmp_path_factory, embeddings):
    from fastapi import FastAPI
    from starlette.testclient import TestClient

    from rag.config import Settings
    from rag.pipeline import Pipeline
    from tests.api_support import API_KEY
    from tests.conftest import CORPUS
    from ui.api import ApiState, install_api
    from ui.api_limits import Throttle

    settings = Settings(home=tmp_path_factory.mktemp("prop-home"), chroma_url=None, api_key=API_KEY,
                        rate_limit_per_minute=10**9, max_body_bytes=200_000)
    pipeline = Pipeline(settings=settings, embeddings=embeddings)
    assert pipeline.ingest([str(CORPUS)], progress=False).ok
    app = FastAPI()
    install_api(app, pipeline, Throttle.for_settings(settings))
    jobs = RecordingJobs()
    app.state.api.jobs = jobs
    assert isinstance(app.state.api, ApiState)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, jobs


ask_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({"question": hostile_text}, optional={
        "k": json_values | st.integers(-5, 60), "as_of": json_values | st.dates().map(str), "sources": json_values
        | st.lists(hostile_text, max_size=3), "article": json_values | hostile_text, "history": json_values
        | st.lists(hostile_text | st.fixed_dictionaries({"question": hostile_text}, optional={
            "answer": json_values, "entities": json_values, "date": json_values}), max_size=3)}),
)


def assert_shaped(r, ok: set[int]) -> dict:
    assert r.status_code < 500, r.text
    body = r.json()
    if r.status_code not in ok:
        assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"] and body["error"]["hint"]
    return body


@PROPERTIES
@given(body=ask_bodies, stream=st.booleans())
def test_any_ask_body_is_answered_or_refused_with_a_4xx_in_the_one_shape(app_client, body, stream):
    client, _ = app_client
    r = client.post("/api/ask/stream" if stream else "/api/ask", content=json.dumps(body),
                    headers={"Content-Type": "application/json"})
    if stream and r.status_code == 200:
        assert r.text.startswith("event: citations") and "event: done" in r.text and "event: error" not in r.text
        return
    got = assert_shaped(r, {200})
    if r.status_code == 200:
        assert got["question"].strip() and isinstance(got["citations"], list)


@PROPERTIES
@given(st.binary(max_size=400) | st.sampled_from([b"[" * 5000, b'{"question": "\xed\xa0\x80"}', b"\xff" * 10]))
def test_any_bytes_are_refused_with_a_4xx_in_the_one_shape(app_client, raw):
    client, _ = app_client
    assert_shaped(client.post("/api/ask", content=raw, headers={"Content-Type": "application/json"}), {200})


@PROPERTIES
@given(st.lists(records, min_size=1, max_size=3) | records | json_values)
def test_any_article_payload_is_queued_clean_or_refused_with_a_4xx(app_client, payload):
    from tests.api_support import AUTH

    client, jobs = app_client
    before = len(jobs.articles)
    r = client.post("/api/articles", content=json.dumps(payload), headers={**AUTH, "Content-Type": "application/json"})
    assert_shaped(r, {202})
    if r.status_code == 202:
        assert len(jobs.articles) > before or isinstance(payload, dict) and "urls" in payload
    for a in jobs.articles[before:]:
        assert_clean_article(a)
