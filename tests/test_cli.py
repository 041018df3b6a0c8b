"""The `rag` command as a user runs it: real subprocesses, real model, embedded store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rag.types import AskResult, Citation
from tests.conftest import CORPUS
from ui.cli import answer_text

RAG = str(Path(sys.executable).parent / "rag")


def rag(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([RAG, *args], capture_output=True, text=True, input=stdin, timeout=300)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """One ingested store for the module (the CLI is slow to start: load the model as few times as possible)."""
    return tmp_path_factory.mktemp("cli-home")


@pytest.fixture
def env_home(home, monkeypatch):
    monkeypatch.setenv("RAG_HOME", str(home))
    return home


def test_ingest_stats_ask_json(env_home):
    r = rag("ingest", str(CORPUS))
    assert r.returncode == 0, r.stderr
    assert "added" in r.stdout or "unchanged" in r.stdout
    assert "ingest" in r.stderr  # the progress bar goes to stderr
    again = rag("ingest", "--quiet", str(CORPUS))
    assert "0 added, 0 updated, 1 unchanged, 0 failed" in again.stdout

    stats = rag("stats")
    assert "articles: 1" in stats.stdout and f"embedded at {env_home}" in stats.stdout

    r = rag("ask", "who is acting president?", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert "Choi Sang-mok" in out["answer"] and not out["abstained"]
    assert "has taken over as the acting president" in out["citations"][0]["text"]
    assert out["timings_ms"]["total"] > 0

    r = rag("ask", "who won the 2022 FIFA World Cup?", "--json")
    assert json.loads(r.stdout)["abstained"] is True

    # Read by a person: the short answer first, when there is one, then the cited answer; none when it abstains.
    r = rag("ask", "who is acting president?")
    assert r.stdout.startswith("Short answer: Choi Sang-mok\n\nAccording to Yonhap")
    r = rag("ask", "who won the 2022 FIFA World Cup?")
    assert "Short answer" not in r.stdout and "do not contain an answer" in r.stdout


def test_questions_file_prints_one_json_per_line(env_home, tmp_path):
    rag("ingest", "--quiet", str(CORPUS))
    qfile = tmp_path / "q.jsonl"
    qfile.write_text('{"question": "who is acting president?"}\n{"question": 5}\nwho met Blinken in Seoul?\n',
                     encoding="utf-8")
    r = rag("ask", "--questions", str(qfile), "--json")
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(lines) == 3
    assert "Choi Sang-mok" in lines[0]["answer"]
    assert "q.jsonl:2" in lines[1]["error"]["message"]
    assert lines[2]["citations"]
    assert r.returncode == 1  # one line failed


@pytest.mark.parametrize(("args", "message"), [
    (["ask", "   "], "The question is empty"),
    (["ask", "x" * 100_000], "limit is 1,000"),
    (["ask", "who?", "--as-of", "yesterday"], "--as-of 'yesterday' is not a date"),
])
def test_bad_questions_get_a_clear_message(env_home, args, message):
    r = rag(*args)
    assert r.returncode == 2
    assert message in r.stderr and "Hint:" in r.stderr
    assert "Traceback" not in r.stderr


def test_ingest_failures_name_the_file_and_exit_nonzero(env_home, tmp_path):
    (tmp_path / "good.md").write_text("---\nid: good-1\n---\nA typhoon hit Okinawa on Sunday.", encoding="utf-8")
    (tmp_path / "bad.jsonl").write_text("{broken\n", encoding="utf-8")
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    r = rag("ingest", "--quiet", str(tmp_path), str(tmp_path / "missing"))
    assert r.returncode == 1
    assert "bad.jsonl:1: malformed JSON" in r.stderr
    assert "x.pdf: unknown file type '.pdf'" in r.stderr
    assert "missing: no such file or folder" in r.stderr
    assert "1 added" in r.stdout and "3 failed" in r.stdout
    assert "Traceback" not in r.stderr


def test_server_mode_unreachable_is_explained(env_home, monkeypatch):
    monkeypatch.setenv("RAG_CHROMA_URL", "http://127.0.0.1:9")
    r = rag("stats")
    assert r.returncode == 2
    assert "Cannot reach the Chroma server at http://127.0.0.1:9" in r.stderr and "chroma run" in r.stderr


def test_stats_names_old_entities_and_reanalyse_brings_them_up_to_date(env_home):
    assert rag("ingest", "--quiet", str(CORPUS)).returncode == 0
    assert "older newsrag" not in rag("stats").stdout
    r = rag("reanalyse", "--quiet")
    assert r.returncode == 0 and "0 articles re-analysed" in r.stdout and "current" in r.stdout
    # Age the store as an older version left it: chunk and article records without the entities stamp.
    aged = subprocess.run([sys.executable, "-c", (
        "from rag.pipeline import Pipeline\n"
        "s = Pipeline().store\n"
        "c = s.chunks.get(include=[])['ids']\n"
        "s.chunks.update(ids=c, metadatas=[{'ents_v': 1}] * len(c))\n"
        "a = s.article_ids()\n"
        "s.articles.update(ids=a, metadatas=[{'ents_v': 1}] * len(a))\n")], capture_output=True, text=True)
    assert aged.returncode == 0, aged.stderr
    n = json.loads(rag("stats", "--json").stdout)["articles"]  # the module's store: other tests add articles too
    stats = rag("stats")
    older = "1 article carries" if n == 1 else f"{n} articles carry"
    assert f"{older} named entities found by an older newsrag" in stats.stdout
    assert "rag reanalyse" in stats.stdout
    r = rag("reanalyse", "--quiet")
    done = "1 article" if n == 1 else f"{n} articles"
    assert r.returncode == 0 and r.stdout.startswith(f"{done} re-analysed"), r.stdout + r.stderr
    assert "older newsrag" not in rag("stats").stdout


def test_reanalyse_refuses_a_process_count_below_one(env_home):
    r = rag("reanalyse", "--processes", "0")
    assert r.returncode == 2 and "--processes" in r.stderr and ">=1" in r.stderr


def _cited(n: int, doc: str, sentence: str) -> Citation:
    text = "Intro. " + sentence + " Outro."
    return Citation(n=n, doc_id=doc, title=f"Headline {doc}", url=f"https://example.com/{doc}", date="2025-01-06",
                    source="Yonhap", text=text, start=0, end=len(text), score=0.6, sentence=sentence,
                    sentence_start=7, sentence_end=7 + len(sentence))


def test_ask_text_lists_each_article_once_with_every_sentence_it_supports():
    result = AskResult(question="q", answer="A [1]. B [2]. C [3].", abstained=False, timings_ms={},
                       short_answer="Choi", citations=[_cited(1, "a", "First one."), _cited(2, "b", "Other.\nTwo."),
                                                       _cited(3, "a", "Second one.")])
    out = answer_text(result)
    assert out.startswith("Short answer: Choi\n\nA [1]. B [2]. C [3].\n")
    assert out.count("Headline a") == 1 and out.count("Headline b") == 1
    assert ("[1][3] Headline a (Yonhap, 2025-01-06)\n    https://example.com/a\n    [1] “First one.”\n"
            "    [3] “Second one.”") in out
    assert "[2] Headline b (Yonhap, 2025-01-06)\n    https://example.com/b\n    “Other. Two.”" in out  # one line
