"""Gradio chat: a thin layer over `Pipeline.ask_stream`.

The transcript is one `gr.HTML` rendered by `ui.chat_view` (escaped there), so citation markers
can link to their source cards and the not-found state can look different from an answer. Each
event from the pipeline re-renders the transcript, which is how answers stream sentence by sentence.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import gradio as gr

from rag.errors import InvalidQuestion, RagError
from rag.events import Cited, Done, Searched, Text
from rag.examples import examples_from_store
from rag.types import Filters, Turn
from ui.api_limits import RateLimited, Throttle, client_key
from ui.chat_view import (
    ANSWERING,
    DONE,
    ERROR,
    NOT_FOUND,
    ChatTurn,
    filters_summary,
    header_html,
    log_html,
)

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
TITLE = "newsrag — ask the news archive"
CSS_PATH = STATIC / "chat.css"
JS_PATH = STATIC / "chat.js"
FAVICON_PATH = STATIC / "favicon.svg"
# The SVG favicon is served by Gradio at /favicon.ico (with an image/svg+xml type); say so explicitly.
# The page padding sits outside the part of the page that Gradio's `css` reaches, hence a <style> here:
# on a phone the default 32px a side would leave the answer a narrow strip.
HEAD = ('<link rel="icon" type="image/svg+xml" href="favicon.ico">'
        "<style>@media (max-width: 640px) { gradio-app .main { padding-left: 8px !important;"
        " padding-right: 8px !important; } }</style>")
MAX_K = 20

Outputs = tuple[str, list[ChatTurn], str | dict]


def chat_theme() -> gr.themes.Base:
    """Gradio's default look with system fonts only: nothing to fetch, and no glyphs missing from
    the bundled web-font subsets."""
    return gr.themes.Default(font=("ui-sans-serif", "system-ui", "Liberation Sans", "sans-serif"),
                             font_mono=("ui-monospace", "DejaVu Sans Mono", "monospace"))


def parse_date(value: str | None, what: str) -> date | None:
    """A YYYY-MM-DD control value, or None when empty; the error names the control."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidQuestion(f"“{what}” is not a date: {value!r}.",
                              "Write dates as YYYY-MM-DD, e.g. 2025-01-06, or leave the field empty.") from None


def parse_filters(as_of: str | None, date_from: str | None, date_to: str | None,
                  sources: list[str] | None) -> Filters:
    filters = Filters(as_of=parse_date(as_of, "As of"), date_from=parse_date(date_from, "From"),
                      date_to=parse_date(date_to, "To"), sources=tuple(s for s in (sources or []) if s))
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InvalidQuestion("“From” is after “To”, so no article can match.",
                              "Swap the two dates or clear one of them.")
    if filters.as_of and filters.date_from and filters.date_from > filters.as_of:
        raise InvalidQuestion("“From” is after “As of”, so no article can match.",
                              "Move “From” before the as-of date or clear it.")
    return filters


def parse_k(value: float | int | str | None, default: int) -> int:
    try:
        k = int(float(value)) if value not in (None, "") else default
    except (TypeError, ValueError):
        raise InvalidQuestion(f"“Passages” must be a whole number, not {value!r}.",
                              f"Pick a number from 1 to {MAX_K}.") from None
    if not 1 <= k <= MAX_K:
        raise InvalidQuestion(f"“Passages” is {k}; it must be between 1 and {MAX_K}.",
                              f"Pick a number from 1 to {MAX_K}.")
    return k


def history_of(turns: list[ChatTurn]) -> list[Turn]:
    """What the pipeline resolves follow-ups against: each answered turn, typed (its short answer, the names
    its answer is about, the date of its evidence)."""
    return [Turn(question=t.question, answer=t.answer, short_answer=t.short_answer, entities=tuple(t.entities),
                 date=t.citations[0].date if t.citations else None, query=t.query or None)
            for t in turns if t.state in (DONE, NOT_FOUND)]


