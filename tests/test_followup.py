"""Offline follow-up resolution on hand-made conversations (no model, no store)."""

from __future__ import annotations

import pytest

from rag.followup import bare_name, contextualize, entities, is_follow_up, topic_terms, turns

CHOI = ("According to Yonhap (6 January 2025), Deputy Prime Minister Choi Sang-mok has taken over as the "
        "acting president [1].")
NOT_FOUND = "The articles do not contain an answer to this question."


def test_standalone_questions_are_searched_as_asked():
    history = ["who is acting president?", CHOI]
    for q in ("What did Blinken discuss in Seoul?", "Who is the foreign minister of South Korea?",
              "When was Yoon Suk Yeol impeached?"):
        assert not is_follow_up(q)
        assert contextualize(q, history) == q


def test_first_question_is_never_rewritten():
    assert contextualize("when did he take over?", []) == "when did he take over?"


def test_person_pronoun_is_replaced_by_the_name_in_the_previous_answer():
    history = ["who is acting president?", CHOI]
    assert contextualize("when did he take over?", history) == "when did Choi Sang-mok take over?"
    assert contextualize("who paid him a courtesy call?", history) == "who paid Choi Sang-mok a courtesy call?"
    assert contextualize("what was his job before?", history) == "what was Choi Sang-mok's job before?"


def test_a_pronoun_means_the_person_not_the_organisation_named_before_them():
    history = ["Who announced Blinken's visit last week?",
               "According to Yonhap (6 January 2025), U.S. State Department spokesperson Matthew Miller announced "
               "the visit last week [1]."]
    assert contextualize("What is his job?", history) == "What is Matthew Miller's job?"


def test_her_is_possessive_before_a_noun_and_an_object_otherwise():
    history = ["who leads the party?", "According to AP (1 May 2025), party leader Ana Silva won [1]."]
    assert contextualize("what did her party say?", history) == "what did Ana Silva's party say?"
    assert contextualize("who elected her?", history) == "who elected Ana Silva?"


def test_reference_without_a_person_pronoun_carries_names_and_topic():
    query = contextualize("is it true?", ["who is acting president?", CHOI])
    assert query.startswith("is it true? (")
    assert "Choi Sang-mok" in query
    assert "acting" in query and "president" in query
    assert "Yonhap" not in query and "January" not in query  # our attribution is not content


@pytest.mark.parametrize("entity, name", [
    ("Deputy Prime Minister Choi Sang-mok", "Choi Sang-mok"),
    ("U.S. Secretary of State Antony Blinken", "Antony Blinken"),
    ("Blinken", "Blinken"),
    ("President", "President"),  # never empty
])
def test_bare_name_drops_titles(entity, name):
    assert bare_name(entity) == name


def test_topic_switch_keeps_the_topic_and_drops_the_old_subject():
    query = contextualize("and what about Japan?", ["who is acting president?", CHOI])
    assert query.startswith("and what about Japan? (")
    assert "acting president" in query
    assert "Choi" not in query  # the new subject replaces the one the last answer named


def test_switch_that_points_back_names_the_person_and_keeps_the_topic():
    query = contextualize("what about his predecessor?", ["who is acting president?", CHOI])
    assert query == "what about Choi Sang-mok's predecessor? (acting president)"


def test_elliptic_question_is_a_follow_up():
    assert is_follow_up("why?")
    assert "Choi Sang-mok" in contextualize("why?", ["who is acting president?", CHOI])


def test_after_not_found_the_names_of_the_question_are_carried():
    query = contextualize("when did she arrive?", ["Where did Angela Merkel travel?", NOT_FOUND])
    assert query == "when did Angela Merkel arrive?"


def test_chain_of_follow_ups_keeps_the_original_topic():
    history = ["who is acting president?", CHOI, "when did he take over?", CHOI]
    assert topic_terms(turns(history))[-2:] == ["acting", "president"]
    query = contextualize("and what about Japan?", history)
    assert "acting president" in query


def test_a_new_standalone_question_ends_the_chain():
    history = ["who is acting president?", CHOI, "What did Blinken discuss in Seoul?",
               "According to Yonhap (6 January 2025), Foreign Minister Cho Tae-yul and U.S. Secretary of State "
               "Antony Blinken met in Seoul on Monday for talks [1]."]
    query = contextualize("and what about Japan?", history)
    assert "blinken" in query.lower()
    assert "acting" not in query  # the earlier topic is over


def test_carry_is_bounded_and_never_cuts_a_name():
    long_answer = " ".join(f"Person{i} Name{i} met Minister{i} Other{i}." for i in range(20))
    query = contextualize("why?", ["who met?", long_answer])
    carried = query.split("(", 1)[1].rstrip(")").split()
    assert 0 < len(carried) <= 12
    assert len(carried) % 2 == 0  # whole two-word names only


@pytest.mark.parametrize("text, expected", [
    (CHOI, ["Deputy Prime Minister Choi Sang-mok"]),
    ("Yonhap (6 January 2025) also reports that Blinken paid a courtesy call on Choi [2].", ["Blinken", "Choi"]),
    ("The talks came after Yoon's impeachment on Monday.", ["Yoon"]),
])
def test_entities_skip_attribution_days_and_function_words(text, expected):
    assert entities(text) == expected


def test_turns_pair_questions_with_answers_and_keep_an_unanswered_last_question():
    assert [t.question for t in turns(["q1", "a1", "q2"])] == ["q1", "q2"]
    assert turns(["q1", "a1", "q2"])[-1].answer == ""


def test_the_person_stays_the_same_along_a_chain_of_pronouns():
    context = ("According to Yonhap (6 January 2025), the U.S. voiced confidence despite the impeachment of "
               "former acting President Han Duck-soo. Deputy Prime Minister Choi Sang-mok has taken over as the "
               "acting president [1].")
    history = ["who is acting president?", CHOI, "what position did he hold before?", context]
    assert contextualize("who paid him a courtesy call?", history) == "who paid Choi Sang-mok a courtesy call?"


def test_former_office_holders_are_not_who_he_is():
    answer = ("According to Yonhap (6 January 2025), former acting President Han Duck-soo was impeached and "
              "Deputy Prime Minister Choi Sang-mok has taken over [1].")
    assert contextualize("when did he take over?", ["who leads now?", answer]) == "when did Choi Sang-mok take over?"
