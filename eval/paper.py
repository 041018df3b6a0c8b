"""The RealTime QA authors' own baseline predictions, scored with our metric code on our questions.

Files: baseline_results/2022/<WEEK>_qa_<baseline>.jsonl (multiple choice: a list of choice indices)
and <WEEK>_qa_<baseline>_gen.jsonl (generation: a string). As in the authors' evaluate_main.py,
MC is an exact match of the index list, and generation EM/F1 skip questions ending in "except"
(a "which of these ... except" question has no short generative answer).
"""

from __future__ import annotations

import json
from pathlib import Path

from eval import metrics as M
from eval.datasets import Dataset
from rag.articles import canonical_url

BASELINES = ("closed_gpt3", "closed_t5", "open_gpt3_gcs", "open_gpt3_dpr", "open_rag_gcs", "open_rag_dpr")
DESCRIPTIONS = {
    "closed_gpt3": "GPT-3, no retrieval",
    "closed_t5": "T5, no retrieval",
    "open_gpt3_gcs": "GPT-3 + Google custom search (live web)",
    "open_gpt3_dpr": "GPT-3 + DPR over Wikipedia",
    "open_rag_gcs": "RAG (BART) + Google custom search (live web)",
    "open_rag_dpr": "RAG (BART) + DPR over Wikipedia",
}


def _predictions(root: Path, weeks: tuple[str, ...], suffix: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for week in weeks:
        path = root / f"{week}_qa_{suffix}.jsonl"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                out[rec["question_id"]] = rec["prediction"]
    return out


def skips_generation(question: str) -> bool:
    return "except" in question.lower().strip()[-10:]


def score_baseline(ds: Dataset, name: str) -> dict:
    root = ds.baselines_root
    if root is None:
        return {}
    mc = _predictions(root, ds.weeks, name)
    gen = _predictions(root, ds.weeks, f"{name}_gen")
    mc_hits, em, f1, contains = [], [], [], []
    for q in ds.questions:
        if q.id in mc and q.gold_choice is not None:
            mc_hits.append([int(i) for i in mc[q.id]] == [q.gold_choice])
        if q.id in gen and not skips_generation(q.question):
            pred = str(gen[q.id])
            em.append(M.best_exact_match(pred, q.answers))
            f1.append(M.best_f1(pred, q.answers))
            contains.append(M.contains_gold(pred, q.answers))
    return {"baseline": name, "description": DESCRIPTIONS.get(name, name),
            "mc_accuracy": M.mean(mc_hits), "mc_n": len(mc_hits),
            "em": M.mean(em), "f1": M.mean(f1), "contains_gold": M.mean(contains), "gen_n": len(em)}


def gcs_retrieval(ds: Dataset) -> dict | None:
    """The paper's retrieval (Google custom search results, `_gcs.jsonl`) ranked by our metric code:
    hit@k and MRR@10 of the gold article's canonical URL among the distinct result URLs."""
    if ds.baselines_root is None:
        return None
    folder = ds.baselines_root.parent.parent / "past" / "2022"
    results: dict[str, list[str]] = {}
    for week in ds.weeks:
        path = folder / f"{week}_gcs.jsonl"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                results[rec["question_id"]] = [canonical_url(h["url"]) for h in rec.get("search_result") or []
                                               if h.get("url")]
    ranks = [M.evidence_rank(M.doc_ranking(results[q.id]), q.evidence_ids) for q in ds.questions if q.id in results]
    if not ranks:
        return None
    out: dict = {f"hit@{k}": M.mean(M.hit_at(r, k) for r in ranks) for k in M.HIT_KS}
    out["mrr@10"] = M.mean(M.reciprocal_rank(r) for r in ranks)
    out["n"] = len(ranks)
    return out


def score_all(ds: Dataset) -> list[dict]:
    return [s for s in (score_baseline(ds, b) for b in BASELINES) if s and (s["mc_n"] or s["gen_n"])]