class ChatSession:
    """The chat's behaviour, separate from its layout so it can be driven without a browser."""

    _MAX_SESSIONS = 10_000

    def __init__(self, pipeline, throttle: Throttle | None = None) -> None:
        self.pipeline = pipeline
        self.throttle = throttle  # shared with the HTTP API when served together (ui.server)
        # Bumped by "Clear conversation" per browser session: an answer still streaming from before
        # the clear sees the change and stops, instead of writing the old turns back.
        self._epochs: dict[str, int] = {}

    def _epoch(self, request: gr.Request | None) -> int:
        return self._epochs.get(_session(request), 0)

    def stats(self) -> dict | None:
        try:
            return self.pipeline.stats()
        except RagError as exc:
            log.warning("stats unavailable: %s", exc)
            return None

    def respond(self, question: str, turns: list[ChatTurn] | None, as_of: str | None, date_from: str | None,
                date_to: str | None, sources: list[str] | None, k: float | None,
                request: gr.Request | None = None) -> Iterator[Outputs]:
        """Stream the transcript as the answer is composed; the last yield holds the final state.

        The question box is emptied by the first yield only, so a reader can type the next question
        while this answer streams."""
        turns = list(turns or [])
        question = " ".join((question or "").split())
        if not question:
            yield log_html(turns, self.stats()), turns, gr.skip()
            return
        previous = history_of(turns)
        turn = ChatTurn(number=(turns[-1].number + 1) if turns else 1, question=question)
        turns.append(turn)
        box: str | dict = ""
        epoch = self._epoch(request)
        t0 = time.perf_counter()
        try:
            filters = parse_filters(as_of, date_from, date_to, sources)
            n = parse_k(k, self.pipeline.settings.k)
            turn.as_of = filters.as_of
            turn.narrowed = bool(filters.as_of or filters.date_from or filters.date_to or filters.sources)
            turn.filters = filters_summary(filters.as_of, filters.date_from, filters.date_to, filters.sources, n)
            self._admit(request)
            yield log_html(turns), turns, box
            box = gr.skip()
            with self._slot():
                for event in self.pipeline.ask_stream(question, n, filters, previous):
                    if self._epoch(request) != epoch:
                        return  # the conversation was cleared while this answer streamed
                    self._apply(turn, event)
                    if turn.finished:
                        turn.seconds = time.perf_counter() - t0
                    yield log_html(turns), turns, box
            return
        except (RagError, RateLimited) as exc:
            turn.state, turn.error, turn.hint = ERROR, exc.message, exc.hint
        except Exception:  # the reader gets a message, the log gets the stack trace
            log.exception("answering %r failed", question)
            turn.state, turn.error = ERROR, "Something went wrong while answering."
            turn.hint = "Try again; if it keeps failing, the server log has the details."
        turn.seconds = time.perf_counter() - t0
        yield log_html(turns), turns, box

    def _admit(self, request: gr.Request | None) -> None:
        """Count the question against its reader's rate limit (every door shares it: /api, the widget,
        this chat's queue and its /gradio_api/call endpoints all end here)."""
        if self.throttle is not None:
            client = getattr(request, "client", None)
            self.throttle.rate.hit(client_key(getattr(client, "host", None)))

    def _slot(self) -> contextlib.AbstractContextManager:
        """One answer slot for the whole answer (Gradio runs this generator in worker threads)."""
        return self.throttle.slots.hold_blocking() if self.throttle is not None else contextlib.nullcontext()

    @staticmethod
    def _apply(turn: ChatTurn, event) -> None:
        if isinstance(event, Searched):
            turn.query, turn.state = event.query, ANSWERING
        elif isinstance(event, Cited):
            turn.citations = list(event.citations)
        elif isinstance(event, Text):
            turn.answer += event.delta
        elif isinstance(event, Done):
            r = event.result
            turn.answer, turn.citations, turn.query = r.answer, list(r.citations), r.query or turn.query
            turn.short_answer = r.short_answer
            turn.entities = list(r.entities)
            turn.notices = list(r.notices)
            turn.fallback = next((n.message for n in r.notices if n.code == "fallback"), None)
            turn.state = NOT_FOUND if r.abstained else DONE

    def clear(self, request: gr.Request | None = None) -> Outputs:
        if len(self._epochs) > self._MAX_SESSIONS:
            self._epochs.clear()  # bound memory; at worst one stale answer is not stopped
        key = _session(request)
        self._epochs[key] = self._epochs.get(key, 0) + 1
        return log_html([], self.stats()), [], ""


def _session(request: gr.Request | None) -> str:
    return getattr(request, "session_hash", None) or ""


