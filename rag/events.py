"""Events of one answer as it is composed. The chat and the HTTP stream both consume these."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from rag.types import AskResult, Citation, Dropped, Mention, Passage


@dataclass
class Searched:
    """Retrieval finished: the query actually searched and the passages found."""

    query: str
    passages: list[Passage]
    kind: str = "searched"


@dataclass
class Cited:
    """The citations the answer will refer to by number (sent before the text that uses them)."""

    citations: list[Citation]
    kind: str = "citations"


@dataclass
class Text:
    """A piece of answer text to append (a sentence, for the offline answerer)."""

    delta: str
    kind: str = "text"


@dataclass
class Summary:
    """What the answer is about, typed: the short answer (None when the evidence does not agree on one) and the
    names its supporting sentence gives (what a follow-up's "he" or "it" can mean)."""

    short_answer: str | None
    entities: list[Mention]
    kind: str = "summary"


@dataclass
class Provenance:
    """Who wrote the answer, sent by the answerer after its text: "extractive" or "llm", the model,
    the generated sentences verification removed (with why), why a configured LLM was not used
    (`fallback_reason`: see rag.llm.FALLBACK_REASONS) and its timings (ms: "llm_first_token",
    "llm_total"). The pipeline folds it into the AskResult."""

    answerer: str
    model: str | None = None
    dropped: list[Dropped] = field(default_factory=list)
    fallback_reason: str | None = None
    notice: str | None = None  # what the reader is told about the fallback, in plain words
    timings_ms: dict[str, float] = field(default_factory=dict)
    kind: str = "provenance"


@dataclass
class Done:
    result: AskResult
    kind: str = "done"


Event = Searched | Cited | Text | Summary | Provenance | Done


def event_to_dict(event: Event) -> dict:
    return asdict(event)
