"""Articles without a publication date: date filters leave them out, and every ingest surface says so."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from rag.config import Settings
from rag.types import Filters, IngestReport

DATED = ("---\nid: tram-dated\ndate: 2025-01-06\nsource: Gazette\n---\n"
         "The Exampleville city council approved a new tram line on Monday. "
         "Mayor Dana Whitlock said construction would start in the spring.\n")
UNDATED = ("The Fairhaven harbour board voted to dredge the northern channel. "
           "Board chair Imogen Castellane said the work would take two months.\n")
HARBOUR = "What did the Fairhaven harbour board vote to do?"


@pytest.fixture
def two_files(tmp_path):
    dated, undated = tmp_path / "tram.md", tmp_path / "harbour.txt"
    dated.write_text(DATED, encoding="utf-8")
    undated.write_text(UNDATED, encoding="utf-8")
    return dated, undated


def cited_docs(result) -> set[str]:
    return {c.doc_id for c in result.citations}


def test_undated_article_is_reported_and_left_out_only_under_a_date_filter(pipeline, two_files):
    dated, undated = two_files
    report = pipeline.ingest([str(dated), str(undated)], progress=False)
    assert report.ok and len(report.added) == 2
    # Without an id or URL the article is named by its file, which is what the user can fix.
    assert report.undated == [str(undated)]
    assert "1 without a publication date" in report.summary()
    note = report.undated_note()
    assert note is not None and str(undated) in note and "as-of date or date range" in note and '"date"' in note

    undated_id = next(d for d in report.added if d != "tram-dated")
    assert undated_id in cited_docs(pipeline.ask(HARBOUR))
    # The behaviour the report warns about: an as-of date or a range never matches an undated article...
    assert undated_id not in cited_docs(pipeline.ask(HARBOUR, filters=Filters(as_of=date(2025, 12, 31))))
    ranged = pipeline.ask(HARBOUR, filters=Filters(date_from=date(2024, 1, 1), date_to=date(2025, 12, 31)))
    assert undated_id not in cited_docs(ranged)
    # ... while the dated article still answers under the same as-of date.
    tram = pipeline.ask("What did the Exampleville city council approve?", filters=Filters(as_of=date(2025, 1, 31)))
    assert cited_docs(tram) == {"tram-dated"}

    # Re-ingesting changes nothing, and the article is still reported: it is still left out by date filters.
    again = pipeline.ingest([str(dated), str(undated)], progress=False)
    assert sorted(again.unchanged) == sorted(report.added) and again.undated == [str(undated)]


def test_dated_articles_only_say_nothing_about_dates(pipeline, two_files):
    report = pipeline.ingest([str(two_files[0])], progress=False)
    assert report.added == ["tram-dated"] and report.undated == []
    assert "publication date" not in report.summary() and report.undated_note() is None


def test_an_article_with_an_id_is_named_by_it(pipeline):
    from rag.articles import Article

    report = pipeline.ingest_articles([Article(text=UNDATED, id="harbour-7", origin="feed.jsonl:3")], progress=False)
    assert report.undated == ["harbour-7"]


def test_undated_note_counts_names_and_truncates():
    one = IngestReport(undated=["a.txt"]).undated_note()
    assert one == ('1 article has no publication date (a.txt): it is left out whenever an as-of date or date range '
                   'is set; add a "date" field (YYYY-MM-DD) to include it.')
    many = IngestReport(undated=[f"n{i}.txt" for i in range(7)]).undated_note(show=3)
    assert many.startswith("7 articles have no publication date (n0.txt, n1.txt, n2.txt and 4 more): they are")
    assert many.endswith("to include them.")


def test_rag_ingest_prints_one_line_naming_the_undated_files(monkeypatch, embeddings, two_files):
    from rag.pipeline import Pipeline
    from ui import cli

    # The real command over a real pipeline; only the model is shared with the session instead of reloaded.
    monkeypatch.setattr(cli, "_pipeline", lambda: Pipeline(embeddings=embeddings))
    dated, undated = two_files
    result = CliRunner().invoke(cli.cli, ["ingest", "--quiet", str(dated), str(undated)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("2 added, 0 updated, 0 unchanged, 0 failed, 1 without a publication date")
    assert lines[1] == (f"1 article has no publication date ({undated}): it is left out whenever an as-of date or "
                        'date range is set; add a "date" field (YYYY-MM-DD) to include it.')
    assert len(lines) == 2


def test_http_ingest_response_lists_undated_articles(tmp_path, embeddings):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from rag.pipeline import Pipeline
    from ui.api import install_api

    key = "undated-test-key-0123456789"
    settings = Settings(home=tmp_path / "home", chroma_url=None, api_key=key, allowed_origins=[])
    app = FastAPI()
    install_api(app, Pipeline(settings=settings, embeddings=embeddings))
    body = [{"id": "tram-dated", "date": "2025-01-06", "text": DATED.split("---\n")[-1]},
            {"id": "harbour-7", "text": UNDATED}]
    with TestClient(app) as client:
        r = client.post("/api/articles", json=body, headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 202, r.text  # an ingest job; its result lists the undated articles
        job = app.state.api.jobs.wait(r.json()["id"], timeout=300)
        assert client.get(r.json()["location"], headers={"Authorization": f"Bearer {key}"}).json() == job
    assert job["state"] == "done", job
    assert sorted(job["result"]["added"]) == ["harbour-7", "tram-dated"] and job["result"]["undated"] == ["harbour-7"]
