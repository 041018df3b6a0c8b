"""The extractive answerer: which sentence leads, when it abstains, what its citation marks, and its typed
short answer. Hand-made passages; the real language model finds their entities."""

from __future__ import annotations

from datetime import date

import pytest

from eval.metrics import answer_sentences, sentences_with_valid_citations
from rag.answer import NOT_FOUND, ExtractiveAnswerer, attributed, points_back
from rag.query import Query, analyse
from rag.scoring import ScoredSentence, SentenceScorer
from rag.sentences import split_sentences
from rag.types import Passage

ARTICLE = ("Foreign Minister Cho Tae-yul and U.S. Secretary of State Antony Blinken met in Seoul on Monday. "
           "Blinken paid a courtesy call on acting President Choi Sang-mok ahead of his talks with Cho. "
           "The trip is widely expected to be his final overseas visit as the top U.S. diplomat.")


def passage(text: str = ARTICLE, doc: str = "a", date: str = "2025-01-06") -> Passage:
    """One hand-made passage. A test whose text differs from others' passes its own `doc`: the scorer caches sentence
    vectors by chunk id and span, as a store's are."""
    return Passage(chunk_id=f"{doc}#0", doc_id=doc, title="Blinken in Seoul", text=text, start=0, end=len(text),
                   score=1.0, sentences=tuple(split_sentences(text)), date=date, source="Yonhap")


@pytest.fixture(scope="module")
def answerer(embeddings):
    return ExtractiveAnswerer(SentenceScorer(embeddings), min_evidence=0.3)


@pytest.mark.parametrize("question", [
    "What did Choi Sang-mok tell Blinken during the courtesy call?",
    "Who will succeed Antony Blinken as U.S. Secretary of State?",
    "How many days will Blinken stay in Seoul?",  # no count of days anywhere
])
def test_answerer_abstains_when_the_evidence_does_not_answer(answerer, question):
    draft = answerer.answer(analyse(question), [passage()])
    assert draft.abstained and draft.answer == NOT_FOUND and draft.short_answer is None


@pytest.mark.parametrize(("question", "quoted"), [
    ("Who met Blinken in Seoul?", "Cho Tae-yul"),
    # "America" is the "U.S." of the article, not a name it never mentions.
    ("Is this trip expected to be Blinken's last foreign trip as America's top diplomat?", "final overseas visit"),
])
def test_answerer_answers_when_the_evidence_does(answerer, question, quoted):
    draft = answerer.answer(analyse(question), [passage()])
    assert not draft.abstained and quoted in draft.answer


class FixedScorer(SentenceScorer):
    """Scores sentences in a fixed order (best first), so the selection rules can be tested exactly."""

    def __init__(self, scores: list[float]) -> None:
        self.scores = scores

    def score(self, query: Query, passages: list[Passage]) -> list[ScoredSentence]:
        p = passages[0]
        return [ScoredSentence(p, span, sc, sc, 1.0) for span, sc in zip(p.sentences, self.scores, strict=True)]


CAUSES = ("Yoon Suk Yeol was impeached by parliament on Saturday, officials said. "
          "Yoon Suk Yeol was impeached over his failed martial law attempt.")


def test_a_slightly_weaker_sentence_that_passes_the_checks_replaces_a_lead_that_fails():
    answerer = ExtractiveAnswerer(FixedScorer([0.8, 0.8 - ExtractiveAnswerer.fallback_margin / 2]), min_evidence=0.3)
    sel = answerer.select(analyse("Why was Yoon Suk Yeol impeached?"), [passage(CAUSES)])
    assert sel.chosen and "martial law" in sel.chosen[0].text


def test_a_sentence_below_the_evidence_threshold_does_not_replace_it():
    answerer = ExtractiveAnswerer(FixedScorer([0.8, 0.25]), min_evidence=0.3)
    assert not answerer.select(analyse("Why was Yoon Suk Yeol impeached?"), [passage(CAUSES)]).chosen


LEDE = ("“Squid Game” is officially coming back. "
        "Netflix announced Sunday that the wildly popular South Korean show is green lit for a second season. "
        "Director Hwang Dong-hyuk wrote a letter to fans.")


def test_a_lead_that_says_the_show_is_joined_by_the_sentence_naming_it():
    q = analyse("Which wildly popular show was recently green lit for a new season?")
    draft = ExtractiveAnswerer(FixedScorer([0.5, 0.9, 0.3]), min_evidence=0.3).answer(q, [passage(LEDE)])
    assert not draft.abstained and "Squid Game" in draft.answer and "green lit" in draft.answer
    assert draft.citations[0].sentence.startswith("“Squid Game”") and draft.citations[0].sentence.endswith("season.")
    assert draft.short_answer == "Squid Game"


AGE = ("Queen Elizabeth II, Britain's longest-reigning monarch, died on Thursday at Balmoral. "
       "She was 96. Her son Charles becomes king.")


def test_a_pronoun_sentence_after_the_lead_carries_the_answer():
    q = analyse("How old was Queen Elizabeth II when she died?")
    draft = ExtractiveAnswerer(FixedScorer([0.9, 0.4, 0.2]), min_evidence=0.3).answer(q, [passage(AGE)])
    assert not draft.abstained and "She was 96" in draft.citations[0].sentence and "Balmoral" in draft.answer
    assert draft.short_answer == "96"


def test_a_count_of_something_else_next_door_is_no_answer():
    text = ("The committee investigating the insurrection at the US Capitol on January 6, 2021, meets tonight. "
            "It will show what Trump did during the 187 minutes of violence.")
    q = analyse("How many minutes did Trump let violence play out at the US Capitol on January 6, 2021?")
    draft = ExtractiveAnswerer(FixedScorer([0.5, 0.9]), min_evidence=0.3).answer(q, [passage(text)])
    assert not draft.abstained and "187 minutes" in draft.answer
    other = text.replace("187 minutes of violence", "three-nation tour")
    assert ExtractiveAnswerer(FixedScorer([0.5, 0.9]), min_evidence=0.3).answer(q, [passage(other)]).abstained


@pytest.mark.parametrize("heading", ["When will the vaccine be available for kids under 12?",
                                     'The question parents ask is simple: "When will my child get a shot?"'])
def test_a_question_in_an_article_is_never_evidence_nor_quoted(heading):
    """An explainer's heading ("When will ...?") paraphrases a reader's question better than any answer does, and
    states nothing: it is never quoted, even when it scores best; the sentence that answers still is."""
    text = f"{heading} Two- to 5-year-olds should be able to get shots by early spring, officials said."
    q = analyse("When will the vaccine be available for young kids?")
    draft = ExtractiveAnswerer(FixedScorer([0.9, 0.6]), min_evidence=0.3).answer(q, [passage(text)])
    assert not draft.abstained and heading not in draft.answer and "early spring" in draft.answer
    alone = ExtractiveAnswerer(FixedScorer([0.9]), min_evidence=0.3).answer(q, [passage(heading)])
    assert alone.abstained


