"""Every evaluation metric on hand-made cases, including the edge cases (no evidence, all
abstained, ties, empty inputs)."""

from __future__ import annotations

import pytest

from eval import metrics as M
from eval.datasets import Question
from eval.runner import aggregate, score_question
from rag.types import AskResult, Citation, Passage


# -- answer text -------------------------------------------------------------------------------
def test_normalize_answer_drops_case_punctuation_articles_and_curly_quotes():
    assert M.normalize_answer("“Squid Game”") == "squid game"
    assert M.normalize_answer("The  East Sea.") == "east sea"
    assert M.normalize_answer("An apple, a day") == "apple day"


def test_exact_match_and_f1_follow_squad():
    assert M.exact_match("the Squid Game!", "“Squid Game”")
    assert not M.exact_match("Squid Game season 2", "Squid Game")
    assert M.f1("Squid Game season 2", "Squid Game") == pytest.approx(2 * 0.5 * 1 / 1.5)
    assert M.f1("Breaking Bad", "Squid Game") == 0.0
    assert M.exact_match("U.S.", "US")  # punctuation is deleted, not spaced, as in SQuAD
    assert M.f1("", "") == 1.0 and M.f1("x", "") == 0.0


def test_best_over_alternatives_and_no_gold():
    assert M.best_exact_match("Blinken", ["Antony Blinken", "Blinken"]) == 1.0
    assert M.best_f1("Antony", ["Antony Blinken", "Blinken"]) == pytest.approx(2 / 3)
    assert M.best_exact_match("anything", []) is None
    assert M.best_f1("anything", ["  "]) is None


def test_gold_variants_permute_several_gold_choices():
    assert M.gold_variants(["a"]) == ["a"]
    assert sorted(M.gold_variants(["x", "y"])) == ["x y", "y x"]


def test_contains_gold_is_word_bounded_and_normalised():
    assert M.contains_gold("According to Yonhap, Choi Sang-mok has taken over [1].", ["Choi Sang-mok"])
    assert not M.contains_gold("Choir practice", ["Choi"])
    assert M.contains_gold("the ‘ironclad’ alliance", ["ironclad"])
    assert M.contains_gold("whatever", []) is None


def test_small_numbers_count_the_same_as_words_or_digits_but_only_as_whole_numbers():
    for word, digit in (("six", "6"), ("twelve", "12"), ("zero", "0"), ("twenty", "20")):
        assert M.contains_gold(f"detained for {word} months", [digit])
        assert M.contains_gold(f"detained for {digit} months", [word.capitalize()])
        assert M.short_answer_correct(f"{word} months", [digit])
    assert not M.contains_gold("sixty months", ["6"])  # not a prefix match
    assert not M.contains_gold("16 months", ["6"])
    assert not M.contains_gold("someone said", ["1"])


def test_amounts_match_by_value_whatever_their_spelling():
    spellings = {12_600_000: ("$12.6 million", "$12,600,000", "12600000", "12.60 million"),
                 2_500_000: ("2.5 million", "2,500,000"), 1_250: ("1.25 thousand", "1,250"),
                 300_000: ("300,000", "300 thousand", "0.3 million")}
    for value, forms in spellings.items():
        for a in forms:
            for b in forms:
                assert M.contains_gold(f"it sold for {a} on Sunday", [b]), (a, b)
                assert M.short_answer_correct(a, [b]), (a, b)
        others = [f for v, fs in spellings.items() if v != value for f in fs]
        assert not any(M.contains_gold(f"it sold for {a} on Sunday", [o]) for a in forms for o in others), value
    assert not M.contains_gold("1.6 million", ["16 million"])  # the point still counts
    assert not M.contains_gold("1,648 titles", ["1,600"])  # close is not equal
    assert M.contains_gold("the BA.5 subvariant", ["BA.5"])  # a point inside a name is not an amount


def test_an_ampersand_reads_as_and():
    assert M.contains_gold("only New Jersey and Oregon ban it", ["New Jersey & Oregon"])
    assert M.contains_gold("Johnson & Johnson said", ["Johnson and Johnson"])
    assert not M.contains_gold("only New Jersey bans it", ["New Jersey & Oregon"])


# -- retrieval ---------------------------------------------------------------------------------
def test_doc_ranking_keeps_first_appearance():
    assert M.doc_ranking(["a", "b", "a", "c", "b"]) == ["a", "b", "c"]


