"""Short answer spans from hand-made sentences."""

from __future__ import annotations

import pytest

from rag.short_answer import extract, question_kind, unmatched_names


@pytest.mark.parametrize(("question", "kind"), [
    ("Who is the acting president?", "who"), ("How many people died?", "number"),
    ("When did the treaty take effect?", "date"), ("What year did it open?", "date"),
    ("Where did the summit take place?", "where"), ("Which show got a new season?", "what"),
    ("Explain the reasons for inflation", None),
])
def test_question_kind_from_the_wh_word(question, kind):
    assert question_kind(question) == kind


@pytest.mark.parametrize(("question", "sentence", "span"), [
    ("Who is the acting president of South Korea?",
     "Choi Sang-mok is the acting president after former acting President Han Duck-soo was impeached.",
     "Choi Sang-mok"),
    ("Who visited Seoul on Monday?", "U.S. Secretary of State Antony Blinken visited Seoul on Monday.",
     "Antony Blinken"),
    ("Which popular show was green lit for a new season?",
     "Netflix announced the hit South Korean show “Squid Game” is officially coming back for a second season.",
     "Squid Game"),
    ("How many people died in the flood?", "Officials said at least 37 people died in the flooding in Kentucky.", "37"),
    ("When did the treaty take effect?", "The treaty took effect on January 22, 2021, after 50 countries ratified it.",
     "January 22, 2021"),
    ("Where did the NATO summit take place?", "Leaders met in Madrid for the NATO summit.", "Madrid"),
])
def test_span_of_the_right_kind_nearest_the_question_words(question, sentence, span):
    assert extract(question, sentence) == span


@pytest.mark.parametrize(("question", "sentence"), [
    ("What is the capital of Peru?", "It rained all day."),  # no candidate span at all
    ("Who is the acting president?", "The acting president spoke."),  # only repeats the question
    ("Why did prices rise?", "Prices rose because of Russia's war in Ukraine."),  # not a factoid question
    ("How many people attended?", ""),
])
def test_no_short_answer_rather_than_a_guess(question, sentence):
    assert extract(question, sentence) is None


@pytest.mark.parametrize(("question", "text", "missing"), [
    # "Japan" ends like a demonym ("Korean") but is a country the text must name.
    ("What is Japan's foreign minister called?", "Foreign Minister Cho Tae-yul met Blinken.", ["Japan's"]),
    ("Is this America's last trip?", "The top U.S. diplomat left.", []),  # "America" is the article's "U.S."
    ("Did Britain agree?", "The UK government agreed.", []),
    ("Did Korean officials agree?", "Officials in Seoul agreed.", []),  # demonyms are not required
])
def test_unmatched_names_knows_country_aliases_and_demonyms(question, text, missing):
    assert unmatched_names(question, text) == missing