class ByPassageScorer(SentenceScorer):
    """Scores each passage's single sentence with a fixed score per doc id."""

    def __init__(self, scores: dict[str, float]) -> None:
        self.scores = scores

    def score(self, query: Query, passages: list[Passage]) -> list[ScoredSentence]:
        out = [ScoredSentence(p, p.sentences[0], self.scores[p.doc_id], self.scores[p.doc_id], 1.0) for p in passages]
        return sorted(out, key=lambda s: -s.score)


def _one(doc: str, text: str, date: str) -> Passage:
    return Passage(chunk_id=f"{doc}#0", doc_id=doc, title=doc, text=text, start=0, end=len(text), score=1.0,
                   sentences=((0, len(text)),), date=date, source=doc)


FEATURE = _one("feature", "Sprite is retiring its green plastic bottle after more than 60 years.", "2022-07-27")
ROUNDUP = _one("roundup", "Sprite will drop the green bottle it has used for more than 60 years.", "2022-07-27")
OLDER = _one("older", "Sprite has sold soda in a green bottle for more than 60 years.", "2022-07-01")
DRINK = "Which drink is changing its bottle after more than 60 years?"


def test_a_nearly_as_good_sentence_from_the_higher_ranked_passage_leads():
    near = ExtractiveAnswerer(ByPassageScorer({"feature": 0.72, "roundup": 0.75}), min_evidence=0.3)
    assert [s.passage.doc_id for s in near.select(analyse(DRINK), [FEATURE, ROUNDUP]).chosen] == ["feature", "roundup"]
    far = ExtractiveAnswerer(ByPassageScorer({"feature": 0.60, "roundup": 0.75}), min_evidence=0.3)
    assert far.select(analyse(DRINK), [FEATURE, ROUNDUP]).chosen[0].passage.doc_id == "roundup"


def test_a_newer_report_of_the_same_fact_still_leads_a_higher_ranked_older_one():
    answerer = ExtractiveAnswerer(ByPassageScorer({"older": 0.75, "feature": 0.74}), min_evidence=0.3)
    assert answerer.select(analyse(DRINK), [OLDER, FEATURE]).chosen[0].passage.doc_id == "feature"


BACKGROUND = _one("background", "Sprite has come in a green bottle since it was launched in 1961.", "2016-02-22")
FRESH = _one("fresh", "Sprite is retiring its green plastic bottle after more than 60 years.", "2022-07-27")
ASKED_ON = date(2022, 7, 29)


@pytest.mark.parametrize(("weight", "lead"), [(0.0, "background"), (0.1, "fresh")])
def test_the_recency_prior_lets_this_weeks_report_lead_a_years_old_piece_that_matches_slightly_better(weight, lead):
    """The retriever ranked the old piece first and its sentence matches a little better; with the answerer's
    recency prior, this week's report of the fact leads. Its citation still shows its evidence score."""
    answerer = ExtractiveAnswerer(ByPassageScorer({"background": 0.76, "fresh": 0.70}), min_evidence=0.3,
                                  recency_weight=weight, recency_half_life_days=30.0)
    sel = answerer.select(analyse(DRINK), [BACKGROUND, FRESH], ASKED_ON)
    assert sel.chosen[0].passage.doc_id == lead
    draft = answerer.answer(analyse(DRINK), [BACKGROUND, FRESH], ASKED_ON)
    assert draft.citations[0].score == {"background": 0.76, "fresh": 0.70}[lead]


def test_the_recency_prior_never_carries_a_weak_match_over_the_evidence_threshold():
    answerer = ExtractiveAnswerer(ByPassageScorer({"fresh": 0.33}), min_evidence=0.35, recency_weight=1.0)
    assert answerer.answer(analyse(DRINK), [FRESH], ASKED_ON).abstained


def test_without_an_as_of_date_ages_count_from_the_newest_report():
    """Archives are read long after they were written: with no as-of date the newest retrieved report is "now",
    so the prior still tells this week's report from a years-old one."""
    answerer = ExtractiveAnswerer(ByPassageScorer({"background": 0.76, "fresh": 0.70}), min_evidence=0.3,
                                  recency_weight=0.1)
    assert answerer.select(analyse(DRINK), [BACKGROUND, FRESH]).chosen[0].passage.doc_id == "fresh"


def test_who_did_question_is_answered_by_the_sentence_reporting_that_act():
    text = ("The U.S. voiced confidence in South Korea's acting leadership after the impeachment of former acting "
            "President Han Duck-soo. Deputy Prime Minister Choi Sang-mok has taken over as the acting president.")
    answerer = ExtractiveAnswerer(FixedScorer([0.78, 0.73]), min_evidence=0.3)
    sel = answerer.select(analyse("Who has taken over as South Korea's acting president?"), [passage(text)])
    assert sel.chosen and "Choi Sang-mok" in sel.chosen[0].text


@pytest.mark.parametrize(("question", "reporting"), [
    ("Which team won the Stanley Cup Finals?", "The Colorado Avalanche beat Tampa Bay to win the Stanley Cup."),
    ("What did KFC roll out this week?", "KFC rolled out chicken nuggets nationwide on Monday."),
])
def test_of_nearly_as_good_sentences_the_one_reporting_the_asked_act_leads(question, reporting):
    """"Which team won?" like "who won?": among sentences nearly as good, one that reports the act leads, not one
    that merely shares the question's other words."""
    other = "The team played the Stanley Cup Finals and KFC sponsored this week's game."
    answerer = ExtractiveAnswerer(FixedScorer([0.70, 0.66]), min_evidence=0.3)
    sel = answerer.select(analyse(question), [passage(f"{other} {reporting}")])
    assert sel.chosen and sel.chosen[0].text == reporting


class TableScorer(SentenceScorer):
    """Scores every sentence of every passage from a table (doc id -> one score per sentence), best first."""

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table

    def score(self, query: Query, passages: list[Passage]) -> list[ScoredSentence]:
        out = [ScoredSentence(p, span, sc, sc, 1.0) for p in passages
               for span, sc in zip(p.sentences, self.table[p.doc_id], strict=True)]
        return sorted(out, key=lambda s: -s.score)


POLICY = ("The new policy lets athletes compete in women's events only if they transitioned before the age of 12. "
          "The governing body voted to approve it on Sunday in Budapest after a long debate. "
          "It is the strictest rule of any sports body. Critics called it discriminatory.")
