"""Answerers turn retrieved passages into a short cited answer.

`Answerer.stream` is the one abstract method; `answer` is built on it. The offline default,
`ExtractiveAnswerer`, needs no LLM: it scores the sentences of the passages against the question
and quotes the best, dated and attributed. An LLM-backed answerer implements `stream` alone.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import Stemmer

from rag.abstain import Evidence, asked_act, reason_to_abstain, same_verb_in
from rag.embeddings import SentenceEmbeddings
from rag.events import Cited, Text
from rag.short_answer import counts_asked_unit, question_kind, refers_back, unmatched_names
from rag.short_answer import extract as extract_short_answer
from rag.store import Store, sentence_id_for_chunk
from rag.text import content_words, human_date
from rag.threads import one_thread
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
    def stream(self, question: str, passages: list[Passage]) -> Iterator[Cited | Text]:
        """Yield `Cited` once (possibly empty) and then `Text` pieces; abstain with empty citations."""

    def answer(self, question: str, passages: list[Passage]) -> Draft:
        citations: list[Citation] = []
        parts: list[str] = []
        for event in self.stream(question, passages):
            if isinstance(event, Cited):
                citations = event.citations
            else:
                parts.append(event.delta)
        text = "".join(parts).strip()
        return Draft(answer=text, abstained=not citations, citations=citations)


@dataclass(frozen=True)
class ScoredSentence:
    passage: Passage
    span: tuple[int, int]
    score: float
    similarity: float
    overlap: float

    @property
    def text(self) -> str:
        s, e = self.span
        return self.passage.text[s - self.passage.start:e - self.passage.start]


class SentenceScorer:
    """Scores sentences against a question: embedding similarity plus stemmed term overlap.

    Similarity alone rates "Who is the acting president?" close to any sentence about presidents;
    the overlap term rewards sentences that share the question's specific words. Sentence vectors
    come from the store (computed once at ingest); only sentences missing there are encoded.
    """

    def __init__(self, embeddings: SentenceEmbeddings, weight_similarity: float = 0.6,
                 store: Store | None = None, answer_bonus: float = 0.1) -> None:
        self.embeddings = embeddings
        self.w = weight_similarity
        self.answer_bonus = answer_bonus
        self.store = store
        self._stem = Stemmer.Stemmer("english").stemWords
        self._cache: dict[str, np.ndarray] = {}
        self._terms: dict[str, frozenset[str]] = {}
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def terms(self, text: str) -> set[str]:
        return set(self._stem(content_words(text)))

    def query_vector(self, text: str) -> np.ndarray:
        """The question's embedding, remembered for the last few questions: retrieval and answering
        both need it, and encoding is the slowest step of a warm query."""
        with self._lock:
            vec = self._queries.get(text)
            if vec is not None:
                self._queries.move_to_end(text)
                return vec
        with one_thread():
            vec = self.embeddings.encode([text])[0]
        with self._lock:
            self._queries[text] = vec
            while len(self._queries) > 256:
                self._queries.popitem(last=False)
        return vec

    def score(self, question: str, passages: list[Passage]) -> list[ScoredSentence]:
        cands: list[tuple[Passage, tuple[int, int]]] = []
        seen: set[tuple[str, int]] = set()
        for p in passages:
            for span in p.sentences or ((p.start, p.end),):
                if (p.doc_id, span[0]) not in seen:
                    seen.add((p.doc_id, span[0]))
                    cands.append((p, span))
        if not cands:
            return []
        q_vec = self.query_vector(question)
        vecs = self._vectors(cands)
        sims = vecs @ q_vec
        q_terms = self.terms(question)
        out = []
        for (p, span), sim in zip(cands, sims, strict=True):
            overlap = len(q_terms & self._sentence_terms(p, span)) / len(q_terms) if q_terms else 0.0
            out.append(ScoredSentence(p, span, self.w * float(sim) + (1 - self.w) * overlap, float(sim), overlap))
        out.sort(key=lambda s: s.score, reverse=True)
        if self.answer_bonus > 0 and question_kind(question) is not None:
            # Quiz-style questions paraphrase the sentence that answers them minus the answer; a
            # sentence holding a span of the asked-for kind (a name for "who", a number for "how
            # many") that the question does not already contain is likelier to answer it. Only
            # sentences the bonus could lift to the top are examined (the span rules are regexes).
            reach = out[0].score - self.answer_bonus
            out = [replace(s, score=s.score + self.answer_bonus)
                   if s.score >= reach and extract_short_answer(question, s.text) else s for s in out]
            out.sort(key=lambda s: s.score, reverse=True)
        return out

    def _sentence_terms(self, p: Passage, span: tuple[int, int]) -> frozenset[str]:
        key = sentence_id_for_chunk(p.chunk_id, span)
        found = self._terms.get(key)
        if found is None:
            if len(self._terms) > 50_000:  # bound memory on long-running servers
                self._terms.clear()
            found = self._terms[key] = frozenset(self.terms(p.text[span[0] - p.start:span[1] - p.start]))
        return found

    def _vectors(self, cands: list[tuple[Passage, tuple[int, int]]]) -> np.ndarray:
        keys = [sentence_id_for_chunk(p.chunk_id, span) for p, span in cands]
        missing = [i for i, key in enumerate(keys) if key not in self._cache]
        if missing and self.store is not None:
            stored = self.store.sentence_vectors([(cands[i][0].chunk_id, cands[i][1]) for i in missing])
            for i in missing:
                vec = stored.get((cands[i][0].chunk_id, cands[i][1]))
                if vec is not None:
                    self._cache[keys[i]] = vec
            missing = [i for i in missing if keys[i] not in self._cache]
        if missing:  # stores written before sentence vectors existed, or passages not from a store
            texts = [cands[i][0].text[cands[i][1][0] - cands[i][0].start:cands[i][1][1] - cands[i][0].start]
                     for i in missing]
            for i, vec in zip(missing, self.embeddings.encode(texts), strict=True):
                self._cache[keys[i]] = vec
        vecs = np.stack([self._cache[key] for key in keys])
        if len(self._cache) > 50_000:  # bound memory on long-running servers
            self._cache.clear()
        return vecs


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

    def stream(self, question: str, passages: list[Passage]) -> Iterator[Cited | Text]:
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
