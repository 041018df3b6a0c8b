"""A question understood once: answer types, names, time scope and the references it leaves open."""

from __future__ import annotations

import pytest

from rag.query import AnswerType, analyse

T = AnswerType


@pytest.mark.parametrize(("question", "expected"), [
    ("Who is the acting president?", T.PERSON),
    ("Whose campaign raised the most money?", T.PERSON),
    ("When did Blinken arrive in Seoul?", T.DATE),
    ("What year did the company go public?", T.DATE),
    ("Where did the talks take place?", T.PLACE),
    ("Which country hosted the summit?", T.PLACE),
    ("Which city will host the Olympics?", T.PLACE),
    ("Which company bought Twitter?", T.ORG),
    ("What team won the World Series?", T.ORG),
    ("Which al Qaeda leader did the US kill?", T.PERSON),
    ("Which actor won the award?", T.PERSON),
    ("How many people died in the flood?", T.NUMBER),
    ("How many days did the strike last?", T.DURATION),
    ("How many times has the singer been married?", T.NUMBER),
    ("How old was the queen when she died?", T.AGE),
    ("How long did the talks last?", T.DURATION),
    ("How much did Elon Musk pay for Twitter?", T.MONEY),
    ("How much was the quarterback fined?", T.MONEY),  # the lemmatiser reads "fined" as "fin"
    ("How much did the company donate?", T.MONEY),
    ("How much rain fell in the storm?", T.QUANTITY),
    ("Which model is being recalled?", T.OTHER),  # a product more often than a person in the news
    ("What was the US inflation rate in June?", T.PERCENT),
    ("What percentage of voters backed the plan?", T.PERCENT),
    ("Which show was renewed for a second season?", T.OTHER),
])
def test_answer_type_from_the_question_form(question, expected):
    assert analyse(question).answer_type is expected


@pytest.mark.parametrize("question", [
    "Why did the bridge collapse?", "How did the market react?", "Is the trip Blinken's last?",
    # a statement to judge, whatever wh-words its clauses hold
    "True or false: The disease was reported in the US for the first time since 1979, when it was eliminated.",
    # a statement to complete: the only wh-word opens a relative clause
    "Officials say the fire was started by a man who was trying to:",
    "The senator who resigned this week was replaced by:",
])
def test_not_a_factoid_question(question):
    assert analyse(question).answer_type is None


@pytest.mark.parametrize(("question", "wh"), [
    ("Supermarkets in France are struggling to stock which condiment, sparking outrage across the country.", "which"),
    ("Despite China's warnings and concern in the Biden administration, where did House Speaker Nancy Pelosi travel "
     "as part of her tour of Asia?", "where"),
])
def test_a_question_word_asks_even_where_the_parser_sees_a_relative_clause(question, wh):
    assert analyse(question).wh == wh


@pytest.mark.parametrize("question", [
    "The broadcast of the leadership debate was cut short when what happened?",
    "The game was stopped in the second half when what happened?",
    "Play was halted at the stadium when what happened to the floodlights?",
])
def test_a_when_joining_two_clauses_is_not_the_question_word(question):
    """The wh-word left in the answer's place asks; a "when" that only joins clauses asks for no date."""
    q = analyse(question)
    assert q.wh == "what" and q.answer_type is T.OTHER


@pytest.mark.parametrize(("question", "noun", "expected"), [
    ("A trigger warning will be added to which centuries-old text before students study it?", "text", T.OTHER),
    ("Which decades-old law did the state repeal?", "law", T.OTHER),
    ("Lawmakers voted to close which 100-year-old bridge?", "bridge", T.PLACE),
    ("Which years-long feud ended this week?", "feud", T.OTHER),
])
def test_a_hyphenated_modifier_does_not_name_what_is_asked(question, noun, expected):
    """"which centuries-old text" asks for a text: the noun inside the modifier is no date question."""
    q = analyse(question)
    assert q.asked_noun == noun and q.answer_type is expected


