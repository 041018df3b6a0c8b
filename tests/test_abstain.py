"""The abstention checks: evidence that scores well but does not answer the (typed) question."""

from __future__ import annotations

import pytest

from rag.abstain import (
    Evidence,
    act_not_reported,
    act_only_ahead,
    another_edition,
    another_of_its_kind,
    cause_not_stated,
    cause_of_another,
    focus_not_near,
    missing_names,
    owner_not_near,
    reason_to_abstain,
    same_verb_in,
    speech_not_reported,
)
from rag.query import analyse
from rag.types import Mention


def ev(sentence: str, before: str = "", after: str = "") -> Evidence:
    window = " ".join(t for t in (before, sentence, after) if t)
    return Evidence(sentence, window, window)


CHO = ("Foreign Minister Cho Tae-yul and U.S. Secretary of State Antony Blinken met in Seoul on Monday for talks "
       "on their countries' bilateral alliance, efforts to deter North Korean threats and other key issues, "
       "officials said.")
CHOI = "Deputy Prime Minister Choi Sang-mok has taken over as the acting president."
COURTESY = "Blinken paid a courtesy call on Choi ahead of his talks with Cho."
ARRIVED = "Blinken arrived in South Korea late Sunday."


# -- reported speech -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("question", "evidence"), [
    ("What did Choi tell Blinken during the courtesy call?", ev(COURTESY)),
    # Someone's words, but not the asked speaker's.
    ("What did Blinken announce at the press conference?",
     ev("Spokesperson Matthew Miller said the two nations would build their critical cooperation.",
        after="Blinken will hold a press conference.")),
])
def test_speech_question_needs_the_speakers_words(question, evidence):
    assert speech_not_reported(analyse(question), evidence)


@pytest.mark.parametrize(("question", "evidence"), [
    ("What did Blinken say about the alliance?", ev("Blinken said the alliance was ironclad.")),
    ("What did Blinken say about the alliance?",
     ev("The alliance is “ironclad and will stay so,” Blinken told reporters.")),
    ("What did Miller announce?", ev("Miller is a spokesperson.", after="He said the visit would go ahead.")),
    # Not a question about words at all: "Secretary of State" is no verb of saying.
    ("What did U.S. Secretary of State Antony Blinken promise to resume?", ev("The allies agreed to resume talks.")),
])
def test_speech_reported_or_not_asked(question, evidence):
    assert speech_not_reported(analyse(question), evidence) is None


# -- causes ----------------------------------------------------------------------------------------------
def test_why_needs_a_cause_in_the_sentence():
    q = analyse("Why was Han Duck-soo impeached?")
    assert cause_not_stated(q, ev("Parliament impeached Han Duck-soo just two weeks after Yoon's impeachment."))
    assert cause_not_stated(q, ev("Han Duck-soo was impeached over his refusal to appoint judges.")) is None
    assert cause_not_stated(q, ev("Han was impeached because he refused to appoint judges.")) is None
    assert cause_not_stated(analyse("Who was impeached?"), ev("Han Duck-soo was impeached.")) is None


# -- whose role --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("question", "other", "own"), [
    ("Why was Han Duck-soo impeached?",
     "The talks came despite uncertainties following President Yoon Suk Yeol's impeachment over his martial law bid.",
     "Han Duck-soo was impeached over his refusal to appoint judges."),
    ("Why did Netflix cut its prices?", "Disney cut prices because subscriber growth stalled.",
     "Netflix cut its prices because subscriber growth stalled."),
])
def test_a_cause_must_be_stated_about_what_the_question_names(question, other, own):
    q = analyse(question)
    assert cause_of_another(q, ev(other))
    assert cause_of_another(q, ev(own)) is None
    assert cause_of_another(q, ev("It was a surprise.", before=own)) is None  # a sentence away still counts


def test_the_owner_of_the_asked_role_must_be_near():
    q = analyse("What is the name of Japan's foreign minister?")
    assert owner_not_near(q, ev("Foreign Minister Cho Tae-yul met Blinken in Seoul."))
    assert owner_not_near(q, ev("Foreign Minister Takeshi Iwaya spoke.", before="Japan hosted the talks.")) is None


def test_the_new_subject_of_an_ellipsis_must_be_near():
    from rag.types import Turn

    q = analyse("and what about Japan?", [Turn("Who is the foreign minister of South Korea?")])
    assert q.focus == ("Japan",)
    assert focus_not_near(q, ev(CHO))
    assert focus_not_near(q, ev("Japan's Foreign Minister Takeshi Iwaya spoke.")) is None


