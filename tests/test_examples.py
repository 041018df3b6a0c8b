"""Example questions: full questions about real named subjects, from the newest articles, deterministic."""

from __future__ import annotations

import re

from rag.examples import (
    ArticleText,
    example_questions,
    examples_from_store,
    real_name,
    role_phrase,
    role_questions,
    topic_question,
)
from rag.nlp import analyzer


def art(doc_id: str, text: str, date: str | None = None, source: str | None = None) -> ArticleText:
    return ArticleText(doc_id, text, date, source, tuple(analyzer().entities([text])[0]))


PARIS = art("paris", "Mayor Anne Hidalgo opened the new bridge on Friday. Anne Hidalgo said the bridge cost "
                     "less than planned. Critics of Anne Hidalgo disagreed.", "2025-03-01", source="AFP")
BERLIN = art("berlin", "Friedrich Merz was sworn in as chancellor of Germany on Tuesday, officials said.",
             "2025-05-06", source="DPA")
SEOUL = art("seoul", "The impeachment of former acting President Han Duck-soo followed. Deputy Prime Minister "
                     "Choi Sang-mok has taken over as the acting president.", "2025-01-06", source="Yonhap")
HEALTH = art("cdc", "The CDC said on Monday that M cases rose. The CDC expects more. M is spreading, the CDC said.",
             "2025-06-01")


def test_role_phrase_lowers_job_words_and_keeps_acronyms():
    assert role_phrase("U.S. Secretary of State") == "U.S. secretary of state"
    assert role_phrase("Foreign Minister") == "foreign minister"


def test_change_of_office_comes_first_and_former_holders_are_skipped():
    qs = role_questions(SEOUL)
    assert qs[0] == "Who is the acting president?"
    assert all("Han" not in q for q in qs)
    assert qs.count("Who is the acting president?") == 1  # "former acting President Han" adds nothing


def test_role_with_of_phrase():
    assert role_questions(BERLIN)[0] == "Who is the chancellor of Germany?"


def test_newest_article_first_one_question_per_article_per_round():
    got = [e.question for e in example_questions([PARIS, SEOUL, BERLIN], n=4)]
    assert got[0] == "Who is the chancellor of Germany?"
    assert len(got) == 4 and len({g.lower() for g in got}) == 4


def test_a_topic_is_a_real_name_never_a_letter_or_a_bare_acronym():
    assert not real_name("M", "PERSON") and not real_name("CDC", "ORG") and not real_name("Hidalgo", "PERSON")
    assert real_name("Anne Hidalgo", "PERSON") and real_name("Federal Reserve", "ORG")
    for e in example_questions([PARIS, SEOUL, BERLIN, HEALTH], n=10):
        assert e.question.endswith("?") and e.question[0].isupper()
        subject = re.sub(r"^(?:What is the latest on|Who is the|What happened at)\s+", "", e.question).rstrip("?")
        assert subject not in ("M", "CDC") and len(subject) >= 3


def test_deterministic_and_independent_of_input_order():
    a = example_questions([PARIS, SEOUL, BERLIN], n=6)
    b = example_questions([BERLIN, PARIS, SEOUL], n=6)
    assert a == b and len({e.question.lower() for e in a}) == len(a)


def test_empty_archive_has_no_examples():
    assert example_questions([], n=4) == []


def test_only_questions_the_archive_answers_are_kept():
    asked = []
    got = example_questions([PARIS, SEOUL, BERLIN], n=4, answers=lambda q: asked.append(q) or "Germany" in q)
    assert [e.question for e in got] == ["Who is the chancellor of Germany?"] and len(asked) > 1


def test_examples_from_the_real_store_are_answerable(corpus_pipeline):
    answers = lambda q: not corpus_pipeline.ask(q).abstained  # noqa: E731
    questions = [e.question for e in examples_from_store(corpus_pipeline.store, n=4, answers=answers)]
    assert questions and questions[0] == "Who is the acting president?"
    for q in questions:
        assert not corpus_pipeline.ask(q).abstained


def test_a_title_that_says_of_nothing_asks_of_what_or_asks_nothing():
    """"Who is the minister?" or "Who is the chief executive?" asks of nothing a reader could know: such a title
    takes the organisation or place named right before it, or yields no question. A title that names its office
    ("Foreign Minister") needs nothing more; an acronym stays in capitals."""
    assert role_questions(art("t", "Tesla CEO Elon Musk sold shares on Friday.")) == ["Who is the CEO of Tesla?"]
    assert role_questions(art("f", "Florida Governor Ron DeSantis signed the bill.")) == [
        "Who is the governor of Florida?"]
    assert role_questions(art("m", "Minister Ravi Kumar spoke on Monday.")) == []
    assert role_questions(art("p", "Foreign Minister Cho Tae-yul met Antony Blinken.")) == [
        "Who is the foreign minister?"]
    for e in example_questions([PARIS, SEOUL, BERLIN], n=10):
        q = e.question.removesuffix("?").split()
        assert not (q[:3] == ["Who", "is", "the"] and len(q) == 4 and q[3] in ("minister", "mayor", "director")), q


def test_a_topic_is_named_as_the_article_names_it():
    """A sentence opening ("Another ...") is no name; an organisation the article names with "the" keeps it."""
    assert not real_name("Another Truss", "PERSON")
    doj = art("doj", "The Justice Department said on Monday that it would appeal. The Justice Department filed "
                     "the papers late. Critics of the Justice Department were not surprised.", "2025-02-01")
    assert topic_question(doj) == "What is the latest on the Justice Department?"
    assert topic_question(PARIS) == "What is the latest on Anne Hidalgo?"
