"""Fusing ranked lists from several retrievers into one.

Both fusers return passages with a higher-is-better `score` in [0, 1]:
- `rrf`: reciprocal rank fusion, sum over lists of 1/(k + rank), divided by its maximum possible
  value (rank 1 in every list), so 1.0 means "first in every list";
- `weighted`: a weighted mean of each list's scores min-max normalised within that list (a list
  that did not return a passage contributes 0 for it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from rag.types import Passage

RRF_K = 60


def rrf(lists: Sequence[Sequence[Passage]], weights: Sequence[float] | None = None, k: int = RRF_K) -> list[Passage]:
    weights = list(weights or [1.0] * len(lists))
    total: dict[str, float] = {}
    first: dict[str, Passage] = {}
    for ranked, w in zip(lists, weights, strict=True):
        for rank, p in enumerate(ranked, start=1):
            total[p.chunk_id] = total.get(p.chunk_id, 0.0) + w / (k + rank)
            first.setdefault(p.chunk_id, p)
    best_possible = sum(w / (k + 1) for w in weights) or 1.0
    return _ranked(first, {cid: s / best_possible for cid, s in total.items()})


def weighted(lists: Sequence[Sequence[Passage]], weights: Sequence[float] | None = None) -> list[Passage]:
    weights = list(weights or [1.0] * len(lists))
    norm = sum(weights) or 1.0
    total: dict[str, float] = {}
    first: dict[str, Passage] = {}
    for ranked, w in zip(lists, weights, strict=True):
        if not ranked:
            continue
        scores = [p.score for p in ranked]
        lo, hi = min(scores), max(scores)
        for p in ranked:
            x = (p.score - lo) / (hi - lo) if hi > lo else 1.0
            total[p.chunk_id] = total.get(p.chunk_id, 0.0) + w * x / norm
            first.setdefault(p.chunk_id, p)
    return _ranked(first, total)


def _ranked(first: dict[str, Passage], scores: dict[str, float]) -> list[Passage]:
    order = sorted(scores, key=lambda cid: -scores[cid])  # stable: ties keep first-seen order
    return [replace(first[cid], score=round(scores[cid], 6)) for cid in order]


Fuser = Callable[[Sequence[Sequence[Passage]], Sequence[float] | None], list[Passage]]
FUSERS: dict[str, Fuser] = {"rrf": rrf, "weighted": weighted}
