"""Scoring sentences against a question: embedding similarity plus stemmed term overlap.

Retrieval re-ranks candidates by their best sentence, and the extractive answerer quotes the best
one; both use one `SentenceScorer`, which caches the question's vector and the stored sentence
vectors (computed once at ingest, so answering never re-encodes a sentence of the archive).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np

from rag.abstain import missing_names
from rag.embeddings import SentenceEmbeddings
from rag.entities import entity_lookup
from rag.query import Query, stems
from rag.short_answer import NAMED, candidates, labels_for, listed
from rag.store import Store, sentence_id_for_chunk
from rag.text import words
from rag.types import Mention, Passage


@dataclass(frozen=True)
class ScoredSentence:
    passage: Passage
    span: tuple[int, int]
    score: float
    similarity: float
    overlap: float
    bonus: float = 0.0  # the answer bonus within `score` (0: the sentence holds no answer of the asked type)
    recency: float = 0.0  # the answerer's recency prior within `score` (rag.recency)

    @property
    def evidence(self) -> float:
        """How well the sentence matches the question, without what only orders sentences: the bonus for holding
        a possible answer and the prior for fresh reports."""
        return self.score - self.bonus - self.recency

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
                 store: Store | None = None, answer_bonus: float = 0.25) -> None:
        self.embeddings = embeddings
        self.w = weight_similarity
        self.answer_bonus = answer_bonus
        self.store = store
        self._cache: dict[str, np.ndarray] = {}
        self._terms: dict[str, frozenset[str]] = {}
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def terms(self, text: str) -> set[str]:
        return set(stems(text))

    def query_vector(self, text: str) -> np.ndarray:
        """The question's embedding, remembered for the last few questions: retrieval and answering
        both need it, and encoding is the slowest step of a warm query."""
        with self._lock:
            vec = self._queries.get(text)
            if vec is not None:
                self._queries.move_to_end(text)
                return vec
        vec = self.embeddings.encode_queries([text])[0]  # torch-free when exported (rag.query_encoder)
        with self._lock:
            self._queries[text] = vec
            while len(self._queries) > 256:
                self._queries.popitem(last=False)
        return vec

    def score(self, query: Query, passages: list[Passage]) -> list[ScoredSentence]:
        cands: list[tuple[Passage, tuple[int, int]]] = []
        seen: set[tuple[str, int]] = set()
        for p in passages:
            for span in p.sentences or ((p.start, p.end),):
                if (p.doc_id, span[0]) not in seen:
                    seen.add((p.doc_id, span[0]))
                    cands.append((p, span))
        if not cands:
            return []
        q_vec = self.query_vector(query.search)
        vecs = self._vectors(cands)
        sims = vecs @ q_vec
        q_terms = query.terms
        out = []
        for (p, span), sim in zip(cands, sims, strict=True):
            overlap = len(q_terms & self._sentence_terms(p, span)) / len(q_terms) if q_terms else 0.0
            out.append(ScoredSentence(p, span, self.w * float(sim) + (1 - self.w) * overlap, float(sim), overlap))
        out.sort(key=lambda s: s.score, reverse=True)
        if self.answer_bonus > 0 and query.answer_type is not None:
            # Quiz-style questions paraphrase the sentence that answers them minus the answer; a
            # sentence holding an entity of the asked-for type (a person for "who", a number for "how
            # many") that the question does not already contain is likelier to answer it. Only
            # sentences the bonus could lift to the top are examined.
            # A sentence that puts another name in the place of one the best one shares with the question ("the
            # city council of Malmo appointed ..." for a question about Kiel's council) is about something else: no
            # bonus lifts it. Leaving a name out is not enough: a report may paraphrase it away.
            reach = out[0].score - self.answer_bonus
            named = [m for m in query.names if not missing_names([m], out[0].text)]
            out = [replace(s, score=s.score + self.answer_bonus, bonus=self.answer_bonus)
                   if s.score >= reach and not self.names_another(query, named, s) and self.holds_answer(query, s)
                   else s for s in out]
            out.sort(key=lambda s: s.score, reverse=True)
        return out

    @staticmethod
    def names_another(query: Query, named: list[Mention], s: ScoredSentence) -> bool:
        """Does the sentence put another name where the question has one of `named`: the words the question writes
        before the name ("the city council of Kiel"), followed by a different capitalised word ("... of Malmo")?
        The question is read as searched: a follow-up's names are those its resolution put in."""
        for m in named:
            if m.text not in missing_names([m], s.text):
                continue
            at = query.search.find(m.text)
            before = words(query.search[:at])[-2:] if at > 0 else []
            if len(before) < 2:
                continue
            pattern = r"\b" + r"\W+".join(re.escape(w) for w in before) + r"\W+([A-Z][\w'’-]*)"
            if any(found.group(1) != m.text.split()[0] for found in re.finditer(pattern, s.text, re.IGNORECASE)
                   if found.group(1)[:1].isupper()):
                return True
        return False

    @staticmethod
    def holds_answer(query: Query, s: ScoredSentence) -> bool:
        """Does the sentence hold something that could answer? An entity of the asked type; for which/what
        questions whose noun only hints at a type (or gives none), any name the question does not contain."""
        labels = None if query.strict_type else labels_for(query) | NAMED
        entities = entity_lookup().within(s.passage, s.span)
        found = candidates(query, s.text, s.span[0], entities, labels)
        if query.count != 1:  # "which (two) officials ...": as many different ones of the asked type
            return listed(query, found) is not None
        return bool(found)

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
