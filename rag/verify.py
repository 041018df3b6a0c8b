"""Checking generated sentences against the passages they cite, before a reader sees them.

A generated sentence is shown only when
1. it cites at least one passage, and every `[n]` it cites is a passage the model was given;
2. every number and every name in it occurs in one of its cited passages (names found by
   `rag.nlp.analyzer().entities`, numbers also by their digits, so a number the tagger misses is
   still checked);
3. it is supported: the sentence scorer's score of the sentence against the best sentence of a cited
   passage reaches `min_support` (chosen on the gold set, eval/README.md).
The first failing check is the reason reported in `AskResult.dropped`.

`SentenceStream` cuts streamed tokens into sentences: a sentence is complete only once the next one
has begun with something other than citation markers, so "... president. [1] He ..." keeps its [1].
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag import lexicon as L
from rag.query import plain_query
from rag.scoring import ScoredSentence, SentenceScorer
from rag.sentences import split_sentences
from rag.text import human_date
from rag.types import Passage

# "[1]", "[1, 2]", "[1][3]"; a marker group may sit before or after the sentence's full stop.
_MARKER = re.compile(r"\[\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]")
_LEADING_MARKERS = re.compile(r"^\s*(?:\[\s*\d{1,3}(?:\s*[,;]\s*\d{1,3})*\s*\]\s*)+[.!?]?")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_TOKEN = re.compile(r"[a-z0-9]+")
_END = re.compile(r"[.!?]+[\"”’')\]]*$")

NUMBER_LABELS = frozenset({"CARDINAL", "MONEY", "PERCENT", "QUANTITY", "ORDINAL", "DATE", "TIME"})
_NUMBER_WORDS = {w: str(i) for w, i in L.SMALL_NUMBER_VALUES.items()}
_NAME_STOP = frozenset({"the", "s", "of", "and", "a", "an"})

# Reasons reported with a dropped sentence (`Dropped.reason` starts with one of these words).
NO_CITATION, BAD_CITATION, NUMBER, NAME, UNSUPPORTED = (
    "no citation", "invalid citation", "number not in cited passage", "name not in cited passage", "unsupported")


def citations_in(sentence: str) -> list[int]:
    """The passage numbers a sentence cites, in order, without repeats."""
    out: list[int] = []
    for m in _MARKER.finditer(sentence):
        for part in re.split(r"[,;]", m.group(1)):
            n = int(part)
            if n not in out:
                out.append(n)
    return out


def strip_markers(sentence: str) -> str:
    """The sentence without its citation markers, white space squeezed."""
    text = _MARKER.sub(" ", sentence)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return " ".join(text.split())


def with_markers(sentence: str, numbers: Sequence[int]) -> str:
    """'Choi is acting president.' + [1, 2] -> 'Choi is acting president [1][2].'"""
    body = strip_markers(sentence)
    m = _END.search(body)
    end = m.group(0) if m else "."
    body = body[:m.start()] if m else body
    return f"{body.rstrip()} {''.join(f'[{n}]' for n in numbers)}{end}"


class SentenceStream:
    """Feed streamed text; get back each sentence once it is complete (markers kept with it)."""

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, delta: str) -> list[str]:
        self._pending += delta
        done: list[str] = []
        while True:
            spans = split_sentences(self._pending)
            if len(spans) < 2:
                return done
            first, second = spans[0], spans[1]
            rest = self._pending[second[0]:]
            lead = _LEADING_MARKERS.match(rest)
            if lead and not rest[lead.end():].strip():
                return done  # only markers so far after the first sentence: they may belong to it
            cut = second[0] + (lead.end() if lead else 0)
            sentence = self._pending[first[0]:cut].strip()
            self._pending = self._pending[cut:]
            if sentence:
                done.append(sentence)

    def flush(self) -> list[str]:
        """Whatever is left when the stream ends (possibly a sentence cut off mid-way)."""
        rest, self._pending = self._pending, ""
        spans = split_sentences(rest)
        out: list[str] = []
        for i, (s, e) in enumerate(spans):
            piece = rest[s:e].strip()
            lead = _LEADING_MARKERS.match(piece)
            if lead and out and i > 0:  # markers opening a sentence belong to the one before
                out[-1] += " " + piece[:lead.end()].strip()
                piece = piece[lead.end():].strip()
            if piece:
                out.append(piece)
        return out


@dataclass(frozen=True)
class Checked:
    """One generated sentence after verification."""

    sentence: str  # as generated, markers included
    cites: tuple[int, ...]  # passage numbers as the model wrote them (1-based into the prompt's passages)
    reason: str | None  # None: shown
    best: dict[int, ScoredSentence]  # per cited passage number, its sentence that best supports this one
    support: float = 0.0

    @property
    def ok(self) -> bool:
        return self.reason is None


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("’", "'"))


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


def _word_found(word: str, vocabulary: set[str], prefixes: Sequence[str]) -> bool:
    """Exact, or (for words of 4+ letters) one a prefix of the other: 'Korean' is found in
    'Korea's', 'Korea' in 'Korean'."""
    if word in vocabulary:
        return True
    if len(word) < 4:
        return False
    return any(v.startswith(word) or (len(v) >= 4 and word.startswith(v)) for v in prefixes)