SECOND = "The swimming federation's policy bars most transgender women from elite events."


def test_without_a_short_answer_the_answer_quotes_every_nearly_as_good_sentence_up_to_its_limit():
    """No short answer is named, so the reader must find it in the quote: sentences within 0.1 of the best are
    quoted from the lead's article too, up to `unnamed_sentences`, each with its own citation marking it."""
    q = analyse("What did the governing body approve on Sunday?")
    answerer = ExtractiveAnswerer(TableScorer({"a": [0.80, 0.76, 0.74, 0.72], "b": [0.75]}), min_evidence=0.3)
    draft = answerer.answer(q, [passage(POLICY, doc="a"), passage(SECOND, doc="b")])
    assert draft.short_answer is None
    assert len(draft.citations) == ExtractiveAnswerer.unnamed_sentences == 3
    assert [c.n for c in draft.citations] == [1, 2, 3]
    assert [c.doc_id for c in draft.citations] == ["a", "a", "b"]
    assert len({c.sentence for c in draft.citations}) == 3
    for c in draft.citations:  # each quoted (its first word may be lower-cased after "According to ...,")
        assert " ".join(c.sentence.split()[1:])[:-1] + f" [{c.n}]." in draft.answer
    assert sentences_with_valid_citations(draft.answer, [c.n for c in draft.citations]) == (3, 3)
    # The lead's article quoted again "adds"; another article "also reports".
    assert "Yonhap (6 January 2025) adds that" in draft.answer and "also reports that" in draft.answer
    # Below the best by more than 0.1: not quoted.
    far = ExtractiveAnswerer(TableScorer({"a": [0.80, 0.69, 0.6, 0.5], "b": [0.65]}), min_evidence=0.3)
    assert len(far.answer(q, [passage(POLICY, doc="a"), passage(SECOND, doc="b")]).citations) == 1


@pytest.mark.parametrize("scores", [
    [0.50, 0.30, 0.80, 0.40],  # the pronoun sentence leads
    [0.80, 0.40, 0.76, 0.40],  # ... or is quoted after another sentence of its article
])
def test_a_quote_opening_with_a_pronoun_takes_in_the_sentence_before_it(scores):
    """"It is the strictest rule ..." tells a reader nothing without the sentence naming "it": that sentence is
    quoted with it, inside the same citation, and no sentence is quoted twice."""
    q = analyse("What did the governing body approve on Sunday?")
    answerer = ExtractiveAnswerer(TableScorer({"a": scores}), min_evidence=0.3)
    draft = answerer.answer(q, [passage(POLICY, doc="a")])
    pronoun, before = "It is the strictest rule of any sports body.", POLICY.split(". ")[1] + "."
    cited = next(c for c in draft.citations if pronoun in c.sentence)
    assert cited.sentence.startswith(before)
    assert sum(c.sentence.count(before) for c in draft.citations) == 1
    assert draft.answer.count(before[1:-1]) == 1  # its first letter may be lower-cased, its stop follows a [n]


@pytest.mark.parametrize("sentence, back", [
    ("They were also expected to discuss trade.", True), ("She was 96.", True), ("It is the strictest rule.", True),
    ("This is the strictest rule.", True), ("These measures passed on Monday.", True),
    ("The company said sales fell.", True),
    ("This week, the European Union took an unusual step.", False), ("This year's vote failed.", False),
    ("These days the market is calm.", False), ("Choi Sang-mok took over on Friday.", False),
])
def test_a_sentence_points_back_when_it_opens_with_a_pronoun_not_with_this_week(sentence, back):
    """"This week, ..." dates the sentence: quoting the sentence before it would only pad the answer."""
    assert points_back(sentence) is back


def test_a_pronoun_right_after_a_quoted_sentence_is_quoted_alone():
    """When the sentence before is quoted already, just before it, the reader has the antecedent."""
    q = analyse("What did the governing body approve on Sunday?")
    answerer = ExtractiveAnswerer(TableScorer({"a": [0.40, 0.80, 0.78, 0.40]}), min_evidence=0.3)
    draft = answerer.answer(q, [passage(POLICY, doc="a")])
    assert [c.sentence for c in draft.citations] == [POLICY.split(". ")[1] + ".",
                                                     "It is the strictest rule of any sports body."]


ACTING = ("Deputy Prime Minister Choi Sang-mok has taken over as the acting president of South Korea. "
          "The acting president met the foreign minister in Seoul on Monday.")
AGREES = "Choi Sang-mok became South Korea's acting president on Friday."


def test_with_a_short_answer_only_another_article_corroborating_it_is_quoted():
    q = analyse("Who has taken over as the acting president of South Korea?")
    answerer = ExtractiveAnswerer(TableScorer({"a": [0.90, 0.88], "b": [0.86]}), min_evidence=0.3)
    draft = answerer.answer(q, [passage(ACTING, doc="a"), passage(AGREES, doc="b")])
    assert draft.short_answer == "Choi Sang-mok"
    assert [c.doc_id for c in draft.citations] == ["a", "b"]
    assert "foreign minister" not in draft.answer


# -- short answers agreed by the evidence -------------------------------------------------------------------
ZAWAHIRI = [
    _one("cnn", "The United States killed al Qaeda leader Ayman al-Zawahiri in a drone strike in Kabul, "
                "President Joe Biden said Monday.", "2022-08-02"),
    _one("ap", "Ayman al-Zawahiri, who helped plan the September 11 attacks, was killed by a U.S. drone.",
         "2022-08-02"),
    _one("bbc", "Al-Zawahiri was killed on a balcony in Kabul, officials said.", "2022-08-02"),
]


def test_the_short_answer_is_the_name_the_evidence_agrees_on_not_the_speaker():
    q = analyse("Which al Qaeda leader did the US kill in a drone strike?")
    answerer = ExtractiveAnswerer(ByPassageScorer({"cnn": 0.8, "ap": 0.75, "bbc": 0.6}), min_evidence=0.3)
    draft = answerer.answer(q, ZAWAHIRI)
    assert draft.short_answer == "Ayman al-Zawahiri"


