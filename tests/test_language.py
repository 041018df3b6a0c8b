"""Questions in another language get a clear notice, not "the articles do not contain an answer"."""

from __future__ import annotations

import pytest

from rag.language import detect


@pytest.mark.parametrize(("question", "code"), [
    ("누가 대통령 권한대행입니까?", "ko"),
    ("誰が大統領代行ですか？", "ja"),
    ("谁是代理总统？", "zh"),
    ("Кто исполняет обязанности президента?", "ru"),
    ("من هو الرئيس بالإنابة؟", "ar"),
    ("¿Quién es el presidente interino de Corea del Sur?", "es"),
    ("Qui est le président par intérim de la Corée du Sud ?", "fr"),
    ("Wer ist der amtierende Präsident von Südkorea?", "de"),
])
def test_other_languages_are_recognised(question, code):
    assert detect(question).code == code


@pytest.mark.parametrize("question", [
    "who is acting president?", "How old was Jean-Luc Godard when he died?", "What did the Tour de France winner say?",
    "Who is Ranil Wickremesinghe?", "Why did Sri Lanka's economy collapse?", "Blinken",
    "What is the Académie française?",
    "Did Seoul and Tokyo sign a deal?", "Is Mr. Müller the new head of the Bundesbank?",
])
def test_english_questions_with_foreign_names_are_english(question):
    assert detect(question).english


def test_a_question_in_another_language_gets_a_notice_in_the_answer_object(corpus_pipeline):
    r = corpus_pipeline.ask("누가 대통령 권한대행입니까?")
    assert r.abstained and not r.citations and r.language == "ko"
    assert [n.code for n in r.notices] == ["not_english"] and "Korean" in r.answer
