"""Every metric the harness reports, as small pure functions (each defined in eval/README.md).

Per-question functions take plain values and return a number, a bool or None; None means
"not defined for this question" (e.g. retrieval metrics for a question with no evidence
document) and such questions are left out of the mean, never counted as zero.
"""

from __future__ import annotations

import itertools
import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

HIT_KS = (1, 3, 5, 10)
MRR_DEPTH = 10
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_ASCII_PUNCT = frozenset(string.punctuation)


# -- answer text -------------------------------------------------------------------------------
def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower case, drop punctuation (ASCII and Unicode, so curly quotes
    like “Squid Game” match Squid Game), drop the articles a/an/the, squeeze white space."""
    text = text.lower()
    text = "".join(" " if (ch in _ASCII_PUNCT or unicodedata.category(ch).startswith("P")) else ch for ch in text)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def _drop_punct_glue(text: str) -> str:
    """Variant used for EM/F1 (as in SQuAD and RealTime QA): punctuation is deleted, not spaced,
    so "U.S." -> "us" and "Yoon's" -> "yoons"."""
    text = text.lower()
    text = "".join(ch for ch in text if not (ch in _ASCII_PUNCT or unicodedata.category(ch).startswith("P")))
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(prediction: str, gold: str) -> bool:
    return _drop_punct_glue(prediction) == _drop_punct_glue(gold)


def f1(prediction: str, gold: str) -> float:
    """Token-level F1 between normalised prediction and gold (SQuAD)."""
    pred = _drop_punct_glue(prediction).split()
    ref = _drop_punct_glue(gold).split()
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def gold_variants(golds: Sequence[str]) -> list[str]:
    """RealTime QA's rule for several gold answers: any permutation joined by spaces counts.
    One gold answer (the usual case) gives itself."""
    golds = [g for g in golds if g.strip()]
    if len(golds) <= 1 or len(golds) > 4:  # permutations explode beyond a handful
        return list(golds)
    return [" ".join(p) for p in itertools.permutations(golds)]


def best_exact_match(prediction: str, golds: Sequence[str]) -> float | None:
    """EM against the best of several acceptable answers (alternatives); None without gold."""
    golds = [g for g in golds if g.strip()]
    return float(max(exact_match(prediction, g) for g in golds)) if golds else None


def best_f1(prediction: str, golds: Sequence[str]) -> float | None:
    golds = [g for g in golds if g.strip()]
    return max(f1(prediction, g) for g in golds) if golds else None


# News writes small numbers as words ("six months") and quiz answers as digits ("6"): the same answer.
_SMALL_NUMBERS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}


def _numerals(normalised: str) -> str:
    return " ".join(_SMALL_NUMBERS.get(w, w) for w in normalised.split())


# One amount, several spellings: "$12.6 million", "$12,600,000" and "12600000" are the same number. Numbers are
# rewritten to their plain value (digits, no separators) before punctuation is dropped, which would otherwise
# split "12,600,000" into three words.
_SCALES = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12}
_AMOUNT = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:\s*(thousand|million|billion|trillion)\b)?",
                     re.IGNORECASE)


def _plain_amount(m: re.Match) -> str:
    whole, frac, scale = m.group(1).replace(",", ""), (m.group(2) or "")[1:], m.group(3)
    shift = _SCALES[scale.lower()] if scale else 0
    digits = whole + frac.ljust(shift, "0")  # the decimal point moves `shift` places right
    point = len(whole) + shift
    head, tail = digits[:point].lstrip("0") or "0", digits[point:].rstrip("0")
    return f"{head}.{tail}" if tail else head


def _answer_words(text: str) -> str:
    """normalize_answer with amounts as plain values, number words up to twenty as digits and "&" read as "and"
    (the quiz's "New Jersey & Oregon" is the article's "New Jersey and Oregon")."""
    return _numerals(normalize_answer(_AMOUNT.sub(_plain_amount, text).replace("&", " and ")))


def contains_gold(text: str, golds: Sequence[str]) -> bool | None:
    """Does `text` contain any gold answer, on word boundaries, after normalisation (amounts compared by value,
    number words up to twenty read as digits)? None when there is no gold answer to look for."""
    golds = [_answer_words(g) for g in golds]
    golds = [g for g in golds if g]
    if not golds:
        return None
    hay = f" {_answer_words(text)} "
    return any(f" {g} " in hay for g in golds)


def short_answer_correct(short: str, golds: Sequence[str]) -> bool | None:
    """Is a shown short answer right: does it equal or contain a gold answer (normalised, on word boundaries)?
    "Ayman al-Zawahiri" is right for the gold "al-Zawahiri"; "Lanka" is not right for "Sri Lanka"."""
    golds = [g for g in golds if normalize_answer(g)]
    if not golds:
        return None
    return bool(contains_gold(short, golds))


# -- retrieval ---------------------------------------------------------------------------------
def doc_ranking(doc_ids: Iterable[str]) -> list[str]:
    """Passages' doc ids in retrieved order -> distinct documents in order of first appearance."""
    return list(dict.fromkeys(doc_ids))


