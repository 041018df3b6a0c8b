"""Multiple choice from retrieved passages: pick the choice the passages support best.

For each choice c, with sentences S of the passages the pipeline retrieved for the question q:

    support(c) = max over s in S of cos(embed(s), embed(q + " " + c))  +  MENTION_BONUS * mentioned(c)

where mentioned(c) is 1 when the SQuAD-normalised choice text occurs (on word boundaries) in the
normalised passages. The highest support wins; ties go to the earlier choice. MENTION_BONUS was
fixed before any scoring (a mention should outweigh a small similarity gap, not a large one) and
was NOT tuned on the questions it is scored on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


SentenceSpan = tuple[Passage, tuple[int, int]]
VectorFn = Callable[[list[SentenceSpan]], np.ndarray]


def sentence_spans(passages: Sequence[Passage]) -> list[SentenceSpan]:
    """Each distinct sentence of the passages once (overlapping chunks repeat sentences)."""
    out: list[SentenceSpan] = []
    seen: set[tuple[str, int]] = set()
    for p in passages:
        for span in p.sentences or ((p.start, p.end),):
            if (p.doc_id, span[0]) not in seen:
                seen.add((p.doc_id, span[0]))
                out.append((p, span))
    return out


def span_text(p: Passage, span: tuple[int, int]) -> str:
    return " ".join(p.text[span[0] - p.start:span[1] - p.start].split())


def mentioned(choice: str, haystack_normalised: str) -> bool:
    needle = normalize_answer(choice)
    return bool(needle) and f" {needle} " in haystack_normalised


def choose(question: str, choices: Sequence[str], passages: Sequence[Passage],
           embeddings: SentenceEmbeddings, sentence_vectors: VectorFn | None = None) -> Choice | None:
    """The best-supported choice, or None when there are no choices. With no passages the
    similarity term is zero for every choice, so the pick falls back to the first choice.
    `sentence_vectors` may supply the sentences' embeddings (e.g. the answerer's cache, which
    has just encoded the same sentences); by default they are encoded here."""
    if not choices:
        return None
    spans = sentence_spans(passages)
    sentences = [span_text(p, span) for p, span in spans]
    if sentences:
        s_vecs = sentence_vectors(spans) if sentence_vectors else embeddings.encode(sentences)
        c_vecs = embeddings.encode([f"{question} {c}" for c in choices])
        sims = (c_vecs @ s_vecs.T).max(axis=1)
    else:
        sims = np.zeros(len(choices), dtype=np.float32)
    hay = f" {normalize_answer(' '.join(sentences))} "
    scores = tuple(float(sim) + (MENTION_BONUS if mentioned(c, hay) else 0.0)
                   for c, sim in zip(choices, sims, strict=True))
    best = max(range(len(choices)), key=lambda i: (scores[i], -i))
    return Choice(best, scores)