@pytest.mark.parametrize(("asked_on", "question", "shown"), [
    (date(2022, 8, 10), "Which al Qaeda leader did the US kill in a drone strike?", True),  # last week's reports
    (date(2023, 8, 10), "Which al Qaeda leader did the US kill in a drone strike?", False),  # a year on
    (date(2023, 8, 10), "Which al Qaeda leader did the US kill in a drone strike in 2022?", True),  # it names when
    (date(2023, 8, 10), "Which al Qaeda leader did the US kill in a drone strike in August?", True),
    # "this week", a weekday or a length count from the as-of day: they name no period an old report could answer
    (date(2023, 8, 10), "Which al Qaeda leader did the US kill in a drone strike this week?", False),
    (date(2023, 8, 10), "Which al Qaeda leader did the US kill in a drone strike on Monday?", False),
    (date(2023, 8, 10), "Which al Qaeda leader, hunted for two decades, did the US kill in a drone strike?", False),
])
def test_a_report_older_than_the_max_age_is_quoted_but_gives_no_short_answer(asked_on, question, shown):
    """The bold short answer reads as today's fact: from a report older than short_max_age_days before the as-of
    day it is withheld, unless the question names its own period. The dated sentence is quoted either way."""
    answerer = ExtractiveAnswerer(ByPassageScorer({"cnn": 0.8, "ap": 0.75, "bbc": 0.6}), min_evidence=0.3,
                                  short_max_age_days=60)
    draft = answerer.answer(analyse(question), ZAWAHIRI, asked_on)
    assert not draft.abstained and "al-Zawahiri" in draft.answer
    assert (draft.short_answer == "Ayman al-Zawahiri") is shown


def _race(others: str, reported: str = "2022-08-02") -> list[Passage]:
    return [
        _one("cnn", "John Smith, who won the Springfield mayoral race last time, spoke at a rally on Tuesday.",
             "2022-08-02"),
        _one("ap", f"{others} won the Springfield mayoral race by 400 votes, officials said.", reported),
        _one("bbc", f"{others}, a former teacher, won the mayoral race in Springfield.", reported),
    ]


@pytest.mark.parametrize(("others", "rivals", "shown"), [
    ("Maria Lopez", True, False),  # two reports name someone else: the lead's lone name is a bystander
    ("Maria Lopez", False, True),  # without the rule the lone candidate of a well-matched sentence is shown
    ("John Smith", True, True),  # the other reports agree with the lead
])
def test_a_lone_candidate_outvoted_by_the_other_reports_is_not_shown(others, rivals, shown):
    """A lone name in a well-matched lead sentence is shown only if no other name has more of the retrieved
    evidence behind it; the sentence is quoted either way."""
    answerer = ExtractiveAnswerer(ByPassageScorer({"cnn": 0.8, "ap": 0.7, "bbc": 0.65}), min_evidence=0.3,
                                  short_rivals=rivals)
    draft = answerer.answer(analyse("Who won the Springfield mayoral race?"), _race(others))
    assert not draft.abstained and "John Smith" in draft.answer
    assert (draft.short_answer == "John Smith") is shown


@pytest.mark.parametrize(("reported", "shown"), [
    ("2022-07-20", False),  # two weeks before the lead: the reports conflict, the bold answer waits
    ("2022-03-01", True),  # five months before: the lead's report is the news that replaced them
])
def test_only_reports_within_the_max_age_of_the_lead_may_outvote_it(reported, shown):
    """The newest reporting wins: a report older than the lead's by more than short_max_age_days does not outvote
    it; a report of the same news cycle does."""
    answerer = ExtractiveAnswerer(ByPassageScorer({"cnn": 0.8, "ap": 0.7, "bbc": 0.65}), min_evidence=0.3,
                                  short_rivals=True, short_max_age_days=60)
    draft = answerer.answer(analyse("Who won the Springfield mayoral race?"), _race("Maria Lopez", reported))
    assert "John Smith" in draft.answer
    assert (draft.short_answer == "John Smith") is shown


def test_no_short_answer_when_no_entity_of_the_asked_type_is_in_the_sentence():
    q = analyse("What pastry is McDonald's bringing back this fall?")
    text = "McDonald's is bringing back a breakfast favourite beginning in September, the company said."
    draft = ExtractiveAnswerer(FixedScorer([0.9]), min_evidence=0.3).answer(q, [passage(text)])
    assert draft.short_answer is None


def test_the_citation_score_is_the_evidence_score_compared_with_min_evidence(answerer):
    draft = answerer.answer(analyse("Who met Blinken in Seoul?"), [passage()])
    assert draft.citations and all(c.score >= answerer.min_evidence for c in draft.citations)


@pytest.mark.parametrize("quote", [
    'Miller said Blinken will discuss ways to "build our critical cooperation on challenges around the world."',
    "The queen died on Thursday. She was 96.",
    "Cho met Blinken. They were also expected to discuss trilateral cooperation with Japan, officials said.",
    "Will the talks resume?",
    "He said: “We will not give up.”",
])
def test_every_sentence_of_an_extractive_answer_ends_with_its_citation(quote):
    """Each sentence of the quoted evidence (a widened lead is two) carries [n] before its final stop, after any
    closing quote, so no sentence is uncited and no citation stands alone after a sentence."""
    p = Passage(chunk_id="c", doc_id="d", text=quote, start=0, end=len(quote), score=0.9, title="t", source="Wire")
    text = attributed(ScoredSentence(p, (0, len(quote)), 0.9, 0.9, 0.0), 1, first=True)
    sentences = answer_sentences(text)
    assert sentences_with_valid_citations(text, [1]) == (len(sentences), len(sentences))
    assert len(sentences) == len(split_sentences(quote))
    assert all(s.rstrip(".!?").endswith("[1]") for s in sentences), sentences


