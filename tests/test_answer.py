"""The extractive answerer's checks: when evidence that scores well still does not answer."""

from __future__ import annotations

import pytest

from rag.abstain import (
    Evidence,
    cause_not_stated,
    owner_not_near,
    reason_to_abstain,
    same_verb_in,
    speech_not_reported,
    who_did_not_reported,
)
from rag.answer import NOT_FOUND, ExtractiveAnswerer
from rag.scoring import ScoredSentence, SentenceScorer
from rag.sentences import split_sentences
from rag.types import Passage


def ev(sentence: str, before: str = "", after: str = "") -> Evidence:
    window = " ".join(t for t in (before, sentence, after) if t)
    return Evidence(sentence, window, window)


# -- reported speech ---------------------------------------------------------------------------
@pytest.mark.parametrize(("question", "evidence"), [
    ("What did Choi tell Blinken during the courtesy call?", ev("Blinken paid a courtesy call on Choi.")),
    # Someone's words, but not the asked speaker's.
    ("What did Blinken announce at the press conference?",
     ev("Spokesperson Matthew Miller said the two nations would build their critical cooperation.",
        after="Blinken will hold a press conference.")),
])
def test_speech_question_needs_the_speakers_words(question, evidence):
    assert speech_not_reported(question, evidence)


@pytest.mark.parametrize(("question", "evidence"), [
    ("What did Blinken say about the alliance?", ev("Blinken said the alliance was ironclad.")),
    ("What did Blinken say about the alliance?",
     ev("The alliance is “ironclad and will stay so,” Blinken told reporters.")),
    ("What did Miller announce?", ev("Miller is a spokesperson.", after="He said the visit would go ahead.")),
    # Not a question about words at all: "Secretary of State" is no verb of saying.
    ("What did U.S. Secretary of State Antony Blinken promise to resume?", ev("The allies agreed to resume talks.")),
])
def test_speech_reported_or_not_asked(question, evidence):
    assert speech_not_reported(question, evidence) is None


# -- causes ------------------------------------------------------------------------------------
def test_why_needs_a_cause_in_the_sentence():
    q = "Why was Han Duck-soo impeached?"
    assert cause_not_stated(q, ev("Parliament impeached Han Duck-soo just two weeks after Yoon's impeachment."))
    assert cause_not_stated(q, ev("Han Duck-soo was impeached over his refusal to appoint judges.")) is None
    assert cause_not_stated(q, ev("Han was impeached because he refused to appoint judges.")) is None
    assert cause_not_stated("Who was impeached?", ev("Han Duck-soo was impeached.")) is None  # not a why question


# -- whose role --------------------------------------------------------------------------------
def test_the_owner_of_the_asked_role_must_be_near():
    q = "What is the name of Japan's foreign minister?"
    assert owner_not_near(q, ev("Foreign Minister Cho Tae-yul met Blinken in Seoul."))
    assert owner_not_near(q, ev("Foreign Minister Takeshi Iwaya spoke.", before="Japan hosted the talks.")) is None


# -- who did it --------------------------------------------------------------------------------
@pytest.mark.parametrize(("verb", "text", "found"), [
    ("won", "Lee Jae-myung wins the presidential election.", True),
    ("win", "Lee Jae-myung won the election.", True),
    ("succeed", "Rubio succeeded Blinken as secretary of state.", True),
    ("leads", "voiced confidence in the country's acting leadership", True),
    ("succeed", "Cho Tae-yul and Antony Blinken met in Seoul.", False),
])
def test_same_verb_in_any_form(verb, text, found):
    assert same_verb_in(verb, text) is found


def test_who_question_needs_the_act_reported():
    q = "Who will succeed Antony Blinken as U.S. Secretary of State?"
    assert who_did_not_reported(q, ev("Foreign Minister Cho Tae-yul and U.S. Secretary of State Antony Blinken met."))
    assert who_did_not_reported(q, ev("Marco Rubio will succeed Antony Blinken.")) is None
    # Copulas name no act; "who is X" is about identity, checked elsewhere.
    assert who_did_not_reported("Who is the acting president?", ev("Choi Sang-mok is acting president.")) is None


