"""End to end over the real model and real Chroma, embedded and server mode."""

from __future__ import annotations

import json
from datetime import date

import pytest

from rag.errors import ArchiveEmpty, InvalidQuestion, QuestionTooLong
from rag.events import Cited, Done, Searched, Text
from rag.types import Filters

SUPPORT = "Deputy Prime Minister Choi Sang-mok has taken over as the acting president."


def test_acting_president_is_answered_with_a_citation_to_the_supporting_sentence(corpus_pipeline):
    r = corpus_pipeline.ask("who is acting president?")
    assert not r.abstained
    assert "Choi Sang-mok" in r.answer and "[1]" in r.answer
    assert "Yonhap" in r.answer and "6 January 2025" in r.answer  # dated and attributed
    first = r.citations[0]
    assert first.n == 1 and SUPPORT in first.text and first.sentence == SUPPORT
    body = corpus_pipeline.store.get_article(first.doc_id).text
    assert body[first.start:first.end] == first.text  # offsets point at the exact passage
    assert body[first.sentence_start:first.sentence_end] == SUPPORT
    assert 0 < first.score <= 1
    assert set(r.timings_ms) >= {"retrieve", "answer", "total"}


@pytest.mark.parametrize("question", ["who won the 2022 FIFA World Cup?", "what is the price of bitcoin today?"])
def test_unanswerable_question_abstains_and_cites_nothing(corpus_pipeline, question):
    r = corpus_pipeline.ask(question)
    assert r.abstained and r.citations == []
    assert "do not contain" in r.answer


def test_stream_yields_search_citations_text_then_done(corpus_pipeline):
    events = list(corpus_pipeline.ask_stream("who is acting president?"))
    kinds = [type(e) for e in events]
    assert kinds[0] is Searched and kinds[1] is Cited and kinds[-1] is Done
    assert Text in kinds
    assert "".join(e.delta for e in events if isinstance(e, Text)).strip() == events[-1].result.answer


def test_reingest_unchanged_writes_nothing_and_change_replaces_all_chunks(pipeline, tmp_path):
    f = tmp_path / "a.md"
    f.write_text("---\nid: art-1\ndate: 2024-05-01\nsource: Wire\n---\n"
                 "The mayor of Springfield opened a new bridge on Monday. " * 30, encoding="utf-8")
    first = pipeline.ingest([str(f)], progress=False)
    assert first.added == ["art-1"] and first.chunks_written > 1
    again = pipeline.ingest([str(f)], progress=False)
    assert again.unchanged == ["art-1"] and again.chunks_written == 0
    old_ids = set(pipeline.store.chunks.get(where={"doc_id": "art-1"}, include=[])["ids"])

    f.write_text("---\nid: art-1\ndate: 2024-05-02\nsource: Wire\n---\n"
                 "The governor of Shelbyville closed the old tunnel on Tuesday.", encoding="utf-8")
    changed = pipeline.ingest([str(f)], progress=False)
    assert changed.updated == ["art-1"]
    got = pipeline.store.chunks.get(where={"doc_id": "art-1"}, include=["documents"])
    assert not set(got["ids"]) & old_ids  # no stale chunk survives
    assert all("Springfield" not in d for d in got["documents"])
    assert pipeline.stats()["articles"] == 1


def test_bad_input_loses_nothing_already_stored(corpus_pipeline, tmp_path):
    before = corpus_pipeline.stats()
    (tmp_path / "bad.jsonl").write_text('{"id": "ok-1", "text": "A ferry sank near Busan on Friday."}\n{oops\n',
                                        encoding="utf-8")
    (tmp_path / "bad.bin").write_bytes(b"\x00\x01")
    report = corpus_pipeline.ingest([str(tmp_path / "bad.jsonl"), str(tmp_path / "bad.bin"),
                                     str(tmp_path / "nope.md")], progress=False)
    assert report.added == ["ok-1"] and len(report.failed) == 3
    after = corpus_pipeline.stats()
    assert after["articles"] == before["articles"] + 1
    assert not corpus_pipeline.ask("who is acting president?").abstained


