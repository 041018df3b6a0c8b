"""Generated answers from any OpenAI-compatible endpoint, verified, with the extractive answer as the net.

`LLMAnswerer` streams the model's answer through LangChain's `ChatOpenAI(base_url=...)` (OpenAI, vLLM,
llama.cpp's server, Ollama), cuts it into sentences, checks each one as it completes (`rag.verify`),
renumbers the citations 1..n in order of first use and only then yields it: a reader never sees an
unverified sentence. `GuardedAnswerer` wraps it with the extractive answerer: an endpoint that is
unreachable, slower than RAG_LLM_TIMEOUT (first token or whole answer), failing, empty or wholly
unverified gives the extractive answer with `fallback_reason`, never an error and never a hang.

The HTTP stream is read in a worker thread so that the deadline holds even while a read blocks;
closing the answer's generator (a reader who went away) tells the worker to stop, which closes the
HTTP response and so ends generation on the server.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from rag.answer import Answerer, ExtractiveAnswerer, not_found
from rag.config import Settings
from rag.errors import RagError
from rag.events import Cited, Provenance, Text
from rag.prompt import DECLINE, Message, build_messages
from rag.query import as_query, search_text
from rag.scoring import SentenceScorer
from rag.types import Citation, Dropped, Passage
from rag.verify import Checked, SentenceStream, Verifier, with_markers

log = logging.getLogger(__name__)
AnswerEvents = Iterator[Cited | Text | Provenance]

# Why a configured LLM did not write an answer (`AskResult.fallback_reason`).
FALLBACK_REASONS = {
    "unreachable": "The language model could not be reached",
    "timeout": "The language model did not answer in time",
    "error": "The language model returned an error",
    "empty": "The language model returned an empty answer",
    "unverified": "No sentence of the generated answer could be verified against the articles",
}
_DECLINE_KEY = " ".join(DECLINE.lower().rstrip(".").split())


class LLMFailure(RagError):
    """The LLM gave no usable answer. `reason` is a key of FALLBACK_REASONS; `dropped` holds the generated
    sentences verification removed before the failure was declared."""

    code = "llm_failure"

    def __init__(self, reason: str, detail: str, dropped: list[Dropped] | None = None) -> None:
        super().__init__(f"{FALLBACK_REASONS[reason]}: {detail}", "The extractive answer was given instead.")
        self.reason = reason
        self.detail = detail
        self.dropped = dropped or []
        self.timings_ms: dict[str, float] = {}  # what was measured before the failure (e.g. llm_first_token)


@dataclass
class LLMCall:
    """The last call's outcome, for /api/health."""

    ok: bool
    at: float  # time.time()
    error: str | None = None


class LLMStatus:
    """What the process knows about its LLM endpoint (thread-safe: answers run in several threads)."""

    def __init__(self, url: str | None, model: str | None) -> None:
        self.url = url
        self.model = model
        self._last: LLMCall | None = None
        self._lock = threading.Lock()

    def record(self, ok: bool, error: str | None = None) -> None:
        with self._lock:
            self._last = LLMCall(ok, time.time(), error)

    def as_dict(self) -> dict:
        with self._lock:
            last = self._last
        return {"configured": self.url is not None, "model": self.model,
                "last_call_ok": None if last is None else last.ok,
                "last_call_at": None if last is None else round(last.at, 3),
                "last_error": None if last is None else last.error}


def question_text(question) -> str:
    """The question the LLM answers: a follow-up with its references resolved (`Query.search`)."""
    return search_text(question)


def chat_model(settings: Settings, model: str, extra_body: dict | None = None):
    """LangChain's OpenAI chat client for the configured endpoint (no retries: the deadline is ours).
    `extra_body`: request fields the OpenAI API lacks but the endpoint reads (a llama.cpp `grammar`, ...)."""
    from langchain_openai import ChatOpenAI

    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
    # `max_tokens`, not ChatOpenAI's max_tokens (sent as `max_completion_tokens`, which llama.cpp's and older
    # vLLM / Ollama servers ignore, so a small model would ramble on to the end of its context).
    body = {"max_tokens": settings.llm_max_tokens, **(extra_body or {})}
    return ChatOpenAI(base_url=settings.llm_url, model=model, api_key=key, timeout=settings.llm_timeout,
                      max_retries=0, temperature=settings.llm_temperature, streaming=True, extra_body=body)


def first_model(settings: Settings) -> str:
    """The first model the endpoint's GET /models lists (llama.cpp, vLLM, Ollama and OpenAI all answer it)."""
    import httpx

    headers = {"Authorization": f"Bearer {settings.llm_api_key.get_secret_value()}"} if settings.llm_api_key else {}
    try:
        r = httpx.get(settings.llm_url.rstrip("/") + "/models", headers=headers, timeout=min(settings.llm_timeout, 10))
        r.raise_for_status()
        models = [m["id"] for m in r.json().get("data", []) if m.get("id")]
    except httpx.TimeoutException as exc:
        raise LLMFailure("timeout", f"GET /models: {exc.__class__.__name__}") from None
    except httpx.HTTPStatusError as exc:
        raise LLMFailure("error", f"GET /models answered {exc.response.status_code}") from None
    except (httpx.HTTPError, ValueError, AttributeError, TypeError) as exc:
        raise LLMFailure("unreachable", f"GET /models: {exc.__class__.__name__}: {exc}") from None
    if not models:
        raise LLMFailure("error", "GET /models lists no model; set RAG_LLM_MODEL")
    return models[0]


