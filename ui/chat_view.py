"""HTML for the chat transcript: turns, answers with clickable citation markers, source cards.

Pure functions from data to markup, so escaping can be tested without a browser. Everything that
comes from an article or a reader (titles, passages, source names, URLs, questions) goes through
`html.escape`; links are emitted only for http(s) URLs. The transcript is rendered by a `gr.HTML`
component, which does not sanitise, so this module is the only line of defence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from html import escape
from urllib.parse import urlsplit

from rag.text import human_date
from rag.types import Citation, Mention, Notice, by_article

PASSAGE_CONTEXT_CHARS = 220  # passage text shown on each side of the highlighted sentence
_MARKER = re.compile(r"\[(\d{1,3})\]")

# Turn states, also the `data-state` attribute the stylesheet and the browser tests key on.
SEARCHING, ANSWERING, DONE, NOT_FOUND, ERROR = "searching", "answering", "done", "not-found", "error"


@dataclass
class ChatTurn:
    """One question and what the chat knows about its answer so far."""

    number: int
    question: str
    query: str = ""
    answer: str = ""
    short_answer: str | None = None
    citations: list[Citation] = field(default_factory=list)
    entities: list[Mention] = field(default_factory=list)  # what the answer is about (follow-ups read these)
    notices: list[Notice] = field(default_factory=list)
    state: str = SEARCHING
    error: str | None = None
    hint: str | None = None
    as_of: date | None = None
    filters: str = ""  # human summary of the filters in force, e.g. "as of 6 January 2025"
    narrowed: bool = False  # a date or source filter was set (so widening it may help)
    seconds: float | None = None
    fallback: str | None = None  # why the configured LLM did not write this answer, in plain words

    @property
    def finished(self) -> bool:
        return self.state in (DONE, NOT_FOUND, ERROR)


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link, else None (no javascript:, data:, relative paths)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url.strip()
    return None


def card_id(turn: int, n: int) -> str:
    return f"src-{turn}-{n}"


def answer_html(text: str, turn: int, cited: set[int]) -> str:
    """Escape the answer and turn each `[n]` that has a card into a link to that card."""
    out, pos = [], 0
    for m in _MARKER.finditer(text):
        n = int(m.group(1))
        if n not in cited:
            continue
        out.append(escape(text[pos:m.start()]))
        out.append(f'<a class="cite" href="#{card_id(turn, n)}" data-card="{card_id(turn, n)}" '
                   f'aria-label="source {n}">[{n}]</a>')
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def days_before(cited: str | None, as_of: date | None) -> str | None:
    """'3 days before the question' when an as-of date is set and the article is dated."""
    if not cited or not as_of:
        return None
    try:
        days = (as_of - date.fromisoformat(cited)).days
    except ValueError:
        return None
    if days == 0:
        return "same day as the question"
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} after the question"
    return f"{days} day{'s' if days != 1 else ''} before the question"


def _marked(cited: list[Citation], text: str) -> list[tuple[Citation, int, int]]:
    """Each citation's sentence as offsets into `text`, in order; none that is empty or overlaps the one before."""
    spans: list[tuple[Citation, int, int]] = []
    for x in sorted(cited, key=lambda x: x.sentence_start):
        s = max(0, min(len(text), x.sentence_start - x.start))
        e = max(s, min(len(text), x.sentence_end - x.start))
        if x.sentence and e > s and (not spans or s >= spans[-1][2]):
            spans.append((x, s, e))
    return spans