class ExampleQuestions:
    """Example questions for the archive as it is now, rebuilt only when the archive changed."""

    def __init__(self, pipeline) -> None:
        self.pipeline = pipeline
        self._key: tuple | None = None
        self._questions: list[str] = []

    def get(self, stats: dict | None) -> list[str]:
        key = tuple((stats or {}).get(f) for f in ("articles", "chunks", "newest_date"))
        if key != self._key:
            try:
                self._questions = [e.question for e in examples_from_store(self.pipeline.store, n=4,
                                                                           answers=self._answers)]
            except RagError as exc:
                log.warning("no example questions: %s", exc)
                self._questions = []
            self._key = key
        return self._questions

    def _answers(self, question: str) -> bool:
        """Only questions the archive really answers are offered."""
        try:
            return self.pipeline.answerable(question)
        except RagError:
            return False


def build_chat(pipeline, throttle: Throttle | None = None) -> gr.Blocks:
    session = ChatSession(pipeline, throttle)
    stats = session.stats()
    sources = list((stats or {}).get("sources") or [])
    example_questions = ExampleQuestions(pipeline)
    examples = example_questions.get(stats)
    with gr.Blocks(title=TITLE, fill_width=False) as demo:
        turns = gr.State([])
        with gr.Row(elem_id="masthead"):
            header = gr.HTML(header_html(stats), elem_id="header")
        with gr.Row(elem_id="layout", equal_height=False):
            with gr.Column(scale=3, min_width=340, elem_id="chat-column"):
                transcript = gr.HTML(log_html([], stats), elem_id="chat-log",
                                     js_on_load=JS_PATH.read_text(encoding="utf-8"))
                with gr.Row(elem_id="ask-row", equal_height=True):
                    box = gr.Textbox(label="Your question", placeholder="e.g. who is acting president?",
                                     lines=1, max_lines=4, scale=6, elem_id="question", autofocus=False)
                    ask = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                example_set = gr.Dataset(components=[box], samples=[[q] for q in examples],
                                         label="Try asking", elem_id="examples", visible=bool(examples),
                                         samples_per_page=8)
            with gr.Column(scale=1, min_width=240, elem_id="controls"):
                gr.Markdown("### Filters")
                as_of = gr.Textbox(label="As of (YYYY-MM-DD)", placeholder="latest", elem_id="as-of",
                                   info="Answer as it was known on this day.")
                with gr.Row():
                    date_from = gr.Textbox(label="From", placeholder="YYYY-MM-DD", elem_id="date-from",
                                           min_width=140)
                    date_to = gr.Textbox(label="To", placeholder="YYYY-MM-DD", elem_id="date-to",
                                         min_width=140)
                source_pick = gr.Dropdown(choices=sources, value=[], multiselect=True, label="Sources",
                                          info="Empty means all sources.", elem_id="sources",
                                          allow_custom_value=True)
                k = gr.Slider(1, MAX_K, value=pipeline.settings.k, step=1, label="Passages to search",
                              elem_id="k")
                clear = gr.Button("Clear conversation", variant="secondary", elem_id="clear")

        inputs = [box, turns, as_of, date_from, date_to, source_pick, k]
        outputs = [transcript, turns, box]
        # always_last: a question sent while the previous answer is still finishing is queued, not dropped.
        box.submit(session.respond, inputs, outputs, show_progress="hidden", trigger_mode="always_last")
        ask.click(session.respond, inputs, outputs, show_progress="hidden", trigger_mode="always_last")
        example_set.click(lambda sample: sample[0], example_set, box, show_progress="hidden").then(
            session.respond, inputs, outputs, show_progress="hidden")
        # Not `cancels=`: Gradio's cancel can hit a question asked right after the click.
        clear.click(session.clear, None, outputs, show_progress="hidden")

        def refresh() -> tuple[str, dict, gr.Dataset]:
            """On every page load: the archive may have grown since the server started."""
            fresh = session.stats()
            qs = example_questions.get(fresh)
            # Not the transcript: a slow load must never wipe an answer the reader already asked for.
            return (header_html(fresh), gr.update(choices=list((fresh or {}).get("sources") or [])),
                    gr.Dataset(samples=[[q] for q in qs], visible=bool(qs)))

        demo.load(refresh, None, [header, source_pick, example_set], show_progress="hidden")
    return demo