# -- names the articles never mention ----------------------------------------------------------------------
@pytest.mark.parametrize(("name", "label", "text", "missing"), [
    ("FIFA World Cup", "EVENT", "The Atlanta Braves won the World Series on Tuesday.", True),
    ("Joe Biden", "PERSON", "Biden signed the bill on Friday.", False),  # a person is mentioned by the surname
    ("America", "GPE", "The U.S. and South Korea agreed.", False),  # "U.S." is America
    ("Korea", "GPE", "South Korean officials said.", False),
    ("Tokyo", "GPE", "Officials met in Seoul.", True),
    ("South Korean", "NORP", "Officials met in Seoul.", False),  # a nationality describes, it names nothing
    # a name is not mentioned by another of its kind that shares only the kind ("Trophy", "Cup", "Prize")
    ("Hart Trophy", "WORK_OF_ART", "Shesterkin will win the Vezina Trophy.", True),
    ("Stanley Cup", "EVENT", "France won the World Cup.", True),
    ("Nobel Peace Prize", "WORK_OF_ART", "She won the Pulitzer Prize.", True),
    ("Hart Trophy", "WORK_OF_ART", "McDavid ran away with the Hart Trophy last season.", False),
    ("Stanley Cup Final", "EVENT", "The Avalanche reached the Stanley Cup final.", False),
])
def test_missing_names(name, label, text, missing):
    assert bool(missing_names([Mention(name, label)], text)) is missing


# -- who did it --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("verb", "text", "found"), [
    ("won", "Lee Jae-myung wins the presidential election.", True),
    ("win", "Lee Jae-myung won the election.", True),
    ("succeed", "Rubio succeeded Blinken as secretary of state.", True),
    ("lead", "voiced confidence in the country's acting leadership", True),
    ("succeed", "Cho Tae-yul and Antony Blinken met in Seoul.", False),
    ("sue", "The attorney general accused the company of fraud in a civil lawsuit.", True),
    ("win", "Labor Party leader Anthony Albanese claimed victory on Saturday.", True),
    # a buying is reported as the sale, acquisition or takeover it is
    ("buy", "Owners will vote on the proposed $4.65 billion sale of the Denver Broncos to the Waltons.", True),
    ("buying", "The company completed its acquisition of the startup on Monday.", True),
    ("buy", "Shareholders rejected the takeover.", True),
    ("buy", "The company sold shares on Monday.", False),
])
def test_same_verb_in_any_form(verb, text, found):
    assert same_verb_in(verb, text) is found


def test_a_verb_is_reported_by_any_verb_of_its_group_and_by_no_other_group():
    """lexicon.SAME_ACTS: "who broke the record?" is reported by "smashed", never by another group's verb."""
    from rag import lexicon as L

    for group in L.SAME_ACTS:
        for asked in group:
            for said in group:
                assert same_verb_in(asked, f"Officials said the player would {said} it."), (asked, said)
            for other in L.SAME_ACTS:
                if other is not group:
                    assert not any(same_verb_in(asked, f"Officials said the player would {v} it.") for v in other), (
                        asked, sorted(other))


@pytest.mark.parametrize(("question", "sentence", "other"), [
    ("Who won the Hart Trophy last season?", "Rangers goalie Igor Shesterkin will win the Vezina Trophy.", True),
    ("Who won the 2022 Nobel Peace Prize?", "The writer won the Pulitzer Prize for fiction.", True),
    ("Which team won the Stanley Cup?", "France beat Croatia to win the World Cup.", True),
    ("Who won the Hart Trophy last season?", "Connor McDavid ran away with the Hart Trophy last season.", False),
    ("Who won the Hart Trophy last season?", "McDavid won the scoring race again, with 123 points.", False),
    ("Who won the Hart Trophy last season?", "The trophy went to a goalie for the first time in years.", False),
])
def test_a_sentence_naming_another_of_the_asked_kind_does_not_answer(question, sentence, other):
    """"Vezina Trophy" for "Hart Trophy", "Pulitzer Prize" for "Nobel Peace Prize": another name of the same kind,
    without the asked one, is about that other thing. A sentence naming no such thing may still answer."""
    ev = Evidence(sentence, sentence, sentence)
    assert bool(another_of_its_kind(analyse(question), ev)) is other


@pytest.mark.parametrize(("question", "sentence", "other"), [
    ("Who won the 2022 FIFA World Cup?", "England's men beat West Germany to win the 1966 World Cup.", True),
    ("Which team won the 2021 World Series?", "The Braves had last reached the 1999 World Series.", True),
    ("Who won the 2022 Hart Trophy?", "McDavid was a finalist for the 2021 Hart Trophy.", True),
    ("Who won the 2022 FIFA World Cup?", "Argentina won the 2022 World Cup, its first since the 1986 World Cup.",
     False),
    ("Who won the 2022 FIFA World Cup?", "Argentina beat France on penalties in the final in Qatar.", False),
    ("Who won the World Cup?", "England won the 1966 World Cup.", False),
])
def test_a_sentence_naming_another_edition_does_not_answer(question, sentence, other):
    """A question naming an edition by its year ("the 2022 World Cup") is not answered by a sentence naming another
    year's edition of that kind and not the asked year; one naming the asked year, or no edition, may answer, and a
    question naming no year asks about no particular edition."""
    assert bool(another_edition(analyse(question), Evidence(sentence, sentence, sentence))) is other