@pytest.mark.parametrize(("quote", "opening"), [
    ("Announcing the visit, the ministry said talks would follow.", "announcing the visit,"),
    ("Dangerous flooding hit the park on Monday.", "dangerous flooding"),
    ("Beginning Tuesday, customers will see a new menu.", "beginning Tuesday,"),
    ("Officials in Virginia say dozens are missing.", "officials in Virginia"),
    ("Blinken arrived in South Korea late Sunday.", "Blinken arrived"),
    ("Walmart is cutting prices on some items.", "Walmart is"),
    ("Sri Lanka has plunged into chaos.", "Sri Lanka has"),
    ("NATO formalized its invitation on Wednesday.", "NATO formalized"),
    ("Deputy Prime Minister Choi Sang-mok has taken over.", "Deputy Prime Minister Choi"),
    ("President Joe Biden said Thursday he tested positive.", "President Joe Biden"),
    ("Agriculture Secretary Tom Vilsack tested positive.", "Agriculture Secretary Tom Vilsack"),
    ("Treasury Secretary Janet Yellen said prices would ease.", "Treasury Secretary Janet Yellen"),
    ("Embattled President Gotabaya Rajapaksa arrived in Singapore.", "embattled President Gotabaya"),
    ("Outgoing Prime Minister Boris Johnson spoke on Monday.", "outgoing Prime Minister"),
    ("A’ja Wilson led the team to the title.", "A’ja Wilson"),
    ("O'Brien said the talks would resume.", "O'Brien said"),
    ("Today's vote was delayed.", "today's vote"),
    ("Monday's talks were likely to focus on the alliance.", "Monday's talks"),
    ("January’s inflation figure rose.", "January’s inflation"),
    ("Sunday marks the anniversary.", "Sunday marks"),
    ("Sep. 13 brought the first frost.", "Sep. 13 brought"),
    ("The Legend of Zelda: Ocarina of Time is a Nintendo 64 classic.", "The Legend of Zelda"),
    ("The White House said talks would resume.", "the White House said"),
    ("Here’s what we know.", "here’s what"),
])
def test_a_quote_continues_the_attribution_as_written_names_keep_their_capital(quote, opening):
    """After "According to X," the quote's first word is lower-cased unless it is a name (an entity, or written
    with its capital elsewhere in the passage, as names in news recur): a common word in capitals mid-sentence reads
    as a typo, a name in lower case as a different word."""
    more = " Analysts expect Blinken, Walmart and Sri Lanka to feature in the next report."
    text = quote + more
    p = Passage(chunk_id="c", doc_id="d", text=text, start=0, end=len(text), score=0.9, title="t", source="Wire")
    out = attributed(ScoredSentence(p, (0, len(quote)), 0.9, 0.9, 0.0), 1, first=True)
    assert out.startswith(f"According to Wire, {opening}"), out


@pytest.mark.parametrize(("quote", "attribution", "opening"), [
    ("London (CNN) UK Prime Minister Boris Johnson announced his resignation.", "(7 July 2022, London)",
     "UK Prime Minister Boris Johnson announced"),
    ("(CNN) The World Health Organization will convene a committee.", "(7 July 2022)",
     "the World Health Organization will"),
    ("BOGOTA, Colombia — Colombia will be governed by a leftist president.", "(7 July 2022, Bogota, Colombia)",
     "Colombia will be governed"),
    ("SEOUL, Jan. 6 (Yonhap) -- Talks resumed on Monday.", "(7 July 2022, Seoul)", "talks resumed"),
    ("But Holsether, the CEO of Yara, said costs have gotten too high.", "(7 July 2022)",
     "Holsether, the CEO of Yara, said"),
    ("And the ministry said talks would follow.", "(7 July 2022)", "the ministry said"),
    ("-- Saudi Arabia's Ministry of Commerce said on Monday prices would fall.", "(7 July 2022)",
     "Saudi Arabia's Ministry"),
    ("--The death of the Queen has set into motion a period of mourning.", "(7 July 2022)", "the death of the Queen"),
    ("• Toyota Prius: The automaker is recalling 192,000 vehicles.", "(7 July 2022)", "Toyota Prius: The"),
    ("Record prices forced Yara International , the producer , to cut output.", "(7 July 2022)",
     "record prices forced Yara International, the producer, to cut"),
    ("More:Yellowstone National Park closes entrances amid flooding.", "(7 July 2022)",
     "Yellowstone National Park closes"),
    ("VISUAL EXPLAINER: Go inside NASA's plan to crash a spacecraft into an asteroid.", "(7 July 2022)",
     "go inside NASA's plan"),
])
def test_a_quote_reads_as_a_sentence_of_the_attribution(quote, attribution, opening):
    """After "According to X (date)," a quote reads on as one sentence: a dateline's place goes into the
    attribution with the date (the report was filed there; "According to CNN, (CNN) The ..." stutters), and a
    conjunction joining it to a sentence not quoted, a list bullet, a link's label or a space before a comma is
    dropped. Each of
    these, later in an answer, reads the same after "<source> (<date>) also reports that"."""
    text = quote + " Analysts expect Blinken, Toyota and Sri Lanka to feature in the next report."
    p = Passage(chunk_id="c", doc_id="d", text=text, start=0, end=len(text), score=0.9, title="t", source="Wire",
                date="2022-07-07")
    s = ScoredSentence(p, (0, len(quote)), 0.9, 0.9, 0.0)
    assert attributed(s, 1, first=True).startswith(f"According to Wire {attribution}, {opening}")
    assert attributed(s, 2, first=False).startswith(f"Wire {attribution} also reports that {opening}")


def test_a_title_the_recogniser_took_for_a_person_is_not_a_name_the_answer_gives():
    """A follow-up's "he" reads the names an answer gives: a title alone ("President") is nobody's name, even
    when the entity recogniser tags it as a person."""
    from dataclasses import replace

    from rag.events import Summary
    from rag.types import Entity

    text = "Embattled President Gotabaya Rajapaksa fled to the Maldives on Wednesday."
    spans = [("President", "PERSON"), ("Gotabaya Rajapaksa", "PERSON"), ("Maldives", "GPE")]
    ents = tuple(Entity(text.index(s), text.index(s) + len(s), label) for s, label in spans)
    p = replace(passage(text), entities=ents)
    events = ExtractiveAnswerer(FixedScorer([0.9]), min_evidence=0.3).stream(analyse("Where did he flee?"), [p])
    summary = next(e for e in events if isinstance(e, Summary))
    assert [m.text for m in summary.entities] == ["Gotabaya Rajapaksa", "Maldives"]


@pytest.mark.parametrize(("question", "held"), [
    # as many different people as asked: the first sentence names two, the second one, the third none
    ("Which two officials met in Seoul?", [True, False, False]),
    ("Which three officials met in Seoul?", [False, False, False]),
    # one asked: any sentence with a person the question does not name
    ("Which official met in Seoul?", [True, True, False]),
])
def test_a_sentence_holds_the_answer_only_with_as_many_candidates_as_the_question_asks_for(question, held):
    p = passage("Foreign Minister Cho Tae-yul and U.S. Secretary of State Antony Blinken met in Seoul on Monday. "
                "Blinken arrived in South Korea late Sunday. The talks lasted two hours.")
    q = analyse(question)
    got = [SentenceScorer.holds_answer(q, ScoredSentence(p, span, 0.5, 0.5, 0.5)) for span in p.sentences]
    assert got == held


class BonusScorer(SentenceScorer):
    """One sentence scored `evidence`, with `bonus` on top for holding a possible answer."""

    def __init__(self, evidence: float, bonus: float) -> None:
        self.evidence, self.bonus = evidence, bonus

    def score(self, query: Query, passages: list[Passage]) -> list[ScoredSentence]:
        p = passages[0]
        return [ScoredSentence(p, p.sentences[0], self.evidence + self.bonus, self.evidence, 1.0, bonus=self.bonus)]


