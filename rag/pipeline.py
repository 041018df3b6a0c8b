"""The one path from a question to a cited answer, and from files to the store.

Every surface (CLI, chat, HTTP API, evaluation harness) calls `Pipeline.ask_stream` or
`Pipeline.ask`, so what is measured is what users get.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from datetime import date

import numpy as np
from tqdm import tqdm

from rag.answer import Answerer
from rag.articles import Article, id_candidates
from rag.chunking import Chunk, chunk_text
from rag.config import Settings, get_settings
from rag.embeddings import SentenceEmbeddings, ingest_precision
from rag.errors import ArchiveEmpty, InvalidQuestion, InvalidText, LoadError, QuestionTooLong, WorkerFailed
from rag.events import Cited, Done, Event, Provenance, Searched, Summary, Text
from rag.hygiene import clean_line, require_words
from rag.language import notice_text
from rag.llm import LLMStatus, make_answerer
from rag.loaders import load_paths, unique_ids
from rag.query import Query, analyse
from rag.retrieve import Retriever, make_retriever
from rag.scoring import SentenceScorer
from rag.sentence_index import ArticleTokens, ChunkInput, encode_chunks, tokenize_articles
from rag.store import PreparedArticle, Reanalysed, Store
from rag.types import AskResult, Entity, Filters, IngestReport, Notice, Turn
from rag.web import WebLoader

log = logging.getLogger(__name__)

# Stored articles and, per article, its chunks' (id, start, end): what entities are written back into.
ReadBatch = tuple[list[Article], dict[str, list[tuple[str, int, int]]]]


class Pipeline:
    def __init__(self, settings: Settings | None = None, embeddings: SentenceEmbeddings | None = None,
                 retriever: Retriever | None = None, answerer: Answerer | None = None) -> None:
        self.settings = settings or get_settings()
        self.embeddings = embeddings or SentenceEmbeddings(self.settings.model_path)
        self.store = Store(self.settings)
        # An injected retriever may search an index of its own (eval's langchain-naive): only ours reads self.store.
        self._searches_store = retriever is None
        self.retriever = retriever or make_retriever(self.settings.retriever, self.store, self.embeddings)
        # Share the retriever's scorer: it caches the question's vector and the stored sentence vectors.
        scorer = getattr(self.retriever, "scorer", None) or SentenceScorer(
            self.embeddings, store=self.store, answer_bonus=self.settings.answer_bonus)
        self.llm_status = LLMStatus(self.settings.llm_url, self.settings.llm_model)  # for /api/health
        self.answerer = answerer or make_answerer(self.settings, scorer, self.llm_status)

    # -- asking -----------------------------------------------------------------------------
    def check_question(self, question: object) -> str:
        """The question as every later step reads it (rag.hygiene: one line, NFC, no control characters),
        or InvalidQuestion saying what is wrong with it."""
        if isinstance(question, str) and len(question) > 8 * self.settings.max_question_chars:
            raise QuestionTooLong(len(question), self.settings.max_question_chars)  # not worth cleaning first
        try:
            question = clean_line(question, "The question") if isinstance(question, str) else ""
            if question:
                require_words(question, "The question", "Ask in words, e.g. \"who is acting president?\"")
        except InvalidText as exc:
            raise InvalidQuestion(exc.message, exc.hint) from None
        if not question:
            raise InvalidQuestion("The question is empty.", "Type a question, e.g. \"who is acting president?\"")
        if len(question) > self.settings.max_question_chars:
            raise QuestionTooLong(len(question), self.settings.max_question_chars)
        return question

    @staticmethod
    def check_filters(filters: Filters) -> Filters:
        """Filter values from outside (source names, article ids) cleaned like any other text."""
        try:
            sources = tuple(dict.fromkeys(s for s in (clean_line(v, "A source name") for v in filters.sources) if s))
            doc_ids = tuple(dict.fromkeys(d for d in (clean_line(v, "The article id") for v in filters.doc_ids) if d))
        except InvalidText as exc:
            raise InvalidQuestion(exc.message, exc.hint) from None
        if (sources, doc_ids) == (filters.sources, filters.doc_ids):
            return filters
        return replace(filters, sources=sources, doc_ids=doc_ids)

    def ask_stream(self, question: str, k: int | None = None, filters: Filters | None = None,
                   history: Sequence[Turn | str] | None = None) -> Iterator[Event]:
        """Yield Searched, Cited, Text..., Summary and finally Done with the complete result.

        `history` holds the earlier turns of the conversation, oldest first: `Turn`s (what their answers said,
        typed), or plain strings for earlier questions whose answers the client did not keep."""
        t0 = time.perf_counter()
        question = self.check_question(question)
        # An empty store would answer "not in the articles", which sends a newcomer looking for better words
        # instead of for `rag ingest`. A count per question costs a Chroma server round trip (slow on a large,
        # busy one), so it is asked only while the search index holds nothing.
        if self._searches_store and not self.retriever.holds_chunks() and self.store.chunk_count() == 0:
            raise ArchiveEmpty(self.settings.store_location)
        k = k or self.settings.k
        filters = self.check_filters(filters or Filters())
        query = analyse(question, history or ())
        if not query.language.english:
            yield from self._not_english(query, filters, t0)
            return
        passages = self.retriever.retrieve(query, k, filters)
        t1 = time.perf_counter()
        yield Searched(query.search, passages)
        citations, parts, made = [], [], Provenance("extractive")
        summary = Summary(None, [])
        for event in self.answerer.stream(query, passages, filters.as_of):
            if isinstance(event, Cited):
                citations = event.citations
            elif isinstance(event, Text):
                parts.append(event.delta)
            elif isinstance(event, Summary):
                summary = event
            elif isinstance(event, Provenance):
                made = event
            yield event
        t2 = time.perf_counter()
        result = AskResult(
            question=question, answer="".join(parts).strip(), abstained=not citations, citations=citations,
            timings_ms={"retrieve": ms(t1 - t0), "answer": ms(t2 - t1), "total": ms(t2 - t0)},
            query=query.search, as_of=filters.as_of.isoformat() if filters.as_of else None,
            short_answer=summary.short_answer if citations else None,
            answer_type=query.answer_type.value if query.answer_type else None,
            entities=list(summary.entities) if citations else [],
            answerer=made.answerer, model=made.model, dropped=list(made.dropped), fallback_reason=made.fallback_reason,
            notices=[Notice("fallback", made.notice)] if made.notice else [],
        )
        result.timings_ms.update(made.timings_ms)
        yield Done(result)

    def answerable(self, question: str) -> bool:
        """Would the archive answer this question (example questions are offered only then)? Checked with the
        offline answerer: never an LLM call."""
        query = analyse(self.check_question(question))
        offline = getattr(self.answerer, "fallback", self.answerer)
        return not offline.answer(query, self.retriever.retrieve(query, self.settings.k)).abstained

    def _not_english(self, query: Query, filters: Filters, t0: float) -> Iterator[Event]:
        message = notice_text(query.language)
        yield Searched(query.search, [])
        yield Cited([])
        yield Text(message)
        total = ms(time.perf_counter() - t0)
        yield Done(AskResult(question=query.text, answer=message, abstained=True, citations=[],
                             timings_ms={"retrieve": 0.0, "answer": 0.0, "total": total}, query=query.search,
                             as_of=filters.as_of.isoformat() if filters.as_of else None,
                             language=query.language.code, notices=[Notice("not_english", message)]))

    def ask(self, question: str, k: int | None = None, filters: Filters | None = None,
            history: Sequence[Turn | str] | None = None) -> AskResult:
        for event in self.ask_stream(question, k, filters, history):
            if isinstance(event, Done):
                return event.result
        raise RuntimeError("ask_stream ended without a result")  # unreachable: the generator always ends Done

    # -- ingesting --------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str], progress: bool = True, web: WebLoader | None = None) -> IngestReport:
        """Files, folders and http(s) URLs. `web` fetches the URLs (pass one to read its per-URL reports);
        by default one that skips only articles this store still holds."""
        web = web or WebLoader(self.settings, stored=self.store.hashes)
        return self.ingest_articles(load_paths(paths, web), progress=progress)

    def ingest_articles(self, items: Iterable[Article | LoadError], progress: bool = True,
                        batch: int = 32, on_batch: Callable[[IngestReport], None] | None = None) -> IngestReport:
        """Store the articles (an article whose id came earlier in `items` with other content fails: it
        would silently replace the first). `on_batch` sees the running report after each written batch.
        An embedded store takes one writer at a time (StoreBusy otherwise)."""
        with self.store.writing():
            return self._ingest(items, progress, batch, on_batch)

    def _ingest(self, items: Iterable[Article | LoadError], progress: bool, batch: int,
                on_batch: Callable[[IngestReport], None] | None) -> IngestReport:
        report = IngestReport()
        t0 = time.perf_counter()
        bar = tqdm(desc="ingest", unit=" articles", disable=not progress, leave=True)
        pending: list[Article] = []
        for item in unique_ids(items):
            if isinstance(item, LoadError):
                report.failed.append(str(item))
                bar.update(1)
                continue
            if any(p.doc_id == item.doc_id for p in pending):
                # A repeat of an id within one batch: write the first before comparing the second with it.
                self._write_batch(pending, report, bar)
                pending = []
            pending.append(item)
            if len(pending) >= batch:
                self._write_batch(pending, report, bar)
                pending = []
                if on_batch:
                    on_batch(report)
        if pending:
            self._write_batch(pending, report, bar)
        bar.close()
        if report.added or report.updated or report.reanalysed:
            self.retriever.refresh()  # e.g. rebuild BM25 once per ingest run, not per article
        if report.added or report.updated or report.unchanged:
            self.embeddings.ensure_query_encoder()  # once per machine and model: later one-shot asks skip torch
        report.seconds = time.perf_counter() - t0
        return report

    def _write_batch(self, articles: list[Article], report: IngestReport, bar: tqdm) -> None:
        states = self.store.article_states([a.doc_id for a in articles])
        known = {i: digest for i, (digest, _) in states.items()}
        fresh: list[Article] = []
        for a in articles:
            if known.get(a.doc_id) == a.content_hash:
                report.unchanged.append(a.doc_id)
                note_undated(a, report)
                bar.update(1)
                continue
            fresh.append(a)
        # An unchanged article whose entities an older version found gets them found again (no re-embedding).
        fresh_ids = {a.doc_id for a in fresh}
        report.reanalysed.extend(self._reanalyse([a.doc_id for a in articles if a.doc_id not in fresh_ids
                                                  and a.doc_id in states and states[a.doc_id][1]]))
        if not fresh:
            return
        # Each article is tokenised once: chunking counts word pieces from it and the model reads its slices.
        tokens = tokenize_articles(self.embeddings, [a.text for a in fresh])
        todo: list[tuple[Article, list[Chunk], ArticleTokens]] = []
        for a, toks in zip(fresh, tokens, strict=True):
            chunks = chunk_text(a.text, max_tokens=self.settings.chunk_tokens,
                                overlap_sentences=self.settings.chunk_overlap_sentences, count_spans=toks.count)
            if not chunks:
                report.failed.append(f"{a.origin or a.doc_id}: article has no sentences - add article text")
                bar.update(1)
                continue
            todo.append((a, chunks, toks))
        if not todo:
            return
        from rag.nlp import analyzer

        entities = analyzer().entities([a.text for a, _, _ in todo])  # one call per batch of articles
        # One forward pass per chunk yields the chunk vector and its sentences' vectors, so answering
        # never re-encodes sentences and ingest costs no more than encoding the chunks.
        flat = [ChunkInput(toks, c.start, c.end, c.sentences, c.text) for _, chunks, toks in todo for c in chunks]
        vectors, span_vectors = encode_chunks(self.embeddings, flat,
                                              precision=ingest_precision(self.settings.ingest_precision))
        prepared: list[PreparedArticle] = []
        offset = 0
        for (a, chunks, _), ents in zip(todo, entities, strict=True):
            n = len(chunks)
            prepared.append(PreparedArticle(a, chunks, vectors[offset:offset + n],
                                            [entities_in(ents, c.start, c.end) for c in chunks],
                                            shared_sentence_vectors(chunks, span_vectors[offset:offset + n])))
            offset += n
        self.store.put_articles(prepared)
        for a, chunks, _ in todo:
            (report.updated if a.doc_id in known else report.added).append(a.doc_id)
            note_undated(a, report)
            known[a.doc_id] = a.content_hash
            report.chunks_written += len(chunks)
            bar.update(1)
        bar.set_postfix(chunks=report.chunks_written)

    def reanalyse(self, batch: int = 32, progress: bool = False, processes: int = 1) -> list[str]:
        """Find again the named entities of every stored article an older version analysed (rag.nlp,
        ENTITIES_VERSION), from the article text the store keeps: no re-embedding. The recogniser is the bound
        (~12,000 words/s a process here): with `processes` > 1 it runs in that many worker processes while this
        one reads and writes the store, batches written in order. Returns their ids."""
        with self.store.writing():
            stale = self.store.stale_entities()
            batches = [stale[i:i + batch] for i in range(0, len(stale), batch)]
            bar = tqdm(total=len(batches), desc="reanalyse", unit=" batches", disable=not progress)
            done: list[str] = []
            if processes <= 1 or len(batches) <= 1:
                for ids in batches:
                    done.extend(self._reanalyse(ids))
                    bar.update()
            else:
                done = self._reanalyse_in(processes, batches, bar.update)
            bar.close()
        if done:
            self.retriever.refresh()
        return done

    def _reanalyse_in(self, processes: int, batches: list[list[str]], step: Callable[[], None]) -> list[str]:
        # Spawned, not forked: this process holds Chroma's and torch's threads, which a fork would copy mid-state.
        from rag.nlp import entities_of

        done: list[str] = []
        pending: deque[tuple[ReadBatch, Future[list[list[Entity]]]]] = deque()

        def write_oldest() -> None:
            read, found = pending.popleft()
            done.extend(self._write_entities(read, found.result()))
            step()

        try:
            with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
                for ids in batches:
                    read = self._read_for_entities(ids)
                    pending.append((read, pool.submit(entities_of, [a.text for a in read[0]])))
                    if len(pending) > 2 * processes:  # bounded: a large archive is never held in memory at once
                        write_oldest()
                while pending:
                    write_oldest()
        except BrokenProcessPool as exc:
            raise WorkerFailed(len(done), str(exc) or type(exc).__name__) from exc
        return done

    def _reanalyse(self, doc_ids: list[str]) -> list[str]:
        if not doc_ids:
            return []
        from rag.nlp import analyzer

        read = self._read_for_entities(doc_ids)
        return self._write_entities(read, analyzer().entities([a.text for a in read[0]]))

    def _read_for_entities(self, doc_ids: list[str]) -> ReadBatch:
        """The articles and, per article, its chunks' ids and offsets."""
        articles = self.store.get_articles(doc_ids)
        chunks: dict[str, list[tuple[str, int, int]]] = {}
        for p in self.store.get_chunks(where={"doc_id": {"$in": [a.doc_id for a in articles]}}):
            chunks.setdefault(p.doc_id, []).append((p.chunk_id, p.start, p.end))
        return articles, chunks

    def _write_entities(self, read: ReadBatch, found: list[list[Entity]]) -> list[str]:
        articles, chunks = read
        self.store.put_entities([Reanalysed(a.doc_id, a.content_hash,
                                            {cid: entities_in(ents, s, e) for cid, s, e in chunks.get(a.doc_id, [])})
                                 for a, ents in zip(articles, found, strict=True)])
        return [a.doc_id for a in articles]

    def warm(self) -> None:
        """Load the model and open the search index now (built from the store if this machine has none yet:
        minutes for a large archive) so that the first reader's question does not pay for them."""
        self.embeddings.model  # noqa: B018 - loads it
        self.retriever.retrieve("warm up", 1)

    def find_article(self, ref: str) -> str | None:
        """The stored id of the article `ref` names: its id, or its URL as ingested or canonical."""
        candidates = list(id_candidates(ref))
        found = self.store.hashes(candidates)
        return next((c for c in candidates if c in found), None)

    def delete(self, doc_id: str) -> bool:
        with self.store.writing():
            existed = self.store.delete_article(doc_id)
        self.retriever.refresh()
        return existed

    def stats(self) -> dict:
        return self.store.stats()


