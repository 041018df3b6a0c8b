"""Collapsing near-duplicate passages and keeping the cited passages diverse.

News archives hold the same story several times: republished by another outlet, updated a day
later, or syndicated verbatim. Citing it three times wastes the reader's attention and crowds out
a second source. Near-duplicates (word-shingle Jaccard at or above a threshold) collapse into one
passage: the earliest article's copy, which is the original report. MMR (maximal marginal
relevance) then orders passages so each adds something the ones before it do not say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from rag.text import words
from rag.types import Passage

SHINGLE = 3


@lru_cache(maxsize=20_000)
def shingles(text: str, n: int = SHINGLE) -> frozenset[str]:
    w = words(text)
    if len(w) < n:
        return frozenset([" ".join(w)]) if w else frozenset()
    return frozenset(" ".join(w[i:i + n]) for i in range(len(w) - n + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def collapse_duplicates(passages: Sequence[Passage], threshold: float = 0.8) -> list[Passage]:
    """Keep one passage per group of near-duplicates, at the rank of the group's best member, with
    the best member's score but the text and citation of the group's earliest-dated member."""
    sigs = [shingles(p.text) for p in passages]
    groups: list[list[int]] = []
    for i in range(len(passages)):
        for g in groups:
            if jaccard(sigs[g[0]], sigs[i]) >= threshold:
                g.append(i)
                break
        else:
            groups.append([i])
    out = []
    for g in groups:  # groups are in order of their best (first) member
        keep = min(g, key=lambda i: (passages[i].date or "9999", i))
        out.append(replace(passages[keep], score=passages[g[0]].score))
    return out


def mmr(passages: Sequence[Passage], k: int, lam: float = 0.75) -> list[Passage]:
    """Greedy MMR over the passages' scores (relevance) and shingle Jaccard (redundancy):
    next = argmax lam * relevance - (1 - lam) * max similarity to those already chosen.
    Relevance is min-max normalised so lam weighs like against like."""
    if len(passages) <= 1:
        return list(passages[:k])
    scores = [p.score for p in passages]
    lo, hi = min(scores), max(scores)
    rel = [(s - lo) / (hi - lo) if hi > lo else 1.0 for s in scores]
    sigs = [shingles(p.text) for p in passages]
    chosen: list[int] = []
    left = list(range(len(passages)))
    redundancy = [0.0] * len(passages)  # max similarity to any chosen passage, updated incrementally
    while left and len(chosen) < k:
        best = max(left, key=lambda i: (lam * rel[i] - (1 - lam) * redundancy[i], -i))
        chosen.append(best)
        left.remove(best)
        for i in left:
            redundancy[i] = max(redundancy[i], jaccard(sigs[i], sigs[best]))
    return [passages[i] for i in chosen]