@pytest.mark.parametrize(("evidence", "bonus", "shown"), [
    (0.5, 0.0, True), (0.5, 0.3, True),  # the sentence matches the question well enough: its lone candidate shows
    (0.3, 0.0, False), (0.3, 0.3, False),  # it does not: the bonus for holding the candidate does not vouch for it
])
def test_the_answer_bonus_never_vouches_for_the_short_answer(evidence, bonus, shown):
    p = passage("Deputy Prime Minister Choi Sang-mok has taken over as the acting president.")
    answerer = ExtractiveAnswerer(BonusScorer(evidence, bonus), min_evidence=0.2, short_support=1.1, short_score=0.4)
    draft = answerer.answer(analyse("Who is the acting president?"), [p])
    assert not draft.abstained
    assert (draft.short_answer == "Choi Sang-mok") is shown, draft.short_answer


MENU = ("On Monday, Burger King began the biggest overhaul of its menu in a decade. "
        "Customers will see a new menu board in its roughly 7,000 US restaurants.")


@pytest.mark.parametrize(("question", "short"), [
    ("Which fast-food chain is putting a new menu board in its US restaurants?", "Burger King"),
    # a date or a number is never what a pronoun stands for: the earlier sentence's "Monday" does not say when
    # the lead gives no date, so the answer does not pretend it does: it abstains
    ("When will customers see the new menu board in its US restaurants?", None),
])
def test_a_lead_whose_pronoun_stands_for_the_asked_name_takes_in_the_sentence_naming_it(question, short):
    answerer = ExtractiveAnswerer(FixedScorer([0.1, 0.8]), min_evidence=0.2, short_support=1.1, short_score=0.4)
    draft = answerer.answer(analyse(question), [passage(MENU)])
    assert draft.short_answer == short, draft.answer
    assert draft.abstained is (short is None)


def test_a_lone_candidate_the_sentence_names_twice_is_still_its_only_one():
    """"Colombia will be governed by a leftist for the first time, Colombia's electoral body said": one country,
    written twice, is the sentence's only candidate, shown like any lone candidate of a well-matched sentence."""
    p = passage("Colombia elected its first leftist president on Sunday, Colombia's electoral authority said.")
    answerer = ExtractiveAnswerer(BonusScorer(0.5, 0.0), min_evidence=0.2, short_support=1.1, short_score=0.4)
    draft = answerer.answer(analyse("Which country elected its first leftist president?"), [p])
    assert draft.short_answer == "Colombia"


@pytest.mark.parametrize(("evidence", "bonus", "abstains"), [(0.35, 0.0, True), (0.35, 0.3, True), (0.45, 0.0, False)])
def test_the_answer_bonus_never_carries_a_weak_match_over_the_evidence_threshold(evidence, bonus, abstains):
    p = passage("Deputy Prime Minister Choi Sang-mok has taken over as the acting president.")
    draft = ExtractiveAnswerer(BonusScorer(evidence, bonus), min_evidence=0.4).answer(
        analyse("Who is the acting president?"), [p])
    assert draft.abstained is abstains
    # The card shows the number the threshold was compared with: the evidence score, without the bonus.
    assert abstains or draft.citations[0].score == evidence


def _with_people(text: str, doc: str, people: tuple[str, ...]) -> Passage:
    from dataclasses import replace

    from rag.types import Entity

    ents = tuple(Entity(text.index(n), text.index(n) + len(n), "PERSON") for n in people)
    return replace(passage(text, doc=doc), entities=ents)


def _kiel_followup() -> Query:
    """A follow-up whose resolution put the name in: what it searches names Kiel, what the reader typed does not."""
    from dataclasses import replace

    full = analyse("Who did the city council of Kiel appoint as harbour master?")
    return replace(analyse("Who did its city council appoint as harbour master?"), search=full.search,
                   names=full.names, terms=full.terms)


@pytest.mark.parametrize("asked", ["own", "followup"])
def test_no_bonus_lifts_a_sentence_that_puts_another_name_in_place_of_the_question_s(embeddings, asked):
    """"Who did Kiel's council appoint?": another city's appointment holds a person too, but it is about another
    city. Even when the recogniser found no person in the Kiel sentence, the other one must not overtake it. A
    sentence that only leaves the name out (a paraphrase) keeps its bonus. A follow-up is read as searched."""
    kiel = _with_people("The city council of Kiel appointed Mina Jensen as harbour master on Saturday.", "kiel", ())
    malmo = _with_people("The city council of Malmo appointed Rosa Horvat as harbour master on Wednesday.", "malmo",
                         ("Rosa Horvat",))
    also = _with_people("Rosa Horvat, who once worked in Kiel, was appointed harbour master in Kiel.", "also",
                        ("Rosa Horvat",))
    paraphrase = _with_people("The council appointed Uma Dahl as the port's harbour master.", "paraphrase",
                              ("Uma Dahl",))
    scorer = SentenceScorer(embeddings, answer_bonus=1.0)  # a bonus larger than any gap between the two
    q = analyse("Who did the city council of Kiel appoint as harbour master?") if asked == "own" else _kiel_followup()
    ranked = scorer.score(q, [kiel, malmo, also, paraphrase])
    by_doc = {s.passage.doc_id: s for s in ranked}
    assert by_doc["malmo"].bonus == 0.0 and ranked.index(by_doc["kiel"]) < ranked.index(by_doc["malmo"])
    assert by_doc["also"].bonus == 1.0  # a sentence naming Kiel and a person still gets it
    assert by_doc["paraphrase"].bonus == 1.0  # so does one that leaves Kiel out without naming another city


def test_a_short_answer_that_is_a_weekday_carries_its_date(answerer):
    draft = answerer.answer(analyse("When did Cho Tae-yul and Antony Blinken meet in Seoul?"), [passage()])
    assert draft.short_answer == "Monday (6 January 2025)", draft.short_answer  # the report is of Monday 6 January


@pytest.mark.parametrize(("question", "sentence", "short"), [
    # the date says when of the act asked about: shown
    ("When did the ministers meet?", "The two ministers met in Seoul on Monday for talks on the alliance.",
     "Monday (6 January 2025)"),
    ("When will the museum reopen?", "The museum will reopen in September, its director said.", "September"),
    ("When will payments resume?", "Payments will resume on Sept. 1, the department said on Friday.", "Sept. 1"),
    # the date says when of another act the sentence reports (an announcement, a filing): withheld
    ("When did the ministers meet?",
     "Announcing the visit last week, the spokesperson said the two ministers will meet in Seoul.", None),
    ("When will the museum reopen?", "Its director announced on Friday that the museum will reopen.", None),
    ("When will payments resume?", "The department said in June that payments will resume.", None),
])
def test_a_date_answers_when_only_if_it_dates_the_asked_act(answerer, question, sentence, short):
    draft = answerer.answer(analyse(question), [passage(sentence, doc=sentence)])
    assert not draft.abstained
    assert draft.short_answer == short


