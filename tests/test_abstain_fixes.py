"""The who-did check: role questions ask for a post holder, and a neighbour's verb must be about the same person."""

from __future__ import annotations

import pytest

from rag.abstain import Evidence, asked_act, reason_to_abstain, who_did_not_reported


def ev(sentence: str, before: str = "", after: str = "") -> Evidence:
    window = " ".join(t for t in (before, sentence, after) if t)
    return Evidence(sentence, window, window)


CHO = ("Foreign Minister Cho Tae-yul and U.S. Secretary of State Antony Blinken met in Seoul on Monday for talks "
       "on their countries' bilateral alliance, efforts to deter North Korean threats and other key issues, "
       "officials said.")
CHOI = "Deputy Prime Minister Choi Sang-mok has taken over as the acting president."
COURTESY = "Blinken paid a courtesy call on Choi ahead of his talks with Cho."
ARRIVED = "Blinken arrived in South Korea late Sunday."


# -- role questions: "who heads X" asks who holds the post -----------------------------------------------
@pytest.mark.parametrize(("question", "evidence"), [
    ("Who heads South Korea's foreign ministry?", ev(CHO)),
    ("Who leads South Korea's foreign ministry?", ev(CHO)),
    ("Who currently leads South Korea as acting president?", ev(CHOI)),
    ("Who runs the Federal Reserve?", ev("Federal Reserve Chair Jerome Powell said rates would stay on hold.")),
    ("Who chairs the committee?", ev("The committee's chairman, Sen. Dick Durbin, opened the hearing.")),
    ("Who runs Tesla?", ev("Elon Musk, the chief executive of Tesla, said deliveries would rise.")),
    # The verb itself, in any form, still reports the role.
    ("Who heads the agency?", ev("Jane Doe, who has headed the agency since 2021, resigned on Friday.")),
    # "Who is the head of" asks the same; it was never treated as an act.
    ("Who is the head of South Korea's foreign ministry?", ev(CHO)),
])
def test_a_role_question_is_answered_by_the_holders_title(question, evidence):
    assert who_did_not_reported(question, evidence) is None
    assert asked_act(question) is None  # no act to prefer in the lead sentence either


def test_a_role_question_still_needs_someone_in_a_role():
    q = "Who heads South Korea's foreign ministry?"
    assert who_did_not_reported(q, ev(ARRIVED))
    # Someone's title, but not the asked post's.
    assert who_did_not_reported(q, ev("The talks came as South Korea seeks to ensure its alliance with the United "
                                      "States remains strong despite political uncertainties following President "
                                      "Yoon Suk Yeol's impeachment over his failed martial law attempt."))
    # A title in a neighbour about someone else is not the lead sentence's person holding a post.
    assert who_did_not_reported(q, ev("Cho Tae-yul met Blinken in Seoul on Monday.", after=CHOI))
    assert who_did_not_reported(q, ev("Cho Tae-yul met Blinken in Seoul on Monday.",
                                      after="He has been foreign minister since 2023.")) is None
    assert who_did_not_reported(q, ev("Cho Tae-yul met Blinken in Seoul on Monday.",
                                      after="Cho has been foreign minister since 2023.")) is None


@pytest.mark.parametrize("question", [
    "Who will lead South Korea's foreign ministry?",  # a succession: an event the evidence must report
    "Who has run the ministry since 2023?",
    "Who led the talks?",  # past tense: an act
])
def test_role_verbs_with_an_auxiliary_or_in_the_past_stay_acts(question):
    assert asked_act(question) is not None
    assert who_did_not_reported(question, ev(ARRIVED))


# -- a neighbour's verb counts only when it speaks of the lead sentence's person ---------------------------
def test_verb_in_a_neighbour_about_someone_else_does_not_count():
    # The lead names Choi Sang-mok; the courtesy call reported next door is Blinken's.
    assert who_did_not_reported("Who paid a courtesy call on Choi?", ev(CHOI, after=COURTESY))
    # The neighbour repeats only the question's own name and a title, not the lead's person.
    q = "Who will succeed Antony Blinken as U.S. Secretary of State?"
    assert who_did_not_reported(q, ev(CHO, after="Marco Rubio is expected to succeed Blinken as secretary of state."))
    assert reason_to_abstain(q, ev(CHO, after="Marco Rubio is expected to succeed Blinken as secretary of state."))


def test_verb_in_the_lead_sentence_counts():
    assert who_did_not_reported("Who paid a courtesy call on Choi?", ev(COURTESY, before=CHOI)) is None


@pytest.mark.parametrize(("before", "sentence", "after"), [
    # A pronoun opening the next sentence refers back to the lead's person.
    ("", "Lee Jae-myung addressed supporters in Seoul on Wednesday.", "He won the election by a wide margin."),
    ("", "Lee Jae-myung addressed supporters in Seoul on Wednesday.", "They said he won the election."),
    # The lead's name repeated, after or before.
    ("", "Lee Jae-myung addressed supporters in Seoul on Wednesday.", "Lee won the election with 49 percent."),
    ("Lee won the election with 49 percent.", "Lee Jae-myung addressed supporters in Seoul on Wednesday.", ""),
])
def test_verb_in_a_neighbour_about_the_same_person_counts(before, sentence, after):
    assert who_did_not_reported("Who won the South Korean presidential election?", ev(sentence, before, after)) is None


@pytest.mark.parametrize(("before", "after"), [
    # A pronoun opening the sentence BEFORE the lead refers to someone named earlier still.
    ("He won the election by a wide margin.", ""),
    # A neighbour sharing only a calendar word or a title with the lead.
    ("", "On Wednesday, the opposition leader won the election."),
])
def test_verb_in_a_neighbour_without_the_same_person_does_not_count(before, after):
    lead = "Lee Jae-myung addressed supporters in Seoul on Wednesday."
    assert who_did_not_reported("Who won the South Korean presidential election?", ev(lead, before, after))


# -- end to end: the corpus question that used to abstain ---------------------------------------------------
def test_who_heads_the_foreign_ministry_is_answered_from_the_corpus(corpus_pipeline):
    r = corpus_pipeline.ask("Who heads South Korea's foreign ministry?")
    assert not r.abstained and "Cho Tae-yul" in r.citations[0].sentence
    assert r.short_answer and "Cho Tae-yul" in r.short_answer