def test_evidence_rank_hits_and_mrr():
    ranked = ["x", "y", "gold", "z"]
    rank = M.evidence_rank(ranked, ["gold", "other-gold"])
    assert rank == 3
    assert [M.hit_at(rank, k) for k in M.HIT_KS] == [False, True, True, True]
    assert M.reciprocal_rank(rank) == pytest.approx(1 / 3)


def test_no_evidence_retrieved_and_rank_past_depth():
    assert M.evidence_rank(["x", "y"], ["gold"]) is None
    assert not M.hit_at(None, 10)
    assert M.reciprocal_rank(None) == 0.0
    assert M.reciprocal_rank(11) == 0.0 and M.reciprocal_rank(10) == pytest.approx(0.1)
    assert M.evidence_rank(["gold"], []) is None  # a question with no evidence ids never "hits"


# -- citations ---------------------------------------------------------------------------------
def test_citation_precisions_and_first_citation():
    assert M.citation_precision_evidence(["g", "x", "g", "y"], ["g"]) == 0.5
    assert M.citation_precision_evidence([], ["g"]) is None
    assert M.citation_precision_answer(["Choi Sang-mok took over", "Blinken arrived"], ["Choi Sang-mok"]) == 0.5
    assert M.citation_precision_answer(["text"], []) is None
    assert M.first_citation_is_evidence(["x", "g"], ["g"]) is False
    assert M.first_citation_is_evidence(["g", "x"], ["g"]) is True
    assert M.first_citation_is_evidence([], ["g"]) is None


# -- abstention --------------------------------------------------------------------------------
def test_abstention_precision_recall_and_wrong_rate():
    unans = [True, True, False, False, False]
    abst = [True, False, True, False, False]
    s = M.abstention_scores(unans, abst)
    assert s["abstention_precision"] == 0.5
    assert s["abstention_recall"] == 0.5
    assert s["wrong_abstention_rate"] == pytest.approx(1 / 3)


def test_abstention_when_all_abstained_or_none():
    s = M.abstention_scores([True, False], [True, True])
    assert s == {"abstention_precision": 0.5, "abstention_recall": 1.0, "wrong_abstention_rate": 1.0}
    s = M.abstention_scores([False, False], [False, False])
    assert s["abstention_precision"] is None and s["abstention_recall"] is None
    assert s["wrong_abstention_rate"] == 0.0
    with pytest.raises(ValueError):
        M.abstention_scores([True], [True, False])


# -- aggregation -------------------------------------------------------------------------------
def test_mean_skips_undefined_and_percentile_interpolates():
    assert M.mean([True, False, None, 1.0]) == pytest.approx(2 / 3)
    assert M.mean([None, None]) is None
    assert M.percentile([10, 20, 30, 40], 50) == 25
    assert M.percentile([5, 5, 5], 95) == 5  # ties
    assert M.percentile([7], 95) == 7
    assert M.percentile([], 50) is None
    assert M.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 95) == pytest.approx(10.5)


def _citation(doc_id: str, text: str, n: int = 1) -> Citation:
    return Citation(n=n, doc_id=doc_id, title="t", url=None, date=None, source=None, text=text, start=0,
                    end=len(text), score=0.9, sentence=text)


def _result(answer: str, citations: list[Citation], short: str | None = None) -> AskResult:
    return AskResult(question="q", answer=answer, abstained=not citations, citations=citations,
                     timings_ms={"retrieve": 10.0, "answer": 20.0, "total": 30.0}, short_answer=short)


