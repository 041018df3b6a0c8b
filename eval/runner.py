"""Run every question of a dataset through `Pipeline.ask_stream` (the code path of `rag ask`) for
each config, score it, and aggregate. Writing files and reports is left to the caller."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from tqdm import tqdm

from eval import metrics as M
from eval.choices import choose
from eval.configs import EvalConfig, ensure_index, make_pipeline
from eval.datasets import REPO_ROOT, Dataset, Question
from rag.articles import Article
from rag.embeddings import SentenceEmbeddings
from rag.errors import RagError
from rag.events import Done, Searched
from rag.pipeline import Pipeline
from rag.types import AskResult, Filters, Passage, Turn

log = logging.getLogger(__name__)

# Retrieval metrics rank distinct documents; this many passages are fetched to find 10 documents.
RANK_PASSAGES = 40
TIMING_KEYS = ("retrieve", "answer", "total", "llm_first_token", "llm_total")  # llm_*: LLM answerer only


@dataclass
class ConfigRun:
    dataset: str
    config: str
    records: list[dict] = field(default_factory=list)
    summary: dict = field(default_factory=dict)


def git_commit() -> str | None:
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                             timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "rag", "eval"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Asker:
    """Asks through the pipeline, replaying a question's conversation first (as the chat would:
    each earlier question is asked with the turns before it, and its answer joins the history)."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self._turns: dict[tuple[str, ...], Turn] = {}

    def history_for(self, q: Question) -> list[Turn]:
        history: list[Turn] = []
        for i, earlier in enumerate(q.history):
            key = (*q.history[:i], earlier, str(q.as_of))
            if key not in self._turns:
                filters = Filters(as_of=q.as_of)
                self._turns[key] = Turn.of(self.pipeline.ask(earlier, filters=filters, history=list(history)))
            history.append(self._turns[key])
        return history

    def ask(self, q: Question) -> tuple[AskResult, list[Passage], list[Turn]]:
        history = self.history_for(q)
        passages: list[Passage] = []
        for event in self.pipeline.ask_stream(q.question, filters=Filters(as_of=q.as_of), history=history):
            if isinstance(event, Searched):
                passages = list(event.passages)
            elif isinstance(event, Done):
                return event.result, passages, history
        raise RuntimeError("ask_stream ended without Done")  # unreachable: the pipeline always ends with Done


@dataclass(frozen=True)
class Corpus:
    """The dataset's article texts and dates by doc id, for metrics that read the ranked documents."""

    texts: dict[str, str]
    dates: dict[str, date | None]

    @classmethod
    def of(cls, articles: list[Article]) -> Corpus:
        return cls({a.doc_id: a.text for a in articles}, {a.doc_id: a.date for a in articles})

    def ages(self, docs: list[str], as_of: date | None) -> dict[str, int | None]:
        """Each document's age in days on `as_of` (None: undated, or no as-of date)."""
        return {d: (as_of - day).days if as_of and (day := self.dates.get(d)) else None for d in docs}