def evidence_rank(ranked_docs: Sequence[str], evidence_ids: Iterable[str]) -> int | None:
    """1-based rank of the first evidence document among the distinct retrieved documents;
    None if none was retrieved."""
    wanted = set(evidence_ids)
    for i, doc in enumerate(ranked_docs, 1):
        if doc in wanted:
            return i
    return None


def hit_at(rank: int | None, k: int) -> bool:
    return rank is not None and rank <= k


def reciprocal_rank(rank: int | None, depth: int = MRR_DEPTH) -> float:
    return 1.0 / rank if rank is not None and rank <= depth else 0.0


RIVAL_DAYS = 7  # "this week" news: a rival report is one published in the week up to the question's date


def rival_reports(ranked_docs: Sequence[str], evidence_ids: Iterable[str], texts: dict[str, str],
                  days_before: dict[str, int | None], golds: Sequence[str]) -> int | None:
    """How many documents among `ranked_docs` that are not evidence also contain a gold answer and
    were published in the RIVAL_DAYS up to the question's date (`days_before[doc]`: its age in days
    then; None undated). A news quiz names one article as evidence, but another outlet's report of
    the same event often answers as well; hit@1 by evidence article cannot tell them apart.
    None without a gold answer. Short golds ("6", "Florida") can also match unrelated reports, so
    this is an upper estimate of the rivals."""
    if not [g for g in golds if g.strip()]:
        return None
    wanted = set(evidence_ids)
    return sum(1 for d in ranked_docs if d not in wanted and (age := days_before.get(d)) is not None
               and 0 <= age <= RIVAL_DAYS and contains_gold(texts.get(d, ""), golds))


def rival_chance_hit(rank: int | None, rivals: int | None) -> float | None:
    """hit@1 expected of a ranker that knows which documents answer but not which one the dataset
    names: the evidence article (if retrieved) and its `rivals` tie, so it is first with chance
    1 / (1 + rivals)."""
    if rivals is None:
        return None
    return (1.0 / (1 + rivals)) if rank is not None else 0.0


# -- citations ---------------------------------------------------------------------------------
def citation_precision_evidence(cited_doc_ids: Sequence[str], evidence_ids: Iterable[str]) -> float | None:
    """Share of an answer's citations that come from an evidence document (None: nothing cited)."""
    if not cited_doc_ids:
        return None
    wanted = set(evidence_ids)
    return sum(d in wanted for d in cited_doc_ids) / len(cited_doc_ids)


def citation_precision_answer(cited_texts: Sequence[str], golds: Sequence[str]) -> float | None:
    """Share of an answer's cited passages whose text contains a gold answer."""
    if not cited_texts or not [g for g in golds if g.strip()]:
        return None
    return sum(bool(contains_gold(t, golds)) for t in cited_texts) / len(cited_texts)


def first_citation_is_evidence(cited_doc_ids: Sequence[str], evidence_ids: Iterable[str]) -> bool | None:
    if not cited_doc_ids:
        return None
    return cited_doc_ids[0] in set(evidence_ids)