def entities_in(entities: list[Entity], start: int, end: int) -> tuple[Entity, ...]:
    """The entities lying wholly inside [start, end) (article offsets)."""
    return tuple(e for e in entities if e.start >= start and e.end <= end)


def shared_sentence_vectors(chunks: list[Chunk], vectors: list[np.ndarray]) -> list[np.ndarray]:
    """Per chunk, its sentences' vectors, where a sentence that two chunks share (the overlap) has the
    vector from its first chunk's context in both, so that it scores the same whichever chunk retrieved it."""
    first: dict[tuple[int, int], np.ndarray] = {}
    for c, sv in zip(chunks, vectors, strict=True):
        for span, v in zip(c.sentences, sv, strict=True):
            first.setdefault(span, v)
    return [np.stack([first[span] for span in c.sentences]) for c in chunks]


def note_undated(a: Article, report: IngestReport) -> None:
    """Record a stored article that no as-of date or date range will ever match, named the way the user knows
    it: by its id or URL, else (when only a content hash identifies it) by the file it came from."""
    if a.date is None:
        report.undated.append(a.doc_id if a.id or a.url else a.origin or a.doc_id)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def parse_day(value: str | date | None, what: str = "date") -> date | None:
    """Parse a user-supplied YYYY-MM-DD; the error says which option was wrong."""
    if value is None or value == "" or isinstance(value, date):
        return value or None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidQuestion(f"{what} {value!r} is not a date.", "Use the form YYYY-MM-DD, e.g. 2025-01-06.") from None