def test_question_validation(corpus_pipeline):
    with pytest.raises(InvalidQuestion, match="empty"):
        corpus_pipeline.ask("   \n ")
    with pytest.raises(QuestionTooLong) as exc:
        corpus_pipeline.ask("why " * 25_000)
    assert exc.value.limit == 1000 and exc.value.hint


def test_as_of_excludes_later_articles(corpus_pipeline):
    r = corpus_pipeline.ask("who is acting president?", filters=Filters(as_of=date(2025, 1, 5)))
    assert r.abstained and r.citations == []
    r = corpus_pipeline.ask("who is acting president?", filters=Filters(as_of=date(2025, 1, 6)))
    assert not r.abstained


def test_delete_removes_article_and_chunks(corpus_pipeline):
    doc = "yonhap-2025-01-06-000_6a7eddd672144986"
    assert corpus_pipeline.delete(doc)
    assert corpus_pipeline.stats() | {} and corpus_pipeline.stats()["chunks"] == 0
    with pytest.raises(ArchiveEmpty):  # the last article is gone: the archive is empty, not "no answer"
        corpus_pipeline.ask("who is acting president?")
    assert not corpus_pipeline.delete(doc)


def test_an_empty_archive_says_so_and_how_to_fill_it(pipeline):
    with pytest.raises(ArchiveEmpty) as caught:
        list(pipeline.ask_stream("who is acting president?"))
    assert caught.value.code == "archive_empty" and "rag ingest PATH|URL" in caught.value.hint
    assert caught.value.location == pipeline.settings.store_location
    assert pipeline.settings.store_location not in caught.value.message  # readers of the chat/API see the message
    with pytest.raises(InvalidQuestion):  # a bad question is still reported as such first
        pipeline.ask("   ")


def test_result_serialises_to_the_cli_contract(corpus_pipeline):
    d = json.loads(json.dumps(corpus_pipeline.ask("who is acting president?").to_dict()))
    assert {"question", "answer", "abstained", "citations", "timings_ms"} <= set(d)
    assert {"n", "doc_id", "title", "url", "date", "source", "text", "start", "end", "score"} <= set(d["citations"][0])
    assert d["citations"][0]["date"] == "2025-01-06" and d["citations"][0]["url"] is None


def test_store_writes_are_cut_by_bytes_as_well_as_by_count():
    """A Chroma server refuses a large request body (413) long before its record-count limit: chunks carry
    their sentence vectors, so a big ingest batch must be sent in several calls of bounded size."""
    from rag.store import _slices

    sizes = [3_000_000, 3_000_000, 3_000_000, 10, 10, 20_000_000, 5]
    got = list(_slices(sizes, limit=3, budget=8_000_000))
    assert got == [(0, 2), (2, 5), (5, 6), (6, 7)]  # contiguous, covering every record once
    assert all(j - i <= 3 and (sum(sizes[i:j]) <= 8_000_000 or j - i == 1) for i, j in got)
    assert list(_slices([], limit=3)) == []


def test_a_question_about_this_weeks_news_is_not_answered_from_an_old_report(pipeline, tmp_path):
    """An archive of years holds an older story of the same kind; quoted, it would read as this week's news."""
    f = tmp_path / "quake.md"
    f.write_text("---\nid: quake-2016\ndate: 2016-04-17\nsource: Wire\ntitle: Earthquake shakes Ecuador\n---\n"
                 "The coastal region of Ecuador was shaken by a magnitude-7.8 earthquake late Saturday, officials "
                 "said. Rescue teams searched collapsed buildings.", encoding="utf-8")
    assert pipeline.ingest([str(f)], progress=False).ok
    question = "Which country was shaken by an earthquake this week?"
    then = pipeline.ask(question, filters=Filters(as_of=date(2016, 4, 20)))
    assert not then.abstained and "Ecuador" in then.answer
    later = pipeline.ask(question, filters=Filters(as_of=date(2022, 7, 28)))
    assert later.abstained and later.citations == []
    assert "in reports since 14 July 2022" in later.answer  # two weeks back: what was searched, and what to do
    # Asked without a period, the old report is still the archive's answer, dated.
    assert "Ecuador" in pipeline.ask("Which country was shaken by a magnitude-7.8 earthquake?",
                                     filters=Filters(as_of=date(2022, 7, 28))).answer
