"""Answerers turn retrieved passages into a short cited answer.

`Answerer.stream` is the one abstract method; `answer` is built on it. The offline default,
`ExtractiveAnswerer`, needs no LLM: it scores the sentences of the passages against the question
and quotes the best, dated and attributed. An LLM-backed answerer implements `stream` alone.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from rag.abstain import Evidence, asked_act, reason_to_abstain, same_verb_in
from rag.events import Cited, Text
from rag.scoring import ScoredSentence, SentenceScorer
from rag.short_answer import counts_asked_unit, question_kind, refers_back, unmatched_names
from rag.short_answer import extract as extract_short_answer
from rag.text import human_date
from rag.types import Citation, Passage

log = logging.getLogger(__name__)

_TYPED_KINDS = frozenset({"number", "date", "who", "where"})
_STRICT_KINDS = frozenset({"number", "date"})  # the lead sentence itself must hold the number or date
NOT_FOUND = "The articles do not contain an answer to this question."
_LOWER_OK = frozenset("The A An It Its This That These Those They Their There He She His Her We Our".split())


@dataclass
class Draft:
    """What an answerer produced: the text, whether it abstained and what it cites."""

    answer: str
    abstained: bool
    citations: list[Citation]
    short_answer: str | None = None


class Answerer(ABC):
    @abstractmethod
    def stream(self, question: str, passages: list[Passage], as_of: date | None = None) -> Iterator[Cited | Text]:
        """Yield `Cited` (possibly empty; again, cumulative, when later text cites more) and `Text` pieces, and
        optionally a last `Provenance`; abstain with empty citations. `as_of`: the day the question is asked
        for (None: today)."""

    def answer(self, question: str, passages: list[Passage]) -> Draft:
        citations: list[Citation] = []
        parts: list[str] = []
        for event in self.stream(question, passages):
            if isinstance(event, Cited):
                citations = event.citations
            elif isinstance(event, Text):
                parts.append(event.delta)
        text = "".join(parts).strip()
        return Draft(answer=text, abstained=not citations, citations=citations)


class ExtractiveAnswerer(Answerer):
    """Quotes the best-supported sentence (and a second, if it adds a source), attributed and dated."""

    newest_margin = 0.05  # sentences this close to the best count as equally good; the newest leads
    # ... but a sentence this close from a higher-ranked passage leads an equally old one (RealTime QA dev weeks,
    # without the newest rule: 0.05 gave first-citation-is-evidence 0.726, 0.1 and 0.15 gave 0.781)
    rank_margin = 0.1
    fallback_margin = 0.05  # how far below the best a sentence may be and still replace a lead that fails a check

    def __init__(self, scorer: SentenceScorer, min_evidence: float = 0.45, max_sentences: int = 2) -> None:
        self.scorer = scorer
        self.min_evidence = min_evidence
        self.max_sentences = max_sentences

    def lead(self, question: str, ranked: list[ScoredSentence], passages: list[Passage]) -> ScoredSentence:
        """The sentence the answer opens with, before the checks (`ranked` is best first, non-empty)."""
        best = ranked[0].score
        # News changes: among sentences nearly as good as the best, the newest report leads.
        # A competing report must match the question at least as fully (share as many of its words):
        # a newer sentence on a side topic must not displace the best one, a newer report of the same
        # fact must. (Sentence-vector cosine was tried: the vectors carry their article's context, so
        # two articles' versions of one claim scored lower than unrelated sentences of one article.)
        top = ranked[0]
        close = [s for s in ranked if s.score >= best - self.newest_margin and s.overlap >= top.overlap]
        newest = max(close, key=lambda s: (s.passage.date or "", s.score))
        # The retriever's order already weighs the whole article and the report's date before the as-of day:
        # a sentence nearly as good from a higher-ranked article leads, so the first citation is the top
        # article whenever that article answers (RealTime QA with distractors, first citation is evidence:
        # dev 0.699 -> 0.753, held-out 0.696 -> 0.754, with the newest-report rule below kept).
        # Articles, not chunks, are ranked: within one article the best sentence leads.
        order: dict[str, int] = {}
        for p in passages:
            order.setdefault(p.doc_id, len(order))
        near = [s for s in ranked if s.score >= best - self.rank_margin]
        # "Who has taken over as acting president?": a sentence reporting that act itself beats one that only
        # shares the question's other words ("... the country's acting leadership ...").
        act = asked_act(question)
        lead = min(near, key=lambda s: (order.get(s.passage.doc_id, len(order)),
                                        bool(act) and not same_verb_in(act, s.text), s is not newest, -s.score))
        if (newest.passage.date or "") > (lead.passage.date or ""):
            lead = newest  # a newer report of the same fact still wins
        return lead

    def select(self, question: str, passages: list[Passage]) -> list[ScoredSentence]:
        ranked = self.scorer.score(question, passages)
        if not ranked or ranked[0].score < self.min_evidence:
            return []
        if unmatched_names(question, " ".join(p.text for p in passages)):
            return []  # the question names someone or somewhere the articles never mention
        best = ranked[0].score
        lead = self.lead(question, ranked, passages)
        if not self.answers(question, lead):
            # The lead fails a check; a slightly weaker sentence that passes them may still answer.
            floor = max(self.min_evidence, best - self.fallback_margin)
            lead = next((s for s in ranked if s.score >= floor and s is not lead and self.answers(question, s)), None)
            if lead is None:
                return []
        chosen = [lead]
        for s in ranked:
            if len(chosen) >= self.max_sentences:
                break
            if s is lead or s.score < max(self.min_evidence, best - 0.1):
                continue
            if s.passage.doc_id not in {c.passage.doc_id for c in chosen}:
                chosen.append(s)  # a second article corroborating, with its own citation
        return chosen

    def answers(self, question: str, s: ScoredSentence) -> bool:
        """Does the sentence pass the checks an answer must pass (see `rag.abstain`)?"""
        kind = question_kind(question)
        if kind in _TYPED_KINDS and not extract_short_answer(
                question, s.text if kind in _STRICT_KINDS else with_context(question, s)) and not (
                kind == "number" and counts_asked_unit(question, with_context(question, s))):
            return False  # "how many" / "when" / "who" / "where" with no number, date or name to give
        reason = reason_to_abstain(question, Evidence(s.text, window(s), s.passage.text))
        if reason:
            log.debug("sentence %r does not answer %r: %s", s.text[:60], question, reason)
        return reason is None

    def stream(self, question: str, passages: list[Passage], as_of: date | None = None) -> Iterator[Cited | Text]:
        chosen = self.select(question, passages)
        if not chosen:
            yield Cited([])
            yield Text(NOT_FOUND)
            return
        citations: list[Citation] = []
        numbers: dict[str, int] = {}
        cited = [cited_span(question, chosen[0]), *(s.span for s in chosen[1:])]
        for s, span in zip(chosen, cited, strict=True):
            if s.passage.chunk_id not in numbers:
                numbers[s.passage.chunk_id] = len(citations) + 1
                # The citation's sentence is what the answer quotes (with a joined neighbour), so the
                # short answer, taken from it, can be the name the neighbour gives.
                citations.append(Citation.from_passage(len(citations) + 1, s.passage, span, s.score))
        yield Cited(citations)
        for i, s in enumerate(chosen):
            quote = with_context(question, s) if i == 0 else s.text
            yield Text(("" if i == 0 else " ") + attributed(s, numbers[s.passage.chunk_id], first=i == 0, text=quote))


def window(s: ScoredSentence, reach: int = 1) -> str:
    """The sentence with up to `reach` neighbours on each side, as far as its passage holds them."""
    spans = list(s.passage.sentences)
    if s.span not in spans:
        return s.text
    i = spans.index(s.span)
    a, b = spans[max(0, i - reach)], spans[min(len(spans) - 1, i + reach)]
    return s.passage.text[a[0] - s.passage.start:b[1] - s.passage.start]


def with_context(question: str, s: ScoredSentence) -> str:
    a, b = context_span(question, s)
    return s.passage.text[a - s.passage.start:b - s.passage.start]


def cited_span(question: str, s: ScoredSentence) -> tuple[int, int]:
    """What the lead's citation marks as its sentence: widened to the sentence before only when the
    lead refers back to the answer ("the show"), so the short answer (taken from the citation) is
    the name given there; other joins only add context to the quote."""
    return context_span(question, s) if refers_back(question, s.text) else s.span


def context_span(question: str, s: ScoredSentence) -> tuple[int, int]:
    """The lead sentence's article offsets, widened to a neighbour that names the answer when the lead
    does not: a news lede often says "the show is coming back" right after naming it. A lead that
    refers to the asked-for thing as "the show" / "the company" names it in the sentence before, so
    that one is joined even when the lead holds some other name ("Netflix")."""
    if question_kind(question) is None:
        return s.span
    back = refers_back(question, s.text)
    if not back and extract_short_answer(question, s.text):
        return s.span
    spans = list(s.passage.sentences)
    if s.span not in spans:
        return s.span
    i = spans.index(s.span)
    p = s.passage
    for j in (i - 1,) if back else (i - 1, i + 1):
        if 0 <= j < len(spans):
            other = p.text[spans[j][0] - p.start:spans[j][1] - p.start]
            if extract_short_answer(question, other):
                a, b = (j, i) if j < i else (i, j)
                return spans[a][0], spans[b][1]
    return s.span


def attributed(s: ScoredSentence, n: int, first: bool, text: str | None = None) -> str:
    """'According to Yonhap (6 January 2025), <sentence> [1].'"""
    p = s.passage
    who = p.source or (f"“{p.title}”" if p.title else "one article")
    when = human_date(p.date)
    dated = who + (f" ({when})" if when else "")
    lead = f"According to {dated}," if first else f"{dated} also reports that"
    sentence = " ".join((text or s.text).split()).rstrip()
    first_word = sentence.split(" ", 1)[0]
    if first_word in _LOWER_OK:
        sentence = first_word.lower() + sentence[len(first_word):]
    end = sentence[-1] if sentence and sentence[-1] in ".!?" else "."
    sentence = sentence.rstrip(".!? ")
    return f"{lead} {sentence} [{n}]{end}"