def test_reason_to_abstain_runs_every_check():
    assert reason_to_abstain("Why was Han impeached?", ev("Han was impeached last week.")) is not None
    assert reason_to_abstain("Who met Blinken?", ev("Cho Tae-yul met Blinken in Seoul.")) is None


# -- the answerer ------------------------------------------------------------------------------
ARTICLE = ("Foreign Minister Cho Tae-yul and U.S. Secretary of State Antony Blinken met in Seoul on Monday. "
           "Blinken paid a courtesy call on acting President Choi Sang-mok ahead of his talks with Cho. "
           "The trip is widely expected to be his final overseas visit as the top U.S. diplomat.")


def passage(text: str = ARTICLE) -> Passage:
    return Passage(chunk_id="a#0", doc_id="a", title="Blinken in Seoul", text=text, start=0, end=len(text),
                   score=1.0, sentences=tuple(split_sentences(text)), date="2025-01-06", source="Yonhap")


@pytest.fixture(scope="module")
def answerer(embeddings):
    return ExtractiveAnswerer(SentenceScorer(embeddings), min_evidence=0.3)


@pytest.mark.parametrize("question", [
    "What did Choi Sang-mok tell Blinken during the courtesy call?",
    "Who will succeed Antony Blinken as U.S. Secretary of State?",
])
def test_answerer_abstains_when_the_evidence_does_not_answer(answerer, question):
    draft = answerer.answer(question, [passage()])
    assert draft.abstained and draft.answer == NOT_FOUND


@pytest.mark.parametrize(("question", "quoted"), [
    ("Who met Blinken in Seoul?", "Cho Tae-yul"),
    # "America" is the "U.S." of the article, not a name it never mentions.
    ("Is this trip expected to be Blinken's last foreign trip as America's top diplomat?", "final overseas visit"),
])
def test_answerer_answers_when_the_evidence_does(answerer, question, quoted):
    draft = answerer.answer(question, [passage()])
    assert not draft.abstained and quoted in draft.answer


class FixedScorer(SentenceScorer):
    """Scores sentences in a fixed order (best first), so the fallback rule can be tested exactly."""

    def __init__(self, scores: list[float]) -> None:
        self.scores = scores

    def score(self, question: str, passages: list[Passage]) -> list[ScoredSentence]:
        p = passages[0]
        return [ScoredSentence(p, span, sc, sc, 1.0) for span, sc in zip(p.sentences, self.scores, strict=True)]


CAUSES = ("Yoon Suk Yeol was impeached by parliament on Saturday, officials said. "
          "Yoon Suk Yeol was impeached over his failed martial law attempt.")


def test_a_slightly_weaker_sentence_that_passes_the_checks_replaces_a_lead_that_fails():
    answerer = ExtractiveAnswerer(FixedScorer([0.8, 0.8 - ExtractiveAnswerer.fallback_margin / 2]), min_evidence=0.3)
    chosen = answerer.select("Why was Yoon Suk Yeol impeached?", [passage(CAUSES)])
    assert chosen and "martial law" in chosen[0].text


def test_a_much_weaker_sentence_does_not_replace_it():
    answerer = ExtractiveAnswerer(FixedScorer([0.8, 0.8 - 2 * ExtractiveAnswerer.fallback_margin]), min_evidence=0.3)
    assert answerer.select("Why was Yoon Suk Yeol impeached?", [passage(CAUSES)]) == []


LEDE = ("“Squid Game” is officially coming back. "
        "Netflix announced Sunday that the wildly popular South Korean show is green lit for a second season. "
        "Director Hwang Dong-hyuk wrote a letter to fans.")


