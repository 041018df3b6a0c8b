"""Short answer spans from hand-made sentences."""

from __future__ import annotations

import pytest

from rag.short_answer import (
    candidates,
    counts_asked_unit,
    extract,
    is_demonym,
    question_kind,
    refers_back,
    unmatched_names,
)


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


@pytest.mark.parametrize(("name", "demonym"), [
    ("South Korean", True), ("European", True), ("Chinese", True), ("French", True), ("Americans", True),
    ("Squid Game", False), ("Japan", False), ("Korean Air", False), ("European Union", False),
])
def test_demonyms(name, demonym):
    assert is_demonym(name) is demonym


def test_a_nationality_does_not_answer_which_show():
    q = "Which wildly popular show was recently green lit for a new season?"
    assert extract(q, "The wildly popular South Korean show is green lit for a second season.") is None


@pytest.mark.parametrize(("question", "sentence", "back"), [
    ("Which wildly popular show was green lit?", "Netflix said the wildly popular South Korean show is back.", True),
    ("Which company is accused of turning off the AC?", "A report claims that the company has cut air conditioning.",
     True),
    ("Into which sea did North Korea launch a missile?", "North Korea fired a missile into the East Sea.", False),
    ("Which show won?", "A show won.", False),  # no definite reference
])
def test_refers_back_to_the_asked_thing(question, sentence, back):
    assert refers_back(question, sentence) is back


def test_names_end_where_a_sentence_ends():
    text = "He met Cho. The U.S. Secretary of State Antony Blinken met Sen. Bob Smith."
    names = [c.text for c in candidates(text) if c.kind == "name"]
    assert "Cho" in names and "The U.S. Secretary of State Antony Blinken" in names and "Sen. Bob Smith" in names
    assert all(text[c.start:c.end] == c.text for c in candidates(text))


def test_the_thing_a_later_sentence_calls_the_company_is_the_answer():
    q = "Which company is being accused of turning off the AC in its stores to save money?"
    text = ("But Bed Bath & Beyond is reportedly dealing with heated customers at its stores. "
            "A new report from Bank of America claims that the company has cut air conditioning to save money.")
    assert extract(q, text) == "Bed Bath & Beyond"
    # Without the reference back, the name nearest the question's words still wins.
    assert extract(q, text.replace("the company", "Bed Bath")) == "Bank of America"


@pytest.mark.parametrize(("question", "text", "counts"), [
    ("How many minutes did Trump let violence play out?", "He did nothing for 187 minutes.", True),
    ("How many minutes did Trump let violence play out?", "For three long minutes nothing happened.", True),
    ("How many troops were deployed?", "Blinken is on a three-nation tour.", False),  # counts something else
    ("How far did the missile fly?", "It flew 300 km.", False),  # no unit asked for
])
def test_counts_asked_unit(question, text, counts):
    assert counts_asked_unit(question, text) is counts


def test_a_number_ends_in_a_digit_not_at_a_comma():
    # Neither "2021," nor the day of "March 3" is the count.
    text = "By March 3, 2021, officials counted 3,000 residents."
    assert extract("How many people live there?", text) == "3,000 residents"


@pytest.mark.parametrize(("question", "text", "expected"), [
    # "Millions of" says many, not how many: no short answer, so a sentence with the figure can lead.
    ("Approximately how many baby swings were recalled this week?",
     "Millions of baby swings that pose a risk to infants have been recalled, the CPSC said Monday.", None),
    ("Approximately how many baby swings were recalled this week?",
     "The recall affects 2 million MamaRoo swings and 220,000 RockaRoo rockers.", "2 million MamaRoo"),
    ("How many people died?", "Hundreds of people were evacuated, and 37 died.", "37"),
    ("How many people died?", "Two people died in the fire.", "Two"),  # an exact number word still counts
    # A count opening a sentence is not a name: "Two" does not name the mission.
    ("What was the name of the mission?", "Two of the most powerful telescopes in space watched the crash.", None),
])
def test_vague_counts_and_number_words_are_not_answers(question, text, expected):
    assert extract(question, text) == expected
