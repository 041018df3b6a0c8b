"""`rag ingest URL` and `rag watch` as a user runs them (real subprocesses, real model, embedded store) against
a news site on 127.0.0.1; and the empty archive and empty files, reported as such."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.web_support import ARTICLES, MISSING, NOT_ARTICLE, SLOW, news_site, rss

RAG = str(Path(sys.executable).parent / "rag")


@pytest.fixture
def env(rag_home, monkeypatch):
    monkeypatch.setenv("RAG_FETCH_DELAY_SECONDS", "0")
    monkeypatch.setenv("RAG_FETCH_TIMEOUT_SECONDS", "1")
    return {**os.environ}


@pytest.fixture
def site():
    with news_site() as s:
        s.publish_defaults(slow_seconds=10)
        s.set("/good.xml", rss(s.base, [*ARTICLES]), content_type="application/rss+xml")
        yield s


def rag(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([RAG, *args], capture_output=True, text=True, env=env, timeout=300)


def test_ingest_a_feed_then_ask_about_it(env, site):
    r = rag(env, "ingest", "--quiet", site.base + "/feed.xml")
    assert r.returncode == 1, r.stderr  # three links fail; the rest is stored
    for path in (SLOW, MISSING, NOT_ARTICLE):
        assert f"failed: {site.base}{path}: " in r.stderr
    assert f"{site.base}/feed.xml: feed “Riverton Courier”, 7 links: 4 fetched" in r.stdout
    assert "4 added, 0 updated, 0 unchanged, 3 failed" in r.stdout and "Traceback" not in r.stderr

    answer = json.loads(rag(env, "ask", "how much will ferry fares rise in Riverton?", "--json").stdout)
    assert "ten percent" in answer["answer"] and not answer["abstained"]
    top = answer["citations"][0]
    assert top["url"] == site.base + "/news/2025/03/10/ferry-fares-rise"
    assert (top["title"], top["source"], top["date"]) == ("Riverton ferry fares to rise by ten percent",
                                                          "Riverton Courier", "2025-03-10")
    assert "articles: 4" in rag(env, "stats").stdout


def test_watch_an_unchanged_feed_one_request_per_run_nothing_written(env, site):
    assert rag(env, "ingest", "--quiet", site.base + "/good.xml").returncode == 0
    site.reset_log()
    r = rag(env, "watch", site.base + "/good.xml", "--every", "1s", "--runs", "3")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 3 and all(f"run {n}: 0 added, 0 updated, 0 unchanged, 0 failed" in line
                                   for n, line in enumerate(lines, 1)), lines
    assert all(f"1 request ({site.base}/good.xml not modified)" in line for line in lines)
    assert [(h.path, h.status) for h in site.requests()] == [("/good.xml", 304)] * 3


def test_watch_picks_up_new_articles_and_stops_cleanly_on_ctrl_c(env, site):
    site.set("/live.xml", rss(site.base, [*ARTICLES][:1]), content_type="application/rss+xml")
    proc = subprocess.Popen([RAG, "watch", site.base + "/live.xml", "--every", "2s"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = proc.stdout.readline()
        assert "run 1: 1 added" in first, first
        site.set("/live.xml", rss(site.base, [*ARTICLES][:2]), content_type="application/rss+xml")
        second = proc.stdout.readline()
        assert "run 2: 1 added" in second and "1 fetched, 1 already stored" in second, second
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "stopped after" in out and "Traceback" not in err, (out, err)


def test_empty_archive_and_empty_files_are_reported_as_such(env, tmp_path):
    r = rag(env, "ask", "who is acting president?")
    assert r.returncode == 2
    assert "The archive is empty" in r.stderr and "rag ingest PATH|URL" in r.stderr
    assert f"Store: {Path(env['RAG_HOME']).resolve()}" in r.stderr
    stats = rag(env, "stats")
    assert "articles: 0" in stats.stdout and "rag ingest PATH|URL" in stats.stdout
    assert f"home:     {Path(env['RAG_HOME']).resolve()} (RAG_HOME)" in stats.stdout

    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "empty.json").write_text("[]", encoding="utf-8")
    r = rag(env, "ingest", "--quiet", str(tmp_path / "empty.jsonl"), str(tmp_path / "empty.json"))
    assert r.returncode == 1
    assert "empty.jsonl: the file is empty" in r.stderr and "empty.json: the file holds no articles" in r.stderr