def score_question(q: Question, result: AskResult, ranked_docs: list[str], mc_pick: int | None,
                   corpus: Corpus | None = None) -> dict:
    """Every per-question metric (None where a metric does not apply)."""
    answerable = not q.unanswerable
    has_evidence = answerable and bool(q.evidence_ids)
    rank = M.evidence_rank(ranked_docs, q.evidence_ids) if has_evidence else None
    cited_docs = [c.doc_id for c in result.citations]
    cited_texts = [c.text for c in result.citations]
    out: dict = {
        "abstained": result.abstained,
        "evidence_rank": rank,
        **{f"hit@{k}": (M.hit_at(rank, k) if has_evidence else None) for k in M.HIT_KS},
        "rr@10": M.reciprocal_rank(rank) if has_evidence else None,
        "contains_gold": (bool(M.contains_gold(result.answer, q.answers)) if not result.abstained else False)
        if answerable and q.answers else None,
        # How long the answer is: a longer quote contains gold more often, so the two are read side by side.
        "answer_words": None if result.abstained else len(result.answer.split()),
        "em": M.best_exact_match(result.short_answer, q.answers)
        if answerable and result.short_answer is not None else None,
        "f1": M.best_f1(result.short_answer, q.answers) if answerable and result.short_answer is not None else None,
        # Short answers (the bold headline): shown at all (coverage), and right when shown (precision).
        "short_shown": (result.short_answer is not None) if answerable and q.answers else None,
        "short_correct": M.short_answer_correct(result.short_answer, q.answers)
        if answerable and result.short_answer is not None else None,
        # Follow-ups: was the question rewritten for search? (Only defined for a question asked after earlier turns.)
        "rewritten": (result.query != result.question) if q.history else None,
        "mc_pick": mc_pick,
        "mc_correct": (mc_pick == q.gold_choice) if q.gold_choice is not None and mc_pick is not None else None,
        "citation_precision_evidence": M.citation_precision_evidence(cited_docs, q.evidence_ids)
        if has_evidence else None,
        "citation_precision_answer": M.citation_precision_answer(cited_texts, q.answers)
        if answerable and q.answers else None,
        "first_citation_evidence": M.first_citation_is_evidence(cited_docs, q.evidence_ids) if has_evidence else None,
    }
    if corpus is not None and has_evidence and q.answers:
        out["top_doc_answers"] = bool(ranked_docs) and bool(M.contains_gold(corpus.texts.get(ranked_docs[0], ""),
                                                                             q.answers))
        if q.as_of:  # "the same week" needs the question's date
            rivals = M.rival_reports(ranked_docs, q.evidence_ids, corpus.texts, corpus.ages(ranked_docs, q.as_of),
                                     q.answers)
            out["rivals"] = rivals
            out["rival_chance_hit@1"] = M.rival_chance_hit(rank, rivals)
    out.update(generation_scores(result))
    for key in TIMING_KEYS:
        out[f"{key}_ms"] = result.timings_ms.get(key)
    return out


def generation_scores(result: AskResult) -> dict:
    """Citation validity of the shown answer, what verification kept and dropped, and the fallback."""
    valid, shown = (0, 0) if result.abstained else M.sentences_with_valid_citations(
        result.answer, (c.n for c in result.citations))
    kept = shown if result.answerer == "llm" and not result.abstained else 0
    return {"answerer": result.answerer, "fallback_reason": result.fallback_reason,
            "sentences_valid_citations": [valid, shown], "sentences_kept_dropped": [kept, len(result.dropped)]}


# Summary rate -> the per-question yes/no it averages (rates whose intervals the report gives).
RATE_FIELDS = {"hit@1": "hit@1", "contains_gold": "contains_gold", "short_answer_precision": "short_correct",
               "short_answer_coverage": "short_shown", "mc_accuracy": "mc_correct",
               "first_citation_evidence": "first_citation_evidence"}


def split_gap(by_split: dict[str, dict], tuned: str = "dev", held_out: str = "test") -> dict[str, dict]:
    """Per rate: tuned-on minus held-out, with the 95% interval of that difference (Newcombe): a gap whose interval
    holds 0 is within what two samples of this size differ by chance."""
    a, b = by_split.get(tuned, {}).get("counts", {}), by_split.get(held_out, {}).get("counts", {})
    out = {}
    for key in RATE_FIELDS:
        if key in a and key in b and (ci := M.difference_interval(tuple(a[key]), tuple(b[key]))) is not None:
            out[key] = {tuned: a[key], held_out: b[key], "gap": a[key][0] / a[key][1] - b[key][0] / b[key][1],
                        "ci95": list(ci)}
    return out