def _classify(exc: BaseException) -> LLMFailure:
    import openai

    if isinstance(exc, LLMFailure):
        return exc
    if isinstance(exc, openai.APITimeoutError):
        return LLMFailure("timeout", f"the endpoint did not answer within the timeout ({exc.__class__.__name__})")
    if isinstance(exc, openai.APIConnectionError):
        return LLMFailure("unreachable", f"{exc.__class__.__name__}: {exc}")
    if isinstance(exc, openai.APIStatusError):
        return LLMFailure("error", f"HTTP {exc.status_code}: {str(exc)[:200]}")
    return LLMFailure("error", f"{exc.__class__.__name__}: {str(exc)[:200]}")


class LLMAnswerer(Answerer):
    """Generates the answer with an LLM and shows only the sentences that pass verification."""

    def __init__(self, settings: Settings, verifier: Verifier, status: LLMStatus | None = None,
                 extra_body: dict | None = None) -> None:
        self.settings = settings
        self.verifier = verifier
        self.extra_body = extra_body
        self.status = status or LLMStatus(settings.llm_url, settings.llm_model)
        self.model = settings.llm_model
        self._chat = None
        self._lock = threading.Lock()
        import langchain_openai  # noqa: F401 - imported now (seconds), not inside the first answer's deadline

    def chat(self):
        with self._lock:
            if self._chat is None:
                if self.model is None:
                    self.model = self.status.model = first_model(self.settings)
                self._chat = chat_model(self.settings, self.model, self.extra_body)
            return self._chat

    def tokens(self, messages: list[Message], t0: float, timings: dict[str, float]) -> Iterator[str]:
        """The model's text as it streams. Raises LLMFailure on an error or past the deadline (measured from
        t0, for the first token and for the whole answer)."""
        deadline = t0 + self.settings.llm_timeout
        q: queue.Queue = queue.Queue()
        stop = threading.Event()

        def work() -> None:  # everything that can block runs here, so the deadline always holds
            try:
                stream = self.chat().stream([(m.role, m.content) for m in messages])
                try:
                    for chunk in stream:
                        if stop.is_set():
                            break
                        if isinstance(chunk.content, str) and chunk.content:
                            q.put(("text", chunk.content))
                finally:
                    stream.close()  # ends the HTTP response: the server stops generating
                q.put(("end", None))
            except BaseException as exc:  # noqa: BLE001 - handed to the reading thread, which decides
                q.put(("error", exc))

        threading.Thread(target=work, name="llm-stream", daemon=True).start()
        try:
            while True:
                remaining = deadline - time.monotonic()
                try:
                    if remaining <= 0:
                        raise queue.Empty
                    kind, value = q.get(timeout=remaining)
                except queue.Empty:
                    what = "the whole answer" if "llm_first_token" in timings else "a first token"
                    raise LLMFailure("timeout", f"not {what} within {self.settings.llm_timeout:g} s") from None
                if kind == "end":
                    return
                if kind == "error":
                    raise _classify(value)
                timings.setdefault("llm_first_token", ms(time.monotonic() - t0))
                yield value
        finally:
            stop.set()

    def stream(self, question, passages: list[Passage], as_of: date | None = None) -> AnswerEvents:
        t0 = time.monotonic()
        timings: dict[str, float] = {}
        messages = build_messages(question_text(question), passages, as_of)
        shown: list[str] = []
        dropped: list[Dropped] = []
        citations: list[Citation] = []
        numbers: dict[int, int] = {}  # the prompt's passage number -> the answer's citation number
        lines = SentenceStream()

        def emit(sentence: str) -> Iterator[Cited | Text]:
            if not shown and not dropped and _declines(sentence):
                raise _Declined
            checked = self.verifier.check(sentence, passages)
            if not checked.ok:
                dropped.append(Dropped(sentence, checked.reason or ""))
                log.debug("dropped %r: %s", sentence, checked.reason)
                return
            new = self._cite(checked, passages, numbers, citations)
            yield Cited(list(citations))
            yield Text(("" if not shown else " ") + with_markers(sentence, new))
            shown.append(sentence)

        tokens = self.tokens(messages, t0, timings)
        try:
            try:
                for delta in tokens:
                    for sentence in lines.feed(delta):
                        yield from emit(sentence)
                for sentence in lines.flush():
                    yield from emit(sentence)
            except LLMFailure as failure:
                rest = " ".join(lines.flush())  # text the failure cut off before its sentence ended
                if rest:
                    dropped.append(Dropped(rest, f"cut off: {failure.detail}"))
                if not shown:
                    self.status.record(False, failure.message)
                    failure.dropped = dropped + failure.dropped
                    failure.timings_ms = timings
                    raise
                # Sentences already shown were verified: the answer keeps them and ends there.
        except _Declined:
            self.status.record(True)
            timings["llm_total"] = ms(time.monotonic() - t0)
            yield Cited([])
            yield Text(not_found(as_query(question), passages, as_of))
            yield Provenance("llm", self.model, dropped, None, None, timings)
            return
        finally:
            tokens.close()
        timings["llm_total"] = ms(time.monotonic() - t0)
        if not shown:
            self.status.record(True)  # the endpoint answered; the answer was unusable
            reason = "unverified" if dropped else "empty"
            failure = LLMFailure(reason, f"{len(dropped)} generated sentence(s), none verified" if dropped
                                 else "no text", dropped)
            failure.timings_ms = timings
            raise failure
        self.status.record(True)
        yield Provenance("llm", self.model, dropped, None, None, timings)

    @staticmethod
    def _cite(checked: Checked, passages: list[Passage], numbers: dict[int, int],
              citations: list[Citation]) -> list[int]:
        """Renumber the sentence's citations in order of first use; new ones join `citations`, with the
        passage sentence that supports this one as their highlighted sentence."""
        new: list[int] = []
        for n in checked.cites:
            if n not in numbers:
                numbers[n] = len(citations) + 1
                best = checked.best.get(n)
                citations.append(Citation.from_passage(numbers[n], passages[n - 1], best.span if best else None,
                                                       best.score if best else 0.0))
            if numbers[n] not in new:
                new.append(numbers[n])
        return new