def test_a_lead_that_says_the_show_is_joined_by_the_sentence_naming_it():
    q = "Which wildly popular show was recently green lit for a new season?"
    answerer = ExtractiveAnswerer(FixedScorer([0.5, 0.9, 0.3]), min_evidence=0.3)
    draft = answerer.answer(q, [passage(LEDE)])
    assert not draft.abstained and "Squid Game" in draft.answer and "green lit" in draft.answer
    # The citation marks both sentences, so the short answer taken from it is the show's name.
    assert draft.citations[0].sentence.startswith("“Squid Game”") and draft.citations[0].sentence.endswith("season.")


def test_a_count_of_the_asked_unit_in_the_next_sentence_answers_how_many():
    text = ("The committee investigating the insurrection at the US Capitol on January 6, 2021, meets tonight. "
            "It will show what Trump did during the 187 minutes of violence.")
    q = "How many minutes did Trump let violence play out at the US Capitol on January 6, 2021?"
    draft = ExtractiveAnswerer(FixedScorer([0.9, 0.5]), min_evidence=0.3).answer(q, [passage(text)])
    assert not draft.abstained and "187 minutes" in draft.answer
    # A number of something else next door is no answer.
    other = text.replace("187 minutes of violence", "three-nation tour")
    assert ExtractiveAnswerer(FixedScorer([0.9, 0.2]), min_evidence=0.3).answer(q, [passage(other)]).abstained


class ByPassageScorer(SentenceScorer):
    """Scores each passage's single sentence with a fixed score per doc id."""

    def __init__(self, scores: dict[str, float]) -> None:
        self.scores = scores

    def score(self, question: str, passages: list[Passage]) -> list[ScoredSentence]:
        out = [ScoredSentence(p, p.sentences[0], self.scores[p.doc_id], self.scores[p.doc_id], 1.0) for p in passages]
        return sorted(out, key=lambda s: -s.score)


def _one(doc: str, text: str, date: str) -> Passage:
    return Passage(chunk_id=f"{doc}#0", doc_id=doc, title=doc, text=text, start=0, end=len(text), score=1.0,
                   sentences=((0, len(text)),), date=date, source=doc)


FEATURE = _one("feature", "Sprite is retiring its green plastic bottle after more than 60 years.", "2022-07-27")
ROUNDUP = _one("roundup", "Sprite will drop the green bottle it has used for more than 60 years.", "2022-07-27")
OLDER = _one("older", "Sprite has sold soda in a green bottle for more than 60 years.", "2022-07-01")


def test_a_nearly_as_good_sentence_from_the_higher_ranked_passage_leads():
    q = "Which drink is changing its bottle after more than 60 years?"
    near = ExtractiveAnswerer(ByPassageScorer({"feature": 0.72, "roundup": 0.75}), min_evidence=0.3)
    assert [s.passage.doc_id for s in near.select(q, [FEATURE, ROUNDUP])] == ["feature", "roundup"]
    far = ExtractiveAnswerer(ByPassageScorer({"feature": 0.60, "roundup": 0.75}), min_evidence=0.3)
    assert far.select(q, [FEATURE, ROUNDUP])[0].passage.doc_id == "roundup"  # not nearly as good: the best leads


def test_a_newer_report_of_the_same_fact_still_leads_a_higher_ranked_older_one():
    q = "Which drink is changing its bottle after more than 60 years?"
    answerer = ExtractiveAnswerer(ByPassageScorer({"older": 0.75, "feature": 0.74}), min_evidence=0.3)
    assert answerer.select(q, [OLDER, FEATURE])[0].passage.doc_id == "feature"


def test_who_did_question_is_answered_by_the_sentence_reporting_that_act():
    text = ("The U.S. voiced confidence in South Korea's acting leadership after the impeachment of former acting "
            "President Han Duck-soo. Deputy Prime Minister Choi Sang-mok has taken over as the acting president.")
    p = passage(text)
    answerer = ExtractiveAnswerer(FixedScorer([0.78, 0.73]), min_evidence=0.3)
    chosen = answerer.select("Who has taken over as South Korea's acting president?", [p])
    assert chosen and "Choi Sang-mok has taken over" in chosen[0].text