def passage_html(c: Citation, *more: Citation, turn: int | None = None, numbered: bool = False) -> str:
    """The passage with each cited sentence in <mark>, trimmed to the context around them. `more`: other citations
    of the same passage, marked in the same excerpt (two sentences of one passage would otherwise repeat the text
    between them). With `turn`, each mark is the target its `[n]` links to; `numbered` (the card cites more than one
    sentence): each mark is followed by its number."""
    text = c.text
    spans = _marked([c, *more], text)
    first, last = (spans[0][1], spans[-1][2]) if spans else (0, 0)
    lo, hi = max(0, first - PASSAGE_CONTEXT_CHARS), min(len(text), last + PASSAGE_CONTEXT_CHARS)
    # Cut the context at a word boundary so the card does not start mid-word.
    if lo > 0:
        lo = text.find(" ", lo, first) + 1 or lo
    if hi < len(text):
        cut = text.rfind(" ", last, hi)
        hi = cut if cut > last else hi

    def target(x: Citation) -> str:
        return f' id="{card_id(turn, x.n)}" tabindex="-1" data-n="{x.n}"' if turn is not None else ""

    # A citation with no sentence to mark (or one overlapping another's) still needs a target: the excerpt's start.
    shown = {x.n for x, _, _ in spans}
    out = [f'<span class="cite-target"{target(x)}></span>' for x in (c, *more) if x.n not in shown and turn is not None]
    out.append("…" if lo > 0 else "")
    pos = lo
    for x, s, e in spans:
        number = f'<sup class="mark-n">{x.n}</sup>' if numbered else ""
        out.append(f'{escape(text[pos:s])}<mark class="cited-sentence"{target(x)}>{escape(text[s:e])}</mark>{number}')
        pos = e
    out.append(escape(text[pos:hi]) + ("…" if hi < len(text) else ""))
    return "".join(out)


def card_html(turn: ChatTurn, cites: list[Citation]) -> str:
    """One article's card: headline, source, date and link once, then its cited sentences marked in their
    passages (one excerpt per passage). Each mark is the target of its `[n]` in the answer."""
    c = cites[0]
    url = safe_url(c.url)
    title = escape(c.title or "Untitled article")
    heading = (f'<a class="card-title" href="{escape(url, quote=True)}" target="_blank" '
               f'rel="noopener noreferrer">{title}</a>' if url else f'<span class="card-title">{title}</span>')
    scores = (f"score {c.score:.2f}" if len(cites) == 1
              else "scores " + ", ".join(f"[{x.n}] {x.score:.2f}" for x in cites))
    meta = [f'<span class="card-source">{escape(c.source)}</span>' if c.source else "",
            f'<time datetime="{escape(c.date)}">{escape(human_date(c.date) or c.date)}</time>' if c.date else "",
            f'<span class="card-age">{escape(age)}</span>' if (age := days_before(c.date, turn.as_of)) else "",
            f'<span class="card-score" title="how well the sentence matches the question">{scores}</span>']
    link = (f'<a class="card-link" href="{escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">'
            f'{escape(urlsplit(url).netloc)}</a>' if url else "")
    passages: dict[tuple[int, int], list[Citation]] = {}
    for x in cites:
        passages.setdefault((x.start, x.end), []).append(x)
    numbers = "".join(f'<span class="card-n">{x.n}</span>' for x in cites)
    several = len(cites) > 1
    excerpts = "".join(f'<blockquote class="card-passage">{passage_html(*xs, turn=turn.number, numbered=several)}'
                       "</blockquote>" for xs in passages.values())
    return (f'<li class="card" data-doc="{escape(c.doc_id, quote=True)}">'
            f'<div class="card-head">{numbers}{heading}</div>'
            f'<div class="card-meta">{" · ".join(m for m in meta if m)}{" · " + link if link else ""}</div>'
            f"{excerpts}</li>")


def sources_html(turn: ChatTurn) -> str:
    """The turn's source cards, one per article, in the order the answer first cites them."""
    cards = "".join(card_html(turn, cs) for cs in by_article(turn.citations))
    return f'<ol class="sources" aria-label="sources">{cards}</ol>'


def status_html(turn: ChatTurn) -> str:
    return {
        SEARCHING: '<p class="status" role="status">Searching the articles…</p>',
        ANSWERING: '<p class="status" role="status">Reading the passages…</p>',
    }.get(turn.state, "")


def fallback_html(turn: ChatTurn) -> str:
    """The notice that a configured LLM did not write this answer (the extractive answer stands in)."""
    if not turn.fallback or not turn.finished:
        return ""
    return f'<p class="fallback-notice" role="note">{escape(turn.fallback)}</p>'


