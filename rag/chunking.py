"""Sentence-aware chunks bounded by the embedding model's token window, with overlap.

Every chunk is an exact slice article.text[start:end] and keeps its sentences' offsets,
so a citation can point at the passage and the sentence inside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rag.sentences import split_sentences

TokenCounter = Callable[[list[str]], list[int]]  # word pieces of each text
SpanCounter = Callable[[list[tuple[int, int]]], list[int]]  # word pieces of each span of the article


@dataclass(frozen=True)
class Chunk:
    index: int
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]  # offsets relative to the article, not the chunk


def chunk_text(text: str, count_tokens: TokenCounter | None = None, max_tokens: int = 200,
               overlap_sentences: int = 1, count_spans: SpanCounter | None = None) -> list[Chunk]:
    """`count_spans` counts spans of `text` directly (ingest passes the article's one tokenisation,
    rag.sentence_index.ArticleTokens.count); else `count_tokens` tokenises the spans' texts."""
    if count_spans is None:
        if count_tokens is None:
            raise TypeError("chunk_text needs count_tokens or count_spans")
        count_spans = lambda spans: count_tokens([text[s:e] for s, e in spans])  # noqa: E731
    spans, sizes, alone = _bounded_sentences(text, count_spans, max_tokens)
    if not spans:
        return []
    chunks: list[Chunk] = []
    i = 0
    while i < len(spans):
        j, total = i, 0
        # A piece cut out of one over-long word stays alone: its tokens do not add up with its neighbours'.
        while j < len(spans) and (j == i or (total + sizes[j] <= max_tokens and spans[i] not in alone
                                             and spans[j] not in alone)):
            total += sizes[j]
            j += 1
        group = spans[i:j]
        start, end = group[0][0], group[-1][1]
        chunks.append(Chunk(len(chunks), start, end, text[start:end], tuple(group)))
        if j >= len(spans):
            break
        # Overlap: carry the last sentences forward only when the next sentence still fits
        # beside them; otherwise the next chunk would merely repeat a tail of this one.
        k = max(i + 1, j - overlap_sentences)
        i = k if spans[j] not in alone and sum(sizes[k:j]) + sizes[j] <= max_tokens else j
    return chunks


def _bounded_sentences(text: str, count_spans: SpanCounter, max_tokens: int,
                       ) -> tuple[list[tuple[int, int]], list[int], set[tuple[int, int]]]:
    """Sentences, with any sentence longer than the window cut into pieces that fit; their sizes; and the
    pieces cut out of a single word (which must not share a chunk)."""
    spans = split_sentences(text)
    sizes = count_spans(spans)
    out: list[tuple[int, int]] = []
    alone: set[tuple[int, int]] = set()
    cut = False
    for (s, e), n in zip(spans, sizes, strict=True):
        if n <= max_tokens:
            out.append((s, e))
            continue
        cut = True
        # Rare (tables, run-on lists, a URL or number run without spaces): pack whole words into pieces
        # that fit (word-piece counts add up across whitespace), cutting a word too long on its own.
        words = _word_spans(text, s, e)
        start = end = -1
        total = 0
        for (ws, we), m in zip(words, count_spans(words), strict=True):
            if start >= 0 and (total + m > max_tokens or m > max_tokens):
                out.append((start, end))
                start = -1
            if m > max_tokens:
                pieces = _cut_word(ws, we, m, count_spans, max_tokens)
                out.extend(pieces)
                alone.update(pieces)
                continue
            if start < 0:
                start, total = ws, 0
            end, total = we, total + m
        if start >= 0:
            out.append((start, end))
    return out, (count_spans(out) if cut else list(sizes)), alone


def _cut_word(start: int, end: int, n: int, count_spans: SpanCounter, max_tokens: int) -> list[tuple[int, int]]:
    """Character pieces of text[start:end] (n tokens) that each fit the window."""
    step = max(1, (end - start) * max_tokens // (n + 1))
    spans = [(i, min(i + step, end)) for i in range(start, end, step)]
    out: list[tuple[int, int]] = []
    for (i, j), m in zip(spans, count_spans(spans), strict=True):
        if m <= max_tokens or j - i == 1:
            out.append((i, j))
        else:
            out.extend(_cut_word(i, j, m, count_spans, max_tokens))
    return out


def _word_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, pos = [], start
    for word in text[start:end].split():
        ws = text.index(word, pos)
        spans.append((ws, ws + len(word)))
        pos = ws + len(word)
    return spans