def aggregate(questions: list[Question], scores: list[dict]) -> dict:
    """Summary metrics over one config's per-question scores (see eval/README.md for each)."""
    ok = [(q, s) for q, s in zip(questions, scores, strict=True) if s.get("error") is None]
    col = [s for _, s in ok]
    out: dict = {
        "questions": len(questions), "errors": len(questions) - len(ok),
        "answerable": sum(not q.unanswerable for q, _ in ok), "unanswerable": sum(q.unanswerable for q, _ in ok),
    }
    for k in M.HIT_KS:
        out[f"hit@{k}"] = M.mean(s[f"hit@{k}"] for s in col)
    out["mrr@10"] = M.mean(s["rr@10"] for s in col)
    out["retrieval_n"] = M.count_defined(s["rr@10"] for s in col)
    out["contains_gold"] = M.mean(s["contains_gold"] for s in col)
    out["answer_words"] = M.mean(s.get("answer_words") for s in col)
    out["em"] = M.mean(s["em"] for s in col)
    out["f1"] = M.mean(s["f1"] for s in col)
    out["short_answers_n"] = M.count_defined(s["em"] for s in col)
    out["short_answer_precision"] = M.mean(s.get("short_correct") for s in col)
    out["short_answer_coverage"] = M.mean(s.get("short_shown") for s in col)
    # Conversations: questions that need no earlier turn must be searched as asked; real follow-ups must be resolved.
    standalone = [s for q, s in ok if q.history and q.type == "standalone"]
    follow = [s for q, s in ok if q.history and q.type == "followup"]
    out["rewrite_rate"] = M.mean(s.get("rewritten") for s in col)
    out["rewrite_rate_standalone"] = M.mean(s.get("rewritten") for s in standalone)
    out["followup_contains_gold"] = M.mean(s["contains_gold"] for s in follow)
    out["mc_accuracy"] = M.mean(s["mc_correct"] for s in col)
    out["mc_n"] = M.count_defined(s["mc_correct"] for s in col)
    for key in ("citation_precision_evidence", "citation_precision_answer", "first_citation_evidence"):
        out[key] = M.mean(s[key] for s in col)
    # How far hit@1 by evidence article is from what the ranking does for a reader (see eval/README.md).
    out["top_doc_answers"] = M.mean(s.get("top_doc_answers") for s in col)
    out["rival_share"] = M.mean(None if s.get("rivals") is None else s["rivals"] > 0 for s in col)
    out["rival_chance_hit@1"] = M.mean(s.get("rival_chance_hit@1") for s in col)
    # Yes/no rates as (successes, n), so a report can say how wide each is and whether a dev/held-out gap is chance.
    out["counts"] = {key: c for key, field in RATE_FIELDS.items()
                     if (c := M.binary_counts(s.get(field) for s in col)) is not None}
    out.update(M.abstention_scores([q.unanswerable for q, _ in ok], [s["abstained"] for s in col]))
    out["abstained"] = M.mean(s["abstained"] for s in col)
    # Generated answers (the llm config; see eval/README.md): also defined for the extractive answerer, whose
    # sentences all carry a valid citation by construction.
    out["citation_validity"] = M.pooled_share(
        tuple(s["sentences_valid_citations"]) for s in col if s.get("sentences_valid_citations"))
    kept_dropped = [s["sentences_kept_dropped"] for s in col if s.get("sentences_kept_dropped")]
    out["groundedness"] = M.pooled_share((k, k + d) for k, d in kept_dropped)
    out["dropped_sentences"] = sum(d for _, d in kept_dropped)
    out["llm_answered"] = M.mean(s["answerer"] == "llm" if "answerer" in s else None for s in col)
    out["fallback_rate"] = M.mean(s["fallback_reason"] is not None if "answerer" in s else None for s in col)
    reasons = [s["fallback_reason"] for s in col if s.get("fallback_reason")]
    out["fallback_reasons"] = {r: reasons.count(r) for r in sorted(set(reasons))}
    for key in TIMING_KEYS:
        values = [s[f"{key}_ms"] for s in col if s.get(f"{key}_ms") is not None]
        out[f"{key}_p50_ms"] = M.percentile(values, 50)
        out[f"{key}_p95_ms"] = M.percentile(values, 95)
    return out