class Evidence:
    """What a set of cited passages states: their words and numbers, including the title, source and
    date the prompt showed for each."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        parts: list[str] = []
        for p in passages:
            parts += [p.title, p.source or "", p.date or "", human_date(p.date) or "", p.text]
        text = "\n".join(parts)
        self.tokens = set(_tokens(text))
        self.numbers = _numbers(text)
        self._long = [t for t in self.tokens if len(t) >= 4]

    def has_words(self, text: str) -> bool:
        words = [w for w in _tokens(text) if w not in _NAME_STOP]
        return all(_word_found(w, self.tokens, self._long) for w in words)

    def has_number_word(self, word: str) -> bool:
        return word in self.tokens or _NUMBER_WORDS.get(word, "\0") in self.numbers


class Verifier:
    """Checks each generated sentence against the passages it cites (see the module docstring)."""

    def __init__(self, scorer: SentenceScorer, min_support: float, entities=None) -> None:
        self.scorer = scorer
        self.min_support = min_support
        self._entities = entities  # callable(texts) -> list[list[Entity]]; rag.nlp.analyzer().entities

    def warm(self) -> None:
        """Load the language model now (seconds), not inside the first answer's deadline."""
        self.entities(["Warm up."])

    def entities(self, texts: list[str]):
        if self._entities is None:
            from rag.nlp import analyzer

            self._entities = analyzer().entities
        return self._entities(texts)

    def check(self, sentence: str, passages: Sequence[Passage]) -> Checked:
        cites = tuple(citations_in(sentence))
        claim = strip_markers(sentence)
        if not cites:
            return Checked(sentence, cites, NO_CITATION, {})
        bad = [n for n in cites if not 1 <= n <= len(passages)]
        if bad:
            return Checked(sentence, cites, f"{BAD_CITATION}: {', '.join(f'[{n}]' for n in bad)} "
                           f"(there are {len(passages)} passages)", {})
        cited = [passages[n - 1] for n in cites]
        evidence = Evidence(cited)
        reason = self.facts_missing(claim, evidence)
        if reason:
            return Checked(sentence, cites, reason, {})
        best: dict[int, ScoredSentence] = {}
        for n, p in zip(cites, cited, strict=True):
            ranked = self.scorer.score(plain_query(claim), [p])
            if ranked:
                best[n] = ranked[0]
        support = max((s.score for s in best.values()), default=0.0)
        if support < self.min_support:
            return Checked(sentence, cites, f"{UNSUPPORTED}: score {support:.2f} < {self.min_support:.2f}", best,
                           support)
        return Checked(sentence, cites, None, best, support)

    def facts_missing(self, claim: str, evidence: Evidence) -> str | None:
        """Why a number or name of the claim is not in the evidence (None: all found)."""
        for n in sorted(_numbers(claim)):
            if n not in evidence.numbers:
                return f"{NUMBER}: {n}"
        ents = self.entities([claim])[0]
        for e in ents:
            text = claim[e.start:e.end]
            if e.label in L.NAME_LABELS and not evidence.has_words(text):
                return f"{NAME}: {text}"
            if e.label in NUMBER_LABELS:
                for w in _tokens(text):
                    if w in _NUMBER_WORDS and not evidence.has_number_word(w):
                        return f"{NUMBER}: {w}"
                    if w in L.CALENDAR_WORDS and w not in evidence.tokens:
                        return f"{NUMBER}: {text}"
        return None
