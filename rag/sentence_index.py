"""Chunk and sentence embeddings from ONE forward pass of the model, at ingest.

Answering scores the sentences of the retrieved passages against the question. Encoding those
sentences per query would cost ~100 ms on a 2-core CPU; encoding every sentence of the archive
separately at ingest would double ingest time. Instead each chunk is run through the model once:
the chunk vector is the model's own mean pooling over all tokens (identical to `encode`), and each
sentence vector is the mean of the same contextual token embeddings over that sentence's tokens.
The sentence vectors are stored next to the chunks (Store.sentences) and looked up per query.
"""

from __future__ import annotations

import logging

import numpy as np

from rag.embeddings import SentenceEmbeddings

log = logging.getLogger(__name__)

Span = tuple[int, int]


def encode_with_sentences(embeddings: SentenceEmbeddings, texts: list[str], spans: list[list[Span]],
                          batch_size: int = 32) -> tuple[np.ndarray, list[np.ndarray]]:
    """Vectors for each text (normalised, as `embeddings.encode`) and for each of its spans.

    `spans[i]` are character offsets inside `texts[i]`. A span with no token inside the model's
    window (text truncated) is encoded on its own, so every span gets a vector.
    """
    import torch

    model = embeddings.model
    tokenizer = model.tokenizer
    dim = embeddings.encode(["dimension probe"]).shape[1]
    text_vecs = np.zeros((len(texts), dim), dtype=np.float32)
    span_vecs = [np.zeros((len(s), dim), dtype=np.float32) for s in spans]
    missing: list[tuple[int, int]] = []
    # Length-sorted batches pad little; the order is restored by index.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for b in range(0, len(order), batch_size):
        idx = order[b:b + batch_size]
        enc = tokenizer([texts[i] for i in idx], padding=True, truncation="longest_first",
                        max_length=model.max_seq_length, return_offsets_mapping=True, return_tensors="pt")
        offsets = enc.pop("offset_mapping").numpy()
        with torch.inference_mode():
            out = model(dict(enc))
        tokens = out["token_embeddings"].numpy()
        mask = enc["attention_mask"].numpy().astype(bool)
        text_vecs[idx] = out["sentence_embedding"].numpy()
        for row, i in enumerate(idx):
            starts, ends = offsets[row, :, 0], offsets[row, :, 1]
            real = mask[row] & (ends > starts)  # drop padding and special tokens ([CLS], [SEP])
            for j, (s, e) in enumerate(spans[i]):
                sel = real & (starts >= s) & (ends <= e)
                if not sel.any():
                    missing.append((i, j))
                    continue
                v = tokens[row][sel].mean(axis=0)
                span_vecs[i][j] = v / (np.linalg.norm(v) or 1.0)
    if missing:
        extra = embeddings.encode([texts[i][spans[i][j][0]:spans[i][j][1]] for i, j in missing])
        for (i, j), v in zip(missing, extra, strict=True):
            span_vecs[i][j] = v
    return text_vecs, span_vecs