def run_config(ds: Dataset, cfg: EvalConfig, cache_dir: Path, emb: SentenceEmbeddings,
               say: Callable[[str], None]) -> ConfigRun:
    run = ConfigRun(ds.name, cfg.name)
    t0 = time.perf_counter()
    index = ensure_index(cache_dir, ds.corpus, ds.articles, cfg, emb)
    say(f"[{ds.name} / {cfg.name}] index: {len(ds.articles)} articles, {index.chunks} chunks, "
        + (f"reused from {index.path}" if index.reused else f"built in {index.seconds:.1f}s at {index.path}"))
    pipeline = make_pipeline(cfg, index, emb)
    asker = Asker(pipeline)
    vectors = answerer_sentence_vectors(pipeline)
    corpus = Corpus.of(ds.articles)
    scores: list[dict] = []
    bar = tqdm(ds.questions, desc=f"{ds.name}/{cfg.name}", unit="q", file=sys.stderr, leave=True)
    for q in bar:
        try:
            result, passages, history = asker.ask(q)
            ranking = pipeline.retriever.retrieve(result.query, max(RANK_PASSAGES, pipeline.settings.k),
                                                  Filters(as_of=q.as_of))
            ranked_docs = M.doc_ranking(p.doc_id for p in ranking)[:M.MRR_DEPTH]
            pick = choose(q.question, q.choices, passages, emb, vectors) if q.choices else None
            s = score_question(q, result, ranked_docs, pick.index if pick else None, corpus)
            record = {"dataset": ds.name, "config": cfg.name, **q.to_dict(),
                      "asked_history": [asdict(t) for t in history], "result": result.to_dict(),
                      "retrieved": [_passage_brief(p) for p in passages],
                      "ranked_docs": ranked_docs, "mc_scores": list(pick.scores) if pick else None, "metrics": s}
        except RagError as exc:  # one bad question must not end the run; it is counted as an error
            s = {"error": str(exc)}
            record = {"dataset": ds.name, "config": cfg.name, **q.to_dict(), "error": str(exc), "metrics": s}
        scores.append(s)
        run.records.append(record)
    bar.close()
    run.summary = {
        "config": cfg.name, "description": cfg.description, "kind": cfg.kind,
        "settings": json.loads(pipeline.settings.model_dump_json(exclude={"home", "api_key", "chroma_url",
                                                                          "llm_api_key"})),
        "index": {"chunks": index.chunks, "build_seconds": round(index.seconds, 1), "reused": index.reused},
        "seconds": round(time.perf_counter() - t0, 1),
        "metrics": aggregate(ds.questions, scores),
    }
    splits = sorted({q.split for q in ds.questions if q.split})
    if len(splits) > 1:  # tuned-on vs held-out questions, side by side
        run.summary["by_split"] = {}
        for sp in splits:
            keep = [i for i, q in enumerate(ds.questions) if q.split == sp]
            run.summary["by_split"][sp] = aggregate([ds.questions[i] for i in keep], [scores[i] for i in keep])
        run.summary["split_gap"] = split_gap(run.summary["by_split"])
    return run


def answerer_sentence_vectors(pipeline: Pipeline):
    """The extractive answerer has just embedded every sentence of the retrieved passages and
    caches them; multiple choice reuses those vectors instead of encoding them a second time.
    Any other answerer: None (the chooser encodes the sentences itself)."""
    scorer = getattr(pipeline.answerer, "scorer", None)
    fn = getattr(scorer, "_vectors", None)
    return fn if callable(fn) else None


def _passage_brief(p: Passage) -> dict:
    return {"chunk_id": p.chunk_id, "doc_id": p.doc_id, "title": p.title, "score": round(p.score, 4),
            "date": p.date, "source": p.source, "text": p.text}
