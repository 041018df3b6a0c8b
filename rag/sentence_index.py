"""Chunk and sentence embeddings from ONE tokenisation and ONE forward pass, at ingest.

Answering scores the sentences of the retrieved passages against the question. Encoding those
sentences per query would cost ~100 ms on a 2-core CPU; encoding every sentence of the archive
separately at ingest would double ingest time. Instead:

- each article is tokenised once, with character offsets (`ArticleTokens`): chunking counts the word
  pieces of any span from those offsets, and a chunk's model input is the slice of the article's token
  ids between its first and last sentence (WordPiece splits at whitespace and punctuation, so the slice
  equals tokenising the chunk's text; tests/test_ingest_path.py checks the vectors are the same);
- each chunk is run through the model once: the chunk vector is the model's own mean pooling over all
  tokens (identical to `encode`), and each sentence vector is the mean of the same contextual token
  embeddings over that sentence's tokens.

The sentence vectors are stored with their chunk (rag.store) and looked up per query.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.embeddings import SentenceEmbeddings

log = logging.getLogger(__name__)

Span = tuple[int, int]


@dataclass(frozen=True)
class ArticleTokens:
    """An article's word pieces (no special tokens) with their character offsets."""

    ids: np.ndarray  # int64
    starts: np.ndarray  # character offset where each token starts
    ends: np.ndarray  # ... and ends

    def token_range(self, start: int, end: int) -> tuple[int, int]:
        """[lo, hi) of the tokens lying wholly inside characters [start, end)."""
        lo = int(np.searchsorted(self.starts, start, side="left"))
        hi = int(np.searchsorted(self.ends, end, side="right"))
        return lo, max(lo, hi)

    def count(self, spans: Sequence[Span]) -> list[int]:
        """Word pieces inside each span (what `SentenceEmbeddings.count_tokens` gives for its text)."""
        if not spans:
            return []
        s = np.fromiter((a for a, _ in spans), dtype=np.int64, count=len(spans))
        e = np.fromiter((b for _, b in spans), dtype=np.int64, count=len(spans))
        lo = np.searchsorted(self.starts, s, side="left")
        hi = np.searchsorted(self.ends, e, side="right")
        return np.maximum(hi - lo, 0).tolist()


def tokenize_articles(embeddings: SentenceEmbeddings, texts: list[str]) -> list[ArticleTokens]:
    """One call to the fast tokenizer for a batch of articles."""
    if not texts:
        return []
    enc = embeddings.tokenizer(texts, add_special_tokens=False, truncation=False, return_offsets_mapping=True,
                               return_attention_mask=False, return_token_type_ids=False, verbose=False)
    out = []
    for ids, offsets in zip(enc["input_ids"], enc["offset_mapping"], strict=True):
        off = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
        out.append(ArticleTokens(np.asarray(ids, dtype=np.int64), off[:, 0].copy(), off[:, 1].copy()))
    return out


@dataclass(frozen=True)
class ChunkInput:
    """What to encode for one chunk: its article's tokens, its character span and its sentences
    (article offsets)."""

    tokens: ArticleTokens
    start: int
    end: int
    sentences: tuple[Span, ...]
    text: str  # the chunk's text, for the rare sentence that must be encoded on its own


def encode_chunks(embeddings: SentenceEmbeddings, chunks: list[ChunkInput], batch_size: int = 32,
                  precision: str = "float32") -> tuple[np.ndarray, list[np.ndarray]]:
    """Vectors for each chunk (normalised, as `embeddings.encode` of its text) and for each of its
    sentences, in order. A sentence with no token inside the model's window (a chunk cut short) is
    encoded on its own, so every sentence gets a vector. `precision` 'bfloat16' runs the forward pass in
    bfloat16 (`rag.embeddings.ingest_precision`); the vectors are float32 either way."""
    import contextlib

    import torch

    model = embeddings.model
    tok = embeddings.tokenizer
    cls_id, sep_id, pad_id = tok.cls_token_id, tok.sep_token_id, tok.pad_token_id or 0
    window = int(model.max_seq_length) - 2
    dim = int(model.get_embedding_dimension())
    chunk_vecs = np.zeros((len(chunks), dim), dtype=np.float32)
    sent_vecs = [np.zeros((len(c.sentences), dim), dtype=np.float32) for c in chunks]
    ranges = []
    for c in chunks:
        lo, hi = c.tokens.token_range(c.start, c.end)
        ranges.append((lo, min(hi, lo + window)))
    missing: list[tuple[int, int]] = []
    # Length-sorted batches pad little; the order is restored by index.
    order = sorted(range(len(chunks)), key=lambda i: ranges[i][1] - ranges[i][0])
    for b in range(0, len(order), batch_size):
        idx = order[b:b + batch_size]
        width = max(ranges[i][1] - ranges[i][0] for i in idx) + 2
        ids = np.full((len(idx), width), pad_id, dtype=np.int64)
        mask = np.zeros((len(idx), width), dtype=np.int64)
        for row, i in enumerate(idx):
            lo, hi = ranges[i]
            n = hi - lo
            ids[row, 0] = cls_id
            ids[row, 1:n + 1] = chunks[i].tokens.ids[lo:hi]
            ids[row, n + 1] = sep_id
            mask[row, :n + 2] = 1
        features = {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask),
                    "token_type_ids": torch.zeros_like(torch.from_numpy(ids))}
        fast = torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bfloat16" else contextlib.nullcontext()
        with torch.inference_mode(), fast:
            out = model(features)
        tokens = out["token_embeddings"].float().numpy()
        vecs = out["sentence_embedding"].float().numpy()
        chunk_vecs[idx] = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        for row, i in enumerate(idx):
            c = chunks[i]
            lo, hi = ranges[i]
            for j, (s, e) in enumerate(c.sentences):
                a, z = c.tokens.token_range(s, e)
                a, z = max(a, lo), min(z, hi)
                if z <= a:
                    missing.append((i, j))
                    continue
                v = tokens[row, 1 + a - lo:1 + z - lo].mean(axis=0)  # +1: the [CLS] in front
                sent_vecs[i][j] = v / (np.linalg.norm(v) or 1.0)
    if missing:
        texts = [chunks[i].text[chunks[i].sentences[j][0] - chunks[i].start:chunks[i].sentences[j][1] - chunks[i].start]
                 for i, j in missing]
        for (i, j), v in zip(missing, embeddings.encode(texts), strict=True):
            sent_vecs[i][j] = v
    return chunk_vecs, sent_vecs


def encode_with_sentences(embeddings: SentenceEmbeddings, texts: list[str], spans: list[list[Span]],
                          batch_size: int = 32) -> tuple[np.ndarray, list[np.ndarray]]:
    """Vectors for each text and for each of its spans (character offsets inside that text)."""
    tokens = tokenize_articles(embeddings, texts)
    chunks = [ChunkInput(t, 0, len(text), tuple(s), text) for t, text, s in zip(tokens, texts, spans, strict=True)]
    return encode_chunks(embeddings, chunks, batch_size)
