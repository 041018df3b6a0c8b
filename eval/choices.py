"""Multiple choice from retrieved passages: pick the choice the passages support best.

For each choice c, with sentences S of the passages the pipeline retrieved for the question q:

    support(c) = max over s in S of cos(embed(s), embed(q + " " + c))  +  MENTION_BONUS * mentioned(c)

where mentioned(c) is 1 when the SQuAD-normalised choice text occurs (on word boundaries) in the
normalised passages. The highest support wins; ties go to the earlier choice. MENTION_BONUS was
fixed before any scoring (a mention should outweigh a small similarity gap, not a large one) and
was NOT tuned on the questions it is scored on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from eval.metrics import normalize_answer
from rag.embeddings import SentenceEmbeddings
from rag.types import Passage

MENTION_BONUS = 0.1


@dataclass(frozen=True)
class Choice:
    index: int
    scores: tuple[float, ...]

    @property
    def margin(self) -> float:
        ranked = sorted(self.scores, reverse=True)
        return ranked[0] - ranked[1] if len(ranked) > 1 else 0.0


def sentences_of(passages: Sequence[Passage]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for p in passages:
        for s, e in p.sentences or ((p.start, p.end),):
            text = " ".join(p.text[s - p.start:e - p.start].split())
            if text and text not in seen:
                seen.add(text)
                out.append(text)
    return out


def mentioned(choice: str, haystack_normalised: str) -> bool:
    needle = normalize_answer(choice)
    return bool(needle) and f" {needle} " in haystack_normalised


def choose(question: str, choices: Sequence[str], passages: Sequence[Passage],
           embeddings: SentenceEmbeddings) -> Choice | None:
    """The best-supported choice, or None when there are no choices. With no passages the
    similarity term is zero for every choice, so the pick falls back to the first choice."""
    if not choices:
        return None
    sentences = sentences_of(passages)
    if sentences:
        s_vecs = embeddings.encode(sentences)
        c_vecs = embeddings.encode([f"{question} {c}" for c in choices])
        sims = (c_vecs @ s_vecs.T).max(axis=1)
    else:
        sims = np.zeros(len(choices), dtype=np.float32)
    hay = f" {normalize_answer(' '.join(sentences))} "
    scores = tuple(float(sim) + (MENTION_BONUS if mentioned(c, hay) else 0.0)
                   for c, sim in zip(choices, sims, strict=True))
    best = max(range(len(choices)), key=lambda i: (scores[i], -i))
    return Choice(best, scores)