def test_latest_news_cues():
    assert analyse("Who won the election this week?").latest
    assert analyse("Who is currently leading the race?").latest
    assert not analyse("Who won the election in New York?").latest
    # a weekday alone is the latest one: "on Tuesday" asks about this week's news
    assert analyse("Which law did Biden sign on Tuesday?").latest
    assert analyse("What did the Fed announce Wednesday?").latest


@pytest.mark.parametrize(("question", "period"), [
    ("Which country was shaken by an earthquake this week?", "week"),
    ("What did the court rule yesterday?", "week"),
    ("Which law did Biden sign on Tuesday?", "week"),  # a weekday alone is this week's
    ("Which company recently announced layoffs?", "recent"),
    ("Which singer will launch a Las Vegas residency later this year?", "year"),
    ("How many people has the virus killed this month?", "month"),
    ("Who is currently the acting president?", "now"),  # the newest state of things, however old its report
    ("What is the latest on Antony Blinken?", "now"),
    ("Who won the most recent World Cup?", "now"),  # the latest one, however long ago
    ("Who won the Hart Trophy last season?", "season"),
    ("Which country has had the most coups in recent years?", "now"),
    ("Who won the election in New York?", None),
])
def test_a_latest_news_cue_names_the_period_asked_about(question, period):
    assert analyse(question).period == period


def test_two_cues_ask_for_the_narrower_period():
    assert analyse("Which recent poll was published this week?").period == "week"
    assert analyse("Which team did he sign with earlier this week?").period == "week"
    assert analyse("What happened this past weekend?").period == "week"


@pytest.mark.parametrize(("question", "kinds"), [
    ("How old was Jean-Luc Godard when he died?", []),  # "he" is Godard
    ("What position did he hold before?", ["person"]),
    ("who paid him a courtesy call?", ["person"]),
    ("What did the company announce?", ["generic"]),
    ("What happened that day?", ["time"]),
    ("Who was arrested there?", ["place"]),
    ("What did Tesla say about its sales?", []),  # "its" is Tesla's
])
def test_references_the_question_leaves_open(question, kinds):
    assert [r.kind for r in analyse(question).references] == kinds


def test_a_question_is_understood_once_and_the_same_way():
    a, b = analyse("Who won the World Cup?"), analyse("Who  won the World Cup? ")
    assert a == b and a.text == "Who won the World Cup?"


@pytest.mark.parametrize(("question", "expected"), [
    ("Which pop star will headline the show?", T.PERSON),
    ("Which film director won the prize?", T.PERSON),
    ("Which meal kit service recalled a product?", T.ORG),
    ("Which fast food chain changed its menu?", T.ORG),
    ("Which island nation declared bankruptcy?", T.PLACE),
    ("Which embattled celebrity was found liable?", T.PERSON),
])
def test_a_compound_or_modified_noun_is_typed_by_its_head(question, expected):
    assert analyse(question).answer_type is expected


@pytest.mark.parametrize("question", ["Which law did Biden sign on Tuesday?", "What act did the House pass?",
                                      "Which climate legislation did the Senate approve?"])
def test_a_law_is_answered_by_a_law(question):
    q = analyse(question)
    assert q.answer_type is T.OTHER and q.answer_labels == {"LAW"}
    assert "Tuesday" not in q.surnames  # a weekday is nobody's surname


@pytest.mark.parametrize(("question", "expected"), [
    ("What is the name of the gymnast said to be his girlfriend?", T.PERSON),
    ("What was the name of the company that bought the newspaper?", T.ORG),
    ("What is the name of the city where the summit was held?", T.PLACE),
    ("What is the name of the new variant?", T.OTHER),  # a kind the lexicon does not type: still no person
])
def test_the_name_of_something_asks_for_that_thing(question, expected):
    assert analyse(question).answer_type is expected


@pytest.mark.parametrize("question", ["Vaccinations began for which age group?", "Which price range sold best?",
                                      "Which menu item was dropped?"])
