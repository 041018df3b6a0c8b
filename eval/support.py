"""Measure the support threshold of generated-sentence verification (RAG_LLM_MIN_SUPPORT) on the gold set.

For every answerable gold question with an evidence sentence, two claims an LLM could write:
- "verbatim": the evidence sentence itself (a faithful copy);
- "restated": the question with the gold answer put in ("Who met Blinken?" + "Cho Tae-yul" ->
  "Cho Tae-yul met Blinken."), or question + answer where no wh-word can be replaced: a claim that
  shares fewer words with its source, like a paraphrase.
Each claim is scored (rag.verify's scorer: no answer bonus) against the best sentence of the passage that
holds its evidence (it should be kept) and of every passage that does not (a wrong citation: it should be
dropped). The table gives, per threshold, the share of claims kept with the right passage and dropped with a
wrong one.

    python -m eval.support [--out eval/results/support.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

THRESHOLDS = [round(0.30 + 0.05 * i, 2) for i in range(11)]  # 0.30 .. 0.80
_WH = re.compile(r"^(?:who|what)\s+", re.IGNORECASE)
_AUX = re.compile(r"(?:did|does|do|is|was|were|are|has|had|have|will|would|can|could)\b", re.IGNORECASE)


def restated(question: str, answer: str) -> str:
    """'Who met Blinken in Seoul?' + 'Cho Tae-yul' -> 'Cho Tae-yul met Blinken in Seoul.'; questions whose
    wh-word cannot simply be replaced ('Where did ...') -> 'Where did ...? Seoul.'"""
    q = question.rstrip("?").strip()
    m = _WH.match(q)
    if m and not _AUX.match(q[m.end():]):
        return f"{answer} {q[m.end():]}."
    return f"{q}? {answer}."


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.support", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=None, help="write the measurements as JSON here")
    args = p.parse_args(argv)
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from eval.configs import eval_settings
    from eval.datasets import LoadOptions, load_dataset
    from rag.pipeline import Pipeline
    from rag.scoring import SentenceScorer

    ds = load_dataset("corpus_qa", LoadOptions())
    with tempfile.TemporaryDirectory() as home:
        pipe = Pipeline(settings=eval_settings(Path(home), {}))
        pipe.ingest_articles(ds.articles, progress=False)
        passages = {p.chunk_id: p for p in pipe.retriever.retrieve("news", 200)}
        passages.update({p.chunk_id: p for q in ds.questions for p in pipe.retriever.retrieve(q.question, 50)})
        scorer = SentenceScorer(pipe.embeddings, store=pipe.store, answer_bonus=0.0)
        rows: list[dict] = []
        for q in ds.questions:
            if q.unanswerable or not q.evidence or not q.answers:
                continue
            claims = {"verbatim": q.evidence, "restated": restated(q.question, q.answers[0])}
            for form, claim in claims.items():
                for p in passages.values():
                    ranked = scorer.score(claim, [p])
                    rows.append({"id": q.id, "form": form, "claim": claim, "right": q.evidence in p.text,
                                 "score": round(ranked[0].score, 4) if ranked else 0.0})
    table = []
    for t in THRESHOLDS:
        line = {"threshold": t}
        for form in ("verbatim", "restated"):
            right = [r["score"] for r in rows if r["form"] == form and r["right"]]
            wrong = [r["score"] for r in rows if r["form"] == form and not r["right"]]
            line[f"{form}_kept_right"] = round(sum(s >= t for s in right) / len(right), 3) if right else None
            line[f"{form}_dropped_wrong"] = round(sum(s < t for s in wrong) / len(wrong), 3) if wrong else None
        table.append(line)
    n_right = sum(r["right"] for r in rows) // 2
    print(f"{len(passages)} passages, {len({r['id'] for r in rows})} questions, {n_right} right and "
          f"{len(rows) // 2 - n_right} wrong (claim, passage) pairs per form")
    print("threshold | verbatim kept (right) | verbatim dropped (wrong) | restated kept (right) | "
          "restated dropped (wrong)")
    for line in table:
        print(f"{line['threshold']:.2f} | {line['verbatim_kept_right']} | {line['verbatim_dropped_wrong']} | "
              f"{line['restated_kept_right']} | {line['restated_dropped_wrong']}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"table": table, "pairs": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
