"""Identity and housekeeping as a user meets them on the command line (real subprocesses, real model,
embedded store): ids that keep distinguishing query strings, unchanged re-ingests, `rag list`,
`rag delete` by id or URL, and a questions file whose bad lines fail alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rag.articles import canonical_url

RAG = str(Path(sys.executable).parent / "rag")

# Two CNN newsletter click-through links: the whole identity is in the query string.
NEWSLETTER = ["https://e.newsletters.cnn.com/click?EYWxle/CeyJtaWQiOiIxNjU2/HWkhfQ05OX2lf/sv447c84a9a",
              "https://e.newsletters.cnn.com/click?EYWxle/CeyJtaWQiOiIxNjU3/HWkhfQ05OX2lf/sr0729eaa18"]


def rag(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {"PATH": str(Path(sys.executable).parent), "RAG_HOME": str(home), "HF_HUB_OFFLINE": "1",
           "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False"}
    return subprocess.run([RAG, *args], capture_output=True, text=True, timeout=600, env=env)


@pytest.mark.parametrize(("url", "canonical"), [
    ("http://www.cnn.com/2022/06/13/us/five-things?cid=external-feeds_iluminar_msn", "https://cnn.com/2022/06/13/us/five-things"),
    ("https://edition.cnn.com/a/b/?utm_source=x&utm_medium=email&page=2#top", "https://cnn.com/a/b?page=2"),
    ("https://news.example/story.php?id=7&fbclid=abc&gclid=1&mc_cid=2&mc_eid=3", "https://news.example/story.php?id=7"),
    ("https://news.example/story.php?b=2&a=1", "https://news.example/story.php?a=1&b=2"),
    ("https://www.theweek.co.uk/news/957381/ten-things?amp", "https://theweek.co.uk/news/957381/ten-things"),
    (NEWSLETTER[0], NEWSLETTER[0]),
])
def test_canonical_url_drops_only_tracking_parameters(url, canonical):
    assert canonical_url(url) == canonical
    assert canonical_url(canonical) == canonical  # stable


def test_ids_listing_unchanged_reingest_and_delete_by_any_form_of_the_url(tmp_path):
    home = tmp_path / "home"
    feed = tmp_path / "feed.jsonl"
    records = [{"url": NEWSLETTER[0], "title": "Five things for Wednesday", "date": "2022-06-29", "source": "CNN",
                "text": "Monkeypox cases rose this week, health officials said on Wednesday."},
               {"url": NEWSLETTER[1], "title": "Five things for Thursday", "date": "2022-07-07", "source": "CNN",
                "text": "The WHO said monkeypox testing would expand, officials said on Thursday."},
               {"url": "http://www.gazette.example/2025/02/04/tram/?utm_source=feed", "source": "Gazette",
                "date": "2025-02-04", "text": "The Exampleville city council approved a new tram line."}]
    feed.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    first = rag("ingest", "--quiet", str(feed), home=home)
    assert first.returncode == 0, first.stderr
    assert "3 added, 0 updated, 0 unchanged, 0 failed" in first.stdout  # two newsletter links, two articles
    again = rag("ingest", "--quiet", str(feed), home=home)
    assert "0 added, 0 updated, 3 unchanged, 0 failed (0 chunks written" in again.stdout

    listed = rag("list", home=home)
    assert listed.returncode == 0, listed.stderr
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert [r[0] for r in rows] == ["https://gazette.example/2025/02/04/tram", NEWSLETTER[1], NEWSLETTER[0]]
    assert rows[0][1:3] == ["2025-02-04", "Gazette"]
    as_json = [json.loads(line) for line in rag("list", "--json", "--source", "CNN", home=home).stdout.splitlines()]
    assert [r["id"] for r in as_json] == [NEWSLETTER[1], NEWSLETTER[0]]
    assert as_json[0]["title"] == "Five things for Thursday"

    # The URL exactly as it was ingested (tracking parameter and all) finds the article.
    r = rag("delete", records[2]["url"], home=home)
    assert r.returncode == 0 and "deleted https://gazette.example/2025/02/04/tram" in r.stdout, r.stderr
    r = rag("delete", "https://gazette.example/2025/02/04/tram", home=home)
    assert r.returncode == 1 and "rag list" in r.stderr and "Traceback" not in r.stderr
    r = rag("delete", NEWSLETTER[0], home=home)
    assert r.returncode == 0, r.stderr
    assert [line.split("\t")[0] for line in rag("list", home=home).stdout.splitlines()] == [NEWSLETTER[1]]


def test_a_questions_file_with_bad_lines_fails_them_one_by_one(tmp_path):
    home = tmp_path / "home"
    corpus = Path(__file__).resolve().parents[1] / "corpus"
    assert rag("ingest", "--quiet", str(corpus), home=home).returncode == 0
    qfile = tmp_path / "q.jsonl"
    qfile.write_bytes(b'{"question": "who is acting president?"}\n'
                      b'{"question": "who is \\ud800 president?"}\n'  # valid JSON, a lone surrogate
                      b"who is \xff\xfe acting president?\n"  # not UTF-8
                      + b'{"question": ' + b"[" * 50_000 + b"\n"
                      + b"???\n"
                      + b"who met Blinken in Seoul?\n")
    r = rag("ask", "--questions", str(qfile), home=home)
    assert "Traceback" not in r.stderr, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(lines) == 6 and r.returncode == 1
    assert "Choi Sang-mok" in lines[0]["answer"] and lines[5]["citations"]
    assert lines[1]["error"]["code"] == "invalid_question" and "broken character" in lines[1]["error"]["message"]
    assert "q.jsonl:3: not valid UTF-8" in lines[2]["error"]["message"]
    assert "q.jsonl:4" in lines[3]["error"]["message"]
    assert "q.jsonl:5: The question has no letters or digits" in lines[4]["error"]["message"]
    assert all(line["error"]["hint"] for line in lines[1:5])