def turn_html(turn: ChatTurn) -> str:
    parts = [f'<section class="turn" id="turn-{turn.number}" data-state="{turn.state}" '
             f'aria-busy="{"false" if turn.finished else "true"}">',
             f'<div class="question"><span class="who">You</span><p>{escape(turn.question)}</p></div>']
    searched = ""
    if turn.query:
        # "Searched:" only when a follow-up was resolved: otherwise it would repeat the question.
        bits = [f'Searched: <q>{escape(turn.query)}</q>'] if turn.query != turn.question else []
        if turn.filters:  # in brackets only as a note on the search shown before it
            shown = f"({escape(turn.filters)})" if bits else escape(turn.filters)
            bits.append(f'<span class="filters">{shown}</span>')
        if turn.finished and turn.seconds is not None:
            bits.append(f'<span class="took">{turn.seconds:.2f} s</span>')
        searched = f'<p class="searched">{" · ".join(bits)}</p>' if bits else ""
    body = [searched, status_html(turn), fallback_html(turn)]
    if turn.state == ERROR:
        body.append(f'<div class="error-notice" role="alert"><strong>{escape(turn.error or "Error")}</strong>'
                    + (f"<p>{escape(turn.hint)}</p>" if turn.hint else "") + "</div>")
    elif turn.notices and turn.state == NOT_FOUND:
        body.append('<div class="notice" role="status">' + "".join(
            f"<strong>{escape(n.message)}</strong>" for n in turn.notices) + "</div>")
    elif turn.state == NOT_FOUND:
        hint = ("Try other words, or widen the dates and sources in Filters." if turn.narrowed
                else "Try other words, or ask about something the archive covers.")
        body.append('<div class="not-found" role="status"><strong>Not in the articles</strong>'
                    f'<p>{escape(turn.answer)}</p><p class="nf-hint">{hint}</p></div>')
    else:
        if turn.short_answer:
            body.append(f'<p class="short-answer">{escape(turn.short_answer)}</p>')
        if turn.answer:
            cited = {c.n for c in turn.citations}
            body.append(f'<p class="answer-text">{answer_html(turn.answer, turn.number, cited)}</p>')
    cards = ""
    if turn.citations and turn.state != NOT_FOUND:
        cards = sources_html(turn)
    layout = "turn-body has-sources" if cards else "turn-body"
    parts.append(f'<div class="{layout}"><div class="answer">{"".join(body)}</div>{cards}</div></section>')
    return "".join(parts)


def intro_html(stats: dict | None) -> str:
    if stats and stats.get("articles"):
        return ('<div class="intro"><p>Ask about the news in the archive. Answers quote the articles and cite '
                'them with numbers like <span class="cite-demo">[1]</span>; select a number to see the source. '
                'Follow-up questions such as “what position did he hold before?” use the conversation.</p></div>')
    return ('<div class="intro empty"><p><strong>The archive is empty.</strong> Add articles with '
            '<code>rag ingest PATH|URL</code> (files, folders, a feed, a sitemap or an article page) '
            'and reload this page.</p></div>')


def log_html(turns: list[ChatTurn], stats: dict | None = None) -> str:
    """The whole transcript, oldest turn first."""
    if not turns:
        return f'<div class="chat-log" aria-live="polite">{intro_html(stats)}</div>'
    return '<div class="chat-log" aria-live="polite">' + "".join(turn_html(t) for t in turns) + "</div>"


def stats_html(stats: dict | None) -> str:
    """'3 articles · 12 passages · newest 6 January 2025'."""
    if not stats:
        return '<p class="corpus-stats">Archive statistics are unavailable.</p>'
    newest = human_date(stats.get("newest_date")) or "–"
    items = [f"{stats.get('articles', 0):,} article{'s' if stats.get('articles') != 1 else ''}",
             f"{stats.get('chunks', 0):,} passages", f"newest {newest}"]
    return f'<p class="corpus-stats">{" · ".join(escape(i) for i in items)}</p>'


def header_html(stats: dict | None) -> str:
    return f'<header><h1>newsrag <span>ask the news archive</span></h1>{stats_html(stats)}</header>'


def filters_summary(as_of: date | None, date_from: date | None, date_to: date | None,
                    sources: tuple[str, ...], k: int) -> str:
    parts = []
    if as_of:
        parts.append(f"as of {human_date(as_of.isoformat())}")
    if date_from or date_to:
        lo = human_date(date_from.isoformat()) if date_from else "the start"
        hi = human_date(date_to.isoformat()) if date_to else "now"
        parts.append(f"from {lo} to {hi}")
    if sources:
        parts.append("sources: " + ", ".join(sources))
    parts.append(f"{k} passages")
    return "; ".join(parts)