@pytest.mark.parametrize(("question", "sentence", "ahead"), [
    ("Who won the Hart Trophy?", "Shesterkin is expected to win the Hart Trophy.", True),
    ("Who won the Hart Trophy?", "Shesterkin will win the Hart Trophy, voters say.", True),
    ("Which company bought the chain?", "Walmart plans to buy the chain next year.", True),
    ("Who won the Hart Trophy?", "Shesterkin won the Hart Trophy on Tuesday.", False),
    ("Who won the Hart Trophy?", "Shesterkin, who won the Hart Trophy, will play on Friday.", False),
    ("Who has won the Hart Trophy?", "Shesterkin has won the Hart Trophy.", False),
    ("Who will win the Hart Trophy?", "Shesterkin is expected to win the Hart Trophy.", False),
    ("Who was expected to win the Hart Trophy?", "Shesterkin was expected to win the Hart Trophy.", False),
    ("Who won the Hart Trophy?", "The voting for the trophy ends on Friday.", False),
])
def test_a_past_act_is_not_answered_by_a_sentence_that_only_looks_ahead(question, sentence, ahead):
    """"Who won ...?" asks what happened: a sentence in which the asked act is only to come (will, expected to,
    plans to) has not reported it; one reporting it done anywhere may answer, and a question itself about what is
    to come or was expected is answered by such a sentence. No form of the act in the sentence: not this check's
    concern (`act_not_reported` is)."""
    assert bool(act_only_ahead(analyse(question), Evidence(sentence, sentence, sentence))) is ahead


def test_who_question_needs_the_act_reported():
    q = analyse("Who will succeed Antony Blinken as U.S. Secretary of State?")
    assert act_not_reported(q, ev(CHO))
    assert act_not_reported(q, ev("Marco Rubio will succeed Antony Blinken.")) is None
    # Copulas name no act; "who is X" is about identity, checked elsewhere.
    assert analyse("Who is the acting president?").asked_act is None


@pytest.mark.parametrize(("question", "evidence"), [
    ("Who heads South Korea's foreign ministry?", ev(CHO)),
    ("Who leads South Korea's foreign ministry?", ev(CHO)),
    ("Who runs the Federal Reserve?", ev("Federal Reserve Chair Jerome Powell said rates would stay on hold.")),
    ("Who runs Tesla?", ev("Elon Musk, the chief executive of Tesla, said deliveries would rise.")),
    ("Who heads the agency?", ev("Jane Doe, who has headed the agency since 2021, resigned on Friday.")),
])
def test_a_role_question_is_answered_by_the_holders_title(question, evidence):
    q = analyse(question)
    assert q.asks_role and q.asked_act is None
    assert act_not_reported(q, evidence) is None


def test_a_role_question_still_needs_someone_in_the_asked_role():
    q = analyse("Who heads South Korea's foreign ministry?")
    assert act_not_reported(q, ev(ARRIVED))
    assert act_not_reported(q, ev("President Yoon Suk Yeol was impeached over his failed martial law attempt."))
    assert act_not_reported(q, ev("Cho Tae-yul met Blinken in Seoul on Monday.",
                                  after="He has been foreign minister since 2023.")) is None


@pytest.mark.parametrize("question", ["Who will lead South Korea's foreign ministry?", "Who led the talks?"])
def test_role_verbs_with_an_auxiliary_or_in_the_past_stay_acts(question):
    q = analyse(question)
    assert q.asked_act == "lead"
    assert act_not_reported(q, ev(ARRIVED))


def test_a_neighbours_verb_counts_only_when_it_goes_on_about_the_lead():
    q = analyse("Who won the South Korean presidential election?")
    lead = "Lee Jae-myung addressed supporters in Seoul on Wednesday."
    assert act_not_reported(q, ev(lead, after="He won the election by a wide margin.")) is None
    assert act_not_reported(q, ev(lead, before="He won the election by a wide margin."))
    assert act_not_reported(q, ev(lead, after="On Wednesday, the opposition leader won the election."))
    assert act_not_reported(analyse("Who paid a courtesy call on Choi?"), ev(CHOI, after=COURTESY))


def test_reason_to_abstain_runs_every_check():
    assert reason_to_abstain(analyse("Why was Han impeached?"), ev("Han was impeached last week.")) is not None
    q = analyse("Who met Blinken?")
    assert reason_to_abstain(q, ev("Cho Tae-yul met Blinken in Seoul."), skip=("typed",)) is None


def test_an_asked_verb_that_is_also_another_verbs_past_is_read_as_asked():
    """"Who founded the lab?" asks about founding, though "found" is also the past of "find"."""
    assert same_verb_in("found", "The lab was founded in 2015 by two researchers.")
    assert act_not_reported(analyse("Who founded the lab?"),
                            ev("The lab was founded in 2015 by Jane Doe and John Roe.")) is None