def test_a_compound_that_names_a_measure_or_an_untyped_kind_looks_for_no_entity(question):
    q = analyse(question)
    assert q.answer_type is T.OTHER and not q.answer_labels


@pytest.mark.parametrize("question", [
    "Where did its president flee first?", "How did he send his resignation?", "What did the images show?",
    "Which team did they beat in the final?", "Who is the acting president of South Korea?",
])
def test_a_name_is_written_with_a_capital(question):
    """The small model sometimes tags lower-case words as a person; those are no names to search or resolve to."""
    for m in analyse(question).names:
        assert any(c.isupper() or c.isdigit() for c in m.text), m


@pytest.mark.parametrize(("question", "expected"), [
    ("According to a survey, what percentage of adults disapprove of Roe v. Wade?", T.PERCENT),
    ("Which company did Johnson & Johnson Inc. sell its unit to?", T.ORG),
    ("Who did the U.S. envoy meet in St. Louis on Monday?", T.PERSON),
])
def test_an_abbreviation_inside_the_question_does_not_hide_its_question_word(question, expected):
    assert analyse(question).answer_type is expected


@pytest.mark.parametrize("question", ["How high will inflation rise by the end of the year?",
                                      "How big was the fine?", "How far did prices fall?"])
def test_a_how_adjective_measure_may_be_a_share_or_a_sum(question):
    q = analyse(question)
    assert q.answer_type is T.QUANTITY and {"PERCENT", "MONEY", "QUANTITY"} <= q.answer_labels


@pytest.mark.parametrize(("question", "verb"), [
    ("When did Blinken arrive in Seoul?", "arrive"),
    ("What did the company announce?", "announce"),
    ("How many people did the storm kill?", "kill"),
    # the last word after "will/did" and the subject is the verb, whatever the tagger took it for
    ("When will the museum reopen?", "reopen"),
    ("When will the factory close?", "close"),
    ("When did the museum reopen?", "reopen"),
    # a copula stays one: "open" is what the museum is, not what it does
    ("When is the museum open?", "be"),
])
def test_the_main_verb_is_found_even_when_the_tagger_misreads_it(question, verb):
    assert analyse(question).verb == verb


def test_irregular_verb_forms_stem_with_their_base_form():
    """A question's "won" meets an article's "win"/"wins", "told" meets "tells": every irregular form the lexicon
    lists stems like its base."""
    from rag import lexicon as L
    from rag.query import stems

    for form, base in L.IRREGULAR_VERBS.items():
        assert stems(form) == stems(base) or not stems(base), (form, base)


@pytest.mark.parametrize(("question", "typed"), [
    ("Who was Ayman al-Zawahiri?", False), ("Who is Antony Blinken?", False), ("Who is Choi Sang-mok?", False),
    # a person is asked for: by a post, a relation or an act
    ("Who is Joe Biden's wife?", True), ("Who is the acting president?", True), ("Who is Blinken meeting?", True),
])
def test_who_is_a_named_person_asks_for_a_description_not_another_person(question, typed):
    """"Who was Ayman al-Zawahiri?" is answered by what he was; "Osama bin Laden", named beside him, is no answer."""
    assert (analyse(question).answer_type is not None) is typed


@pytest.mark.parametrize(("question", "past"), [
    ("Who won the 2022 FIFA World Cup?", True),
    ("What did KFC roll out this week?", True),
    ("Who has taken over as acting president?", True),
    ("Which celebrity was found liable?", True),
    ("Who will host the 2026 World Cup?", False),
    ("Which company does Musk plan to buy?", False),
    ("Whose troops were Cho and Blinken expected to discuss?", False),
    ("Who heads the foreign ministry?", False),
])
def test_a_question_about_what_happened_says_so(question, past):
    """`asks_past`: the asked act has happened (a past form, "did", "has"), not to come, expected or ongoing."""
    assert analyse(question).asks_past is past
