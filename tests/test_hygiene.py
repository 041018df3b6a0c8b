"""Text hygiene at every boundary: what is refused, removed and normalised, and that a bad record
costs only itself (loaders, the pipeline's question and filter checks, the questions file)."""

from __future__ import annotations

import json
import unicodedata

import pytest

from rag.articles import Article
from rag.errors import InvalidQuestion, InvalidText, LoadError
from rag.hygiene import clean_line, clean_text, has_words
from rag.loaders import article_from_record, load_paths
from rag.types import Filters


# -- the functions ------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["\ud800", "a\udfffb", "ok \udbff\udc00 pair written as two halves"])
def test_lone_surrogates_are_refused_with_where_and_what_to_do(bad):
    with pytest.raises(InvalidText) as refused:
        clean_text(bad, "'text'")
    assert "'text' contains a broken character" in refused.value.message and "U+D" in refused.value.message
    assert "UTF-8" in refused.value.hint


def test_control_and_invisible_characters_are_removed_and_text_is_nfc():
    raw = "Caf\u0065\u0301 \x00opens\x1b[31m \u202eevil\u202c inter\u00adnational\u200b news\ufeff\r\nline two\x85three"
    cleaned = clean_text(raw)
    assert cleaned == "Caf\u00e9 opens[31m evil international news\nline two\nthree"
    assert unicodedata.is_normalized("NFC", cleaned)
    assert clean_line("  two\n\tlines\u2028here  ") == "two lines here"


def test_cleaning_is_idempotent_and_keeps_ordinary_text_unchanged():
    text = "Seoul, Jan. 6 (Yonhap) -- Choi Sang-mok met Blinken.\n\nThe talks lasted 90 minutes. 한국어 🇰🇷 ok"
    assert clean_text(text) == text
    messy = " \x00A\u00ad\u200bb \n\n\n\n c\u0301 \t\n"
    assert clean_text(clean_text(messy)) == clean_text(messy)


@pytest.mark.parametrize(("text", "words"), [("\x00\x00", False), ("?!… — ***", False), ("🤔", False),
                                            ("1", True), ("ok", True), ("東京", True)])
def test_has_words(text, words):
    assert has_words(clean_text(text)) is words


# -- loaders: a bad record costs only itself ------------------------------------------------------------
def test_jsonl_with_one_lone_surrogate_line_stores_the_other_five(tmp_path, pipeline):
    lines = [{"id": f"art-{i}", "text": f"Report number {i} says the harbour reopened on Monday.",
              "date": "2025-01-0" + str(i + 1)} for i in range(6)]
    lines[3]["title"] = "Harbour \ud800 reopens"  # valid JSON: "\ud800" is an allowed escape
    f = tmp_path / "feed.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in lines) + "\n", encoding="utf-8")
    assert "\\ud800" in f.read_text(encoding="utf-8")
    report = pipeline.ingest([str(f)], progress=False)
    assert sorted(report.added) == ["art-0", "art-1", "art-2", "art-4", "art-5"]
    assert len(report.failed) == 1 and "feed.jsonl:4: 'title' contains a broken character" in report.failed[0]
    assert pipeline.stats()["articles"] == 5
    assert not pipeline.ask("when did the harbour reopen?").abstained


def test_every_field_is_cleaned_and_wrong_types_fail_by_name():
    a = article_from_record({"id": " x\x00-1 ", "title": "A\u200b title\n", "text": "\ufeffBody\r\ntext.",
                             "url": " https://ex.example/a ", "source": "Src\x7f", "authors": "A\x00 B, C"}, "r")
    assert isinstance(a, Article)
    assert (a.id, a.title, a.text, a.url, a.source, a.authors) == (
        "x-1", "A title", "Body\ntext.", "https://ex.example/a", "Src", ("A B", "C"))
    for rec, field in [({"text": "ok words", "title": ["x"]}, "'title' must be a string"),
                       ({"text": "ok words", "id": True}, "'id' must be a string"),
                       ({"text": "ok words", "authors": [{"n": 1}]}, "'authors' must be a list of names"),
                       ({"text": ["a list"]}, "'text' must be a string"),
                       ({"text": "ok words", "date": "2025-99-99"}, "unrecognised date"),
                       ({"text": "ok words", "source": "\udc80"}, "'source' contains a broken character")]:
        err = article_from_record(rec, "articles[0]")
        assert isinstance(err, LoadError) and field in err.message, (rec, err)
        assert err.hint


@pytest.mark.parametrize("text", ["\x00", "\u0000\u0000\u0000", "...!!!", "— — —", "\x00?\x00"])
def test_articles_without_letters_or_digits_are_refused(text):
    err = article_from_record({"id": "junk", "text": text}, "feed.jsonl:2")
    assert isinstance(err, LoadError)
    assert "no letters or digits" in err.message or "no article text" in err.message
    assert err.hint


def test_jsonl_lines_are_split_on_newlines_only(tmp_path):
    # U+2028 may stand unescaped inside a JSON string; splitlines() would cut the line in two.
    f = tmp_path / "sep.jsonl"
    f.write_text('{"id": "s1", "text": "First part\u2028second part of the story."}\n', encoding="utf-8")
    (a,) = list(load_paths([str(f)]))
    assert isinstance(a, Article) and a.text == "First part\nsecond part of the story."


def test_deeply_nested_json_is_a_load_error_not_a_crash(tmp_path):
    (tmp_path / "deep.jsonl").write_text("[" * 100_000 + "\n" + '{"id": "d", "text": "Still read."}\n')
    (tmp_path / "deep.json").write_text("[" * 100_000)
    items = list(load_paths([str(tmp_path)]))
    errors = [str(i) for i in items if isinstance(i, LoadError)]
    assert any("deep.json: JSON nested too deeply" in e for e in errors)
    assert any("deep.jsonl:1: JSON nested too deeply" in e for e in errors)
    assert [i.id for i in items if isinstance(i, Article)] == ["d"]


def test_windows_line_endings_in_markdown_front_matter(tmp_path):
    f = tmp_path / "win.md"
    f.write_bytes(b"---\r\nid: win-1\r\ntitle: Windows file\r\n---\r\nBody line one.\r\nBody line two.\r\n")
    (a,) = list(load_paths([str(f)]))
    assert isinstance(a, Article)
    assert (a.id, a.title, a.text) == ("win-1", "Windows file", "Body line one.\nBody line two.")


# -- questions and filters ----------------------------------------------------------------------------
@pytest.mark.parametrize(("question", "message"), [
    ("who is \ud800 president?", "broken character"),
    ("???", "no letters or digits"),
    ("\x00\x00", "empty"),
    ("", "empty"),
])
def test_bad_questions_are_refused_before_they_reach_the_model(pipeline, question, message):
    with pytest.raises(InvalidQuestion, match=message) as refused:
        pipeline.check_question(question)
    assert refused.value.hint


def test_questions_are_normalised_once(pipeline):
    cleaned = pipeline.check_question(" who\x00 is\u200b acting\nPresident Jose\u0301? ")
    assert cleaned == "who is acting President Jos\u00e9?"


def test_filter_values_are_cleaned_and_surrogates_refused(pipeline):
    f = pipeline.check_filters(Filters(sources=(" Yonhap\x00 ", "", "Yonhap"), doc_ids=("id\u200b-1",)))
    assert f.sources == ("Yonhap",) and f.doc_ids == ("id-1",)
    with pytest.raises(InvalidQuestion, match="source name contains a broken character"):
        pipeline.check_filters(Filters(sources=("Yon\ud800hap",)))
