"""Where the answer's quoted sentence stands among the sentences the retriever found.

    python -m eval.ceiling realtimeqa --config default

For each answerable question with gold answers: the sentences of the k retrieved passages, ordered
as the extractive answerer's scorer orders them, and the rank of the first one that contains a gold
answer (normalised, on word boundaries, as "answer contains gold"). It separates what retrieval
missed (no retrieved sentence holds the gold wording) from what the answerer's choice missed
(a retrieved sentence holds it, but not the first ones), and gives the contains-gold rate an
answer quoting the top 1, 2, 3 or 5 sentences would reach.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from eval import metrics as M
from eval.configs import CONFIGS, ensure_index, make_pipeline
from eval.datasets import LoadOptions, load_dataset
from eval.latency import parse
from eval.runner import Asker
from rag.embeddings import SentenceEmbeddings
from rag.query import as_query
from rag.scoring import SentenceScorer

TOPS = (1, 2, 3, 5)


def measure(dataset: str, configs: list[str], opts: LoadOptions, cache: Path) -> dict[str, dict]:
    ds = load_dataset(dataset, opts)
    emb = SentenceEmbeddings()
    questions = [q for q in ds.questions if not q.unanswerable and q.answers]
    out: dict[str, dict] = {}
    for name in configs:
        cfg = CONFIGS[name]
        pipeline = make_pipeline(cfg, ensure_index(cache, ds.corpus, ds.articles, cfg, emb), emb)
        scorer = getattr(pipeline.answerer, "scorer", None)
        if not isinstance(scorer, SentenceScorer):
            raise SystemExit(f"config {name!r} has no extractive answerer whose sentence order could be measured")
        ranks: list[int | None] = []
        answered = []
        asker = Asker(pipeline)
        for q in questions:
            result, passages, _ = asker.ask(q)  # the passages the answerer saw, as `rag eval` asks
            answered.append(not result.abstained and bool(M.contains_gold(result.answer, q.answers)))
            ranked = scorer.score(as_query(result.query), passages)
            ranks.append(next((i for i, s in enumerate(ranked, 1) if M.contains_gold(s.text, q.answers)), None))
        out[name] = _ceiling(ranks, answered)
        splits = sorted({q.split for q in questions if q.split})
        if len(splits) > 1:  # tuned-on vs held-out questions, side by side
            out[name]["by_split"] = {
                sp: _ceiling([r for r, q in zip(ranks, questions, strict=True) if q.split == sp],
                             [a for a, q in zip(answered, questions, strict=True) if q.split == sp]) for sp in splits}
        print(name, json.dumps(out[name]), file=sys.stderr, flush=True)
    return out


def _ceiling(ranks: list[int | None], answered: list[bool]) -> dict:
    n = len(ranks)
    return {"questions": n, "answer_contains_gold": round(sum(answered) / n, 3),
            **{f"top{k}_sentences_contain_gold": round(sum(r is not None and r <= k for r in ranks) / n, 3)
               for k in TOPS},
            "any_retrieved_sentence_contains_gold": round(sum(r is not None for r in ranks) / n, 3)}


def main(argv: list[str] | None = None) -> int:
    print(json.dumps(measure(*parse("python -m eval.ceiling", __doc__, argv))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