def test_score_question_and_aggregate_on_a_hand_made_run():
    q_ok = Question("a", "Who is acting president?", ("Choi Sang-mok",), ("doc1",))
    q_wrong = Question("b", "Who was the former acting president?", ("Han Duck-soo",), ("doc1",),
                       choices=("Han Duck-soo", "Choi Sang-mok"), gold_choice=0)
    q_unans = Question("c", "Who won the election?", unanswerable=True)
    cited = [_citation("doc1", "Choi Sang-mok has taken over")]
    s_ok = score_question(q_ok, _result("Choi Sang-mok has taken over [1].", cited, short="Choi Sang-mok"),
                          ["doc1", "doc2"], None)
    s_wrong = score_question(q_wrong, _result("Blinken arrived [1].", [_citation("doc2", "Blinken arrived")]),
                             ["doc2", "doc1"], mc_pick=1)
    s_unans = score_question(q_unans, _result("The articles do not contain an answer.", []), ["doc1"], None)
    assert s_ok["evidence_rank"] == 1 and s_ok["hit@1"] and s_ok["em"] == 1.0 and s_ok["contains_gold"]
    assert s_wrong["evidence_rank"] == 2 and not s_wrong["hit@1"] and s_wrong["hit@3"]
    assert s_wrong["em"] is None  # no short answer -> not scored for EM/F1
    assert s_wrong["mc_correct"] is False and s_wrong["first_citation_evidence"] is False
    assert s_unans["hit@1"] is None and s_unans["contains_gold"] is None and s_unans["abstained"]
    summary = aggregate([q_ok, q_wrong, q_unans], [s_ok, s_wrong, s_unans])
    assert summary["hit@1"] == 0.5 and summary["mrr@10"] == pytest.approx(0.75)
    assert summary["contains_gold"] == 0.5
    assert summary["answer_words"] == (6 + 3) / 2  # words of the answers given; an abstention is no answer
    assert summary["em"] == 1.0 and summary["short_answers_n"] == 1
    assert summary["mc_accuracy"] == 0.0 and summary["mc_n"] == 1
    assert summary["citation_precision_evidence"] == 0.5
    assert summary["abstention_precision"] == 1.0 and summary["abstention_recall"] == 1.0
    assert summary["wrong_abstention_rate"] == 0.0
    assert summary["total_p50_ms"] == 30.0
    # Every yes/no rate carries its counts, the numbers an interval is computed from.
    assert summary["counts"]["hit@1"] == (1, 2) and summary["counts"]["contains_gold"] == (1, 2)
    assert summary["counts"]["short_answer_precision"] == (1, 1) and "mrr@10" not in summary["counts"]


def test_wilson_interval_matches_the_published_values_and_stays_within_0_and_1():
    lo, hi = M.wilson_interval(50, 100)
    assert (lo, hi) == (pytest.approx(0.4038, abs=1e-4), pytest.approx(0.5962, abs=1e-4))
    assert M.wilson_interval(0, 10)[0] == 0.0 and M.wilson_interval(10, 10)[1] == 1.0
    assert M.wilson_interval(0, 10)[1] > 0  # no successes in 10 is not proof of a zero rate
    assert M.wilson_interval(0, 0) is None
    # Narrower with more questions at the same rate.
    assert M.wilson_interval(300, 600)[1] - M.wilson_interval(300, 600)[0] < hi - lo


def test_difference_interval_matches_newcombe_1998_and_holds_zero_for_equal_rates():
    # Newcombe (Statistics in Medicine 1998), method 10, examples (a) and (c).
    assert M.difference_interval((56, 70), (48, 80)) == (pytest.approx(0.0524, abs=1e-4),
                                                         pytest.approx(0.3339, abs=1e-4))
    assert M.difference_interval((9, 10), (3, 10)) == (pytest.approx(0.1705, abs=1e-4),
                                                       pytest.approx(0.8090, abs=1e-4))
    lo, hi = M.difference_interval((40, 70), (40, 70))
    assert lo < 0 < hi and lo == pytest.approx(-hi)
    assert M.difference_interval((1, 0), (1, 2)) is None


def test_split_gap_reports_each_rate_the_two_splits_share():
    from eval.runner import split_gap

    by_split = {"dev": {"counts": {"contains_gold": [55, 74], "hit@1": [49, 74]}},
                "test": {"counts": {"contains_gold": [43, 70]}}}
    gap = split_gap(by_split)
    assert set(gap) == {"contains_gold"}  # hit@1 has no held-out counts: no gap to report
    g = gap["contains_gold"]
    assert g["gap"] == pytest.approx(55 / 74 - 43 / 70)
    assert g["ci95"][0] < g["gap"] < g["ci95"][1]
    assert split_gap({"dev": by_split["dev"]}) == {}


def test_abstained_answerable_question_counts_as_missing_gold():
    q = Question("a", "Who?", ("Choi",), ("doc1",))
    s = score_question(q, _result("The articles do not contain an answer.", []), ["doc1"], None)
    assert s["contains_gold"] is False and s["abstained"]
    assert s["citation_precision_evidence"] is None and s["first_citation_evidence"] is None
    assert aggregate([q], [s])["wrong_abstention_rate"] == 1.0


def test_aggregate_counts_errors_apart():
    q1 = Question("a", "Who?", ("Choi",), ("doc1",))
    q2 = Question("b", "What?", ("x",), ("doc1",))
    s1 = score_question(q1, _result("Choi [1].", [_citation("doc1", "Choi")]), ["doc1"], None)
    summary = aggregate([q1, q2], [s1, {"error": "boom"}])
    assert summary["errors"] == 1 and summary["questions"] == 2 and summary["contains_gold"] == 1.0