class _Declined(Exception):
    """The model said the passages do not answer."""


def _declines(sentence: str) -> bool:
    words = " ".join(sentence.lower().replace("’", "'").rstrip(".!? ").split())
    return words.startswith(_DECLINE_KEY) or words.startswith("the passages do not contain an answer")


class GuardedAnswerer(Answerer):
    """The LLM answerer with the extractive one as its safety net (see the module docstring)."""

    def __init__(self, llm: LLMAnswerer, fallback: ExtractiveAnswerer) -> None:
        self.llm = llm
        self.fallback = fallback

    @property
    def scorer(self) -> SentenceScorer:  # the harness reuses the extractive scorer's sentence vectors
        return self.fallback.scorer

    def stream(self, question, passages: list[Passage], as_of: date | None = None) -> AnswerEvents:
        if not passages:  # nothing to generate from: the extractive answerer says so, no call is made
            yield from self.fallback.stream(as_query(question), passages, as_of)
            yield Provenance("extractive")
            return
        t0 = time.monotonic()
        events = self.llm.stream(question, passages, as_of)
        try:
            try:
                first = next(events)  # the LLM answerer yields nothing before its first verified sentence
            except LLMFailure as failure:
                yield from self._fall_back(question, passages, failure, t0, as_of)
                return
            except StopIteration:
                yield from self._fall_back(question, passages, LLMFailure("empty", "no events"), t0, as_of)
                return
            except Exception as exc:  # a bug or an unexpected client error must not cost the reader an answer
                log.exception("the LLM answerer failed")
                self.llm.status.record(False, f"{exc.__class__.__name__}: {exc}")
                yield from self._fall_back(question, passages, _classify(exc), t0, as_of)
                return
            yield first
            try:
                yield from events
            except Exception:  # text already shown is verified; end the answer there
                log.exception("the LLM answerer failed mid-answer")
                yield Provenance("llm", self.llm.model)
        finally:
            events.close()

    def _fall_back(self, question, passages: list[Passage], failure: LLMFailure, t0: float,
                   as_of: date | None = None) -> AnswerEvents:
        log.warning("LLM answer not used (%s): %s", failure.reason, failure.detail)
        yield from self.fallback.stream(as_query(question), passages, as_of)
        notice = f"{failure.message}. This is the extractive answer (quoted from the articles)."
        yield Provenance("extractive", None, failure.dropped, failure.reason, notice,
                         {**failure.timings_ms, "llm_total": ms(time.monotonic() - t0)})


def make_answerer(settings: Settings, scorer: SentenceScorer, status: LLMStatus | None = None) -> Answerer:
    """The extractive answerer, wrapped with the LLM one when RAG_LLM_URL is set."""
    extractive = ExtractiveAnswerer(scorer, settings.min_evidence, short_support=settings.short_answer_support,
                                    short_score=settings.short_answer_score,
                                    recency_weight=settings.answer_recency_weight,
                                    recency_half_life_days=settings.recency_half_life_days,
                                    short_max_age_days=settings.short_answer_max_age_days,
                                    short_rivals=settings.short_answer_rivals)
    if not settings.llm_url:
        return extractive
    # Support is scored without the answer bonus (it rewards sentences holding an answer-shaped span, which
    # says nothing about whether a claim is supported).
    support = SentenceScorer(scorer.embeddings, store=scorer.store, answer_bonus=0.0)
    verifier = Verifier(support, settings.llm_min_support)
    verifier.warm()
    return GuardedAnswerer(LLMAnswerer(settings, verifier, status), extractive)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)