@pytest.mark.parametrize("scorer", ["fixed", "real"])
def test_of_two_sentences_reporting_the_asked_act_the_one_it_dates_leads(answerer, scorer):
    """"When did they meet?": the sentence dating the meeting leads, even when the one dating its announcement
    matches the question slightly better, and the announcement's date is no rival to the meeting's."""
    text = ("Announcing the visit last week, the spokesperson said the two ministers will meet in Seoul. "
            "The two ministers met in Seoul on Monday for talks.")
    chosen = ExtractiveAnswerer(FixedScorer([0.8, 0.75]), min_evidence=0.3, short_rivals=True) if scorer == "fixed" \
        else answerer
    draft = chosen.answer(analyse("When did the two ministers meet in Seoul?"), [passage(text, doc=text)])
    assert "on Monday" in draft.answer and "last week" not in draft.answer
    assert draft.short_answer == "Monday (6 January 2025)"


@pytest.mark.parametrize(("sentence", "short"), [
    ("The studio released the game last year, its founder said.", None),  # a reader learns nothing from it
    ("The studio released the game this summer, its founder said.", None),
    ("The studio released the game in March, its founder said.", "March"),
    ("The studio released the game on Christmas Day, its founder said.", "Christmas Day"),
])
def test_a_when_answer_names_its_time_or_is_not_shown(answerer, sentence, short):
    draft = answerer.answer(analyse("When did the studio release the game?"), [passage(sentence, doc=sentence)])
    assert not draft.abstained
    assert draft.short_answer == short


@pytest.mark.parametrize("fuller", ["December 2015", "Dec. 12, 2015"])
def test_a_date_is_given_as_fully_as_a_report_of_the_same_act_gives_it(fuller):
    text = f"The lab was founded in 2015 by a group of researchers. The lab was founded in {fuller}, filings show."
    draft = ExtractiveAnswerer(FixedScorer([0.9, 0.5]), min_evidence=0.3).answer(
        analyse("When was the lab founded?"), [passage(text)])
    assert draft.short_answer == fuller
    # ... but not from a sentence dating another act
    other = f"The lab was founded in 2015 by a group of researchers. The lab moved to Boston in {fuller}."
    draft = ExtractiveAnswerer(FixedScorer([0.9, 0.5]), min_evidence=0.3).answer(
        analyse("When was the lab founded?"), [passage(other)])
    assert draft.short_answer == "2015"


@pytest.mark.parametrize(("question", "sentence", "short"), [
    # the one the sentence makes the doer of the asked act, though it names others
    ("Who won the final?", "Dominic Thiem defeated Alexander Zverev in the final to win the title.", "Dominic Thiem"),
    ("Who won the final?", "Alexander Zverev lost the final to Dominic Thiem, who won in five sets.", "Dominic Thiem"),
    ("Which company acquired the startup?", "The startup was acquired by Microsoft after Google dropped its bid.",
     "Microsoft"),
    # the question asks whom the act was done to: the doer, named in the question, is not the answer
    ("Who did Thiem defeat in the final?", "Dominic Thiem defeated Alexander Zverev in the final to win the title.",
     "Alexander Zverev"),
])
def test_a_question_asking_who_did_the_act_is_answered_by_its_doer(answerer, question, sentence, short):
    draft = answerer.answer(analyse(question), [passage(sentence, doc=sentence)])
    assert not draft.abstained
    assert draft.short_answer == short


@pytest.mark.parametrize(("question", "sentence", "short"), [
    ("Who was arrested in Paris?", "Officers arrested Tom Baker in Paris after Ann Lee called them.", "Tom Baker"),
    ("Who was arrested in Paris?", "Tom Baker was arrested in Paris by officers Ann Lee had called.", "Tom Baker"),
    ("Which comedian was found liable in the case?",
     "A jury found Tom Baker liable in a civil case brought by Ann Lee.", "Tom Baker"),
    ("Which player was traded to Boston?", "Ann Lee said the team traded Tom Baker to Boston on Monday.",
     "Tom Baker"),
    # the same sentence asked in the active: whoever did it
    ("Who brought the civil case?", "A jury found Tom Baker liable in a civil case brought by Ann Lee.", "Ann Lee"),
])
def test_a_question_asked_in_the_passive_is_answered_by_whoever_underwent_the_act(question, sentence, short):
    """Two people in the lead and a third in the next sentence: no name has most of the votes, so the short answer
    is the one the sentence's parse gives the asked role (or none)."""
    text = f"{sentence} Tom Baker, Ann Lee and Joe Park spoke to reporters afterwards."
    draft = ExtractiveAnswerer(FixedScorer([0.9, 0.5]), min_evidence=0.3).answer(analyse(question), [passage(text)])
    assert draft.short_answer == short


@pytest.mark.parametrize(("question", "short"), [
    ("Which gymnast received the Medal of Freedom?", "Simone Biles"),
    ("Which soccer star received the Medal of Freedom?", "Megan Rapinoe"),
])
def test_which_person_noun_is_answered_by_the_one_the_sentence_gives_it_as_a_title(answerer, question, short):
    """A sentence listing several people ("Olympic gymnast Simone Biles, former congresswoman Gabrielle Giffords,
    soccer star Megan Rapinoe") answers "which gymnast?" with the one it calls a gymnast."""
    sentence = ("President Joe Biden on Thursday awarded the Medal of Freedom to 17 Americans, including Olympic "
                "gymnast Simone Biles, former congresswoman Gabrielle Giffords and soccer star Megan Rapinoe.")
    draft = answerer.answer(analyse(question), [passage(sentence, doc=sentence)])
    assert draft.short_answer == short


@pytest.mark.parametrize(("others", "short"), [
    (["Phoenix Mercury center Brittney Griner was taken into custody in Moscow."], "Brittney Griner"),
    # two people of that surname: the surname alone, as the lead gives it
    (["Brittney Griner was taken into custody in Moscow.", "Her coach Sam Griner was not detained in Moscow."],
     "Griner"),
    ([], "Griner"),
])
def test_a_person_named_by_surname_is_shown_by_the_one_full_name_the_evidence_gives(others, short):
    lead = _one("lead", "Russia detained Griner at a Moscow airport last month, officials said.", "2022-03-05")
    docs = [lead] + [_one(f"o{i}", t, "2022-03-05") for i, t in enumerate(others)]
    answerer = ExtractiveAnswerer(ByPassageScorer({d.doc_id: 0.8 if d is lead else 0.5 for d in docs}),
                                  min_evidence=0.3)
    sel = answerer.select(analyse("Which WNBA star did Russia detain?"), docs)
    assert sel.short is not None and sel.short.text == short