# -- abstention --------------------------------------------------------------------------------
def abstention_scores(unanswerable: Sequence[bool], abstained: Sequence[bool]) -> dict[str, float | None]:
    """precision: of the abstentions, the share on unanswerable questions;
    recall: of the unanswerable questions, the share abstained on;
    wrong_rate: of the answerable questions, the share abstained on (lower is better)."""
    if len(unanswerable) != len(abstained):
        raise ValueError("unanswerable and abstained must be the same length")
    pairs = list(zip(unanswerable, abstained, strict=True))
    n_abst = sum(a for _, a in pairs)
    n_unans = sum(u for u, _ in pairs)
    n_ans = len(pairs) - n_unans
    right = sum(u and a for u, a in pairs)
    wrong = sum((not u) and a for u, a in pairs)
    return {
        "abstention_precision": right / n_abst if n_abst else None,
        "abstention_recall": right / n_unans if n_unans else None,
        "wrong_abstention_rate": wrong / n_ans if n_ans else None,
    }


# -- aggregation -------------------------------------------------------------------------------
def mean(values: Iterable[float | bool | None]) -> float | None:
    """Mean over the defined values; None if none is defined."""
    got = [float(v) for v in values if v is not None]
    return sum(got) / len(got) if got else None


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """Wilson score interval of a proportion (95% at z = 1.96); None for n = 0. Chosen over the normal
    approximation because our splits are small (70-odd questions) and rates sit near 0 or 1 for some metrics,
    where p +- z*se leaves [0, 1]."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def difference_interval(a: tuple[int, int], b: tuple[int, int], z: float = 1.96) -> tuple[float, float] | None:
    """Newcombe's hybrid score interval for p_a - p_b of two independent proportions, each given as
    (successes, n): how large the dev/held-out gap may be by chance alone. None if either n is 0."""
    wa, wb = wilson_interval(*a, z=z), wilson_interval(*b, z=z)
    if wa is None or wb is None:
        return None
    pa, pb = a[0] / a[1], b[0] / b[1]
    d = pa - pb
    return (d - math.sqrt((pa - wa[0]) ** 2 + (wb[1] - pb) ** 2),
            d + math.sqrt((wa[1] - pa) ** 2 + (pb - wb[0]) ** 2))


def binary_counts(values: Iterable[float | bool | None]) -> tuple[int, int] | None:
    """(successes, n) over the defined values when every one is 0/1 (a rate of yes/no outcomes); else None."""
    got = [float(v) for v in values if v is not None]
    if not got or any(v not in (0.0, 1.0) for v in got):
        return None
    return int(sum(got)), len(got)


def percentile(values: Iterable[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default method), q in [0, 100]."""
    got = sorted(float(v) for v in values)
    if not got:
        return None
    pos = (len(got) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return got[lo] + (got[hi] - got[lo]) * (pos - lo)


def count_defined(values: Iterable[object]) -> int:
    return sum(v is not None for v in values)


# -- generated answers -------------------------------------------------------------------------
def answer_sentences(answer: str) -> list[str]:
    from rag.sentences import split_sentences

    return [answer[s:e] for s, e in split_sentences(answer)]


def sentences_with_valid_citations(answer: str, citation_numbers: Iterable[int]) -> tuple[int, int]:
    """(sentences that cite at least one [n] and only numbers that are citations of the answer, sentences)."""
    from rag.verify import citations_in

    have = set(citation_numbers)
    sentences = answer_sentences(answer)
    valid = sum(1 for s in sentences if (cites := citations_in(s)) and set(cites) <= have)
    return valid, len(sentences)


def pooled_share(pairs: Iterable[tuple[int, int] | None]) -> float | None:
    """sum of parts / sum of wholes over the defined (part, whole) pairs; None if no whole is positive."""
    got = [p for p in pairs if p is not None]
    whole = sum(w for _, w in got)
    return sum(p for p, _ in got) / whole if whole else None
