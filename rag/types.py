"""Records that flow between retrieval, answering and the surfaces."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date

FORMAT_VERSION = 2  # bump when stored metadata changes shape; the store refuses other versions
# 2: sentence vectors and named entities stored with each chunk (no `sentences` collection), a change log


@dataclass(frozen=True)
class Entity:
    """A named entity found by the language model (rag.nlp): character offsets and its OntoNotes
    label (PERSON, ORG, GPE, LOC, FAC, NORP, DATE, TIME, CARDINAL, ORDINAL, MONEY, PERCENT,
    QUANTITY, WORK_OF_ART, EVENT, PRODUCT, LAW, LANGUAGE). Offsets are relative to the analysed text,
    or to the article body once stored with a passage."""

    start: int
    end: int
    label: str

    def shifted(self, offset: int) -> Entity:
        return Entity(self.start + offset, self.end + offset, self.label)


@dataclass(frozen=True)
class Filters:
    """Which articles a question may draw on. Dates are inclusive."""

    as_of: date | None = None
    date_from: date | None = None
    date_to: date | None = None
    sources: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()

    @property
    def upper(self) -> date | None:
        """The last day allowed: the earlier of the as-of date and the range's end."""
        return min((d for d in (self.as_of, self.date_to) if d), default=None)

    def to_where(self) -> dict | None:
        """Chroma metadata filter; dates are compared as YYYYMMDD integers."""
        clauses: list[dict] = []
        upper = self.upper
        if upper:
            clauses.append({"date_ord": {"$lte": date_ord(upper)}})
        if self.date_from:
            clauses.append({"date_ord": {"$gte": date_ord(self.date_from)}})
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if self.doc_ids:
            clauses.append({"doc_id": {"$in": list(self.doc_ids)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def date_ord(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk. `score` is a similarity: higher is better."""

    chunk_id: str
    doc_id: str
    title: str
    text: str
    start: int
    end: int
    score: float
    sentences: tuple[tuple[int, int], ...] = ()  # article offsets of the chunk's sentences
    url: str | None = None
    date: str | None = None  # YYYY-MM-DD
    source: str | None = None
    # Named entities inside the chunk, in article offsets, found at ingest; None: not analysed (a passage that did
    # not come from a store written with entities), () : analysed, none found.
    entities: tuple[Entity, ...] | None = None


@dataclass
class Citation:
    n: int
    doc_id: str
    title: str
    url: str | None
    date: str | None
    source: str | None
    text: str
    start: int
    end: int
    score: float
    sentence: str = ""  # the supporting sentence inside `text`
    sentence_start: int = 0  # its offsets in the article body
    sentence_end: int = 0

    @classmethod
    def from_passage(cls, n: int, p: Passage, sentence: tuple[int, int] | None, score: float) -> Citation:
        s, e = sentence or (p.start, p.end)
        return cls(n=n, doc_id=p.doc_id, title=p.title, url=p.url, date=p.date, source=p.source, text=p.text,
                   start=p.start, end=p.end, score=round(float(score), 4),
                   sentence=p.text[s - p.start:e - p.start], sentence_start=s, sentence_end=e)


def by_article(citations: Iterable[Citation]) -> list[list[Citation]]:
    """The citations grouped by article, in the order the answer first cites each: a source list names an article
    once, with every sentence it supports."""
    articles: dict[str, list[Citation]] = {}
    for c in citations:
        articles.setdefault(c.doc_id, []).append(c)
    return list(articles.values())


@dataclass(frozen=True)
class Mention:
    """A name an answer is about (an entity of its supporting sentence), typed: what a follow-up's
    "he" or "the company" can point at without re-reading the answer's prose."""

    text: str
    label: str  # the entity label, e.g. PERSON, ORG, GPE


@dataclass(frozen=True)
class Dropped:
    """A generated sentence removed by verification, and why."""

    sentence: str
    reason: str


@dataclass(frozen=True)
class Notice:
    """Something the reader must know about how the question was handled (not an error):
    e.g. code "not_english", "fallback"."""

    code: str
    message: str


@dataclass
class AskResult:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    timings_ms: dict[str, float]
    query: str = ""  # what was searched (differs from the question for follow-ups)
    short_answer: str | None = None
    as_of: str | None = None
    answer_type: str | None = None  # what the question asks for (rag.query.AnswerType), e.g. "person"
    entities: list[Mention] = field(default_factory=list)  # names of the supporting sentence, in order
    answerer: str = "extractive"  # "extractive" or "llm"
    model: str | None = None  # the LLM that wrote the answer, when answerer is "llm"
    dropped: list[Dropped] = field(default_factory=list)  # generated sentences verification removed
    fallback_reason: str | None = None  # why a configured LLM did not write this answer
    language: str = "en"  # the question's language as detected (answers are given in English only)
    notices: list[Notice] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Turn:
    """One earlier turn of a conversation, as follow-ups read it: the question and, when known,
    what its answer said (short answer, the names it is about, the date of its evidence).
    A turn with only a question (a client that keeps questions alone) is still context."""

    question: str
    answer: str = ""
    short_answer: str | None = None
    entities: tuple[Mention, ...] = ()
    date: str | None = None  # YYYY-MM-DD of the answer's first citation ("that day")
    query: str | None = None  # what that turn searched

    @classmethod
    def of(cls, result: AskResult) -> Turn:
        return cls(question=result.question, answer=result.answer, short_answer=result.short_answer,
                   entities=tuple(result.entities), date=result.citations[0].date if result.citations else None,
                   query=result.query or None)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    reanalysed: list[str] = field(default_factory=list)  # unchanged, but their entities found again (rag.nlp)
    failed: list[str] = field(default_factory=list)  # human-readable messages, one per failure
    # Articles in the store after this run (added, updated or unchanged) that have no publication date, named
    # by id or URL when they have one, else by the file they came from. A date filter never matches them (an
    # undated article cannot be known to have existed by the as-of date), so the user must be told.
    undated: list[str] = field(default_factory=list)
    chunks_written: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        undated = f", {len(self.undated)} without a publication date" if self.undated else ""
        again = f" ({len(self.reanalysed)} with entities found again)" if self.reanalysed else ""
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged{again}, "
                f"{len(self.failed)} failed{undated} ({self.chunks_written} chunks written in {self.seconds:.1f}s)")

    def undated_note(self, show: int = 5) -> str | None:
        """One line telling the user which articles date filters leave out and how to include them."""
        if not self.undated:
            return None
        n = len(self.undated)
        names = ", ".join(self.undated[:show]) + (f" and {n - show} more" if n > show else "")
        have = "article has" if n == 1 else "articles have"
        they = "it is" if n == 1 else "they are"
        return (f"{n} {have} no publication date ({names}): {they} left out whenever an as-of date or date range "
                f"is set; add a \"date\" field (YYYY-MM-DD) to include {'it' if n == 1 else 'them'}.")