@pytest.mark.parametrize(("question", "others", "short"), [
    ("Which high-ranking official tested positive for Covid-19?",
     ["President Joe Biden has mild symptoms, his doctor said."], "President Joe Biden"),
    ("Which head of state tested positive for Covid-19?",
     ["Biden has mild symptoms.", "US President Joe Biden is working from the residence."],
     "US President Joe Biden"),
    ("Which official tested positive for Covid-19?", ["Biden has mild symptoms, his doctor said."], "Joe Biden"),
    ("Which WNBA star tested positive for Covid-19?", ["President Joe Biden has mild symptoms."], "Joe Biden"),
])
def test_someone_asked_for_by_office_is_shown_with_the_title_the_evidence_gives(question, others, short):
    """"Which official ...?" asks who and which office: the short answer takes the longest title the retrieved
    sentences write before the name, or is the name alone; a question asking by another noun gets the name."""
    lead = _one("lead", "Joe Biden tested positive for Covid-19 on Thursday morning, officials said.", "2022-07-21")
    docs = [lead] + [_one(f"o{i}", t, "2022-07-21") for i, t in enumerate(others)]
    answerer = ExtractiveAnswerer(ByPassageScorer({d.doc_id: 0.8 if d is lead else 0.5 for d in docs}),
                                  min_evidence=0.3)
    sel = answerer.select(analyse(question), docs)
    assert sel.short is not None and sel.short.text == short


def test_the_names_an_answer_is_about_leave_out_its_dateline():
    """A follow-up's "it" must not become "New York" because the report was filed there."""
    from rag.answer import mentions

    text = ("New York (CNN Business) Spirit and Frontier airlines pulled the plug on their proposed deal, clearing "
            "the way for a purchase of Spirit by JetBlue Airways. The deal was worth $3.8 billion.")
    sel = ExtractiveAnswerer(FixedScorer([0.9, 0.2]), min_evidence=0.3).select(
        analyse("Which airline will buy Spirit?"), [passage(text)])
    names = [m.text for m in mentions(sel.lead)]
    assert "JetBlue Airways" in names and "New York" not in names and "CNN Business" not in names, names


@pytest.mark.parametrize("copy", [
    "Broadway's best were recognized Sunday night at New York's Radio City Music Hall.",  # word for word
    "At New York's Radio City Music Hall, Broadway's best were recognized Sunday night.",  # the same words reordered
])
def test_a_copy_of_the_lead_is_never_quoted_as_a_second_report(copy):
    """Two articles carrying one sentence in the same words, in any order (a re-published report, a re-worded photo
    caption) are one report: the second quote comes from an article that says something of its own."""
    same = "Broadway's best were recognized Sunday night at New York's Radio City Music Hall."
    other = "The Tony Awards honored Broadway's biggest stars on Sunday."
    docs = [passage(same, "a", "2022-06-12"), passage(copy, "b", "2022-06-13"), passage(other, "c", "2022-06-12")]
    answerer = ExtractiveAnswerer(ByPassageScorer({"a": 0.80, "b": 0.80, "c": 0.75}), min_evidence=0.3)
    chosen = answerer.select(analyse("Which awards show recognized Broadway's stars?"), docs).chosen
    assert len(chosen) == 2 and chosen[1].passage.doc_id == "c", [c.passage.doc_id for c in chosen]


@pytest.mark.parametrize(("newer", "shown"), [
    # a report as new as the lead's or newer says the holder has left: no bold name, whatever older reports say
    ("Rajapaksa, who fled the country earlier this week, has formally resigned, the speaker confirmed.", False),
    ("President Gotabaya Rajapaksa, facing mass protests, resigned on Friday.", False),
    # a departure still to come, demanded or refused leaves the holder in the post
    ("President Gotabaya Rajapaksa has said he will resign next week.", True),
    ("Protesters are demanding the resignation of President Gotabaya Rajapaksa.", True),
])
def test_who_holds_a_post_now_is_not_someone_a_report_as_new_says_has_left_it(newer, shown):
    """"Who is the president?": an older report's "President Gotabaya Rajapaksa arrived in Singapore" leads, but a
    report of the next day that says he resigned makes his name no answer for the bold headline (the newest
    reporting wins). A resignation announced for later, demanded or refused does not."""
    lead = _one("lead", "Sri Lanka's President Gotabaya Rajapaksa arrived in Singapore on Thursday.", "2022-07-14")
    later = _one("later", newer, "2022-07-15")
    answerer = ExtractiveAnswerer(ByPassageScorer({"lead": 0.9, "later": 0.5}), min_evidence=0.3, short_score=0.45)
    draft = answerer.answer(analyse("Who is the president of Sri Lanka?"), [lead, later])
    assert not draft.abstained and "arrived in Singapore" in draft.answer
    assert (draft.short_answer == "Gotabaya Rajapaksa") is shown, draft.short_answer


def test_an_older_report_of_a_departure_does_not_unseat_a_newer_holder():
    """The rule reads only reports as new as the lead's: a holder named again after an older report of someone's
    resignation is still the answer."""
    lead = _one("lead", "Sri Lanka's President Ranil Wickremesinghe arrived in Singapore on Thursday.", "2022-08-14")
    older = _one("older", "President Ranil Wickremesinghe, the interim leader, resigned as prime minister.",
                 "2022-07-15")
    answerer = ExtractiveAnswerer(ByPassageScorer({"lead": 0.9, "older": 0.5}), min_evidence=0.3, short_score=0.45)
    draft = answerer.answer(analyse("Who is the president of Sri Lanka?"), [lead, older])
    assert draft.short_answer == "Ranil Wickremesinghe"


@pytest.mark.parametrize(("written", "shown"), [
    ("November 21 of 1998", "November 21, 1998"), ("March 3rd of 2017", "March 3rd, 2017"),
    ("November 21, 1998", "November 21, 1998"),
])
def test_a_date_is_shown_as_dates_are_written(written, shown):
    """"released on November 21 of 1998": the bold answer reads "November 21, 1998"."""
    text = f"The game was released on {written} in Japan, its publisher said."
    draft = ExtractiveAnswerer(FixedScorer([0.9]), min_evidence=0.3).answer(
        analyse("When was the game released in Japan?"), [passage(text)])
    assert draft.short_answer == shown