def test_rival_reports_count_other_same_week_documents_that_hold_the_answer():
    texts = {"gold": "Petro won in Colombia.", "usa": "Colombia elects Gustavo Petro.",
             "old": "Colombia voted in 2018.",
             "undated": "Colombia news.", "other": "Peru held a vote.", "later": "Colombia, a week later."}
    ages = {"gold": 3, "usa": 1, "old": 40, "undated": None, "other": 2, "later": -1}
    ranked = ["usa", "gold", "old", "undated", "other", "later"]
    # Only "usa": "old" is too old, "undated" has no date, "other" lacks the answer, "later" is after the question.
    assert M.rival_reports(ranked, ["gold"], texts, ages, ["Colombia"]) == 1
    assert M.rival_reports(ranked, ["gold"], texts, ages, [" "]) is None
    assert M.rival_chance_hit(2, 1) == 0.5 and M.rival_chance_hit(1, 0) == 1.0
    assert M.rival_chance_hit(None, 3) == 0.0 and M.rival_chance_hit(1, None) is None


def test_score_question_reads_the_ranked_documents_for_rival_metrics():
    from datetime import date

    from eval.runner import Corpus
    from rag.articles import Article

    corpus = Corpus.of([Article(text="Colombia elects Petro.", id="usa", date=date(2022, 6, 20)),
                        Article(text="Petro profile: Colombia's first leftist leader.", id="gold",
                                date=date(2022, 6, 17))])
    q = Question("a", "Which country elected its first leftist leader?", ("Colombia",), ("gold",),
                 as_of=date(2022, 6, 23))
    s = score_question(q, _result("Colombia [1].", [_citation("usa", "Colombia elects Petro.")]), ["usa", "gold"],
                       None, corpus)
    assert s["hit@1"] is False and s["top_doc_answers"] is True
    assert s["rivals"] == 1 and s["rival_chance_hit@1"] == 0.5
    summary = aggregate([q], [s])
    assert summary["top_doc_answers"] == 1.0 and summary["rival_share"] == 1.0
    assert summary["rival_chance_hit@1"] == 0.5
    undated_question = Question("b", q.question, q.answers, q.evidence_ids)  # no as-of date: no "same week"
    s = score_question(undated_question, _result("Colombia [1].", [_citation("usa", "Colombia")]), ["usa", "gold"],
                       None, corpus)
    assert s["top_doc_answers"] is True and "rivals" not in s and "rival_chance_hit@1" not in s


# -- multiple choice ---------------------------------------------------------------------------
def _passage(text: str, doc_id: str = "d") -> Passage:
    from rag.sentences import split_sentences

    return Passage(chunk_id=f"{doc_id}#0", doc_id=doc_id, title="t", text=text, start=0, end=len(text), score=0.5,
                   sentences=tuple(split_sentences(text)))


def test_choose_picks_the_supported_choice(embeddings):
    from eval.choices import choose

    passages = [_passage("Netflix announced that Squid Game is coming back for a second season. "
                         "The weather was mild in Seoul.")]
    pick = choose("Which popular show was green lit for a new season?",
                  ["Game of Thrones", "Squid Game", "Breaking Bad", "Friends"], passages, embeddings)
    assert pick.index == 1 and pick.margin > 0


def test_choose_ties_go_to_the_first_choice_and_no_choices_gives_none(embeddings):
    from eval.choices import choose

    pick = choose("Which?", ["same", "same"], [], embeddings)
    assert pick.index == 0 and pick.scores[0] == pick.scores[1] and pick.margin == 0
    assert choose("Which?", [], [], embeddings) is None


def test_choose_with_the_answerers_cached_vectors_matches_encoding_afresh(embeddings):
    from eval.choices import choose
    from rag.query import analyse
    from rag.scoring import SentenceScorer

    passages = [_passage("Choi Sang-mok has taken over as acting president. Han Duck-soo was impeached.")]
    choices = ["Han Duck-soo", "Choi Sang-mok", "Yoon Suk Yeol"]
    scorer = SentenceScorer(embeddings)
    scorer.score(analyse("Who is acting president?"), passages)  # fills the answerer's cache, as in a real ask
    fresh = choose("Who is acting president now?", choices, passages, embeddings)
    cached = choose("Who is acting president now?", choices, passages, embeddings, scorer._vectors)
    assert fresh.index == cached.index == 1
    assert fresh.scores == pytest.approx(cached.scores, abs=1e-5)
